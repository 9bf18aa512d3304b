from odoo import fields, models


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    platform = fields.Selection(selection_add=[("shopify", "Shopify")], ondelete={"shopify": "cascade"})
