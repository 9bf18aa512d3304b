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
        # Moves leaving stock (deliveries, transfers out) or coming in (the forecast counts receipts).
        moves = moves.filtered(
            lambda m: m.product_id.is_storable
            and (m.location_id.usage == "internal") != (m.location_dest_id.usage == "internal")
        )
        if moves:
            self.env["store.product.binding"]._on_demand_changed(moves.product_id)

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        done = moves.filtered(lambda m: m.state == "done")
        if done:
            # One query when nothing moved is published; jobs coalesce per store and SKU.
            self.env["store.product.binding"]._on_stock_moved(done)
        return moves
