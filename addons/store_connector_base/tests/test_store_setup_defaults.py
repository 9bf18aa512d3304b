"""Issue #13, first setup (second round): what a NEW store gets is what a merchant expects on a first
set-up (its company's warehouse shown, the core flows on, nothing sent to the platform's stock before
the baseline is chosen, not in test mode), and a store that is not fully set up says so wherever a
person looks: its form (to users too, who cannot finish it), the store list, the dashboard's cards and
its list."""

from lxml import etree

from odoo.tests import new_test_user

from .common_attack import MANAGER, USER
from .test_store_setup import SetupCase


class TestNewStoreDefaults(SetupCase):
    def test_a_new_store_gets_the_defaults_a_merchant_expects(self):
        wizard = self.follow(self.start().action_next())
        store = wizard.store_id
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.company.id)], limit=1)
        self.assertTrue(warehouse)
        self.assertEqual(store.warehouse_id, warehouse, "the warehouse the stock export used unseen is shown")
        self.assertEqual(wizard.warehouse_id, warehouse, "the locations step starts from it")
        self.assertEqual(
            {name: store[name] for name in ("auto_sync_orders", "auto_sync_products", "auto_sync_inventory",
                                            "allow_products_sync", "allow_orders_pull", "allow_orders_push",
                                            "allow_inventory_sync", "order_auto_confirm")},
            dict.fromkeys(("auto_sync_orders", "auto_sync_products", "auto_sync_inventory",
                           "allow_products_sync", "allow_orders_pull", "allow_orders_push",
                           "allow_inventory_sync", "order_auto_confirm"), True))
        self.assertFalse(store.auto_sync_customers, "customers come with their orders")
        self.assertEqual(store.stock_baseline, "none", "no stock is sent before the baseline is chosen")
        self.assertFalse(store.test_mode)
        self.assertFalse(store.paused)
        self.assertEqual(store.setup_state, "credentials")

    def test_a_store_of_another_company_gets_that_company_s_warehouse(self):
        other = self.env["res.company"].create({"name": "Other Company (setup defaults)"})
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        self.assertTrue(warehouse, "Odoo makes a warehouse for every company")
        store = self.env["connector.store"].create(
            {"name": "Other", "platform": "test", "company_id": other.id})
        self.assertEqual(store.warehouse_id, warehouse)
        chosen = self.env["stock.warehouse"].search([("company_id", "=", self.company.id)], limit=1)
        store = self.env["connector.store"].create({"name": "Chosen", "platform": "test",
                                                    "warehouse_id": chosen.id})
        self.assertEqual(store.warehouse_id, chosen, "a warehouse given is kept")


class TestNotSetUpEverywhere(SetupCase):
    def arch(self, user, view_type, view=None):
        views = self.env["connector.store"].with_user(user).get_views([(view and view.id, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def test_a_user_reads_on_the_form_that_the_store_is_not_set_up(self):
        user = new_test_user(self.env, "setup_reader", groups=f"base.group_user,{USER}")
        manager = new_test_user(self.env, "setup_manager", groups=f"base.group_user,{MANAGER}")
        for person, sentence, button in ((user, "A Store Connector manager finishes it", False),
                                         (manager, "takes you through what is left", True)):
            arch = self.arch(person, "form")
            [banner] = arch.xpath("//div[@name='setup_banner']")
            text = " ".join(banner.itertext())
            self.assertIn("This store is not fully set up yet", text)
            self.assertIn(sentence, text)
            self.assertEqual(bool(banner.xpath(".//button[@name='action_open_setup']")), button)

    def test_the_store_list_and_the_dashboard_show_the_missing_step(self):
        user = new_test_user(self.env, "setup_viewer", groups=f"base.group_user,{USER}")
        self.assertTrue(self.arch(user, "list").xpath("//field[@name='setup_state']"))
        dashboard = self.env.ref("store_connector_base.connector_store_view_list_dashboard")
        self.assertTrue(self.arch(user, "list", dashboard).xpath("//field[@name='setup_state']"))
        card = self.env.ref("store_connector_base.connector_store_view_kanban_dashboard")
        self.assertTrue(self.arch(user, "kanban", card).xpath("//field[@name='setup_state']"))
