"""eBay shipping: a done delivery becomes a shipping fulfillment of its eBay order.

``POST /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment`` once per package (an Odoo
delivery), with the eBay line items it holds and the quantities it shipped (a partial delivery
sends what it holds; its backorder goes as another package), ``shippedDate``, and the carrier code
with the tracking number. eBay takes the carrier and the tracking number only together: a delivery
without a tracking number is sent without either (eBay marks its lines shipped, with no tracking
for the buyer). The carrier code is eBay's (``ShippingCarrierCodeType``, listed by Trading
``GeteBayDetails`` ``ShippingCarrierDetails``): the store's Carrier Mapping gives it, and a carrier
it does not map stops the delivery with a message saying which carrier to map
(`_carrier_code_required`); Load eBay Carrier Codes on the store lists the codes eBay knows.

Never twice: the base sends a delivery once (its fulfillment reference); a job retried after eBay
took the fulfillment (an answer lost) finds it among the order's fulfillments (``GET
.../shipping_fulfillment``: same tracking number, or the same line items without tracking) and
answers its id instead of sending it again.
"""

from odoo import _, api, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError

from . import ebay_stock_mapper as sm

QUOTA_FULFILLMENT = "fulfillment"


class StoreAdapterEbayFulfillment(models.AbstractModel):
    """eBay shipping fulfillments (see the module docstring)."""

    _inherit = "store.adapter.ebay"

    @api.model
    def _supported_features(self, store):
        return super()._supported_features(store) | {"orders.push"}

    @api.model
    def _carrier_code_required(self, store):
        return True

    @api.model
    def _push_fulfillment(self, store, external_order_id, fulfillment):
        """Send one package (see the module docstring).

        :returns: eBay's fulfillment id (the tracking number when one was sent).
        :raises PermanentJobError: none of the delivered lines is an eBay line item, or eBay refused.
        """
        order_id = str(external_order_id or "").strip()
        lines = [
            (line["external_line_id"], line["quantity"])
            for line in fulfillment.get("lines") or ()
            if line.get("external_line_id") and line.get("quantity")
        ]
        if not order_id or not lines:
            raise PermanentJobError(
                _(
                    "Delivery %(reference)s of eBay order %(order)s holds no eBay line item (its lines were "
                    "added in Odoo, not imported from eBay): mark it shipped in Seller Hub.",
                    reference=fulfillment.get("reference") or "-",
                    order=order_id or "-",
                )
            )
        tracking = sm.tracking_number_text(fulfillment.get("tracking_number"))
        carrier = fulfillment.get("carrier") if fulfillment.get("carrier_mapped") else None
        body = sm.shipping_fulfillment(lines, fulfillment.get("shipped_on"), carrier, tracking)
        client = store._ebay_client()
        path = sm.SHIPPING_FULFILLMENT_PATH.format(order_id=order_id)
        existing = self._ebay_sent_fulfillment(client, path, body)
        if existing:
            return existing
        response = client.request("POST", path, json=body, api=QUOTA_FULFILLMENT)
        location = (response.headers.get("Location") or "").rstrip("/")
        return location.rsplit("/", 1)[-1] if location else (body.get("trackingNumber") or _("sent"))

    @api.model
    def _ebay_sent_fulfillment(self, client, path, body):
        """The id of a fulfillment of the order that already is this package (a retried job), or
        None: the same tracking number, or, without tracking, the same line items and quantities."""
        answer = client.request_json("GET", path, api=QUOTA_FULFILLMENT) or {}
        wanted = sorted((item["lineItemId"], int(item["quantity"])) for item in body["lineItems"])
        for sent in answer.get("fulfillments") or ():
            number = sent.get("shipmentTrackingNumber")
            if body.get("trackingNumber"):
                if number and number == body["trackingNumber"]:
                    return sent.get("fulfillmentId") or number
                continue
            items = sorted(
                (str(i.get("lineItemId")), int(i.get("quantity") or 0)) for i in sent.get("lineItems") or ()
            )
            if not number and items == wanted:
                return sent.get("fulfillmentId")
        return None

    @api.model
    def _update_order_status(self, store, external_order_id, status):
        """eBay has no order status a seller sets: the shipping fulfillment is what moves the order
        to shipped (``orderFulfillmentStatus``). Nothing is sent."""
        return None

    # ------------------------------------------------------------------ carrier codes
    @api.model
    def _ebay_shipping_carriers(self, store):
        """eBay's shipping carriers of the store's site (Trading ``GeteBayDetails``
        ``ShippingCarrierDetails``): [{"code", "name"}] sorted by code."""
        reply = (
            store._ebay_trading().execute(
                "GeteBayDetails",
                {"DetailName": "ShippingCarrierDetails"},
                list_nodes=["geteBaydetailsresponse.shippingcarrierdetails"],
            )
            or {}
        )
        carriers = {}
        for detail in sm.as_list(reply.get("ShippingCarrierDetails")):
            code = (detail.get("ShippingCarrier") or "").strip()
            if code:
                carriers[code] = (detail.get("Description") or code).strip()
        return [{"code": code, "name": carriers[code]} for code in sorted(carriers)]
