"""RPC attacks on the eBay stock and shipping buttons: only a manager of the store's company
migrates its legacy listings or loads its carrier codes; nobody else queues or writes anything."""

from odoo.addons.store_connector_base.tests.common_attack import RpcAttackCase

from .common_stock import create_ebay_test_store


class TestEbayStockAttacks(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ebay_a = create_ebay_test_store(cls.env, "eBay Attack Shop A")
        product = cls.env["product.product"].create(
            {"name": "Old", "default_code": "ATK-OLD", "type": "consu"}
        )
        cls.env["store.product.binding"].sudo().create(
            {
                "store_id": cls.ebay_a.id,
                "product_id": product.id,
                "external_data": {"listing_id": "5501", "ebay_listing_api": "trading"},
            }
        )

    def test_only_a_manager_of_the_company_migrates_or_loads_carrier_codes(self):
        for method in ("action_ebay_migrate_listings", "action_ebay_load_carrier_codes"):
            for user in (self.manager_b, self.user_a, self.internal_a, self.portal_a, self.user_b):
                with self.subTest(method=method, user=user.login):
                    self.assertRpcRefused(user, "connector.store", method, [self.ebay_a.id])
        self.env.invalidate_all()
        jobs = self.env["sync.job"].sudo().search([("store_id", "=", self.ebay_a.id)])
        self.assertFalse(jobs, "nothing queued by an outsider")
        self.assertFalse(self.ebay_a.sudo().ebay_carrier_codes)

    def test_the_manager_of_the_company_queues_the_migration(self):
        self.rpc(self.manager_a, "connector.store", "action_ebay_migrate_listings", [self.ebay_a.id])
        self.env.invalidate_all()
        job = self.env["sync.job"].sudo().search([("store_id", "=", self.ebay_a.id)])
        self.assertEqual((job.operation, job.method_name), ("products.migrate", "_job_ebay_migrate_listings"))
