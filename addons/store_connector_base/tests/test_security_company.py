"""Issue #7, points 2 and 5: records cannot be moved between stores (and so companies), and links
that carry a company (product, sale order, contact, location, journal...) cannot point into
another company, attacked over RPC as the users of two companies."""

from odoo import Command
from odoo.tests import new_test_user

from .common import create_test_store
from .common_attack import MANAGER, USER, RpcAttackCase

# Models nobody writes over RPC at all (the intake and the connector's code write them): a move is
# refused as any write, with an AccessError.
WRITTEN_BY_THE_CONNECTOR = frozenset({"store.webhook.delivery", "store.activity.log"})


def move_error(model):
    return "AccessError" if model in WRITTEN_BY_THE_CONNECTOR else "UserError"


class CompanyAttackCase(RpcAttackCase):
    """One record of every store-owned model in `store_a` (`records_a`, by model) and in `store_b`
    (`records_b`); `store_a2`: a second store of company A; `manager_ab`: a manager working in
    both companies; `catalog_a`: a Store Connector User of company A who may edit products."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store_a2 = create_test_store(cls.env, "Attack Shop A2", company=cls.company_a,
                                         api_key="api-key-of-shop-a2-77aa", webhook_secret=None)
        cls.records_a = cls._records_of(cls.store_a, "a")
        cls.records_b = cls._records_of(cls.store_b, "b")
        both = (cls.company_a | cls.company_b).ids
        cls.manager_ab = new_test_user(
            cls.env, "atk_manager_ab", groups=f"base.group_user,{MANAGER}",
            company_id=cls.company_a.id, company_ids=[Command.set(both)],
        )
        cls.catalog_a = new_test_user(
            cls.env, "atk_catalog_a", groups=f"base.group_user,sales_team.group_sale_manager,{USER}",
            company_id=cls.company_a.id, company_ids=[Command.set(cls.company_a.ids)],
        )
        cls.shared_product = cls.env["product.product"].create(
            {"name": "Shared Mug", "default_code": "ATK-SHARED", "company_id": False})

    @classmethod
    def _records_of(cls, store, tag):
        env = cls.env
        company = store.company_id
        product = env["product.product"].create(
            {"name": f"Product {tag}", "default_code": f"ATK-{tag}", "company_id": company.id})
        partner = env["res.partner"].create({"name": f"Customer {tag}", "company_id": company.id})
        order = env["sale.order"].create({"partner_id": partner.id, "company_id": company.id})
        return {
            # A key the other store has not: moving it must be refused as a move, not as a duplicate.
            "integration.credential": env["integration.credential"]._set_value(
                store, f"atk_token_{tag}", f"token-of-shop-{tag}-5e6f7a"),
            "store.webhook": env["store.webhook"].create({"store_id": store.id, "topic": "orders/create"}),
            "store.webhook.delivery": env["store.webhook.delivery"].create(
                {"store_id": store.id, "kind": "orders", "event_id": f"atk-evt-{tag}"}),
            "store.activity.log": store._log_activity("security.check", "done"),
            "store.field.mapping": env["store.field.mapping"].create({
                "store_id": store.id, "platform_field": f"atk_{tag}",
                "field_name": "name",
            }),
            "store.order.status.map": env["store.order.status.map"].create(
                {"store_id": store.id, "platform_status": f"atk-{tag}", "stage": "confirmed"}),
            "store.payment.method.map": env["store.payment.method.map"].create(
                {"store_id": store.id, "gateway": f"atk-{tag}"}),
            "store.carrier.map": env["store.carrier.map"].create({
                "store_id": store.id, "platform_carrier": f"ATK-{tag}",
                "carrier_id": env["delivery.carrier"].create({
                    "name": f"Carrier {tag}", "company_id": company.id,
                    "product_id": env["product.product"].create(
                        {"name": f"Shipping {tag}", "type": "service", "company_id": company.id}).id,
                }).id,
            }),
            "store.category.map": env["store.category.map"].create({
                "store_id": store.id, "category_id": env.ref("product.product_category_all").id,
                "platform_category": f"atk-collection-{tag}",
            }),
            "store.product.binding": env["store.product.binding"].create(
                {"store_id": store.id, "product_id": product.id}),
            "store.order.binding": env["store.order.binding"].create(
                {"store_id": store.id, "order_id": order.id, "external_id": f"atk-order-{tag}"}),
            "store.customer.binding": env["store.customer.binding"].create(
                {"store_id": store.id, "partner_id": partner.id, "external_id": f"atk-customer-{tag}"}),
        }

    def assertStore(self, record, store):
        record.invalidate_recordset()
        self.assertEqual(record.sudo().store_id, store, f"{record._name} was moved")
        self.assertEqual(record.sudo().company_id, store.company_id, f"{record._name} changed company")


class TestRecordsStayInTheirStore(CompanyAttackCase):
    """Point 2: the store of an existing record is fixed; the record rules only look at a record as
    it was before a write, so a write could move it into a store (a company) the writer cannot see."""

    def test_user_cannot_move_a_product_binding_to_another_company(self):
        binding = self.records_a["store.product.binding"]
        self.assertRpcRefused(self.user_a, binding._name, "write", binding.ids,
                              {"store_id": self.store_b.id}, error="UserError")
        self.assertStore(binding, self.store_a)

    def test_manager_of_one_company_cannot_move_records_to_another(self):
        for model, record in self.records_a.items():
            with self.subTest(model=model):
                self.assertRpcRefused(self.manager_a, model, "write", record.ids,
                                      {"store_id": self.store_b.id}, error=move_error(model))
                self.assertStore(record, self.store_a)

    def test_manager_of_both_companies_cannot_move_records_either(self):
        for model, record in self.records_a.items():
            with self.subTest(model=model):
                self.assertRpcRefused(self.manager_ab, model, "write", record.ids,
                                      {"store_id": self.store_b.id}, error=move_error(model))
                self.assertStore(record, self.store_a)
                # Nor to another store of the same company: the record belongs to its store.
                self.assertRpcRefused(self.manager_ab, model, "write", record.ids,
                                      {"store_id": self.store_a2.id}, error=move_error(model))
                self.assertStore(record, self.store_a)

    def test_records_cannot_be_pulled_in_through_a_store(self):
        # The same move from the other side: linking company B's records into store A's lists.
        one2many = {
            "credential_ids": "integration.credential", "webhook_ids": "store.webhook",
            "log_ids": "store.activity.log", "field_mapping_ids": "store.field.mapping",
            "product_binding_ids": "store.product.binding", "order_status_map_ids": "store.order.status.map",
            "order_payment_map_ids": "store.payment.method.map", "carrier_map_ids": "store.carrier.map",
            "category_map_ids": "store.category.map",
        }
        for fname, model in one2many.items():
            record_b = self.records_b[model]
            with self.subTest(field=fname):
                self.assertRpcRefused(self.manager_ab, "connector.store", "write", self.store_a.ids,
                                      {fname: [Command.link(record_b.id)]}, error=move_error(model))
                self.assertStore(record_b, self.store_b)

    def test_an_order_stays_with_the_store_it_came_from(self):
        # sale.order.store_id is stored and computed from the order's binding; the sync API lists a
        # store's orders by it.
        order_a = self.records_a["store.order.binding"].order_id
        loose_order = self.env["sale.order"].create(
            {"partner_id": order_a.partner_id.id, "company_id": self.company_a.id})
        for order, store in ((order_a, self.store_b), (order_a, self.store_a2), (loose_order, self.store_b),
                             (loose_order, self.store_a)):
            with self.subTest(order=order.name, store=store.name):
                before = order.store_id
                self.assertRpcRefused(self.catalog_a, "sale.order", "write", order.ids,
                                      {"store_id": store.id}, error="AccessError")
                order.invalidate_recordset()
                self.assertEqual(order.store_id, before)
        self.assertEqual(order_a.store_id, self.store_a)

    def test_company_cannot_be_written_past_the_store(self):
        # company_id follows the store; written directly it would hand the record to company B
        # while it stays in store A.
        for model, record in self.records_a.items():
            with self.subTest(model=model):
                with self.assertRaises(Exception):  # noqa: B017 - refused, however the ORM words it
                    self.rpc(self.manager_ab, model, "write", record.ids, {"company_id": self.company_b.id})
                self.assertStore(record, self.store_a)

    def test_writing_the_same_store_again_is_allowed(self):
        for model, record in self.records_a.items():
            if model in WRITTEN_BY_THE_CONNECTOR:
                continue
            with self.subTest(model=model):
                self.rpc(self.manager_a, model, "write", record.ids,
                         {"store_id": self.store_a.id, "company_id": self.company_a.id})
                self.assertStore(record, self.store_a)

    def test_manager_of_one_company_cannot_give_a_store_to_another(self):
        self.assertRpcRefused(self.manager_ab, "connector.store", "write", self.store_a.ids,
                              {"company_id": self.company_b.id}, error="UserError")
        self.assertRpcRefused(self.manager_a, "connector.store", "write", self.store_a.ids,
                              {"company_id": self.company_b.id}, error="UserError")
        self.store_a.invalidate_recordset()
        self.assertEqual(self.store_a.company_id, self.company_a)

    def test_other_company_cannot_touch_company_a_records(self):
        for model, record in self.records_a.items():
            with self.subTest(model=model):
                self.assertRpcRefused(self.manager_b, model, "read", record.ids, ["id"])
                self.assertRpcRefused(self.manager_b, model, "write", record.ids,
                                      {"store_id": self.store_b.id})
                self.assertRpcRefused(self.manager_b, model, "unlink", record.ids)
                self.assertStore(record, self.store_a)


class TestLinksStayInTheirCompany(CompanyAttackCase):
    """Point 2: the other company-carrying links of store records (check_company)."""

    def test_bindings_refuse_records_of_another_company(self):
        product_b = self.records_b["store.product.binding"].product_id
        order_b = self.records_b["store.order.binding"].order_id
        partner_b = self.records_b["store.customer.binding"].partner_id
        attacks = [
            (self.user_a, "store.product.binding", {"product_id": product_b.id}),
            (self.manager_a, "store.product.binding", {"product_id": product_b.id}),
            (self.manager_a, "store.order.binding", {"order_id": order_b.id}),
            (self.manager_a, "store.customer.binding", {"partner_id": partner_b.id}),
        ]
        for user, model, vals in attacks:
            record = self.records_a[model]
            before = record.read(list(vals))[0]
            with self.subTest(user=user.login, model=model, vals=vals):
                # A binding's variant is fixed for every caller (AccessError) before its company
                # is checked; the other links are refused by check_company.
                write_error = "AccessError" if model == "store.product.binding" else "UserError"
                self.assertRpcRefused(user, model, "write", record.ids, vals, error=write_error)
                create_vals = dict(vals, store_id=self.store_a.id, external_id="atk-new")
                if model == "store.product.binding":
                    create_vals.pop("external_id")
                self.assertRpcRefused(user, model, "create", create_vals, error="UserError")
                record.invalidate_recordset()
                self.assertEqual(record.read(list(vals))[0], before)

    def test_a_product_shared_by_all_companies_can_still_be_bound(self):
        binding_id = self.rpc(self.user_a, "store.product.binding", "create",
                              {"store_id": self.store_a.id, "product_id": self.shared_product.id})
        binding = self.env["store.product.binding"].browse(binding_id)
        self.assertEqual(binding.company_id, self.company_a)
        self.assertEqual(binding.product_id, self.shared_product)

    def test_payment_mapping_refuses_terms_of_another_company(self):
        term_b = self.env["account.payment.term"].create({"name": "B terms", "company_id": self.company_b.id})
        mapping = self.records_a["store.payment.method.map"]
        self.assertRpcRefused(self.manager_a, mapping._name, "write", mapping.ids,
                              {"payment_term_id": term_b.id}, error="UserError")
        shared_term = self.env["account.payment.term"].create({"name": "Shared terms", "company_id": False})
        self.rpc(self.manager_a, mapping._name, "write", mapping.ids, {"payment_term_id": shared_term.id})
        self.assertEqual(mapping.payment_term_id, shared_term)

    def test_carrier_mapping_refuses_carriers_of_another_company(self):
        mapping = self.records_a["store.carrier.map"]
        carrier_b = self.records_b["store.carrier.map"].carrier_id
        self.assertRpcRefused(self.manager_a, mapping._name, "write", mapping.ids,
                              {"carrier_id": carrier_b.id}, error="UserError")
        self.assertRpcRefused(self.manager_ab, mapping._name, "create",
                              {"store_id": self.store_a.id, "carrier_id": carrier_b.id,
                               "platform_carrier": "B-CODE"}, error="UserError")
        # A Store Connector user reads the mapping but does not change it.
        self.assertEqual(self.rpc(self.user_a, mapping._name, "read", mapping.ids, ["platform_carrier"]),
                         [{"id": mapping.id, "platform_carrier": "ATK-a"}])
        self.assertRpcRefused(self.user_a, mapping._name, "write", mapping.ids, {"platform_carrier": "X"})
        # What a delivery of store B sends never comes from store A's mapping, nor the reverse.
        self.assertIsNone(self.env["store.carrier.map"]._platform_carrier(self.store_b, mapping.carrier_id))
        self.assertEqual(self.env["store.carrier.map"]._platform_carrier(self.store_a, mapping.carrier_id),
                         "ATK-a")
        mapping.invalidate_recordset()
        self.assertEqual(mapping.carrier_id.company_id, self.company_a)

    def test_log_and_delivery_refuse_a_job_of_another_company(self):
        job_b = self.env["sync.job"]._enqueue(self.store_b, "security.check", "_job_noop")
        for model in ("store.activity.log", "store.webhook.delivery"):
            record = self.records_a[model]
            with self.subTest(model=model):
                self.assertRpcRefused(self.manager_ab, model, "write", record.ids,
                                      {"job_id": job_b.id}, error=move_error(model))
                record.invalidate_recordset()
                self.assertFalse(record.job_id)

    def test_store_settings_refuse_records_of_another_company(self):
        warehouse_b = self.env["stock.warehouse"].search([("company_id", "=", self.company_b.id)], limit=1)
        self.assertTrue(warehouse_b)
        attacks = {
            "warehouse_id": warehouse_b.id,
            "location_ids": [Command.set(warehouse_b.lot_stock_id.ids)],
            "order_salesperson_id": self.user_b.id,
            "order_shipping_product_id": self.records_b["store.product.binding"].product_id.id,
        }
        for fname, value in attacks.items():
            with self.subTest(field=fname):
                self.assertRpcRefused(self.manager_ab, "connector.store", "write", self.store_a.ids,
                                      {fname: value}, error="UserError")
        self.store_a.invalidate_recordset()
        self.assertFalse(self.store_a.location_ids)
        self.assertFalse(self.store_a.order_salesperson_id)
        self.assertNotEqual(self.store_a.warehouse_id, warehouse_b)

    def test_publishing_to_a_store_of_another_company_is_refused(self):
        # From the product form (Published to Stores) and from the Publish to Store wizard: both
        # publish as superuser once called, so the caller's access to the store is what decides.
        self.assertRpcRefused(self.catalog_a, "product.product", "write", self.shared_product.ids,
                              {"published_store_ids": [Command.link(self.store_b.id)]})
        wizard_vals = {"product_ids": [Command.set(self.shared_product.ids)],
                       "store_ids": [Command.set(self.store_b.ids)]}
        self.assertRpcRefused(self.user_a, "store.product.publish.wizard", "create", wizard_vals)
        Binding = self.env["store.product.binding"]
        self.assertFalse(Binding.search([("store_id", "=", self.store_b.id),
                                         ("product_id", "=", self.shared_product.id)]))
        # Its own company's store: published.
        self.rpc(self.catalog_a, "product.product", "write", self.shared_product.ids,
                 {"published_store_ids": [Command.link(self.store_a.id)]})
        self.assertTrue(Binding.search([("store_id", "=", self.store_a.id),
                                        ("product_id", "=", self.shared_product.id)]))

    def test_a_wizard_of_one_company_is_not_open_to_another(self):
        # Odoo does not keep transient records to their creator: the company rule does.
        product_a = self.records_a["store.product.binding"].product_id
        wizard_id = self.rpc(self.user_a, "store.product.publish.wizard", "create", {
            "product_ids": [Command.set(product_a.ids)], "store_ids": [Command.set(self.store_a.ids)],
            "mode": "unpublish",
        })
        Wizard = "store.product.publish.wizard"
        self.assertRpcRefused(self.user_b, Wizard, "read", [wizard_id], ["product_ids"])
        self.assertRpcRefused(self.user_b, Wizard, "action_apply", [wizard_id])
        self.assertEqual(self.records_a["store.product.binding"].platform_status, "active")
        self.rpc(self.user_a, Wizard, "action_apply", [wizard_id])
        self.assertEqual(self.records_a["store.product.binding"].platform_status, "unpublished")
