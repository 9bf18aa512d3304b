from odoo import fields, models

from odoo.addons.store_connector_base.models.connector_store import keep_stores_of_removed_platform


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    platform = fields.Selection(
        selection_add=[("ebay", "eBay")], ondelete={"ebay": keep_stores_of_removed_platform},
    )
