from odoo import models


class StockMove(models.Model):
    """Done stock moves queue the stock update of the published variants they moved."""

    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        done = moves.filtered(lambda m: m.state == "done")
        if done:
            # One query when nothing moved is published; jobs coalesce per store and SKU.
            self.env["store.product.binding"]._on_stock_moved(done)
        return moves
