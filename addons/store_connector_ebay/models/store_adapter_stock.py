"""eBay stock and prices: the base's quantities through ``bulkUpdatePriceQuantity`` (Inventory API
listings) or ``ReviseInventoryStatus`` (legacy listings), never both for one listing.

* Inventory API listings: ``POST /sell/inventory/v1/bulk_update_price_quantity``, at most 25 SKUs a
  call (`ebay_stock_mapper.PRICE_QUANTITY_LIMIT`, also the stock jobs' batch size, so that a job is
  one call), the quantity on the inventory item and on its offer (eBay lists the smaller of the
  two), the price on the offer where its id is known. eBay answers per SKU (``responses[]``, each
  with its ``statusCode`` and ``errors``): one SKU refused fails that binding only. Nothing is read
  first.
* Legacy listings (made on eBay's site or by the old Trading integration, bound with
  ``ebay_listing_api: trading``): Trading ``ReviseInventoryStatus``, at most 4 ``InventoryStatus``
  a call (the SKU with a variation's). They form a batch group of their own
  (`_inventory_batch_group`): the base packs each group's SKUs into calls of its own, so that a
  call never mixes the two APIs.

Quotas: eBay counts calls per API per day (the foundation's per-API buckets). A job checks before
its first call that today's quota of the API still has room for all the calls it will make; if
not, it waits for the quota day to turn (the queue's throttled error: rescheduled, not failed)
rather than sending half a batch and failing.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from odoo import _, api, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services.rate_limiter import throttled_error

from . import ebay_stock_mapper as sm

QUOTA_INVENTORY = "inventory"
QUOTA_TRADING = "trading"
# Seconds after the quota day turns before a job that found no room runs again (clock margin),
# and the wait when the time to the turn is not known.
QUOTA_RESET_MARGIN = 60
QUOTA_UNKNOWN_WAIT = 3600


class StoreAdapterEbayStock(models.AbstractModel):
    """eBay stock and prices (see the module docstring)."""

    _inherit = "store.adapter.ebay"

    @api.model
    def _supported_features(self, store):
        return super()._supported_features(store) | {"inventory.sync"}

    # ------------------------------------------------------------------ batching
    @api.model
    def _inventory_batch_size(self, store):
        return sm.PRICE_QUANTITY_LIMIT

    @api.model
    def _inventory_batch_group(self, store, binding):
        """Inventory API listings and legacy (Trading) listings never share a call."""
        return (sm.listing_api(binding._external_ids()),)

    # ------------------------------------------------------------------ stock out
    @api.model
    def _update_inventory(self, store, items):
        """Send the quantities: legacy listings through Trading, the others through
        bulkUpdatePriceQuantity (see the module docstring).

        :returns: [{"sku", "error"}] per item.
        """
        legacy = [item for item in items if sm.listing_api(item.get("external_ids")) == sm.API_TRADING]
        modern = [item for item in items if sm.listing_api(item.get("external_ids")) != sm.API_TRADING]
        results = []
        if modern:
            self._ebay_reserve_quota(store, QUOTA_INVENTORY, -(-len(modern) // sm.PRICE_QUANTITY_LIMIT))
        if legacy:
            self._ebay_reserve_quota(store, QUOTA_TRADING, -(-len(legacy) // sm.INVENTORY_STATUS_LIMIT))
        if modern:
            results += self._ebay_price_quantity_batch(
                store,
                [
                    {
                        "sku": item["sku"],
                        "quantity": item["quantity"],
                        "offer_id": (item.get("external_ids") or {}).get(sm.OFFER_ID),
                    }
                    for item in modern
                ],
            )
        if legacy:
            results += self._ebay_revise_inventory_status(
                store,
                [
                    {
                        "sku": item["sku"],
                        "quantity": item["quantity"],
                        "external_ids": item.get("external_ids"),
                    }
                    for item in legacy
                ],
            )
        return results

    @api.model
    def _ebay_price_quantity_batch(self, store, entries):
        """Quantities and prices of Inventory API listings through bulkUpdatePriceQuantity, 25 SKUs a
        call.

        :param entries: [{"sku", "quantity" (None: unchanged), "offer_id" (None: unknown), "price"
            (None: unchanged; sent only with an offer id), "currency"}].
        :returns: [{"sku", "error" (None when eBay took it)}].
        """
        client = store._ebay_client()
        results = []
        for start in range(0, len(entries), sm.PRICE_QUANTITY_LIMIT):
            chunk = entries[start : start + sm.PRICE_QUANTITY_LIMIT]
            requests = [
                sm.price_quantity_request(
                    entry["sku"],
                    entry.get("quantity"),
                    entry.get("offer_id"),
                    entry.get("price"),
                    entry.get("currency"),
                )
                for entry in chunk
            ]
            try:
                answer = (
                    client.request_json(
                        "POST", sm.BULK_PRICE_QUANTITY_PATH, api=QUOTA_INVENTORY, json={"requests": requests}
                    )
                    or {}
                )
            except PermanentJobError as exc:
                # Refused as a whole (e.g. a malformed call): each SKU says why.
                results += [{"sku": entry["sku"], "error": str(exc)} for entry in chunk]
                continue
            errors = {}
            for response in answer.get("responses") or ():
                error = client.bulk_errors(response)
                if error and response.get("sku"):
                    # A SKU's item and its offer answer separately: keep every refusal.
                    errors[response["sku"]] = "; ".join(filter(None, [errors.get(response["sku"]), error]))
            for entry in chunk:
                error = errors.get(entry["sku"])
                results.append(
                    {
                        "sku": entry["sku"],
                        "error": error
                        and _(
                            "eBay refused the stock or price of SKU %(sku)s: %(error)s",
                            sku=entry["sku"],
                            error=error,
                        ),
                    }
                )
        return results

    # ------------------------------------------------------------------ legacy listings
    @api.model
    def _ebay_revise_inventory_status(self, store, entries):
        """Quantities (and prices) of legacy listings through Trading ReviseInventoryStatus, 4 a call.

        A call eBay refuses as a whole (Ack Failure) is sent again item by item, so that the error
        lands on the binding it is about and the others are updated.

        :param entries: [{"sku", "quantity" (None: unchanged), "price" (None: unchanged),
            "external_ids"}].
        :returns: [{"sku", "error"}].
        """
        trading = store._ebay_trading()
        results, sendable = [], []
        for entry in entries:
            ids = entry.get("external_ids") or {}
            if not ids.get(sm.LISTING_ID):
                results.append(
                    {
                        "sku": entry["sku"],
                        "error": _(
                            "SKU %(sku)s is bound to a legacy eBay listing without its item id: run Full "
                            "Sync "
                            "to find the listing again.",
                            sku=entry["sku"],
                        ),
                    }
                )
                continue
            sendable.append(
                (
                    entry,
                    sm.inventory_status(
                        ids[sm.LISTING_ID],
                        entry["sku"],
                        entry.get("quantity"),
                        entry.get("price"),
                        variation=bool(ids.get(sm.VARIATION)),
                    ),
                )
            )
        for start in range(0, len(sendable), sm.INVENTORY_STATUS_LIMIT):
            chunk = sendable[start : start + sm.INVENTORY_STATUS_LIMIT]
            try:
                reply = trading.execute(
                    "ReviseInventoryStatus",
                    {"InventoryStatus": [s for _e, s in chunk]},
                    list_nodes=["reviseinventorystatusresponse.inventorystatus"],
                )
            except PermanentJobError as exc:
                if len(chunk) == 1:
                    results.append(
                        {"sku": chunk[0][0]["sku"], "error": self._ebay_legacy_error(chunk[0][0], exc)}
                    )
                    continue
                for entry, status in chunk:
                    try:
                        trading.execute("ReviseInventoryStatus", {"InventoryStatus": [status]})
                    except PermanentJobError as item_exc:
                        results.append(
                            {"sku": entry["sku"], "error": self._ebay_legacy_error(entry, item_exc)}
                        )
                    else:
                        results.append({"sku": entry["sku"], "error": None})
                continue
            results += self._ebay_revise_results(chunk, reply)
        return results

    @api.model
    def _ebay_revise_results(self, chunk, reply):
        """Per item of one ReviseInventoryStatus reply: the items eBay echoes back in
        ``InventoryStatus`` were revised; with Ack PartialFailure, the others get the reply's
        errors."""
        revised = {
            (str(s.get("ItemID") or ""), s.get("SKU") or "") for s in sm.as_list(reply.get("InventoryStatus"))
        }
        revised_items = {item for item, _sku in revised}
        errors = "; ".join(
            f"{e.get('ErrorCode')}: {e.get('LongMessage') or e.get('ShortMessage')}"
            for e in sm.as_list(reply.get("Errors"))
            if e.get("SeverityCode") != "Warning"
        )
        results = []
        for entry, status in chunk:
            done = (status["ItemID"], status.get("SKU", "")) in revised or (
                "SKU" not in status and status["ItemID"] in revised_items
            )
            if done or not revised and not errors:
                results.append({"sku": entry["sku"], "error": None})
            else:
                results.append(
                    {
                        "sku": entry["sku"],
                        "error": _(
                            "eBay did not revise the stock of SKU %(sku)s (legacy listing %(item)s): "
                            "%(error)s",
                            sku=entry["sku"],
                            item=status["ItemID"],
                            error=errors or _("no answer for it"),
                        ),
                    }
                )
        return results

    @api.model
    def _ebay_legacy_error(self, entry, exc):
        return _(
            "eBay refused the stock or price of SKU %(sku)s (legacy listing %(item)s): %(error)s",
            sku=entry["sku"],
            item=(entry.get("external_ids") or {}).get(sm.LISTING_ID),
            error=str(exc),
        )

    # ------------------------------------------------------------------ quotas
    @api.model
    def _ebay_quota_left(self, store, quota):
        """Calls left today of the daily quota `quota` ("inventory", "trading"...) of the store, as
        every worker counts them; None when the API has no daily quota.

        :returns: (calls left or None, seconds until the quota day turns or None)
        """
        for line in store._rate_limit_usage():
            if line["api"] == quota and line["limit"]:
                return max(0, line["limit"] - line["used"]), self._ebay_quota_reset_in(store)
        return None, None

    @api.model
    def _ebay_quota_reset_in(self, store):
        """Seconds until the quota day turns (midnight in the platform's quota time zone)."""
        zone = ZoneInfo(self._rate_limit_quota_timezone(store) or "UTC")
        now = dt.datetime.now(zone)
        midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
        return int((midnight - now).total_seconds())

    @api.model
    def _ebay_reserve_quota(self, store, quota, calls):
        """Make sure today's quota `quota` has room for the `calls` a batch job is about to make:
        if not, the job waits for the quota day to turn (throttled: rescheduled, no retry used)
        instead of sending part of its batch and failing on the rest.

        :raises RetryableJobError: (throttled) not enough calls left today.
        """
        left, reset_in = self._ebay_quota_left(store, quota)
        if left is None or left >= calls:
            return
        raise throttled_error(
            _(
                "Store %(store)s has too few calls left today on its eBay %(api)s quota for this batch "
                "(left: %(left)s, needed: %(calls)s): it waits for the quota to start again at eBay's "
                "midnight (US Pacific time).",
                store=store.name,
                left=left,
                api=quota,
                calls=calls,
            ),
            (reset_in + QUOTA_RESET_MARGIN) if reset_in is not None else QUOTA_UNKNOWN_WAIT,
        )
