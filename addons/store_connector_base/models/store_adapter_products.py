from odoo import api, models


class StoreAdapter(models.AbstractModel):
    """Extension points of the product, stock and fulfillment pipelines, with neutral defaults."""

    _inherit = "store.adapter"

    @api.model
    def _default_field_mappings(self, store):
        """The product field mappings a new store starts with (editable afterwards).

        :returns: list of {"field": product.product field name, "platform_field": str,
            "transform": a key of product_mapper.TRANSFORMS (optional), "format_string": str (optional)}.
            The default maps name, SKU, barcode, price (through the store's pricelist), weight and
            the sales description; a platform addon may add its own (e.g. item specifics).
        """
        return [
            {"field": "name", "platform_field": "title"},
            {"field": "default_code", "platform_field": "sku"},
            {"field": "barcode", "platform_field": "barcode"},
            {"field": "lst_price", "platform_field": "price"},
            {"field": "weight", "platform_field": "weight"},
            {"field": "description_sale", "platform_field": "description"},
        ]

    @api.model
    def _order_status_for_stage(self, store, stage):
        """The platform order status that expresses a fulfillment stage.

        :param stage: "processing" (part of the order shipped) or "shipped" (all of it).
        :returns: the platform's status (str), or None to leave the order's status alone (the
            default: the fulfillment itself tells the platform what shipped).
        """
        return None
