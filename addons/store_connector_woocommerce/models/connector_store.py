from odoo import fields, models

from odoo.addons.store_connector_base.models.connector_store import keep_stores_of_removed_platform

from .woocommerce_client import WooCommerceClient


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    platform = fields.Selection(
        selection_add=[("woocommerce", "WooCommerce")],
        ondelete={"woocommerce": keep_stores_of_removed_platform},
    )
    woocommerce_query_string_auth = fields.Boolean(
        string="Keys in the Query String",
        help="Send the consumer key and secret as query parameters instead of HTTP Basic "
        "authentication. Switch it on when WooCommerce answers \"Consumer key is missing\" although "
        "the keys are right: some hosts strip the Authorization header.",
    )

    def _woocommerce_client(self, **kwargs):
        """The store's WooCommerceClient, in an environment that may read its credentials
        (`kwargs`: ApiClient's, e.g. a transport)."""
        self.ensure_one()
        return WooCommerceClient(self.sudo(), **kwargs)
