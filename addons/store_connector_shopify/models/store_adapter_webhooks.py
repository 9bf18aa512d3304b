"""Shopify webhooks of the syncs: the topic table (orders, refunds, products, stock, bulk
operations), the echo checks at intake and the handlers. The connection's topics (app/uninstalled,
compliance) are in store_adapter.py."""

from datetime import UTC, datetime

from odoo import _, api, fields, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services.webhook_dispatch import WebhookHandler

from .. import const
from . import shopify_order_mapper as om
from . import shopify_product_mapper as pm
from .store_adapter_orders import ORDER_QUERY
from .store_adapter_products import PRODUCT_QUERY

# Order topics, imported through the base's batch order import. Their deliveries share one job per
# order (identity key order:<order id>, see store_adapter.py `_parse_webhook`).
ORDER_TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled", "orders/paid",
                "order_transactions/create")
# Order topics about the order's money: Shopify's REST order bodies carry no transactions (only the
# refunds'), and a transaction's body is not the order. The order is read anew through GraphQL (its
# transactions and refunds as the pull reads them), so that the payment workflow sees the money that
# moved. refunds/create does the same in its own handler (`_shopify_webhook_refund`).
MONEY_TOPICS = ("orders/paid", "order_transactions/create")


class StoreAdapterShopifyWebhooks(models.AbstractModel):
    """Shopify's sync topics: `_webhook_topic_handlers`, `_webhook_is_echo` and the handlers."""

    _inherit = "store.adapter.shopify"

    # ------------------------------------------------------------------ webhooks
    @api.model
    def _webhook_topic_handlers(self, store):
        """The syncs' topics: orders, their transactions and refunds through the base's batch
        order import (their bodies read by `_webhook_normalized_order`), products, stock and the
        Full Sync's bulk operations."""
        handlers = super()._webhook_topic_handlers(store)
        for topic in ORDER_TOPICS:
            handlers[topic] = WebhookHandler("_webhook_import_orders", batch=True)
        handlers["refunds/create"] = "_shopify_webhook_refund"
        handlers["bulk_operations/finish"] = "_shopify_webhook_bulk_finish"
        handlers["products/update"] = "_shopify_webhook_product"
        handlers["products/delete"] = "_shopify_webhook_product_delete"
        handlers["inventory_levels/update"] = "_shopify_webhook_inventory_level"
        return handlers

    @api.model
    def _webhook_is_echo(self, store, kind, topic, headers, parsed):
        """inventory_levels/update saying the quantity Odoo last published at that location, and
        products/update of a product as Odoo's last export left it (same update time, same facts):
        Shopify's answer to our own update. Anything else is stored and its job decides."""
        payload = parsed.get("payload") or {}
        if topic == "inventory_levels/update":
            return self._shopify_inventory_is_echo(store, payload)
        if topic == "products/update":
            return self._shopify_product_is_echo(store, payload)
        return False

    @api.model
    def _shopify_inventory_is_echo(self, store, payload):
        """Whether an inventory_levels/update body reports the quantity Odoo last published for
        that item at that location (one indexed lookup of the binding)."""
        available = payload.get("available")
        if not isinstance(available, int) or isinstance(available, bool):
            return False
        item_gid = om.gid("InventoryItem", payload.get("inventory_item_id"))
        binding = self._shopify_binding_of_item(store, item_gid)
        if not binding:
            return False
        location_gid = om.gid("Location", payload.get("location_id"))
        published = self._shopify_published_level(store, binding, location_gid)
        return published is not None and int(published) == available

    @api.model
    def _shopify_binding_of_item(self, store, item_gid):
        """The product binding of `store` whose Shopify inventory item is `item_gid` (one indexed
        lookup in the bindings' external data), or an empty recordset."""
        Binding = self.env["store.product.binding"].sudo()
        return Binding._find_by_external_ids(store, [item_gid], data_key="inventory_item_id").get(
            item_gid, Binding)[:1]

    @api.model
    def _shopify_published_level(self, store, binding, location_gid):
        """The quantity Odoo last published for `binding` at a Shopify location, or None (never
        published there, or a location Odoo does not publish to)."""
        if not self._shopify_inventory_location(store, location_gid):
            return None
        if store.shopify_location_ids.filtered("location_id"):
            return ((binding.external_data or {}).get("shopify_levels") or {}).get(location_gid)
        return binding.inventory_quantity if binding.inventory_synced_at else None

    @api.model
    def _shopify_product_is_echo(self, store, payload):
        """Whether a products/update body is the product exactly as Odoo's last export left it:
        the update time Shopify answered to that export and the same title, status and variants
        (`pm.export_fingerprint`). A change made since on Shopify has a later update time; one
        made within the same second still changes what the digest covers, or else changes
        nothing the import would read."""
        product_gid = payload.get("admin_graphql_api_id") or om.gid("Product", payload.get("id"))
        bindings = self.env["store.product.binding"].sudo()._find_by_external_ids(
            store, [product_gid], "external_product_id").get(product_gid)
        if not bindings:
            return False
        fingerprint = pm.export_fingerprint(payload)
        for binding in bindings:
            export = (binding.external_data or {}).get(pm.EXPORT_ECHO_KEY) or {}
            if (fingerprint and export.get("fingerprint") == fingerprint
                    and pm.same_moment(export.get("updated_at"), payload.get("updated_at"))):
                return True
        return False

    @api.model
    def _webhook_latest_delivery(self, store, deliveries):
        """The delivery with the latest updated_at in its body (Shopify delivers out of order);
        among equals, the last received. A delivery of a money topic (MONEY_TOPICS) wins over the
        others: acting on it reads the order as it is now, newer than any body."""
        money = deliveries.filtered(lambda delivery: delivery.topic in MONEY_TOPICS)
        if money:
            return money.sorted("id")[-1]

        def moment(delivery):
            try:
                stamp = (delivery._payload() or {}).get("updated_at")
                when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) if stamp else None
            except (TypeError, ValueError, AttributeError):
                when = None
            if when is not None and when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return (when is not None, when or datetime.min.replace(tzinfo=UTC), delivery.id)

        return max(deliveries, key=moment)

    @api.model
    def _shopify_inventory_location(self, store, location_gid):
        """The Odoo location a Shopify location's stock is in: its mapping, else (for the store's
        default Shopify location, or any when none is mapped) the store's warehouse stock."""
        shop_location = store.shopify_location_ids.filtered(lambda loc: loc.shopify_gid == location_gid)
        if shop_location.location_id:
            return shop_location.location_id
        mapped = store.shopify_location_ids.filtered("location_id")
        default = store.shopify_location_id.shopify_gid
        if (not mapped and (not default or default == location_gid)) or default == location_gid:
            return store.warehouse_id.lot_stock_id
        return self.env["stock.location"]

    @api.model
    def _shopify_webhook_inventory_level(self, store, delivery, payload):
        """inventory_levels/update: only with the store's "Import Stock Changes from Shopify" on
        (off by default: Odoo is the master). Then the bound variant's on hand quantity in the
        Odoo location of that Shopify location changes by Shopify's available quantity minus what
        Odoo would publish there now (`_published_quantities`, whatever the store's basis), as an
        applied inventory adjustment (`connector.store._set_platform_stock`: lots, packages and
        owners kept; a lot- or serial-tracked product that would need new lots fails the job with
        a message naming the SKU, nothing written). Ignored: the echo of our own export (the
        quantity Odoo last published there), a payload older than the last one applied, unknown
        items and unmapped locations."""
        if not store.shopify_import_inventory:
            return {"ignored": "stock import from Shopify is off (Odoo is the master)"}
        item_gid = om.gid("InventoryItem", payload.get("inventory_item_id"))
        location_gid = om.gid("Location", payload.get("location_id"))
        available = payload.get("available")
        if available is None:
            return {"ignored": "no available quantity"}
        binding = self._shopify_binding_of_item(store, item_gid)
        if not binding or not binding.product_id.is_storable:
            return {"ignored": f"unknown inventory item {item_gid}"}
        location = self._shopify_inventory_location(store, location_gid)
        if not location:
            return {"ignored": f"Shopify location {location_gid} is not mapped to an Odoo location"}
        data = dict(binding.external_data or {})
        levels = data.get("shopify_levels") or {}
        per_location = bool(store.shopify_location_ids.filtered("location_id"))
        # Usually recognised at intake already (_webhook_is_echo); a delivery stored before our
        # export committed is recognised here.
        published = self._shopify_published_level(store, binding, location_gid)
        if published is not None and int(published) == int(available):
            return {"ignored": "echo of Odoo's own export"}
        stamps = data.get("shopify_level_updated") or {}
        updated_at = payload.get("updated_at") or ""
        # Equal is the same event again (a retry, or its body posted anew): applied once.
        if updated_at and stamps.get(location_gid, "") >= updated_at:
            return {"ignored": "older than the quantity already applied, or the same event again"}
        # The change that makes Odoo publish Shopify's quantity back unchanged, whatever the store's
        # publish basis holds back; applied through the base so that lots, packages and owners are
        # kept, and what needs a lot Odoo cannot choose is refused.
        applied = store._apply_platform_quantity(binding, location, int(available))
        # What Shopify has now is what Odoo would publish: the export the move queues is a no-op.
        data["shopify_level_updated"] = dict(stamps, **{location_gid: updated_at})
        if per_location:
            data["shopify_levels"] = dict(levels, **{location_gid: int(available)})
        vals = {"external_data": data}
        if not per_location:
            vals.update(inventory_quantity=int(available), inventory_synced_at=fields.Datetime.now())
        binding.write(vals)
        return {"sku": binding.sku, "location": location.complete_name, "change": applied["change"],
                "quantity": applied["quantity"]}

    @api.model
    def _shopify_webhook_product(self, store, delivery, payload):
        """products/update: re-read the product from Shopify (the body may be old: deliveries
        come late and unordered) and import it like a pulled page: bound and SKU-matched variants
        get their ids refreshed (Odoo stays the master of their data), new ones are created."""
        store._check_operation_allowed("products.sync")
        product_id = payload.get("admin_graphql_api_id") or om.gid("Product", payload.get("id"))
        node = self._shopify_sync_graphql(store, PRODUCT_QUERY, {"id": product_id}).get("product")
        if not node:
            return {"product": product_id, "found": False}
        return store._import_product_page([pm.product_from_graphql(node)])

    @api.model
    def _shopify_webhook_product_delete(self, store, delivery, payload):
        """products/delete: the bindings forget the deleted product's ids and say why; publishing
        the variants again creates a new Shopify product."""
        product_id = om.gid("Product", payload.get("id"))
        Binding = self.env["store.product.binding"].sudo()
        found = Binding._find_by_external_ids(store, [product_id], "external_product_id")
        bindings = found.get(product_id, Binding)
        for binding in bindings:
            vals = binding._external_ids_values(
                {"product_id": None, "variant_id": None, "inventory_item_id": None}, binding.external_data
            )
            vals.update(sync_state="failed", last_error=_("The product was deleted on Shopify."))
            binding.write(vals)
        return {"product": product_id, "bindings": bindings.ids}

    @api.model
    def _shopify_webhook_bulk_finish(self, store, delivery, payload):
        """bulk_operations/finish: the Full Sync poll waiting for this operation runs now rather
        than at its next scheduled look."""
        operation = payload.get("admin_graphql_api_id")
        polls = (
            self.env["sync.job"]
            .sudo()
            .search(
                [
                    ("store_id", "=", store.id),
                    ("state", "=", "pending"),
                    ("method_name", "=", "_job_shopify_bulk_poll"),
                ]
            )
        )
        polls = polls.filtered(
            lambda job: operation in ((job.payload or {}).get("operations") or {}).values()
        )
        polls.write({"next_attempt_at": fields.Datetime.now()})
        return {"operation": operation, "polls": polls.ids}

    @api.model
    def _webhook_normalized_order(self, store, delivery, payload):
        """orders/create, updated, cancelled, fulfilled: the REST body of the order, with the
        transactions Odoo already knows of it (REST bodies list only the refunds' transactions;
        a Shopify transaction never goes away, a new state is a new transaction).
        orders/paid, order_transactions/create (MONEY_TOPICS): the order read
        anew through GraphQL (`_shopify_fetch_order`), with all its transactions and refunds.
        The pipeline ignores a payload older than what is already imported (updated_at); one of
        the same update time with news (a new transaction) is imported.

        :raises PermanentJobError: Shopify has no such order (any more)."""
        if delivery and delivery.topic in MONEY_TOPICS:
            child = delivery.topic in const.SHOPIFY_ORDER_CHILD_TOPICS
            order_id = payload.get("order_id") if child else payload.get("id")
            order = self._shopify_fetch_order(store, order_id)
            if order is None:
                raise PermanentJobError(_(
                    "Shopify has no order %(order)s any more: its %(topic)s event was not imported.",
                    order=om.legacy_id(order_id), topic=delivery.topic))
            return order
        order = om.order_from_rest(payload)
        return self._shopify_with_known_transactions(store, order)

    @api.model
    def _shopify_webhook_refund(self, store, delivery, payload):
        """refunds/create: the base's OrderRefunded event records the refund on the sale order with
        its lines (a note and an activity for a person, partial refunds too; no automatic credit
        note), then the order is read anew through GraphQL and imported: the REFUND with its lines
        and shipping and the refund transaction reach the order (the event is not repeated: each
        refund is recorded once)."""
        refund = store._event_order_refunded(om.refund_summary(payload))
        order = self._shopify_fetch_order(store, payload.get("order_id"))
        if order is None:
            return {"refund": refund, "order": None}
        return {"refund": refund, "order": store._import_order(order)}

    @api.model
    def _shopify_fetch_order(self, store, order_id):
        """The normalized order `order_id` (legacy id or GID) as Shopify has it now, read like the
        pull reads orders (`_shopify_complete_order`), or None when Shopify has no such order."""
        if order_id in (None, "", False):
            return None
        data = self._shopify_sync_graphql(store, ORDER_QUERY, {"id": om.gid("Order", order_id)})
        node = (data or {}).get("order")
        if not node:
            return None
        return om.order_from_graphql(self._shopify_complete_order(store, node))

    @api.model
    def _shopify_with_known_transactions(self, store, order):
        """`order` with the transactions its binding's last payload holds and `order` does not
        list (one indexed lookup of the binding)."""
        binding = self.env["store.order.binding"].sudo().search(
            [("store_id", "=", store.id), ("external_id", "=", str(order.get("id") or ""))], limit=1)
        known = (binding.last_payload or {}).get("transactions") or []
        listed = {str(t.get("id")) for t in order.get("transactions") or []}
        extra = [t for t in known if str(t.get("id")) not in listed]
        if extra:
            order["transactions"] = extra + list(order.get("transactions") or [])
        return order
