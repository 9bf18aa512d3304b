"""eBay listings found on eBay (Full Sync's listing part), legacy listings kept in sync through
Trading, and their migration to the Inventory API.

**Found and bound by SKU** (`_import_products`, feature ``products.import``, run by Full Sync
through the base's product import, which matches each SKU to its Odoo variant or creates it):
first the Inventory API's inventory items (``GET /inventory_item?limit=&offset=``) with their
offers (``GET /offer?sku=``: offer id, listing id, price), bound as ``ebay_listing_api:
inventory``; then the active fixed-price listings of the seller through Trading
(``GetMyeBaySelling`` ``ActiveList``, paged, with their SKUs and variations), bound as legacy
listings (``ebay_listing_api: trading``). GetMyeBaySelling was chosen over GetSellerList because it
needs no listing-time window (GetSellerList needs an end- or start-time range of at most 120 days)
and returns only active listings, with their variations unless ``HideVariations``. A listing the
first part already bound (an Inventory API listing also shows in My eBay) is not bound again as
legacy.

**Never revised through both APIs.** A legacy listing's product export goes through Trading
(``ReviseFixedPriceItem`` for title and description, ``ReviseInventoryStatus`` for the price); the
others go to the Inventory API export (``super()``). Its stock goes through Trading too
(store_adapter_stock.py).

**Migration** (`_ebay_migrate_listings`): ``POST /sell/inventory/v1/bulk_migrate_listing``, 5
listings a call; eBay makes an inventory item per SKU and an offer per item: their ids go on the
bindings, which switch to ``inventory``. A listing eBay refuses keeps its bindings legacy, with
eBay's words on them.
"""

import json

from odoo import _, api, fields, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError

from . import ebay_stock_mapper as sm

QUOTA_INVENTORY = "inventory"


class StoreAdapterEbayLegacy(models.AbstractModel):
    """eBay listings found, legacy listings through Trading, migration (see the module docstring)."""

    _inherit = "store.adapter.ebay"

    @api.model
    def _supported_features(self, store):
        return super()._supported_features(store) | {"products.import", "full_sync"}

    # ------------------------------------------------------------------ listings found (Full Sync)
    @api.model
    def _import_products(self, store, since=None, cursor=None, limit=None):
        """One page of the listings on eBay, as normalized products (see the module docstring).

        The cursor names the part and the position: ``{"part": "inventory", "offset": n}`` (the
        inventory items in eBay's order; items are not sorted by change, so `since` is not
        applied: a listing import reads everything, and binding again is harmless) then
        ``{"part": "trading", "page": n}``.
        """
        position = json.loads(cursor) if cursor else {"part": "inventory", "offset": 0}
        if position.get("part") == "trading":
            return self._ebay_legacy_listing_page(store, int(position.get("page") or 1))
        return self._ebay_inventory_item_page(store, int(position.get("offset") or 0))

    @api.model
    def _ebay_inventory_item_page(self, store, offset):
        client = store._ebay_client()
        page = (
            client.request_json(
                "GET",
                sm.INVENTORY_ITEMS_PATH,
                api=QUOTA_INVENTORY,
                params={"limit": sm.INVENTORY_ITEM_PAGE_SIZE, "offset": offset},
            )
            or {}
        )
        items = page.get("inventoryItems") or []
        records = []
        for item in items:
            if not item.get("sku"):
                continue
            offers = (
                client.request_json(
                    "GET",
                    sm.OFFERS_PATH,
                    api=QUOTA_INVENTORY,
                    params={"sku": item["sku"], "marketplace_id": store.ebay_marketplace_id},
                )
                or {}
            )
            records.append(sm.inventory_item_product(item, offers.get("offers"), store.ebay_marketplace_id))
        total = int(page.get("total") or 0)
        if items and offset + len(items) < total:
            next_cursor = {"part": "inventory", "offset": offset + len(items)}
        else:
            next_cursor = {"part": "trading", "page": 1}
        return {"records": records, "next_cursor": json.dumps(next_cursor)}

    @api.model
    def _ebay_legacy_listing_page(self, store, page_number):
        reply = (
            store._ebay_trading().execute(
                "GetMyeBaySelling",
                {
                    "ActiveList": {
                        "Include": "true",
                        "Pagination": {
                            "EntriesPerPage": str(sm.SELLING_PAGE_SIZE),
                            "PageNumber": str(page_number),
                        },
                    },
                    "DetailLevel": "ReturnAll",
                },
                list_nodes=[
                    "getmyebaysellingresponse.activelist.itemarray.item",
                    "getmyebaysellingresponse.activelist.itemarray.item.variations.variation",
                ],
            )
            or {}
        )
        active = reply.get("ActiveList") or {}
        items = sm.as_list((active.get("ItemArray") or {}).get("Item"))
        products, _skipped = sm.legacy_listing_products(items)
        products = self._ebay_drop_inventory_listings(store, products)
        pages = int((active.get("PaginationResult") or {}).get("TotalNumberOfPages") or 0)
        next_cursor = (
            json.dumps({"part": "trading", "page": page_number + 1}) if page_number < pages else None
        )
        return {"records": products, "next_cursor": next_cursor}

    @api.model
    def _ebay_drop_inventory_listings(self, store, products):
        """Leave out of the legacy listings found those the Inventory API already holds (a listing
        of the Inventory API shows in My eBay too): their item id or their SKU is bound to an
        Inventory API listing. Binding them as legacy would send their stock through Trading,
        which eBay refuses for them."""
        Binding = self.env["store.product.binding"].sudo()
        item_ids = {v["external_ids"][sm.LISTING_ID] for p in products for v in p["variants"]}
        by_listing = Binding._find_by_external_ids(store, list(item_ids), data_key=sm.LISTING_ID)
        modern_listings = {
            item_id
            for item_id, bindings in by_listing.items()
            if any(sm.listing_api(b._external_ids()) == sm.API_INVENTORY for b in bindings)
        }
        skus = [v["sku"] for p in products for v in p["variants"] if v.get("sku")]
        modern_skus = set(
            Binding.search([("store_id", "=", store.id), ("sku", "in", skus)])
            .filtered(
                lambda b: (
                    sm.listing_api(b._external_ids()) == sm.API_INVENTORY
                    and b._external_ids().get(sm.OFFER_ID)
                )
            )
            .mapped("sku")
        )
        kept = []
        for product in products:
            variants = [
                v
                for v in product["variants"]
                if v["external_ids"][sm.LISTING_ID] not in modern_listings and v.get("sku") not in modern_skus
            ]
            if variants:
                kept.append(dict(product, variants=variants))
        return kept

    # ------------------------------------------------------------------ legacy listings: export
    @api.model
    def _export_products(self, store, products):
        """Legacy listings are revised through Trading, the others through the Inventory API
        export (`super()`); a product is legacy when its variants are bound to a legacy listing."""
        legacy, modern = [], []
        for product in products:
            apis = {sm.listing_api(v.get("external_ids")) for v in product.get("variants") or ()}
            (legacy if apis == {sm.API_TRADING} else modern).append(product)
        results = super()._export_products(store, modern) if modern else []
        for product in legacy:
            results += self._ebay_revise_legacy_product(store, product)
        return results

    @api.model
    def _ebay_revise_legacy_product(self, store, product):
        """Send one legacy product's details (ReviseFixedPriceItem: title, description) and its
        variants' prices (ReviseInventoryStatus) to its listing.

        :returns: [{"sku", "external_ids", "error"}] per variant.
        """
        variants = product["variants"]
        item_id = variants[0]["external_ids"].get(sm.LISTING_ID)
        if product.get("status") != "active" or not item_id:
            error = _(
                "Product %(product)s is bound to a legacy eBay listing (made on eBay or by the old "
                "integration), which the connector revises but does not end or relist: end it in Seller "
                "Hub, or migrate it to the Inventory API first (Migrate to the Inventory API on the "
                "store).",
                product=product.get("title") or variants[0].get("sku"),
            )
            return [{"sku": v["sku"], "external_ids": {}, "error": error} for v in variants]
        details = {"ItemID": item_id}
        if product.get("title"):
            details["Title"] = product["title"][:80]
        if product.get("description"):
            details["Description"] = product["description"]
        error = None
        if len(details) > 1:
            try:
                store._ebay_trading().execute("ReviseFixedPriceItem", {"Item": details})
            except PermanentJobError as exc:
                error = _(
                    "eBay refused the details of legacy listing %(item)s: %(error)s",
                    item=item_id,
                    error=str(exc),
                )
        if error:
            return [{"sku": v["sku"], "external_ids": {}, "error": error} for v in variants]
        priced = [
            {"sku": v["sku"], "quantity": None, "price": v.get("price"), "external_ids": v["external_ids"]}
            for v in variants
            if v.get("price") is not None
        ]
        refused = {
            r["sku"]: r["error"] for r in self._ebay_revise_inventory_status(store, priced) if r["error"]
        }
        return [{"sku": v["sku"], "external_ids": {}, "error": refused.get(v["sku"])} for v in variants]

    # ------------------------------------------------------------------ migration
    @api.model
    def _ebay_migrate_listings(self, store, bindings):
        """Move the legacy listings of `bindings` to the Inventory API (bulkMigrateListing, 5
        listings a call) and bind what eBay made of them.

        Per listing: on success its bindings get the offer id (and listing id) eBay returns for
        their SKU and switch to ``inventory``; a SKU eBay did not return gets an error saying so.
        On a refusal the listing's bindings stay legacy with eBay's error (``last_error``).

        :returns: {"migrated": listings moved, "failed": listings refused}
        """
        client = store._ebay_client()
        by_listing = {}
        for binding in bindings:
            ids = binding._external_ids()
            if sm.listing_api(ids) == sm.API_TRADING and ids.get(sm.LISTING_ID):
                by_listing.setdefault(str(ids[sm.LISTING_ID]), bindings.browse())
                by_listing[str(ids[sm.LISTING_ID])] |= binding
        listing_ids = list(by_listing)
        summary = {"migrated": 0, "failed": 0}
        now = fields.Datetime.now()
        for start in range(0, len(listing_ids), sm.MIGRATE_LISTING_LIMIT):
            chunk = listing_ids[start : start + sm.MIGRATE_LISTING_LIMIT]
            answer = (
                client.request_json(
                    "POST",
                    sm.BULK_MIGRATE_LISTING_PATH,
                    api=QUOTA_INVENTORY,
                    json={"requests": [{"listingId": listing_id} for listing_id in chunk]},
                )
                or {}
            )
            answered = set()
            for response in answer.get("responses") or ():
                listing_id = str(response.get("listingId") or "")
                if listing_id not in by_listing:
                    continue
                answered.add(listing_id)
                error = client.bulk_errors(response)
                if error:
                    summary["failed"] += 1
                    by_listing[listing_id].write(
                        {
                            "last_error": _(
                                "eBay did not migrate listing %(item)s to the Inventory API: %(error)s",
                                item=listing_id,
                                error=error,
                            ),
                            "last_sync_at": now,
                        }
                    )
                    continue
                summary["migrated"] += 1
                _listing, skus = sm.migrated_listing_ids(response)
                for binding in by_listing[listing_id]:
                    ids = skus.get(binding.sku)
                    values = {
                        sm.LISTING_API: sm.API_INVENTORY,
                        sm.VARIATION: None,
                        sm.LISTING_ID: listing_id,
                        sm.OFFER_ID: (ids or {}).get("offer_id"),
                    }
                    if response.get("inventoryItemGroupKey"):
                        values["inventory_item_group_key"] = response["inventoryItemGroupKey"]
                    vals = binding._external_ids_values(values, binding.external_data)
                    vals.update(
                        last_sync_at=now,
                        last_error=False
                        if ids
                        else _(
                            "eBay migrated listing %(item)s but made no inventory item for SKU %(sku)s: "
                            "check "
                            "the SKU on eBay (Seller Hub), then run Full Sync.",
                            item=listing_id,
                            sku=binding.sku,
                        ),
                    )
                    binding.write(vals)
            for listing_id in set(chunk) - answered:
                summary["failed"] += 1
                by_listing[listing_id].write(
                    {
                        "last_error": _(
                            "eBay did not answer for listing %(item)s in its migration: run the migration "
                            "again.",
                            item=listing_id,
                        ),
                        "last_sync_at": now,
                    }
                )
        return summary
