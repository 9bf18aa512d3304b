"""A stand-in for the orders pipeline's `store.order.binding`, defined only while the base addon
does not define it (the fulfillment tests need an imported order). It disappears by itself once the
orders pipeline is merged into the base."""

from odoo import fields, models


def _base_defines(model_name):
    return any(
        getattr(cls, "_name", None) == model_name
        for cls in models.MetaModel.module_to_models.get("store_connector_base", ())
    )


if not _base_defines("store.order.binding"):

    class StoreOrderBinding(models.Model):
        """Test-only: the store order an Odoo sale order was imported from."""

        _name = "store.order.binding"
        _description = "Store Order Binding (test stand-in)"

        store_id = fields.Many2one("connector.store", required=True, ondelete="cascade")
        sale_order_id = fields.Many2one("sale.order", required=True, ondelete="cascade")
        external_id = fields.Char(required=True)
