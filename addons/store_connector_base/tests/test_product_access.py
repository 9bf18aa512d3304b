from odoo.tests import new_test_user

from .common_products import ProductSyncCase


class TestProductAccessAndViews(ProductSyncCase):
    """People without Store Connector rights run the warehouse and the catalogue as before; the
    connector does its part with its own rights."""

    def test_warehouse_user_move_queues_stock_job(self):
        self.store.auto_sync_products = False
        self.store._publish_products(self.mug)
        user = new_test_user(self.env, "sc_stock_user", groups="stock.group_stock_user")
        self.assertFalse(user.has_group("store_connector_base.group_store_connector_user"))
        move = self.env["stock.move"].with_user(user).create({
            "name": "receipt",
            "product_id": self.mug.id,
            "product_uom_qty": 3,
            "product_uom": self.mug.uom_id.id,
            "location_id": self.supplier_location.id,
            "location_dest_id": self.stock_location.id,
        })
        move._action_confirm()
        move.quantity = 3
        move.picked = True
        move._action_done()
        self.assertEqual(self.pending_jobs(operation="inventory.sync").identity_key, "inventory:MUG-1")

    def test_sales_manager_archives_published_product(self):
        self.store._publish_products(self.mug)
        self.run_job(self.pending_jobs(operation="products.export"))
        user = new_test_user(self.env, "sc_sales_manager", groups="sales_team.group_sale_manager")
        self.mug.with_user(user).product_tmpl_id.active = False
        self.assertEqual(len(self.pending_jobs(operation="products.archive")), 1)

    def test_connector_user_publishes_from_the_product_form(self):
        manager = new_test_user(
            self.env, "sc_connector_sales_manager",
            groups="store_connector_base.group_store_connector_user,sales_team.group_sale_manager",
        )
        template = self.mug.product_tmpl_id.with_user(manager)
        template.published_store_ids = self.store
        self.assertEqual(template.published_store_ids, self.store)
        self.assertEqual(template.store_binding_ids.sku, "MUG-1")
        # a salesman who may not edit products publishes through the wizard
        salesman = new_test_user(
            self.env, "sc_connector_salesman",
            groups="store_connector_base.group_store_connector_user,sales_team.group_sale_salesman",
        )
        action = self.tshirt.with_user(salesman).action_open_store_publish_wizard()
        wizard = self.env[action["res_model"]].with_user(salesman).with_context(action["context"]).create({
            "store_ids": [(6, 0, self.store.ids)],
        })
        wizard.action_apply()
        self.assertEqual(self.tshirt.with_user(salesman).published_store_ids, self.store)

    def test_store_channels_tab_on_product_and_variant_forms(self):
        for model in ("product.template", "product.product"):
            arch = self.env[model].get_views([(False, "form")])["views"]["form"]["arch"]
            self.assertIn('name="store_channels"', arch, model)
            self.assertIn('name="published_store_ids"', arch, model)
            self.assertIn('name="action_open_store_publish_wizard"', arch, model)
        arch = self.env["connector.store"].get_views([(False, "form")])["views"]["form"]["arch"]
        for name in ("action_sync_inventory", "action_export_products", "action_import_products",
                     "field_mapping_ids"):
            self.assertIn(f'name="{name}"', arch)
