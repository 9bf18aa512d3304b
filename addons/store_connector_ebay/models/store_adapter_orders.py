"""eBay orders: the pull (``GET /sell/fulfillment/v1/order`` by lastmodifieddate windows, on the
base's keyset cursor), the default status table, Full Sync's 90 days and the order notifications'
jobs (the order is read again and imported by the base's batch importer)."""

from datetime import UTC, timedelta

from odoo import _, api, fields, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services import paging
from odoo.addons.store_connector_base.services.webhook_dispatch import WebhookHandler

from .. import const
from . import ebay_order_mapper as om


def ebay_time(moment):
    """A naive UTC datetime as eBay's filter wants it: ``2026-11-01T00:00:00.000Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class StoreAdapterEbayOrders(models.AbstractModel):
    """eBay orders: `_import_orders`, `_default_status_mapping`, the order topics of
    `_webhook_topic_handlers` and `_webhook_normalized_order`."""

    _inherit = "store.adapter.ebay"

    @api.model
    def _supported_features(self, store):
        return super()._supported_features(store) | {"orders.pull", "full_sync"}

    @api.model
    def _default_status_mapping(self, store):
        """eBay's default status table (const.STATUS_MAPPING_*): the statuses derived from
        payment, cancellation and fulfillment by ebay_order_mapper.order_status."""
        return {"inbound": list(const.STATUS_MAPPING_INBOUND),
                "outbound": list(const.STATUS_MAPPING_OUTBOUND)}

    @api.model
    def _order_page_size(self, store):
        return const.ORDER_PAGE_LIMIT

    @api.model
    def _full_sync_order_days(self, store):
        return const.FULL_SYNC_ORDER_DAYS

    # ------------------------------------------------------------------ pull
    @api.model
    def _import_orders(self, store, since=None, status=None, limit=None, cursor=None):
        """One keyset page of the orders modified at or after `since` (services/paging.py).

        eBay pages getOrders by offset and documents no sort order, so an offset page shifts when an
        order changes during the pull. The pull therefore reads a **window** of modification times
        ``lastmodifieddate:[from..to]`` small enough for one call: from the cursor's time (else
        `since`, else 90 days ago, eBay's horizon) to now, halved until it holds at most `limit`
        orders (eBay's ``total``). The window's orders after the cursor, oldest change first, are the
        page; its cursor is the last of them, or the window's end when it held none, and the next
        page reads the next window. An order changed during the pull moves out of the window to a
        later time and is read there. A window of one second holding more than a call returns is
        read by offset pages, again until two readings agree (nothing moved meanwhile).
        Orders whose cancellation was requested are read once more one by one (``GET
        /order/{orderId}``): getOrders leaves their ``cancelRequests`` empty.
        """
        limit = min(limit or const.ORDER_PAGE_LIMIT, const.ORDER_PAGE_LIMIT)
        client = store._ebay_client()
        now = fields.Datetime.now().replace(microsecond=0)
        start = paging.cursor_time(cursor) or since or now - timedelta(days=const.FULL_SYNC_ORDER_DAYS)
        start = start.astimezone(UTC).replace(tzinfo=None) if start.tzinfo else start
        end = now
        first = self._ebay_order_call(client, start, end, limit, 0)
        halvings = 0
        while first.get("total", 0) > limit and end - start > timedelta(seconds=1) \
                and halvings < const.ORDER_WINDOW_MAX_HALVINGS:
            end = start + (end - start) / 2
            end = end.replace(microsecond=0)
            first = self._ebay_order_call(client, start, end, limit, 0)
            halvings += 1
        payloads = self._ebay_read_window(client, start, end, limit, first)
        payloads = [self._ebay_with_cancel_requests(client, payload) for payload in payloads]
        records = paging.after_cursor([om.order_from_rest(payload) for payload in payloads], cursor)
        if end >= now:
            return {"records": records, "next_cursor": None}
        last = records[-1] if records else {"updated_at": end, "id": ""}
        return {"records": records, "next_cursor": paging.cursor_of(last)}

    @api.model
    def _ebay_order_call(self, client, start, end, limit, offset):
        """One getOrders call over the modification window [start..end]."""
        return client.request_json(
            "GET", const.FULFILLMENT_ORDER_PATH, api=const.QUOTA_FULFILLMENT,
            params={"filter": f"lastmodifieddate:[{ebay_time(start)}..{ebay_time(end)}]",
                    "limit": limit, "offset": offset}) or {}

    @api.model
    def _ebay_read_window(self, client, start, end, limit, first):
        """Every order of a window, the first response given: one call when it holds them all;
        offset pages otherwise, read again until a reading finds nothing new (an order that moved
        between two pages is found by the next reading)."""
        found = {order["orderId"]: order for order in first.get("orders") or [] if order.get("orderId")}
        total = first.get("total", len(found))
        if total <= len(first.get("orders") or []):
            return list(found.values())
        for _reading in range(3):
            before = set(found)
            offset = len(first.get("orders") or []) if _reading == 0 else 0
            while offset < total:
                answer = self._ebay_order_call(client, start, end, limit, offset)
                orders = answer.get("orders") or []
                for order in orders:
                    if order.get("orderId"):
                        found[order["orderId"]] = order
                total = answer.get("total", total)
                if not orders:
                    break
                offset += len(orders)
            if set(found) == before or len(found) >= total:
                break
        return list(found.values())

    @api.model
    def _ebay_with_cancel_requests(self, client, payload):
        """The order with its cancellation requests: read one by one (getOrder) when its cancel
        status names a request, since getOrders leaves them out."""
        if not om.has_cancel_request(payload) or (payload.get("cancelStatus") or {}).get("cancelRequests"):
            return payload
        return self._ebay_get_order(client, payload["orderId"])

    @api.model
    def _fetch_order_by_number(self, store, number):
        """The order whose id is `number` (Seller Hub's order number, ``12-34567-89012``; a legacy
        ``itemId-transactionId`` id is accepted by eBay too): ``GET /order?orderIds=<id>``, which
        answers an empty list for an id the seller does not have (``GET /order/{orderId}`` would
        answer an error), then the order read alone when it has cancellation requests, which
        getOrders leaves out."""
        wanted = number.strip()
        if not wanted or "," in wanted:
            return None
        client = store._ebay_client()
        answer = client.request_json("GET", const.FULFILLMENT_ORDER_PATH, api=const.QUOTA_FULFILLMENT,
                                     params={"orderIds": wanted}) or {}
        for payload in answer.get("orders") or []:
            if wanted in (str(payload.get("orderId") or ""), str(payload.get("legacyOrderId") or "")):
                return om.order_from_rest(self._ebay_with_cancel_requests(client, payload))
        return None

    @api.model
    def _ebay_get_order(self, client, order_id):
        return client.request_json("GET", f"{const.FULFILLMENT_ORDER_PATH}/{order_id}",
                                   api=const.QUOTA_FULFILLMENT)

    # ------------------------------------------------------------------ notifications
    @api.model
    def _webhook_topic_handlers(self, store):
        """The order topics go through the base's batch order import: each notification's job reads
        the order it names again (`_webhook_normalized_order`)."""
        handlers = super()._webhook_topic_handlers(store)
        for topic in const.ORDER_NOTIFICATION_TOPICS:
            handlers[topic] = WebhookHandler("_webhook_import_orders", batch=True)
        return handlers

    @api.model
    def _webhook_normalized_order(self, store, delivery, payload):
        """The order a notification names (``notification.data.orderId``; eBay sends the order id,
        one notification per line item), read again with ``GET /order/{orderId}``."""
        order_id = self._ebay_notification_order_id(payload)
        if not order_id:
            raise PermanentJobError(_(
                "The eBay notification %(event)s names no order: nothing was imported. The next "
                "scheduled pull reads the store's orders from eBay.",
                event=delivery.event_id if delivery else "-"))
        return om.order_from_rest(self._ebay_get_order(store._ebay_client(), order_id))

    @api.model
    def _ebay_notification_order_id(self, payload):
        """The order id of a notification: its envelope, its ``notification``, or its ``data``."""
        if not isinstance(payload, dict):
            return None
        for part in (payload, payload.get("notification"), payload.get("data"),
                     (payload.get("notification") or {}).get("data")):
            if isinstance(part, dict):
                order_id = part.get("orderId") or (part.get("order") or {}).get("orderId")
                if order_id:
                    return str(order_id)
        return None
