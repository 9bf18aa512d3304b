"""WooCommerce orders: the pull (keyset pages over ``GET /orders``), the order webhooks' jobs
(created, updated, restored, deleted; their refunds), the status sent back (``PUT /orders/<id>``)
and the recognition of its echo."""

import logging

from odoo import _, api, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services.normalized import to_datetime
from odoo.addons.store_connector_base.services.webhook_dispatch import WebhookHandler

from .. import const
from . import woocommerce_order_mapper as om

_logger = logging.getLogger(__name__)

#: Order topics whose body is the order (REST v3 representation): imported by the base's pipeline.
ORDER_IMPORT_TOPICS = ("order.created", "order.updated")
#: Recover an Order: the orders one search may return (a number also matches e-mails, names...).
SEARCH_PAGE_SIZE = 100
#: Order statuses WooCommerce marks as deleted (moved to the trash).
TRASH_STATUS = "trash"


class StoreAdapterWooCommerceOrders(models.AbstractModel):
    """WooCommerce orders: `_import_orders`, `_update_order_status`, the order topics of
    `_webhook_topic_handlers` and their echo (`_webhook_is_echo`)."""

    _inherit = "store.adapter.woocommerce"

    @api.model
    def _supported_features(self, store):
        return super()._supported_features(store) | {"orders.pull", "orders.push", "full_sync"}

    # ------------------------------------------------------------------ pull
    @api.model
    def _order_page_size(self, store):
        return const.PAGE_SIZE

    @api.model
    def _order_pull_statuses(self, store):
        """WooCommerce's order statuses (notes: `status[]` of GET /orders) and the custom ones the
        store's status table names."""
        known = [status for status, _stage in const.STATUS_MAPPING_INBOUND] + ["checkout-draft", "trash"]
        custom = [status for status in store.sudo()._get_inbound_status_map() if status not in known]
        return known + sorted(custom)

    @api.model
    def _woocommerce_order_statuses(self, store, status=None):
        """The WooCommerce statuses a pull asks for: `status` (a list or a comma-separated text)
        when given, else the store's Order Statuses to Pull; empty: every status but the trash
        (WooCommerce's "any")."""
        if status is None:
            status = store.woocommerce_order_statuses or ""
        if isinstance(status, str):
            status = status.split(",")
        return [s.strip().lower() for s in status if s and s.strip()]

    @api.model
    def _import_orders(self, store, since=None, status=None, limit=None, cursor=None):
        """One keyset page of the orders modified at or after `since` (services/paging.py).

        ``GET /orders?modified_after=<cursor's time or since, less a second>&dates_are_gmt=true
        &orderby=modified&order=asc``: oldest change first, page numbers of that one request read
        from the first until the page holds `limit` orders after the cursor (by
        (date_modified_gmt, id)). Orders of the last second a page reaches may go on on the next
        page: they wait for the next call, which starts again from their second, so no order moved
        by a change during the pull is skipped."""
        statuses = self._woocommerce_order_statuses(store, status)
        page = store._woocommerce_client().modified_keyset_page(
            "/orders", cursor=cursor, since=since, limit=limit,
            params={"status": ",".join(statuses)} if statuses else None)
        return {"records": self._woocommerce_normalized_orders(store, page["records"]),
                "next_cursor": page["next_cursor"], "total": page.get("total")}

    # ------------------------------------------------------------------ refunds and payment
    @api.model
    def _woocommerce_normalized_orders(self, store, payloads):
        """Normalized orders of WooCommerce orders (REST v3), with what their refunds refunded.

        An order body lists its refunds by id, reason and total only; their lines, shipping, date
        and whether the gateway sent the money back are on ``GET /orders/<id>/refunds``. That call is
        made only for an order listing a refund Odoo does not hold yet: the details of the refunds
        already imported are taken from the order binding's last payload (WooCommerce never changes a
        refund), so re-importing an unchanged order costs no call. The units the new refunds put back
        in stock are read from the order's lines (`woocommerce_order_mapper.with_restocks`). One
        binding lookup for all."""
        orders = [om.order_from_rest(payload) for payload in payloads]
        listing = [order["id"] for order in orders if order["id"] and order["refunds"]]
        if not listing:
            return orders
        Binding = self.env["store.order.binding"].sudo()
        bindings = Binding._find_by_external_ids(store, listing)
        result = []
        for payload, order in zip(payloads, orders, strict=True):
            binding = bindings.get(order["id"]) if order["refunds"] else None
            if binding:
                order = om.with_known_refunds(order, binding.last_payload)
            if om.refunds_to_read(order):
                details = self._woocommerce_order_refunds(store, order["id"])
                if details is not None:
                    order = om.with_restocks(om.order_from_rest(payload, refund_details=details), payload,
                                             binding.last_payload if binding else None)
            result.append(order)
        return result

    @api.model
    def _woocommerce_order_refunds(self, store, order_id):
        """Every refund of WooCommerce order `order_id` (``GET /orders/<id>/refunds``, all pages), or
        None when WooCommerce refuses to give them (the order's refunds are then imported by amount,
        and read again at the order's next import). A shop out of reach raises as any call does."""
        if not str(order_id).isdigit():
            return None
        try:
            return list(store._woocommerce_client().iter_pages(f"/orders/{order_id}/refunds"))
        except PermanentJobError as exc:
            _logger.warning("WooCommerce store %s: the refunds of order %s could not be read: %s",
                            store.id, order_id, exc)
            return None

    @api.model
    def _fetch_payouts(self, store, since):
        """WooCommerce has no payouts: each gateway (Stripe, PayPal...) pays the merchant on its own
        terms, outside WooCommerce; the gateway's mapping (journal per payment method) is what
        reconciles its payments. None means "this platform has no payouts"."""
        return None

    @api.model
    def _fetch_order_by_number(self, store, number):
        """The order whose number is `number` (``1042`` or ``#1042``, as the admin's order list
        shows it): ``GET /orders?search=1042``. WooCommerce's order search matches a numeric term
        against the order id, and the numbering plugins (Sequential Order Numbers...) add their
        number to the searched fields; the search also matches e-mails, names and products, so only
        the order whose ``number`` is exactly the one typed is returned."""
        wanted = number.strip().lstrip("#").strip()
        if not wanted:
            return None
        found = store._woocommerce_client().request_json(
            "GET", "/orders", params={"search": wanted, "per_page": SEARCH_PAGE_SIZE}) or []
        for record in found if isinstance(found, list) else []:
            if str(record.get("number") or record.get("id") or "").casefold() == wanted.casefold():
                return self._woocommerce_normalized_orders(store, [record])[0]
        return None

    # ------------------------------------------------------------------ status back
    @api.model
    def _update_order_status(self, store, external_order_id, status, **kwargs):
        """``PUT /orders/<id> {"status"}``; the status and modification time WooCommerce answers
        are kept on the order binding, so that the order.updated webhook this change causes is
        recognised as its echo (`_webhook_is_echo`)."""
        order_id = om.platform_id(external_order_id)
        if not order_id or not order_id.isdigit():
            raise PermanentJobError(_("%(order)s is not a WooCommerce order id.", order=external_order_id))
        answer = store._woocommerce_client().request_json(
            "PUT", f"/orders/{order_id}", json={"status": status}) or {}
        binding = self._woocommerce_order_binding(store, order_id)
        if binding:
            values = {
                "status_pushed": answer.get("status") or status,
                "status_pushed_at": to_datetime(om.gmt(answer.get("date_modified_gmt")), "date_modified_gmt",
                                                required=False) or False,
            }
            if answer.get("status"):
                values["platform_status"] = answer["status"]
                inbound = store._get_inbound_status_map()
                values["platform_stage"] = inbound.get(answer["status"].casefold()) or False
            binding.write(values)
        return {"status": answer.get("status"), "date_modified_gmt": answer.get("date_modified_gmt")}

    @api.model
    def _woocommerce_order_binding(self, store, order_id):
        """The store's order binding of a WooCommerce order id (one indexed lookup), or empty."""
        Binding = self.env["store.order.binding"].sudo()
        return Binding._find_by_external_ids(store, [order_id]).get(str(order_id), Binding)[:1]

    # ------------------------------------------------------------------ webhooks
    @api.model
    def _webhook_topic_handlers(self, store):
        """order.created and order.updated go through the base's batch order import (their bodies
        read by `_webhook_normalized_order`; the refunds they list are recorded); order.restored
        re-reads the order and reopens it; order.deleted cancels it."""
        handlers = super()._webhook_topic_handlers(store)
        for topic in ORDER_IMPORT_TOPICS:
            handlers[topic] = WebhookHandler("_webhook_import_orders", batch=True)
        handlers["order.restored"] = "_woocommerce_webhook_order_restored"
        handlers["order.deleted"] = "_woocommerce_webhook_order_deleted"
        return handlers

    @api.model
    def _webhook_normalized_order(self, store, delivery, payload):
        """The order of an order.created or order.updated body (REST v3); the pipeline ignores a
        body older than what is already imported (date_modified_gmt). Not pure for WooCommerce: a
        body listing a refund Odoo does not hold yet has its refunds read from WooCommerce
        (`_woocommerce_normalized_orders`), a refund or a payment arriving as an order.updated."""
        if not isinstance(payload, dict) or not payload.get("id") or not payload.get("line_items"):
            raise PermanentJobError(_(
                "The WooCommerce webhook %(event)s does not carry an order with its lines: it was not "
                "imported. The next scheduled pull reads the order from WooCommerce.",
                event=delivery.event_id if delivery else "-"))
        return self._woocommerce_normalized_orders(store, [payload])[0]

    @api.model
    def _woocommerce_webhook_order_deleted(self, store, delivery, payload):
        """order.deleted (``{"id": n}``: moved to the trash or deleted for good): the sale order is
        cancelled when nothing of it shipped; otherwise it is left as it is and its salesperson gets
        an activity saying why."""
        order_id = om.platform_id((payload or {}).get("id"))
        binding = self._woocommerce_order_binding(store, order_id) if order_id else None
        if not binding:
            return self._webhook_ignored(store, delivery, _(
                "WooCommerce deleted order %(order)s, which was never imported; nothing was changed.",
                order=order_id or "-"))
        sale = binding.order_id
        importer = self.env["store.order.importer"].sudo()
        binding.write({"platform_status": TRASH_STATUS,
                       "platform_stage": store._get_inbound_status_map().get(TRASH_STATUS) or "cancelled"})
        if sale.state == "cancel":
            return {"order": sale.id, "cancelled": True, "already": True}
        if importer._is_shipped(sale):
            importer._schedule_activity(
                store, sale, _("Deleted on WooCommerce after shipping"),
                _("WooCommerce deleted order %(number)s but goods already shipped. The order is left as it "
                  "is: arrange the return or refund with the customer.",
                  number=binding.external_number or order_id))
            return {"order": sale.id, "cancelled": False, "reason": "shipped"}
        if sale.locked:
            sale.action_unlock()
        sale.with_context(store_connector_from_platform=True)._action_cancel()
        sale.message_post(
            body=_("Cancelled because WooCommerce deleted order %(number)s (moved to the trash). If it is "
                   "restored there, the order is reopened.", number=binding.external_number or order_id),
            message_type="comment", subtype_xmlid="mail.mt_note")
        return {"order": sale.id, "cancelled": True}

    @api.model
    def _woocommerce_webhook_order_restored(self, store, delivery, payload):
        """order.restored (taken out of the trash): the order is read again from WooCommerce (the
        body may be older than the restore); a sale order the deletion cancelled is set back to
        quotation, then the order is imported as new news (its status applied again)."""
        order_id = om.platform_id((payload or {}).get("id"))
        if not order_id:
            raise PermanentJobError(_("The WooCommerce webhook %(event)s names no order.",
                                      event=delivery.event_id))
        order = store._woocommerce_client().request_json("GET", f"/orders/{order_id}")
        binding = self._woocommerce_order_binding(store, order_id)
        if binding and binding.platform_status == TRASH_STATUS:
            sale = binding.order_id
            if sale.state == "cancel":
                sale.action_draft()
                sale.message_post(
                    body=_("Reopened because WooCommerce restored order %(number)s from the trash.",
                           number=binding.external_number or order_id),
                    message_type="comment", subtype_xmlid="mail.mt_note")
            # Imported again whatever its update time, its status acting as new.
            binding.write({"platform_updated_at": False, "platform_stage": False})
        return store._import_order(self._woocommerce_normalized_orders(store, [order])[0])

    @api.model
    def _webhook_latest_delivery(self, store, deliveries):
        """The delivery of the newest order by its date_modified_gmt (WooCommerce delivers out of
        order, and several events may share a delivery id); a body without one (order.deleted's
        ``{"id"}``) counts from its reception; among equals, the last received."""

        def moment(delivery):
            payload = delivery._payload() or {}
            stamp = None
            if isinstance(payload, dict):
                try:
                    stamp = to_datetime(om.gmt(payload.get("date_modified_gmt")), "date_modified_gmt",
                                        required=False)
                except PermanentJobError:
                    stamp = None
            return (stamp or delivery.received_at, delivery.id)

        return max(deliveries, key=moment)

    @api.model
    def _webhook_is_echo(self, store, kind, topic, headers, parsed):
        """order.updated carrying exactly the status and modification time WooCommerce answered to
        Odoo's own status change (`_update_order_status`, kept on the order binding): the echo of
        that change. One indexed lookup; any other change has another time or status."""
        if topic != "order.updated":
            return super()._webhook_is_echo(store, kind, topic, headers, parsed)
        payload = parsed.get("payload") or {}
        order_id = om.platform_id(payload.get("id")) if isinstance(payload, dict) else None
        if not order_id:
            return False
        binding = self._woocommerce_order_binding(store, order_id)
        if not binding or not binding.status_pushed or not binding.status_pushed_at:
            return False
        try:
            modified = to_datetime(om.gmt(payload.get("date_modified_gmt")), "date_modified_gmt",
                                   required=False)
        except PermanentJobError:
            return False
        return payload.get("status") == binding.status_pushed and modified == binding.status_pushed_at
