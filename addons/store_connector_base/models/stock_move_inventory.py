from odoo import models


class StockMove(models.Model):
    """Done stock moves queue the stock update of the published variants they moved; confirmed and
    cancelled ones that of the stores whose publish basis counts open demand."""

    _inherit = "stock.move"

    def _action_confirm(self, merge=True, merge_into=False):
        moves = super()._action_confirm(merge=merge, merge_into=merge_into)
        self._store_demand_changed(moves)
        return moves

    def _action_cancel(self):
        result = super()._action_cancel()
        self._store_demand_changed(self)
        return result

    def _store_demand_changed(self, moves):
        # Which stores publish from the moves' locations is _on_stock_moved's to tell.
        moves = moves.filtered(lambda m: m.product_id.is_storable)
        if moves:
            self.env["store.product.binding"]._on_stock_moved(moves, demand_only=True)
