"""Fixtures of the sync API, events and dashboard tests: stores, users with and without rights,
API keys, products with SKUs published to the two stores of the company, and stock."""

from odoo.tests import new_test_user

from odoo.addons.store_connector_base.services.sync_api import API_KEY_SCOPE

from .common import run_queue

USER_GROUPS = (
    "base.group_user,store_connector_base.group_store_connector_user,sales_team.group_sale_salesman_all_leads"
)


class SyncApiFixtures:
    """Mixin for TransactionCase / HttpCase classes: call `_setup_sync_api_fixtures()` in setUpClass."""

    @classmethod
    def _setup_sync_api_fixtures(cls):
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.store = cls._new_store(name="Shop A", warehouse_id=cls.warehouse.id)
        cls.store_b = cls._new_store(name="Shop B", warehouse_id=cls.warehouse.id)
        cls.other_company = cls.env["res.company"].create({"name": "Other Company"})
        cls.store_other_company = cls._new_store(name="Shop of the other company",
                                                 company_id=cls.other_company.id)

        cls.api_user = new_test_user(cls.env, "sc_api_user", groups=USER_GROUPS)
        cls.manager = new_test_user(
            cls.env, "sc_api_manager",
            groups="base.group_user,store_connector_base.group_store_connector_manager",
        )
        cls.no_rights_user = new_test_user(cls.env, "sc_api_norights", groups="base.group_user")
        cls.other_company_user = new_test_user(
            cls.env, "sc_api_other", groups=USER_GROUPS,
            company_id=cls.other_company.id, company_ids=[(6, 0, [cls.other_company.id])],
        )
        cls.key = cls._new_api_key(cls.api_user)
        cls.no_rights_key = cls._new_api_key(cls.no_rights_user)
        cls.other_company_key = cls._new_api_key(cls.other_company_user)

        Product = cls.env["product.product"]
        cls.product_a = Product.create({"name": "Product A", "default_code": "SKU-A", "is_storable": True,
                                        "list_price": 10.0})
        cls.product_b = Product.create({"name": "Product B", "default_code": "SKU-B", "is_storable": True,
                                        "list_price": 20.0})
        cls.product_c = Product.create({"name": "Product C", "default_code": "SKU-C", "is_storable": True,
                                        "list_price": 30.0})
        cls.products = cls.product_a | cls.product_b | cls.product_c
        for store in cls.store | cls.store_b:
            store._publish_products(cls.products)
        # Publishing queues the products' export: the fixtures start with no job at all.
        cls.env["sync.job"].sudo().search([("store_id", "in", (cls.store | cls.store_b).ids)]).unlink()
        cls.partner = cls.env["res.partner"].create({"name": "Jane Buyer", "email": "jane@example.com"})

    @classmethod
    def _new_store(cls, **values):
        return cls.env["connector.store"].create({"platform": "test", "stock_baseline": "odoo", **values})

    @classmethod
    def _new_api_key(cls, user):
        """A sync API key of `user` (the sync API's scope; a global key is refused by the API)."""
        keys = cls.env["res.users.apikeys"].with_user(user).sudo()
        return keys._generate(API_KEY_SCOPE, "sync API test", None)

    def _run_queue(self, store):
        """Run the store's due jobs now, in the test's transaction (see common.run_queue)."""
        return run_queue(self.env, store)

    @classmethod
    def _set_stock(cls, product, quantity):
        cls.env["stock.quant"]._update_available_quantity(product, cls.warehouse.lot_stock_id, quantity)

    @classmethod
    def _new_order(cls, store, product=None, quantity=1.0, **values):
        """A sale order imported from `store`: with its store.order.binding (platform id P-<id>,
        number #<id>, platform status "processing")."""
        product = product or cls.product_a
        order = cls.env["sale.order"].create({
            "partner_id": cls.partner.id,
            "company_id": store.company_id.id,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": quantity})],
            **values,
        })
        cls.env["store.order.binding"].create({
            "store_id": store.id, "order_id": order.id, "external_id": f"P-{order.id}",
            "external_number": f"#{order.id}", "platform_status": "processing",
        })
        return order
