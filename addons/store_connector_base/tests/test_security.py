"""Groups, access rights on every model, and the company record rules."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase

MANAGER = "store_connector_base.group_store_connector_manager"
USER = "store_connector_base.group_store_connector_user"

# What each group may do on each model: r(ead) w(rite) c(reate) u(nlink).
EXPECTED_RIGHTS = {
    "connector.store": {"user": "r", "manager": "rwcu"},
    "integration.credential": {"user": "", "manager": "rwcu"},
    # Read only for users: the runner executes a job's handler as superuser, so whoever can write
    # a job (its handler, target, payload) can run code; the retry and cancel buttons work for users.
    # No one creates a job by hand (the enqueue API does, as superuser); managers may reschedule
    # one (priority, retries: sync.job.write refuses the rest) and delete it.
    "sync.job": {"user": "r", "manager": "rwu"},
    "store.webhook": {"user": "r", "manager": "rwcu"},
    # Written by the intake and the connector's code alone (as superuser): a delivery's body is what
    # a job processes as superuser; the activity log is an audit trail. Deliveries are purged by a cron.
    "store.webhook.delivery": {"user": "r", "manager": "r"},
    "store.activity.log": {"user": "r", "manager": "r"},
}
OPERATIONS = {"r": "read", "w": "write", "c": "create", "u": "unlink"}


class SecurityCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Store Connector Company B"})
        cls.store_a, cls.records_a = cls._store_with_records("Shop A", cls.company_a)
        cls.store_b, cls.records_b = cls._store_with_records("Shop B", cls.company_b)

        cls.manager = new_test_user(cls.env, "sc_sec_manager", groups=f"base.group_user,{MANAGER}")
        cls.sc_user = new_test_user(cls.env, "sc_sec_user", groups=f"base.group_user,{USER}")
        cls.internal = new_test_user(cls.env, "sc_sec_internal", groups="base.group_user")
        b_only = {"company_id": cls.company_b.id, "company_ids": [Command.set(cls.company_b.ids)]}
        cls.manager_b = new_test_user(cls.env, "sc_sec_manager_b", groups=f"base.group_user,{MANAGER}",
                                      **b_only)
        cls.user_b = new_test_user(cls.env, "sc_sec_user_b", groups=f"base.group_user,{USER}", **b_only)

    @classmethod
    def _store_with_records(cls, name, company):
        store = cls.env["connector.store"].create({
            "name": name,
            "platform": "test",
            "company_id": company.id,
            "shop_url": f"https://{name.lower().replace(' ', '-')}.example.com",
        })
        records = {
            "connector.store": store,
            "integration.credential": cls.env["integration.credential"].create(
                {"store_id": store.id, "key": "api_key", "value": f"secret-of-{name}"}
            ),
            "sync.job": cls.env["sync.job"]._enqueue(store, "security.check", "_job_noop"),
            "store.webhook": cls.env["store.webhook"].create(
                {"store_id": store.id, "topic": "orders/create"}
            ),
            "store.webhook.delivery": cls.env["store.webhook.delivery"].create(
                {"store_id": store.id, "kind": "orders", "event_id": f"evt-{name}"}
            ),
            "store.activity.log": store._log_activity("security.check", "done"),
        }
        return store, records


class TestModelAccess(SecurityCase):
    def test_every_model_of_the_addon_has_access_rules_and_a_company_rule(self):
        # The models the addon defines; the Odoo models it extends (product.product, sale.order...)
        # keep their own rules.
        concrete = [
            name for name, model in self.env.items()
            if model._original_module == "store_connector_base" and not model._abstract
        ]
        self.assertTrue(set(EXPECTED_RIGHTS) <= set(concrete))
        self.assertTrue({"store.product.binding", "store.order.binding", "store.order.status.map"}
                        <= set(concrete))
        for model in concrete:
            with self.subTest(model=model):
                acls = self.env["ir.model.access"].search([("model_id.model", "=", model)])
                self.assertTrue(acls.filtered("group_id"), f"{model} has no access rule for a group")
                self.assertFalse(acls.filtered(lambda a: not a.group_id),
                                 f"{model} grants access to every user, portal and public included")
                # Company data: its own company, or its store's.
                if {"company_id", "store_id"} & set(self.env[model]._fields):
                    rules = self.env["ir.rule"].search([("model_id.model", "=", model)])
                    self.assertTrue(rules.filtered(lambda r: "company_id" in (r.domain_force or "")),
                                    f"{model} has no company record rule")

    def test_rights_per_group(self):
        users = {"user": self.sc_user, "manager": self.manager, "internal": self.internal}
        for model, expected in EXPECTED_RIGHTS.items():
            record = self.records_a[model]
            for role, user in users.items():
                allowed = expected.get(role, "")
                for letter, operation in OPERATIONS.items():
                    with self.subTest(model=model, role=role, operation=operation):
                        target = self.env[model].with_user(user)
                        if operation != "create":
                            target = record.with_user(user)
                        self.assertEqual(target.has_access(operation), letter in allowed)
                        if letter not in allowed:
                            with self.assertRaises(AccessError):
                                target.check_access(operation)

    def test_user_cannot_change_stores(self):
        store = self.store_a.with_user(self.sc_user)
        self.assertEqual(store.name, "Shop A")
        with self.assertRaises(AccessError):
            store.write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.env["connector.store"].with_user(self.sc_user).create({"name": "New", "platform": "test"})
        with self.assertRaises(AccessError):
            store.unlink()
        with self.assertRaises(AccessError):
            store.write({"allow_orders_push": True})

    def test_user_cannot_change_logs_webhooks_and_deliveries(self):
        for model in ("store.webhook", "store.webhook.delivery", "store.activity.log"):
            with self.subTest(model=model):
                record = self.records_a[model].with_user(self.sc_user)
                record.read()
                with self.assertRaises(AccessError):
                    record.unlink()
                with self.assertRaises(AccessError):
                    record.write({"store_id": self.store_a.id})

    def test_internal_user_without_group_sees_nothing(self):
        for model in EXPECTED_RIGHTS:
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.internal).search([])

    def test_manager_manages_stores(self):
        Store = self.env["connector.store"].with_user(self.manager)
        store = Store.create({"name": "Managed", "platform": "test", "shop_url": "https://managed.example.com"})
        store.write({"name": "Managed 2", "allow_orders_push": True, "safety_stock": 2})
        self.assertEqual(store.name, "Managed 2")
        store.unlink()
        self.assertFalse(store.exists())

    def test_user_triggers_syncs_without_write_access_to_the_store(self):
        store = self.store_a.with_user(self.sc_user)
        job = self.env["sync.job"].with_user(self.sc_user)._enqueue(store, "orders.pull", "_job_noop")
        self.assertEqual(job.store_id, self.store_a)
        self.assertEqual(job.state, "pending")

    def test_user_cannot_rewrite_a_job_but_can_retry_and_cancel_it(self):
        job = self.records_a["sync.job"].with_user(self.sc_user)
        for vals in ({"method_name": "_job_scripted"}, {"model_name": "res.users"},
                     {"payload": {"write_name": "pwned"}}, {"res_ids": [1]}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                job.write(vals)
        job.action_cancel()
        self.assertEqual(job.state, "cancelled")
        job.action_retry()
        self.assertEqual(job.state, "pending")
        self.assertEqual(job.method_name, "_job_noop")

    def test_manager_group_implies_user_group(self):
        self.assertTrue(self.manager.has_group(USER))
        self.assertFalse(self.sc_user.has_group(MANAGER))
        self.assertTrue(self.env.ref("base.user_admin").has_group(MANAGER))


class TestCompanyRules(SecurityCase):
    def test_company_b_sees_none_of_company_a(self):
        for user in (self.manager_b, self.user_b):
            for model, record_a in self.records_a.items():
                if not self.env[model].with_user(user).has_access("read"):
                    continue  # no access at all (credentials for a user): covered by the rights test
                with self.subTest(user=user.login, model=model):
                    Model = self.env[model].with_user(user)
                    found = Model.search([("id", "in", (record_a | self.records_b[model]).ids)])
                    self.assertEqual(found, self.records_b[model].with_user(user))
                    with self.assertRaises(AccessError):
                        record_a.with_user(user).check_access("read")
                    with self.assertRaises(AccessError):
                        record_a.with_user(user).read(["id"])

    def test_manager_b_cannot_touch_company_a(self):
        with self.assertRaises(AccessError):
            self.store_a.with_user(self.manager_b).write({"name": "Taken over"})
        with self.assertRaises(AccessError):
            self.records_a["integration.credential"].with_user(self.manager_b).write({"value": "planted-1"})
        with self.assertRaises(AccessError):
            self.env["integration.credential"].with_user(self.manager_b)._get_value(self.store_a, "api_key")
        with self.assertRaises(AccessError):
            self.env["integration.credential"].with_user(self.manager_b).create(
                {"store_id": self.store_a.id, "key": "planted", "value": "planted-2"}
            )
        self.assertEqual(
            self.env["integration.credential"].with_user(self.manager_b)._get_value(self.store_b, "api_key"),
            "secret-of-Shop B",
        )

    def test_only_the_active_companies_are_visible(self):
        both = new_test_user(
            self.env, "sc_sec_manager_ab", groups=f"base.group_user,{MANAGER}",
            company_id=self.company_a.id, company_ids=[Command.set((self.company_a | self.company_b).ids)],
        )
        Store = self.env["connector.store"].with_user(both)
        stores = self.store_a | self.store_b
        self.assertEqual(Store.search([("id", "in", stores.ids)]), stores)
        only_b = Store.with_context(allowed_company_ids=self.company_b.ids)
        self.assertEqual(only_b.search([("id", "in", stores.ids)]), self.store_b)

    def test_store_settings_must_belong_to_its_company(self):
        warehouse_b = self.env["stock.warehouse"].search([("company_id", "=", self.company_b.id)], limit=1)
        self.assertTrue(warehouse_b)
        with self.assertRaises(UserError):
            self.store_a.write({"warehouse_id": warehouse_b.id})
        with self.assertRaises(UserError):
            self.store_a.write({"location_ids": [Command.set(warehouse_b.lot_stock_id.ids)]})
        warehouse_a = self.env["stock.warehouse"].search([("company_id", "=", self.company_a.id)], limit=1)
        self.store_a.write({"warehouse_id": warehouse_a.id})
        self.assertEqual(self.store_a.warehouse_id, warehouse_a)
