"""Shopify inventory: stock published with inventorySetQuantities (per mapped location, from the
last quantity published, with idempotency keys) and read back in bulk."""

import hashlib
import json
import uuid

from odoo import _, api, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError

from .store_adapter_sync import _user_errors_text

INVENTORY_BATCH = 250
STALE_CODE = "CHANGE_FROM_QUANTITY_STALE"
# Answered by inventorySetQuantities before API 2026-10 for an item not stocked at the location; from
# 2026-10 quantities can be set at any location (the item is stocked there) and the code is gone from the
# schema (Shopify changelog "Removal of ITEM_NOT_STOCKED_AT_LOCATION error"). Kept for the stores
# pinned to an older version (const.SHOPIFY_API_VERSIONS).
NOT_STOCKED_CODE = "ITEM_NOT_STOCKED_AT_LOCATION"
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1f2b1e-6a55-4c8e-9d57-0c7a5e1d5a10")
INVENTORY_SET = """
mutation ConnectorInventorySet($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    userErrors { field message code }
  }
}"""
INVENTORY_READ = """
query ConnectorInventoryRead($ids: [ID!]!, $location: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem { id tracked inventoryLevel(locationId: $location) {
      quantities(names: ["available", "on_hand"]) { name quantity } } }
  }
}"""
# Inventory items per INVENTORY_READ query (nodes(ids:) takes at most 250; 100 keeps the cost low).
INVENTORY_READ_PAGE = 100
# Before 2026-10 only: stocks an item at a location. The @idempotent key is required from 2026-04.
INVENTORY_ACTIVATE = """
mutation ConnectorInventoryActivate($item: ID!, $location: ID!, $key: String!) {
  inventoryActivate(inventoryItemId: $item, locationId: $location) @idempotent(key: $key) {
    userErrors { field message }
  }
}"""
LOCATIONS_QUERY = "query ConnectorLocations { locations(first: 1) { nodes { id } } }"


def _error_index(error):
    """The index of the quantity a userError is about (field ["input", "quantities", "3", ...])."""
    return next((int(p) for p in error.get("field") or [] if str(p).isdigit()), None)


class StoreAdapterShopifyInventory(models.AbstractModel):
    """Shopify inventory: `_update_inventory` and `_read_inventory`."""

    _inherit = "store.adapter.shopify"

    # ------------------------------------------------------------------ inventory
    @api.model
    def _inventory_batch_size(self, store):
        return INVENTORY_BATCH

    @api.model
    def _shopify_inventory_targets(self, store, bindings):
        """Where and how much to publish: [(Shopify location GID, {binding id: quantity} or None)].

        Shopify locations mapped to an Odoo location (shopify.location.location_id) each get what the
        base publishes for their Odoo location (`store._published_quantities`: the store's publish
        basis, minus its safety stock, never below zero); without any mapping,
        the store's default Shopify location (else the shop's first) gets the quantity the base
        computed for the store (None: use the items' quantities).
        """
        mapped = store.shopify_location_ids.filtered(lambda loc: loc.location_id and loc.active_on_shopify)
        if not mapped:
            location = store.shopify_location_id.shopify_gid
            if not location:
                nodes = self._shopify_sync_graphql(store, LOCATIONS_QUERY)["locations"]["nodes"]
                if not nodes:
                    raise PermanentJobError(_("The Shopify shop has no location to publish stock to."))
                location = nodes[0]["id"]
            return [(location, None)]
        targets = []
        products = bindings.product_id
        for shop_location in mapped:
            quantities = store._published_quantities(products, locations=shop_location.location_id)
            targets.append(
                (shop_location.shopify_gid, {b.id: quantities.get(b.product_id.id, 0) for b in bindings})
            )
        return targets

    @api.model
    def _shopify_idempotency_key(self, store, quantities, salt):
        """A key stable across retries of one publication and new for the next one.

        Inside an inventory job (``sync_job_id`` in the store's context, set by the base's job
        handler), the key is derived from the job id and the batch (its items, locations and
        quantities, and whether it is the stale-quantity resend): a retry of the same job sends the
        same key, and Shopify answers with the original result instead of applying the change
        twice; another job gets another key. Outside a job (a direct call), the job is replaced by
        `salt` (the bindings' last publication times, which only a successful publication changes).
        The quantities are part of the key so that a retry computing other quantities (stock moved
        meanwhile) is a new publication, not an IDEMPOTENCY_KEY_PARAMETER_MISMATCH.
        """
        job_id = store.env.context.get("sync_job_id")
        if job_id:
            flags = [s for s in salt if s == "stale-retry"]
            digest = json.dumps([store.id, "job", job_id, quantities, flags], sort_keys=True, default=str)
        else:
            digest = json.dumps([store.id, quantities, salt], sort_keys=True, default=str)
        return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, hashlib.sha256(digest.encode()).hexdigest()))

    @api.model
    def _shopify_read_available(self, store, pairs):
        """{(inventory item GID, location GID): available quantity} read from Shopify."""
        return {key: level["available"] for key, level in self._shopify_read_levels(store, pairs).items()}

    @api.model
    def _shopify_read_levels(self, store, pairs):
        """The inventory levels of (inventory item GID, location GID) pairs, read in pages of
        INVENTORY_READ_PAGE items per location.

        :returns: {(item GID, location GID): {"available": int or None, "on_hand": int or None,
            "tracked": bool, "stocked": bool}}; "stocked" is False (and the quantities None) when
            the item is not stocked at that location. Items Shopify does not know are left out.
        """
        current = {}
        by_location = {}
        for item, location in pairs:
            by_location.setdefault(location, []).append(item)
        for location, items in by_location.items():
            for start in range(0, len(items), INVENTORY_READ_PAGE):
                data = self._shopify_sync_graphql(
                    store,
                    INVENTORY_READ,
                    {
                        "ids": items[start : start + INVENTORY_READ_PAGE],
                        "location": location,
                    },
                )
                for node in data.get("nodes") or []:
                    if not node:
                        continue
                    level = node.get("inventoryLevel")
                    quantities = {q["name"]: q["quantity"] for q in (level or {}).get("quantities") or []}
                    current[(node["id"], location)] = {
                        "available": quantities.get("available"),
                        "on_hand": quantities.get("on_hand"),
                        "tracked": node.get("tracked", True),
                        "stocked": level is not None,
                    }
        return current

    @api.model
    def _read_inventory(self, store, bindings):
        """The shop's available and on hand quantities of the bound variants, read in bulk: per
        Shopify location mapped to an Odoo location (one entry per SKU and mapped location), else
        at the store's default Shopify location (else the shop's first), as the export publishes
        them. A variant not stocked at a location has 0 there; variants whose quantity Shopify
        does not track, and those not exported yet (no inventory item), are left out."""
        items = {}
        for binding in bindings:
            item = (binding.external_data or {}).get("inventory_item_id")
            if item:
                items[item] = binding.sku
        if not items:
            return []
        mapped = store.shopify_location_ids.filtered(lambda loc: loc.location_id and loc.active_on_shopify)
        if mapped:
            targets = [(loc.shopify_gid, loc.location_id.id) for loc in mapped]
        else:
            targets = [(self._shopify_default_location_gid(store), False)]
        levels = self._shopify_read_levels(store, [(item, gid) for gid, _loc in targets for item in items])
        entries = []
        for location_gid, location_id in targets:
            for item, sku in items.items():
                level = levels.get((item, location_gid))
                if level is None or not level["tracked"]:
                    continue
                entries.append({
                    "sku": sku,
                    "available": int(level["available"] or 0),
                    "on_hand": int(level["on_hand"] or 0) if level["stocked"] else 0,
                    "location_id": location_id,
                })
        return entries

    @api.model
    def _shopify_default_location_gid(self, store):
        """The Shopify location of a store without mapped locations: its default one, else the
        shop's first. :raises PermanentJobError: the shop has no location."""
        location = store.shopify_location_id.shopify_gid
        if location:
            return location
        nodes = self._shopify_sync_graphql(store, LOCATIONS_QUERY)["locations"]["nodes"]
        if not nodes:
            raise PermanentJobError(_("The Shopify shop has no location to read or publish stock."))
        return nodes[0]["id"]

    @api.model
    def _shopify_set_quantities(self, store, quantities, key):
        data = self._shopify_sync_graphql(
            store,
            INVENTORY_SET,
            {
                "key": key,
                "input": {
                    "name": "available",
                    "reason": "correction",
                    "referenceDocumentUri": f"odoo://connector.store/{store.id}/inventory",
                    "quantities": quantities,
                },
            },
        )
        return (data.get("inventorySetQuantities") or {}).get("userErrors") or []

    @api.model
    def _update_inventory(self, store, items):
        """Set the available quantities of up to 250 variants with inventorySetQuantities (at most
        250 quantities per call: several calls when several Shopify locations are mapped).

        Odoo is the master of the stock: each quantity states what it changes from
        (changeFromQuantity, required per quantity from API 2026-04) as the last quantity Odoo
        published there, or null (no check) before the first publication. When Shopify answers
        CHANGE_FROM_QUANTITY_STALE (someone changed the quantity on Shopify since), the current
        quantities are read and the call is made again from them: Odoo's quantity wins, knowingly.
        Every call carries an @idempotent key, the same when a job retries (see
        `_shopify_idempotency_key`).
        """
        results, sendable = [], []
        for item in items:
            if not (item.get("external_ids") or {}).get("inventory_item_id"):
                results.append(
                    {
                        "sku": item["sku"],
                        "error": _(
                            "SKU %(sku)s has no Shopify inventory item yet: export the product first.",
                            sku=item["sku"],
                        ),
                    }
                )
            else:
                sendable.append(item)
        if not sendable:
            return results
        bindings = (
            self.env["store.product.binding"]
            .sudo()
            .search(
                [
                    ("store_id", "=", store.id),
                    ("sku", "in", [i["sku"] for i in sendable]),
                ]
            )
        )
        by_sku = {b.sku: b for b in bindings}
        entries = []  # (item, location, quantity, change_from, salt)
        targets = self._shopify_inventory_targets(store, bindings)
        per_location = targets[0][1] is not None
        for location, quantities in targets:
            for item in sendable:
                binding = by_sku.get(item["sku"])
                if not per_location:
                    quantity = int(item["quantity"])
                    previous = binding.inventory_quantity if binding and binding.inventory_synced_at else None
                else:
                    quantity = quantities.get(binding.id, 0) if binding else 0
                    previous = (
                        ((binding.external_data or {}).get("shopify_levels") or {}).get(location)
                        if binding
                        else None
                    )
                entries.append(
                    (
                        item,
                        location,
                        quantity,
                        previous,
                        str(binding.inventory_synced_at or "") if binding else "",
                    )
                )
        refused = {}
        for start in range(0, len(entries), INVENTORY_BATCH):
            chunk = entries[start : start + INVENTORY_BATCH]
            for sku, message in self._shopify_publish_chunk(store, chunk).items():
                refused.setdefault(sku, message)
        if per_location:
            # The base remembers one quantity per binding; the per-location ones live here.
            for item, location, quantity, _previous, _salt in entries:
                binding = by_sku.get(item["sku"])
                if binding and item["sku"] not in refused:
                    data = dict(binding.external_data or {})
                    data["shopify_levels"] = dict(data.get("shopify_levels") or {}, **{location: quantity})
                    binding.external_data = data
        results += [{"sku": item["sku"], "error": refused.get(item["sku"])} for item in sendable]
        return results

    @api.model
    def _shopify_publish_chunk(self, store, chunk):
        """One inventorySetQuantities call (retried once from re-read quantities when stale).
        :returns: {sku: error message} (all or nothing: on an error Shopify applied none)."""
        quantities = [
            {
                "inventoryItemId": item["external_ids"]["inventory_item_id"],
                "locationId": location,
                "quantity": quantity,
                "changeFromQuantity": previous,
            }
            for item, location, quantity, previous, _salt in chunk
        ]
        salt = [entry[4] for entry in chunk]
        errors = self._shopify_set_quantities(
            store, quantities, self._shopify_idempotency_key(store, quantities, salt)
        )
        codes = {e.get("code") for e in errors}
        if errors and codes <= {STALE_CODE, NOT_STOCKED_CODE}:
            # Before API 2026-10 a variant not yet stocked at a mapped location is refused there
            # (NOT_STOCKED_CODE): it is activated there first. From 2026-10 the set itself stocks it.
            for error in errors:
                index = _error_index(error)
                if error.get("code") == NOT_STOCKED_CODE and index is not None and index < len(quantities):
                    pair = {
                        "item": quantities[index]["inventoryItemId"],
                        "location": quantities[index]["locationId"],
                    }
                    key = self._shopify_idempotency_key(store, [pair], salt + ["activate"])
                    self._shopify_sync_graphql(store, INVENTORY_ACTIVATE, dict(pair, key=key))
            # Re-read what Shopify holds now and change from that: Odoo is the master.
            current = self._shopify_read_available(
                store, [(q["inventoryItemId"], q["locationId"]) for q in quantities]
            )
            for quantity in quantities:
                quantity["changeFromQuantity"] = current.get(
                    (quantity["inventoryItemId"], quantity["locationId"])
                )
            key = self._shopify_idempotency_key(store, quantities, salt + ["stale-retry"])
            errors = self._shopify_set_quantities(store, quantities, key)
        if not errors:
            return {}
        refused = {}
        for error in errors:
            index = _error_index(error)
            if index is not None and index < len(chunk):
                refused[chunk[index][0]["sku"]] = error.get("message")
        generic = _user_errors_text(errors)
        return {entry[0]["sku"]: refused.get(entry[0]["sku"]) or generic for entry in chunk}
