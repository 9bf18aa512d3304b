from odoo import models
from odoo.tools.translate import LazyTranslate

from .. import const

_lt = LazyTranslate(__name__)


class StoreAdapterEbayLabels(models.AbstractModel):
    """eBay's words: its own jobs and the order statuses derived from eBay's payment, cancel and
    fulfillment statuses (see store.adapter._operation_labels, _order_status_labels)."""

    _inherit = "store.adapter.ebay"

    def _operation_labels(self):
        return dict(super()._operation_labels(), **{
            const.MESSAGES_OPERATION: _lt("Buyer messages"),
            "products.migrate": _lt("Listing migration to the Inventory API"),
        })

    def _order_status_labels(self):
        return dict(super()._order_status_labels(), **{
            const.STATUS_PENDING: _lt("Payment pending"),
            const.STATUS_FAILED: _lt("Payment failed"),
            const.STATUS_PAID: _lt("Paid"),
            const.STATUS_IN_PROGRESS: _lt("Partially shipped"),
            const.STATUS_FULFILLED: _lt("Shipped"),
            const.STATUS_CANCEL_REQUESTED: _lt("Cancellation requested"),
            const.STATUS_CANCELLED: _lt("Cancelled"),
            const.STATUS_REFUNDED: _lt("Refunded"),
        })
