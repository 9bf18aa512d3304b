from odoo import fields, models


class ConnectorStore(models.Model):
    """WooCommerce product options of a store."""

    _inherit = "connector.store"

    woocommerce_archive_action = fields.Selection(
        [("draft", "Set to Draft"), ("trash", "Move to Trash")],
        string="Archived Products", default="draft", required=True,
        help="What an Odoo product archived (or taken off the store for good) becomes on WooCommerce: a "
        "draft, hidden from the shop and kept as it is, or moved to WooCommerce's trash, from which the "
        "merchant can still restore it.",
    )
