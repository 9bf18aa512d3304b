from odoo import fields, models


class ConnectorStore(models.Model):
    """Order routing: the rules that choose the warehouse of each imported order (store.order.route)."""

    _inherit = "connector.store"

    order_route_ids = fields.One2many(
        "store.order.route", "store_id", string="Warehouse Routing",
        help="In order, the first rule that matches an imported order gives it its warehouse; without "
        "a match, the store's warehouse ships it.",
    )

    def _order_routes(self):
        """The store's active routing rules, in their order (read as superuser by the importer)."""
        self.ensure_one()
        return self.env["store.order.route"].sudo().search([("store_id", "=", self.id)])
