from odoo import models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class StoreAdapterWooCommerceLabels(models.AbstractModel):
    """WooCommerce's words: its coupon notifications and its order statuses the base does not
    know (see store.adapter._operation_labels, _order_status_labels)."""

    _inherit = "store.adapter.woocommerce"

    def _operation_labels(self):
        return dict(super()._operation_labels(), **{"webhook.coupons": _lt("Coupon notification")})

    def _order_status_labels(self):
        return dict(super()._order_status_labels(), **{
            "checkout-draft": _lt("Checkout draft"),
            "trash": _lt("In the trash"),
        })
