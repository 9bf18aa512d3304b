from odoo import api, models


class StoreAdapterWooCommerceApi(models.AbstractModel):
    """What the base's sync API needs of a WooCommerce store beyond the generic hooks."""

    _inherit = "store.adapter.woocommerce"

    @api.model
    def _api_store_option_fields(self, store):
        """POST /api/v1/stores may set the query-string fallback of the keys (hosts that strip the
        Authorization header)."""
        return (*super()._api_store_option_fields(store), "woocommerce_query_string_auth")
