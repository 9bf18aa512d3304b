from odoo import _, api, models


class StoreAdapterWooCommerceSetup(models.AbstractModel):
    """WooCommerce in the base's setup assistant: its connect button is Connect with WooCommerce
    (WooCommerce generates a Read/Write key and posts it to Odoo), next to the key lines."""

    _inherit = "store.adapter.woocommerce"

    @api.model
    def _setup_connect_label(self, store):
        return _("Connect with WooCommerce")

    @api.model
    def _setup_connect(self, store):
        return store.action_woocommerce_connect()

    @api.model
    def _setup_locations_note(self, store):
        return _("WooCommerce keeps one stock quantity per product, without locations: there is nothing "
                 "to choose on the shop. Each product's quantity is the free stock of the warehouse or of "
                 "the published locations above.")
