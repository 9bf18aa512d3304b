from odoo import fields, models


class ConnectorStore(models.Model):
    """WooCommerce stores: the option to import WooCommerce's stock changes."""

    _inherit = "connector.store"

    woocommerce_import_inventory = fields.Boolean(
        string="Import Stock Changes from WooCommerce",
        help="Off (default): Odoo is the master of the stock; stock changes made on WooCommerce are "
        "ignored and Odoo's quantities overwrite them at the next stock sync. On: a quantity changed "
        "on WooCommerce (edited in the WordPress admin, by a plugin) and delivered by a product.updated "
        "webhook sets the on hand quantity of the store's published location (an inventory "
        "adjustment); the echoes of Odoo's own stock syncs are ignored. WooCommerce also lowers its "
        "stock when an order is placed: keep the order webhooks registered so that the order reaches "
        "Odoo too.",
    )
