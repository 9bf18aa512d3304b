"""The backend views: every view renders for users and managers, in Odoo 18 style, with the buttons,
anchors and restrictions the store form promises."""

import re
from pathlib import Path

from lxml import etree

from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase
from odoo.tools.misc import file_path

MODULE = "store_connector_base"
MANAGER = f"{MODULE}.group_store_connector_manager"
USER = f"{MODULE}.group_store_connector_user"
VIEWS_DIR = Path(file_path(f"{MODULE}/views"))

# Models whose views a plain Store Connector user opens; credentials are for managers only.
USER_MODELS = ("connector.store", "sync.job", "store.activity.log", "store.webhook", "store.webhook.delivery")
MANAGER_MODELS = USER_MODELS + ("integration.credential",)
# Actions of models only managers open (the setup assistant).
MANAGER_ONLY_MODELS = ("integration.credential", "store.setup.wizard")
# The store form's header: users queue syncs and run the queue; managers also touch the connection.
STORE_BUTTONS_USER = {
    "action_full_sync", "action_process_queue", "action_pull_orders", "action_sync_inventory",
    "action_export_products", "action_import_products", "action_reconcile_stock",
    "action_recover_order",
}
STORE_BUTTONS_MANAGER = STORE_BUTTONS_USER | {
    "action_test_connection", "action_register_webhooks", "action_resume", "action_choose_stock_baseline",
    # The WooCommerce addon's, in the header for its stores only.
    "action_woocommerce_connect",
    # The eBay addon's: Connect with eBay (the base's OAuth install, in the header for eBay stores) and the
    # migration of legacy listings.
    "action_oauth_install", "action_ebay_migrate_listings",
}


class TestViews(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.manager = new_test_user(cls.env, "sc_views_manager", groups=f"base.group_user,{MANAGER}")
        cls.sc_user = new_test_user(cls.env, "sc_views_user", groups=f"base.group_user,{USER}")
        cls.store = cls.env["connector.store"].create({
            "name": "Views Shop", "platform": "test", "shop_url": "https://views-shop.example.com",
        })
        view_data = cls.env["ir.model.data"].search([("module", "=", MODULE), ("model", "=", "ir.ui.view")])
        cls.addon_views = cls.env["ir.ui.view"].browse(view_data.mapped("res_id")).filtered(
            lambda view: view.mode == "primary"
        )

    # ------------------------------------------------------------------ helpers
    def _arch(self, user, model, view_type, view_id=False):
        """The arch `user` gets for `model` (groups applied), parsed."""
        result = self.env[model].with_user(user).get_views([(view_id, view_type)])
        return etree.fromstring(result["views"][view_type]["arch"])

    def _store_form(self, user):
        return self._arch(user, "connector.store", "form")

    @staticmethod
    def _object_buttons(arch):
        return {button.get("name") for button in arch.iter("button") if button.get("type") == "object"}

    # ------------------------------------------------------------------ rendering
    def test_every_view_renders_for_user_and_manager(self):
        self.assertGreaterEqual(len(self.addon_views), 15, "the addon's views were not found")
        for view in self.addon_views:
            users = [self.manager, self.sc_user] if view.model in USER_MODELS else [self.manager]
            for user in users:
                with self.subTest(view=view.xml_id, user=user.login):
                    result = self.env[view.model].with_user(user).get_views([(view.id, view.type)])
                    rendered = result["views"][view.type]
                    self.assertEqual(rendered["id"], view.id)
                    self.assertEqual(etree.fromstring(rendered["arch"]).tag, view.type)

    def test_default_views_are_the_addons_own(self):
        # Without a view id, Odoo picks the model's default view: it must be ours, not a generated one.
        for user, models in ((self.sc_user, USER_MODELS), (self.manager, MANAGER_MODELS)):
            for model in models:
                types = ["list", "search"] + (["form"] if model != "integration.credential" else [])
                types += ["graph", "pivot"] if model == "sync.job" else []
                result = self.env[model].with_user(user).get_views([(False, vt) for vt in types])
                for view_type in types:
                    with self.subTest(model=model, view_type=view_type, user=user.login):
                        view = self.env["ir.ui.view"].browse(result["views"][view_type]["id"])
                        self.assertIn(view, self.addon_views)
                        xmlid = view.get_external_id()[view.id]
                        expected = f"{MODULE}.{model.replace('.', '_')}_view_{view_type}"
                        self.assertEqual(xmlid, expected)

    def test_actions_open_their_views_and_explain_empty_lists(self):
        actions = self.env["ir.actions.act_window"].browse(
            self.env["ir.model.data"].search(
                [("module", "=", MODULE), ("model", "=", "ir.actions.act_window")]
            ).mapped("res_id")
        )
        self.assertGreaterEqual(len(actions), 6)
        for action in actions:
            with self.subTest(action=action.xml_id):
                self.assertRegex(action.xml_id, r"_action(_[a-z]+)?$")
                # A friendly empty state: a title and a sentence, not just the model's name.
                help_text = re.sub(r"<[^>]+>", " ", action.help or "")
                self.assertGreater(len(help_text.split()), 8, "the action has no real help text")
                self.assertIn("o_view_nocontent_", action.help)
                user = self.manager if action.res_model in MANAGER_ONLY_MODELS else self.sc_user
                modes = action.view_mode.split(",")
                result = self.env[action.res_model].with_user(user).get_views(
                    [(False, mode) for mode in modes] + [(action.search_view_id.id, "search")]
                )
                self.assertEqual(set(result["views"]), set(modes) | {"search"})

    # ------------------------------------------------------------------ store form
    def test_credentials_page_only_for_managers(self):
        user_form = self._store_form(self.sc_user)
        self.assertFalse(user_form.xpath("//page[@name='credentials']"))
        self.assertFalse(user_form.xpath("//field[@name='credential_ids']"))
        self.assertFalse(user_form.xpath("//field[@name='code']"), "the webhook key is a manager's secret")
        # The tabs a user needs are still there.
        for page in ("sync", "webhooks", "log"):
            self.assertTrue(user_form.xpath(f"//page[@name='{page}']"), page)

        manager_form = self._store_form(self.manager)
        page = manager_form.xpath("//page[@name='credentials']")
        self.assertEqual(len(page), 1)
        values = page[0].xpath(".//field[@name='credential_ids']//field[@name='value']")
        self.assertEqual(len(values), 1)
        self.assertEqual(values[0].get("password"), "True", "credential values must be masked")

    def test_store_form_buttons_per_group(self):
        manager_buttons = self._object_buttons(self._store_form(self.manager).find("header"))
        self.assertEqual(manager_buttons, STORE_BUTTONS_MANAGER)
        user_buttons = self._object_buttons(self._store_form(self.sc_user).find("header"))
        self.assertEqual(user_buttons, STORE_BUTTONS_USER)
        # Every button of every view of the addon calls a public action method that exists.
        for view in self.addon_views:
            for name in self._object_buttons(etree.fromstring(view.arch)):
                with self.subTest(view=view.xml_id, button=name):
                    self.assertTrue(name.startswith("action_"), name)
                    self.assertTrue(callable(getattr(self.env[view.model], name, None)), name)

    def test_store_form_anchors_and_paused_banner(self):
        form = self._store_form(self.manager)
        for anchor in ("platform_credentials", "platform_settings", "auto_sync", "permissions", "connection"):
            self.assertEqual(len(form.xpath(f"//group[@name='{anchor}']")), 1, anchor)
        self.assertTrue(form.xpath("//div[@name='button_box']"))
        # The banner shows the reason and only on a paused store.
        banner = form.xpath("//div[@role='alert'][.//field[@name='paused_reason']]")
        self.assertEqual(len(banner), 1)
        self.assertEqual(banner[0].get("invisible"), "not paused")
        # Switches, not checkboxes, for the automatic sync and the permissions.
        for group in ("auto_sync", "permissions"):
            widgets = {f.get("widget") for f in form.xpath(f"//group[@name='{group}']/field")}
            self.assertEqual(widgets, {"boolean_toggle"}, group)

    def test_store_list_shows_job_counts(self):
        arch = self._arch(self.sc_user, "connector.store", "list")
        fields = {f.get("name"): f for f in arch.iter("field")}
        self.assertIn("job_pending_count", fields)
        self.assertIn("job_failed_count", fields)
        self.assertEqual(fields["job_failed_count"].get("decoration-danger"), "job_failed_count > 0")

    # ------------------------------------------------------------------ queue
    def test_job_views_retry_cancel_and_failed_in_red(self):
        list_arch = self._arch(self.sc_user, "sync.job", "list")
        self.assertEqual(list_arch.get("decoration-danger"), "state == 'failed'")
        self.assertEqual(list_arch.get("default_group_by"), "state")
        self.assertEqual(self._object_buttons(list_arch.find("header")), {"action_retry", "action_cancel"})
        process = self.env.ref(f"{MODULE}.sync_job_action_process_queue")
        self.assertEqual(
            [b.get("name") for b in list_arch.find("header").iter("button") if b.get("type") == "action"],
            [str(process.id)],
        )
        form_arch = self._arch(self.sc_user, "sync.job", "form")
        header = {b.get("name"): b for b in form_arch.find("header").iter("button")}
        self.assertEqual(set(header), {"action_retry", "action_run_now", "action_cancel"})
        self.assertEqual(header["action_retry"].get("invisible"), "state not in ('failed', 'cancelled')")
        self.assertEqual(header["action_cancel"].get("invisible"), "state not in ('pending', 'failed')")
        search_arch = self._arch(self.sc_user, "sync.job", "search")
        group_bys = {f.get("context") for f in search_arch.iter("filter") if f.get("context")}
        for field in ("state", "store_id", "operation"):
            self.assertIn(f"{{'group_by': '{field}'}}", group_bys)

    def test_process_queue_menu_runs_due_jobs_as_user(self):
        job = self.env["sync.job"]._enqueue(self.store, "views.check", "_job_noop")
        action = self.env.ref(f"{MODULE}.sync_job_action_process_queue")
        self.assertEqual(self.env.ref(f"{MODULE}.sync_job_menu_process").action, action)
        result = action.with_user(self.sc_user).with_context(active_model="sync.job").run()
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(job.state, "done")

    def _menu_shown(self, user, xmlid):
        """Whether `user` sees the menu: it and every menu above it are visible to them."""
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        menu = self.env.ref(f"{MODULE}.{xmlid}")
        chain = menu
        while chain[-1:].parent_id:
            chain |= chain[-1:].parent_id
        return set(chain.ids) <= visible

    def test_menus_per_group(self):
        for xmlid in ("connector_store_menu", "sync_job_menu", "sync_job_menu_process",
                      "store_activity_log_menu"):
            self.assertTrue(self._menu_shown(self.sc_user, xmlid), xmlid)
        for xmlid in ("integration_credential_menu", "store_webhook_menu", "store_webhook_delivery_menu"):
            self.assertFalse(self._menu_shown(self.sc_user, xmlid), xmlid)
            self.assertTrue(self._menu_shown(self.manager, xmlid), xmlid)

    # ------------------------------------------------------------------ files
    def test_view_files_are_odoo_18_style(self):
        files = sorted(VIEWS_DIR.glob("*.xml"))
        self.assertGreaterEqual(len(files), 6)
        for path in files:
            with self.subTest(file=path.name):
                root = etree.parse(str(path)).getroot()
                self.assertFalse(root.xpath("//tree"), "<list>, not <tree>")
                self.assertFalse(root.xpath("//*[@attrs or @states]"), "invisible= expressions, not attrs")
                for record in root.xpath("//record[@model='ir.ui.view']"):
                    inherit = record.xpath("field[@name='inherit_id']")
                    if inherit:
                        # An extension keeps the id of the view it extends (plus a suffix when that
                        # view is the addon's own).
                        original = inherit[0].get("ref").split(".")[-1]
                        self.assertRegex(record.get("id"), rf"^{original}(_[a-z]+)?$")
                        continue
                    model = record.xpath("field[@name='model']")[0].text
                    arch = record.xpath("field[@name='arch']/*")[0]
                    # A second view of one type says what it is for (e.g. _dashboard).
                    self.assertRegex(record.get("id"),
                                     rf"^{model.replace('.', '_')}_view_{arch.tag}(_[a-z]+)?$")
                for record in root.xpath("//record[@model='ir.actions.act_window']"):
                    model = record.xpath("field[@name='res_model']")[0].text
                    self.assertRegex(record.get("id"), rf"^{model.replace('.', '_')}_action(_[a-z]+)?$")
                for menu in root.xpath("//menuitem"):
                    self.assertRegex(menu.get("id"), r"_menu(_[a-z]+)?$")
