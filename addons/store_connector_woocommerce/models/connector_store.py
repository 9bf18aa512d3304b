from odoo import fields, models


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    platform = fields.Selection(
        selection_add=[("woocommerce", "WooCommerce")], ondelete={"woocommerce": "cascade"}
    )
