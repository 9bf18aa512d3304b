"""The Arabic translation (issue #13, "Language and polish"): once Arabic is installed, the backend's
labels, menus, views and error messages read in Arabic, from the addons' i18n/ar.po files."""

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

ADDONS = ["store_connector_base", "store_connector_shopify", "store_connector_woocommerce",
          "store_connector_ebay"]


@tagged("post_install", "-at_install")
class TestArabicTranslation(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ar_001")
        # What installing a language does for installed modules: load their i18n/ar.po.
        installed = cls.env["ir.module.module"].search([("name", "in", ADDONS), ("state", "=", "installed")])
        cls.env["ir.module.module"]._load_module_terms(installed.mapped("name"), ["ar_001"], overwrite=True)
        cls.env_ar = cls.env(context=dict(cls.env.context, lang="ar_001"))

    def test_arabic_is_right_to_left(self):
        self.assertEqual(self.env["res.lang"]._lang_get("ar_001").direction, "rtl")

    def test_field_labels_and_selection_labels_are_arabic(self):
        fields = self.env_ar["sync.job"].fields_get(["state", "priority"])
        self.assertEqual(dict(fields["state"]["selection"])["failed"], "فاشلة")
        self.assertEqual(dict(fields["state"]["selection"])["pending"], "معلقة")
        store_fields = self.env_ar["connector.store"].fields_get(["max_parallel_jobs"])
        self.assertEqual(store_fields["max_parallel_jobs"]["string"], "حد المهام المتوازية")

    def test_menu_and_form_buttons_are_arabic(self):
        menu = self.env_ar.ref("store_connector_base.store_connector_menu_root")
        self.assertEqual(menu.name, "موصّل المتاجر")
        arch = self.env_ar["connector.store"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("مزامنة كاملة", arch)  # Full Sync
        self.assertNotIn('string="Full Sync"', arch)

    def test_error_message_is_arabic(self):
        user = self.env["res.users"].create({
            "name": "Arabic Store Manager", "login": "ar_store_manager", "lang": "ar_001",
            "groups_id": [(6, 0, [self.env.ref("store_connector_base.group_store_connector_manager").id])],
        })
        with self.assertRaises(AccessError) as caught:
            self.env(user=user, context={"lang": "ar_001"})["sync.job"].create({})
        self.assertIn("لا يمكن إنشاؤها يدوياً", str(caught.exception))
