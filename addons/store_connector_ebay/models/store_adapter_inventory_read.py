"""eBay's quantities of the bound listings, for the stock baseline (what the shop holds when it is
connected) and the drift check: `_read_inventory`."""

from odoo import api, models

from . import ebay_stock_mapper as sm

INVENTORY = "/sell/inventory/v1"
#: bulkGetInventoryItem takes at most 25 SKUs a call.
BULK_GET_LIMIT = 25


class StoreAdapterEbay(models.AbstractModel):
    _inherit = "store.adapter.ebay"

    @api.model
    def _read_inventory(self, store, bindings):
        """The quantity eBay offers for each bound variant. Listings of the Inventory API: the
        inventory item's ``availability.shipToLocationAvailability.quantity`` (what the listing
        shows: the connector's offers carry no quantity of their own), through
        ``bulk_get_inventory_item`` (25 SKUs a call). Legacy listings: Trading's
        ``QuantityAvailable`` (``Quantity`` minus ``SellingStatus.QuantitySold``), per variation for
        a listing with variations, from My eBay's active list. eBay has no on-hand figure
        (``on_hand`` None) and one location per store. Variants eBay does not know (never
        exported, deleted) are left out."""
        inventory_api, legacy = [], {}
        for binding in bindings:
            ids = binding._external_ids()
            if not binding.sku:
                continue
            if sm.listing_api(ids) == sm.API_TRADING:
                if ids.get(sm.LISTING_ID):
                    legacy.setdefault(str(ids[sm.LISTING_ID]), []).append(binding)
            else:
                inventory_api.append(binding)
        entries = []
        if inventory_api:
            entries += self._ebay_read_inventory_items(store, inventory_api)
        if legacy:
            entries += self._ebay_read_legacy_quantities(store, legacy)
        return entries

    @api.model
    def _ebay_read_inventory_items(self, store, bindings):
        client = store._ebay_client()
        entries = []
        for start in range(0, len(bindings), BULK_GET_LIMIT):
            chunk = bindings[start:start + BULK_GET_LIMIT]
            body = client.request_json("POST", f"{INVENTORY}/bulk_get_inventory_item", api="inventory",
                                       json={"requests": [{"sku": binding.sku} for binding in chunk]})
            for response in (body or {}).get("responses") or ():
                item = response.get("inventoryItem") or {}
                availability = (item.get("availability") or {}).get("shipToLocationAvailability") or {}
                if response.get("sku") and "quantity" in availability:
                    entries.append({"sku": response["sku"], "available": int(availability["quantity"] or 0),
                                    "on_hand": None, "location_id": None})
        return entries

    @api.model
    def _ebay_read_legacy_quantities(self, store, by_listing):
        """The legacy listings' quantities from My eBay's active list (Trading ``GetMyeBaySelling``,
        the call Full Sync pages through), stopping once every wanted listing is seen: one call per
        100 active listings, rather than a ``GetItem`` per listing every day out of Trading's 5,000."""
        trading = store._ebay_trading()
        wanted = {item_id: {binding.sku for binding in bindings} for item_id, bindings in by_listing.items()}
        entries, page = [], 1
        while wanted:
            reply = trading.execute(
                "GetMyeBaySelling",
                {"ActiveList": {"Include": "true", "Pagination": {
                    "EntriesPerPage": str(sm.SELLING_PAGE_SIZE), "PageNumber": str(page)}},
                 "DetailLevel": "ReturnAll"},
                list_nodes=[
                    "getmyebaysellingresponse.activelist.itemarray.item",
                    "getmyebaysellingresponse.activelist.itemarray.item.variations.variation",
                ],
            ) or {}
            active = reply.get("ActiveList") or {}
            for item in sm.as_list((active.get("ItemArray") or {}).get("Item")):
                skus = wanted.pop(str(item.get("ItemID") or ""), None)
                if not skus:
                    continue
                quantities = {}
                variations = sm.as_list((item.get("Variations") or {}).get("Variation"))
                for variation in variations:
                    sold = int((variation.get("SellingStatus") or {}).get("QuantitySold") or 0)
                    quantities[variation.get("SKU")] = int(variation.get("Quantity") or 0) - sold
                if not variations and item.get("SKU"):
                    available = item.get("QuantityAvailable")
                    if available is None:
                        sold = int((item.get("SellingStatus") or {}).get("QuantitySold") or 0)
                        available = int(item.get("Quantity") or 0) - sold
                    quantities[item["SKU"]] = int(available)
                for sku in skus:
                    if sku in quantities:
                        entries.append({"sku": sku, "available": max(0, quantities[sku]), "on_hand": None,
                                        "location_id": None})
            pages = int((active.get("PaginationResult") or {}).get("TotalNumberOfPages") or 0)
            if page >= pages:
                break
            page += 1
        return entries
