"""An in-memory stand-in for the eBay REST client (`store._ebay_client()`), for the listing tests
until they run against the eBay simulator: it answers the Inventory, Taxonomy and Metadata calls
of the listing export with eBay's shapes and records every call.

Errors follow the client's contract: a refused call raises the base's PermanentJobError quoting
eBay's errorId and message; bulk calls answer per item (`statusCode`, `errors`).
"""

import copy
import itertools
from urllib.parse import unquote

from odoo.addons.store_connector_base.exceptions import PermanentJobError

INVENTORY = "/sell/inventory/v1"
WRITES = ("POST", "PUT", "DELETE")


class FakeEbayListings:
    def __init__(self, categories=None):
        #: {category id: {"required": [aspect names], "conditions": [condition ids] or None, "name"}}
        self.categories = categories or {}
        self.calls = []
        self.items, self.groups, self.offers, self.compatibility = {}, {}, {}, {}
        #: {sku: eBay error message}: bulkCreateOrReplaceInventoryItem refuses these items.
        self.item_errors = {}
        self.suggestions = []
        self._ids = itertools.count(9001)

    # ------------------------------------------------------------------ the client's interface
    def bulk_errors(self, item):
        errors = (item or {}).get("errors") or []
        if not errors:
            return None
        return "; ".join(f"{e.get('errorId')}: {e.get('longMessage') or e.get('message')}" for e in errors)

    def request_json(self, method, path, *, api, params=None, json=None, headers=None, app=False):
        self.calls.append({"method": method, "path": path, "api": api, "params": dict(params or {}),
                           "json": copy.deepcopy(json), "app": app})
        for prefix, handler in (
            ("/commerce/taxonomy/v1/", self._taxonomy),
            ("/sell/metadata/v1/", self._metadata),
            (INVENTORY + "/", self._inventory),
            ("/sell/account/v1/", self._account),
        ):
            if path.startswith(prefix):
                return handler(method, path[len(prefix):], params or {}, json)
        raise AssertionError(f"unexpected call {method} {path}")

    # ------------------------------------------------------------------ helpers for tests
    def calls_to(self, fragment, method=None):
        return [c for c in self.calls if fragment in c["path"] and (method is None or c["method"] == method)]

    def writes(self):
        """The calls that change something on eBay."""
        return [c for c in self.calls if c["method"] in WRITES and "bulk_get" not in c["path"]]

    def listing_of(self, sku):
        offer = next((o for o in self.offers.values() if o["sku"] == sku), None)
        return offer and offer.get("listingId")

    # ------------------------------------------------------------------ APIs
    def _error(self, error_id, message):
        raise PermanentJobError(f"eBay refused the request (errorId {error_id}): {message}")

    def _account(self, method, rest, params, body):
        """The seller's business policies: none (the tests set the store's policy ids themselves)."""
        if method == "GET":
            return {"total": 0}
        raise AssertionError(f"unexpected call {method} account {rest}")

    def _taxonomy(self, method, rest, params, body):
        if rest == "get_default_category_tree_id":
            return {"categoryTreeId": "0", "categoryTreeVersion": "130"}
        if rest.endswith("/get_item_aspects_for_category"):
            category = self.categories.get(params["category_id"])
            if category is None:
                self._error(62004, f"The category id {params['category_id']} is not a leaf category.")
            return {"categoryTreeId": "0", "aspects": [
                {"localizedAspectName": name, "aspectConstraint": {
                    "aspectRequired": name in category.get("required", ()), "aspectMode": "FREE_TEXT",
                    "itemToAspectCardinality": "SINGLE", "aspectUsage": "RECOMMENDED"}}
                for name in [*category.get("required", ()), "Color", "Size"]
            ]}
        if rest.endswith("/get_category_suggestions"):
            return {"categoryTreeId": "0", "categorySuggestions": self.suggestions}
        raise AssertionError(rest)

    def _metadata(self, method, rest, params, body):
        assert rest.endswith("/get_item_condition_policies"), rest
        category_id = params["filter"].split("{")[1].rstrip("}")
        conditions = (self.categories.get(category_id) or {}).get("conditions")
        return {"itemConditionPolicies": [{
            "categoryId": category_id, "categoryTreeId": "0", "itemConditionRequired": True,
            "itemConditions": [{"conditionId": c, "conditionDescription": c} for c in conditions or ()],
        }]}

    def _inventory(self, method, rest, params, body):
        if rest == "bulk_create_or_replace_inventory_item":
            assert len(body["requests"]) <= 25
            responses = []
            for item in body["requests"]:
                if item["sku"] in self.item_errors:
                    responses.append({"sku": item["sku"], "statusCode": 400, "errors": [
                        {"errorId": 25002, "message": self.item_errors[item["sku"]],
                         "longMessage": self.item_errors[item["sku"]]}]})
                    continue
                self.items[item["sku"]] = item
                responses.append({"sku": item["sku"], "locale": item.get("locale"), "statusCode": 200})
            return {"responses": responses}
        if rest == "bulk_get_inventory_item":
            return {"responses": [
                {"sku": r["sku"], "statusCode": 200, "inventoryItem": self.items.get(r["sku"])}
                for r in body["requests"]]}
        if rest.startswith("inventory_item/") and rest.endswith("/product_compatibility"):
            sku = unquote(rest.split("/")[1])
            if method == "PUT":
                self.compatibility[sku] = body
            else:
                self.compatibility.pop(sku, None)
            return None
        if rest.startswith("inventory_item_group/"):
            self.groups[unquote(rest.split("/", 1)[1])] = body
            return None
        if rest == "offer" and method == "GET":
            found = [o for o in self.offers.values() if o["sku"] == params["sku"]]
            if not found:
                self._error(25713, "This Offer is not available.")
            return {"offers": found, "total": len(found)}
        if rest == "bulk_create_offer":
            assert len(body["requests"]) <= 25
            responses = []
            for request in body["requests"]:
                offer_id = str(next(self._ids))
                self.offers[offer_id] = {**request, "offerId": offer_id, "status": "UNPUBLISHED"}
                responses.append({"sku": request["sku"], "offerId": offer_id, "statusCode": 200,
                                  "marketplaceId": request["marketplaceId"], "format": request["format"]})
            return {"responses": responses}
        if rest == "bulk_publish_offer":
            responses = []
            for request in body["requests"]:
                offer = self.offers[request["offerId"]]
                offer.update(status="PUBLISHED", listingId=f"11{request['offerId']}")
                responses.append({"offerId": request["offerId"], "listingId": offer["listingId"],
                                  "statusCode": 200})
            return {"responses": responses}
        if rest == "offer/publish_by_inventory_item_group":
            group = self.groups[body["inventoryItemGroupKey"]]
            listing_id = f"22{len(self.calls)}"
            for offer in self.offers.values():
                if offer["sku"] in group["variantSKUs"]:
                    offer.update(status="PUBLISHED", listingId=listing_id)
            return {"listingId": listing_id, "warnings": []}
        if rest == "offer/withdraw_by_inventory_item_group":
            group = self.groups[body["inventoryItemGroupKey"]]
            for offer in self.offers.values():
                if offer["sku"] in group["variantSKUs"]:
                    offer.update(status="UNPUBLISHED", listingId=None)
            return {}
        if rest.startswith("offer/") and rest.endswith("/withdraw"):
            offer = self.offers[rest.split("/")[1]]
            listing_id = offer.get("listingId")
            offer.update(status="UNPUBLISHED", listingId=None)
            return {"listingId": listing_id}
        if rest.startswith("offer/") and method == "PUT":
            offer_id = rest.split("/")[1]
            assert "sku" not in body and "marketplaceId" not in body, "updateOffer takes no keys"
            self.offers[offer_id] = {**self.offers[offer_id], **body}
            return None
        raise AssertionError(f"unexpected inventory call {method} {rest}")
