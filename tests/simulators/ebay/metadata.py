"""Metadata API (`/sell/metadata/v1/marketplace/{marketplace_id}/...`): which item conditions a category
allows (getItemConditionPolicies) and which Motors categories take parts compatibility
(getAutomotivePartsCompatibilityPolicies). The categories are the Taxonomy API's (`sim.taxonomy`).

Condition ids: the Metadata API answers numeric `conditionId`s ("1000"), the Inventory API takes enums
("NEW"); the table is `taxonomy.CONDITION_IDS` (eBay's "Item condition ID and name values": 1000 NEW,
1500 NEW_OTHER, 1750 NEW_WITH_DEFECTS, 2000 CERTIFIED_REFURBISHED, 2010/2020/2030 EXCELLENT/VERY_GOOD/GOOD_
REFURBISHED, 2500 SELLER_REFURBISHED, 2750 LIKE_NEW, 3000 USED_EXCELLENT, 4000 USED_VERY_GOOD, 5000 USED_GOOD,
6000 USED_ACCEPTABLE, 7000 FOR_PARTS_OR_NOT_WORKING).

Filter syntax (both calls): `filter=categoryIds:{100|101}` (≤ 50 ids; URL-encoded by the client); a
category id names its whole subtree (the policies of that node and of every leaf below it). No filter:
every category of the marketplace.
"""

from .api import SimApi, SimResponse, rest_error
from .taxonomy import CATEGORY_TREE_IDS, CONDITION_DESCRIPTIONS, CONDITION_IDS, TaxonomyApi

PREFIX = "/sell/metadata/v1"
MARKETPLACE_PATH = PREFIX + "/marketplace/"
MAX_FILTER_IDS = 50


def parse_category_filter(value):
    """`categoryIds:{1|2}` (or `categoryIds:1`) -> ["1", "2"]; None when there is no filter; raises
    ValueError when it is not that syntax."""
    if not value:
        return None
    name, sep, ids = value.partition(":")
    if name.strip() != "categoryIds" or not sep:
        raise ValueError(value)
    ids = ids.strip()
    if ids.startswith("{") and ids.endswith("}"):
        ids = ids[1:-1]
    result = [part.strip() for part in ids.split("|") if part.strip()]
    if not result:
        raise ValueError(value)
    return result


class MetadataApi(SimApi):
    """The Metadata API's category policies (conditions, parts compatibility)."""

    prefix = PREFIX
    quota_name = "metadata"
    scopes = ()  # an app token is enough (eBay: a user token shows the seller's restricted conditions too)

    @property
    def taxonomy(self):
        taxonomy = getattr(self.sim, "taxonomy", None)
        if taxonomy is None:  # mounted without the Taxonomy API: its default table
            taxonomy = self.__dict__.setdefault("_taxonomy", TaxonomyApi(self.sim))
        return taxonomy

    def condition_policy(self, category_id):
        """The ItemConditionPolicy of one leaf category."""
        category = self.taxonomy.category(category_id) or {}
        return {
            "categoryId": str(category_id),
            "categoryTreeId": "0",
            "itemConditionRequired": bool(category.get("condition_required", False)),
            "itemConditions": [
                {
                    "conditionId": CONDITION_IDS[enum],
                    "conditionDescription": CONDITION_DESCRIPTIONS[CONDITION_IDS[enum]],
                    "usage": "RESTRICTED" if "REFURBISHED" in enum and enum != "SELLER_REFURBISHED" else None,
                }
                for enum in category.get("conditions", ())
            ],
        }

    def handle(self, request):
        if not request.path.startswith(MARKETPLACE_PATH):
            return None
        marketplace, _, action = request.path[len(MARKETPLACE_PATH) :].partition("/")
        if action not in ("get_item_condition_policies", "get_automotive_parts_compatibility_policies"):
            return None
        if request.method != "GET":
            return rest_error(405, 2003, "Internal error", "The method is not allowed on this resource.")
        if marketplace not in CATEGORY_TREE_IDS:
            return rest_error(
                400,
                45001,
                "This marketplace is not supported. Please refer to documentation.",
                domain="API_METADATA",
                parameters={"marketplace_id": marketplace},
            )
        try:
            requested = parse_category_filter(request.arg("filter"))
        except ValueError:
            return rest_error(
                400,
                45002,
                "The specified filter is invalid. Please refer to documentation.",
                domain="API_METADATA",
                parameters={"filter": request.arg("filter")},
            )
        warnings = []
        if requested and len(requested) > MAX_FILTER_IDS:
            warnings.append(
                {
                    "errorId": 45005,
                    "domain": "API_METADATA",
                    "category": "REQUEST",
                    "message": f"Only the first {MAX_FILTER_IDS} category IDs were used.",
                }
            )
            requested = requested[:MAX_FILTER_IDS]
        leaves = self._leaves(requested)
        if leaves is None:
            return rest_error(
                400,
                45003,
                "The specified category ID is not valid for this marketplace.",
                domain="API_METADATA",
                parameters={"filter": request.arg("filter")},
            )
        tree_id = CATEGORY_TREE_IDS[marketplace]
        if action == "get_item_condition_policies":
            policies = []
            for leaf in leaves:
                policy = self.condition_policy(leaf)
                policy["categoryTreeId"] = tree_id
                for condition in policy["itemConditions"]:
                    if condition["usage"] is None:
                        del condition["usage"]
                policies.append(policy)
            body = {"itemConditionPolicies": policies}
        else:
            policies = []
            for leaf in leaves:
                compatibility = (self.taxonomy.category(leaf) or {}).get("compatibility")
                if compatibility:
                    policies.append({"categoryId": leaf, "categoryTreeId": tree_id, **compatibility})
            body = {"automotivePartsCompatibilityPolicies": policies}
        if warnings:
            body["warnings"] = warnings
        return SimResponse(200, body)

    def _leaves(self, requested):
        """The leaf category ids under the requested ids (every leaf when None); None if one is unknown."""
        taxonomy = self.taxonomy
        all_leaves = sorted(cid for cid in taxonomy.categories if taxonomy.is_leaf(cid))
        if requested is None:
            return all_leaves
        result = []
        for category_id in requested:
            if category_id not in taxonomy.categories:
                return None
            for leaf in all_leaves:
                if leaf == category_id or any(a == category_id for a, _n in taxonomy.ancestors(leaf)):
                    if leaf not in result:
                        result.append(leaf)
        return result
