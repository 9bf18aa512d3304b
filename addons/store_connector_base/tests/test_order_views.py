"""The order pipeline's views load, and sales users without connector rights still open orders."""

from odoo.tests.common import new_test_user

from .common_orders import OrderPipelineCase


class TestOrderViews(OrderPipelineCase):
    def test_store_form_shows_the_order_settings(self):
        arch = self.env["connector.store"].get_view(view_type="form")["arch"]
        for field in (
            "order_status_map_ids",
            "order_payment_map_ids",
            "order_unknown_sku_policy",
            "order_import_cursor",
        ):
            self.assertIn(f'name="{field}"', arch)
        self.assertIn('name="action_pull_orders"', arch)

    def test_binding_views(self):
        Binding = self.env["store.order.binding"]
        for view_type in ("list", "form", "search"):
            self.assertIn("external_number", Binding.get_view(view_type=view_type)["arch"])

    def test_sale_order_form_for_connector_and_plain_sales_users(self):
        self.import_orders([self.make_order("7001")])
        sale = self.sale_of("7001")
        connector_user = new_test_user(
            self.env,
            "conn_sales",
            groups="sales_team.group_sale_salesman_all_leads,store_connector_base.group_store_connector_user",
        )
        sales_only = new_test_user(self.env, "plain_sales", groups="sales_team.group_sale_salesman_all_leads")
        arch = sale.with_user(connector_user).get_view(view_type="form")["arch"]
        self.assertIn('name="store_binding_ids"', arch)
        self.assertEqual(sale.with_user(connector_user).store_binding_ids.external_number, "N7001")
        arch = sale.with_user(sales_only).get_view(view_type="form")["arch"]
        self.assertNotIn("store_binding_ids", arch)
        # The order itself reads fine for a salesperson without connector rights.
        self.assertEqual(sale.with_user(sales_only).client_order_ref, "TS-N7001")
