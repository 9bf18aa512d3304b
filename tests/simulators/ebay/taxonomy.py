"""Taxonomy API (`/commerce/taxonomy/v1`, an app token is enough): category trees, category suggestions,
item aspects (item specifics) per leaf category.

Source: eBay's Taxonomy API reference (getDefaultCategoryTreeId, getCategorySuggestions,
getItemAspectsForCategory, getCategorySubtree) and the `ebay-rest` models of `commerce_taxonomy`
(field names). The category table is small but shaped like eBay's: a phone category that requires Brand and
Model, a Motors parts category that requires Brand and Manufacturer Part Number and supports parts
compatibility, a clothing category whose Size and Color are variation aspects, a plain category that requires
nothing. Tests add their own with `add_category`.

What other modules call (the Inventory API side, the Metadata API):
    sim.taxonomy.category(category_id) -> dict | None  (name, parent_id, aspects, conditions, compatibility)
    sim.taxonomy.required_aspects(category_id) -> [aspect names]
    sim.taxonomy.allowed_conditions(category_id) -> [Inventory API condition enums]
    sim.taxonomy.is_leaf(category_id) -> bool
"""

import copy
import threading

from .api import SimApi, SimResponse, rest_error

PREFIX = "/commerce/taxonomy/v1"

#: getDefaultCategoryTreeId: eBay's tree ids per marketplace (EBAY_MOTORS_US has its own tree, 100).
CATEGORY_TREE_IDS = {
    "EBAY_US": "0",
    "EBAY_MOTORS_US": "100",
    "EBAY_CA": "2",
    "EBAY_GB": "3",
    "EBAY_AU": "15",
    "EBAY_AT": "16",
    "EBAY_FR": "71",
    "EBAY_DE": "77",
    "EBAY_IT": "101",
    "EBAY_NL": "146",
    "EBAY_ES": "186",
}
CATEGORY_TREE_VERSION = "134"
ROOT_ID = "0"

#: The Inventory API's condition enum and the numeric condition id the Metadata API and Trading use
#: (eBay's "Item condition ID and name values" table; there is no USED enum: 3000 is USED_EXCELLENT).
CONDITION_IDS = {
    "NEW": "1000",
    "LIKE_NEW": "2750",
    "NEW_OTHER": "1500",
    "NEW_WITH_DEFECTS": "1750",
    "CERTIFIED_REFURBISHED": "2000",
    "EXCELLENT_REFURBISHED": "2010",
    "VERY_GOOD_REFURBISHED": "2020",
    "GOOD_REFURBISHED": "2030",
    "SELLER_REFURBISHED": "2500",
    "USED_EXCELLENT": "3000",
    "USED_VERY_GOOD": "4000",
    "USED_GOOD": "5000",
    "USED_ACCEPTABLE": "6000",
    "FOR_PARTS_OR_NOT_WORKING": "7000",
}
CONDITION_ENUMS = {number: enum for enum, number in CONDITION_IDS.items()}
#: conditionDescription as the Metadata API shows it (US English).
CONDITION_DESCRIPTIONS = {
    "1000": "New",
    "1500": "New other (see details)",
    "1750": "New with defects",
    "2000": "Certified - Refurbished",
    "2010": "Excellent - Refurbished",
    "2020": "Very Good - Refurbished",
    "2030": "Good - Refurbished",
    "2500": "Seller refurbished",
    "2750": "Like New",
    "3000": "Used",
    "4000": "Very Good",
    "5000": "Good",
    "6000": "Acceptable",
    "7000": "For parts or not working",
}


def aspect(
    name,
    required=False,
    mode="FREE_TEXT",
    values=(),
    cardinality="SINGLE",
    variations=False,
    data_type="STRING",
    usage=None,
    max_length=65,
):
    """One aspect as getItemAspectsForCategory returns it (Aspect + AspectConstraint)."""
    return {
        "localizedAspectName": name,
        "aspectConstraint": {
            "aspectDataType": data_type,
            "itemToAspectCardinality": cardinality,
            "aspectMode": mode,
            "aspectRequired": required,
            "aspectUsage": usage or ("RECOMMENDED" if required else "OPTIONAL"),
            "aspectEnabledForVariations": variations,
            "aspectMaxLength": max_length,
        },
        "aspectValues": [{"localizedValue": value} for value in values],
    }


def default_categories():
    """{category_id: {name, parent_id, aspects, conditions, condition_required, compatibility}}; leaves
    carry aspects and the condition enums they allow."""
    new_used = ["NEW", "USED_EXCELLENT"]
    return {
        ROOT_ID: {"name": "Root", "parent_id": None},
        "15032": {"name": "Cell Phones & Accessories", "parent_id": ROOT_ID},
        "9355": {
            "name": "Cell Phones & Smartphones",
            "parent_id": "15032",
            "keywords": ["phone", "smartphone", "iphone", "android", "mobile"],
            "aspects": [
                aspect("Brand", required=True, values=["Apple", "Samsung", "Google", "Motorola"]),
                aspect(
                    "Model", required=True, values=["Apple iPhone 13", "Samsung Galaxy S22", "Google Pixel 7"]
                ),
                aspect("Storage Capacity", values=["64 GB", "128 GB", "256 GB"], variations=True),
                aspect("Color", values=["Black", "White", "Blue"], variations=True),
                aspect("Network", cardinality="MULTI", values=["Unlocked", "AT&T", "Verizon"]),
            ],
            "conditions": [
                "NEW",
                "NEW_OTHER",
                "CERTIFIED_REFURBISHED",
                "EXCELLENT_REFURBISHED",
                "VERY_GOOD_REFURBISHED",
                "GOOD_REFURBISHED",
                "SELLER_REFURBISHED",
                "USED_EXCELLENT",
                "FOR_PARTS_OR_NOT_WORKING",
            ],
            "condition_required": True,
        },
        "6000": {"name": "eBay Motors", "parent_id": ROOT_ID},
        "6028": {"name": "Parts & Accessories", "parent_id": "6000"},
        "33567": {
            "name": "Brake Pads & Shoes",
            "parent_id": "6028",
            "keywords": ["brake", "pads", "shoes", "car", "truck", "motors"],
            "aspects": [
                aspect("Brand", required=True, values=["Bosch", "Brembo", "ACDelco"]),
                aspect("Manufacturer Part Number", required=True),
                aspect(
                    "Placement on Vehicle",
                    cardinality="MULTI",
                    mode="SELECTION_ONLY",
                    values=["Front", "Rear", "Left", "Right"],
                ),
                aspect("Interchange Part Number"),
            ],
            "conditions": ["NEW", "SELLER_REFURBISHED", "USED_EXCELLENT", "FOR_PARTS_OR_NOT_WORKING"],
            "condition_required": True,
            "compatibility": {
                "compatibilityBasedOn": "SPECIFICATIONS",
                "compatibleVehicleTypes": ["CARS_TRUCKS"],
                "maxNumberOfCompatibleVehicles": 3000,
            },
        },
        "11450": {"name": "Clothing, Shoes & Accessories", "parent_id": ROOT_ID},
        "1059": {"name": "Men's Clothing", "parent_id": "11450"},
        "15687": {
            "name": "T-Shirts",
            "parent_id": "1059",
            "keywords": ["t-shirt", "tshirt", "shirt", "tee", "clothing"],
            "aspects": [
                aspect("Brand", required=True, values=["Nike", "Adidas", "Unbranded"]),
                aspect(
                    "Size",
                    required=True,
                    mode="SELECTION_ONLY",
                    values=["S", "M", "L", "XL", "XXL"],
                    variations=True,
                ),
                aspect("Color", required=True, values=["Black", "White", "Red", "Blue"], variations=True),
                aspect("Material", cardinality="MULTI", values=["Cotton", "Polyester"]),
            ],
            "conditions": ["NEW", "NEW_OTHER", "NEW_WITH_DEFECTS", "USED_EXCELLENT"],
            "condition_required": True,
        },
        "99": {"name": "Everything Else", "parent_id": ROOT_ID},
        "88433": {
            "name": "Other",
            "parent_id": "99",
            "keywords": ["other", "misc", "mug"],
            "aspects": [aspect("Brand", values=["Unbranded"])],
            "conditions": new_used,
            "condition_required": False,
        },
    }


class TaxonomyApi(SimApi):
    """The Taxonomy API: one category tree per marketplace (the same categories in each)."""

    prefix = PREFIX
    quota_name = "taxonomy"
    scopes = ()  # client credentials (app token) are enough

    def __init__(self, sim):
        super().__init__(sim)
        self._lock = threading.Lock()
        self.categories = default_categories()

    # ------------------------------------------------------------------ helpers other modules call

    def add_category(
        self,
        category_id,
        name,
        parent_id=ROOT_ID,
        aspects=(),
        conditions=("NEW",),
        condition_required=True,
        compatibility=None,
        keywords=(),
    ):
        """A leaf category for a test (its parent must exist; the parent becomes a branch)."""
        with self._lock:
            if parent_id not in self.categories:
                raise KeyError(f"parent category {parent_id} does not exist")
            self.categories[str(category_id)] = {
                "name": name,
                "parent_id": parent_id,
                "aspects": [copy.deepcopy(a) for a in aspects],
                "conditions": list(conditions),
                "condition_required": condition_required,
                "compatibility": compatibility,
                "keywords": list(keywords),
            }
        return self.categories[str(category_id)]

    def category(self, category_id):
        return self.categories.get(str(category_id))

    def is_leaf(self, category_id):
        category_id = str(category_id)
        return category_id in self.categories and not any(
            c.get("parent_id") == category_id for c in self.categories.values()
        )

    def required_aspects(self, category_id):
        category = self.category(category_id) or {}
        return [
            a["localizedAspectName"]
            for a in category.get("aspects", ())
            if a["aspectConstraint"]["aspectRequired"]
        ]

    def allowed_conditions(self, category_id):
        return list((self.category(category_id) or {}).get("conditions", ()))

    def selection_only_values(self, category_id):
        """{aspect name: [values]} of the category's aspects whose values must come from eBay's list
        (aspectMode SELECTION_ONLY)."""
        return {
            a["localizedAspectName"]: [v["localizedValue"] for v in a.get("aspectValues", ())]
            for a in (self.category(category_id) or {}).get("aspects", ())
            if a["aspectConstraint"]["aspectMode"] == "SELECTION_ONLY"
        }

    def ancestors(self, category_id):
        """[(id, node)] from the parent up to the root."""
        chain = []
        parent = (self.category(category_id) or {}).get("parent_id")
        while parent is not None:
            chain.append((parent, self.categories[parent]))
            parent = self.categories[parent].get("parent_id")
        return chain

    def level(self, category_id):
        return len(self.ancestors(category_id))

    # ------------------------------------------------------------------ HTTP

    def handle(self, request):
        if not request.path.startswith(PREFIX + "/"):
            return None
        if request.method != "GET":
            return rest_error(405, 2003, "Internal error", "The method is not allowed on this resource.")
        rest = request.path[len(PREFIX) :]
        if rest == "/get_default_category_tree_id":
            return self._default_tree(request)
        parts = rest.strip("/").split("/")
        if len(parts) < 2 or parts[0] != "category_tree":
            return None
        tree_id = parts[1]
        if tree_id not in CATEGORY_TREE_IDS.values():
            return rest_error(
                404,
                62004,
                "The specified category tree ID was not found.",
                domain="API_TAXONOMY",
                category="REQUEST",
                parameters={"category_tree_id": tree_id},
            )
        action = parts[2] if len(parts) > 2 else ""
        if action == "":
            return self._tree(tree_id)
        if action == "get_category_suggestions":
            return self._suggestions(request, tree_id)
        if action == "get_item_aspects_for_category":
            return self._aspects(request, tree_id)
        if action == "get_category_subtree":
            return self._subtree(request, tree_id)
        return None

    def _default_tree(self, request):
        marketplace = request.arg("marketplace_id")
        if marketplace not in CATEGORY_TREE_IDS:
            return rest_error(
                400,
                62001,
                "The specified marketplace ID was not found.",
                domain="API_TAXONOMY",
                parameters={"marketplace_id": marketplace or ""},
            )
        return SimResponse(
            200,
            {"categoryTreeId": CATEGORY_TREE_IDS[marketplace], "categoryTreeVersion": CATEGORY_TREE_VERSION},
        )

    def _category_ref(self, category_id):
        return {"categoryId": category_id, "categoryName": self.categories[category_id]["name"]}

    def _node(self, tree_id, category_id, depth=None):
        """CategoryTreeNode (children down to `depth` levels; None: all)."""
        children = sorted(cid for cid, c in self.categories.items() if c.get("parent_id") == category_id)
        node = {
            "category": self._category_ref(category_id),
            "categoryTreeNodeLevel": self.level(category_id),
            "leafCategoryTreeNode": not children,
        }
        parent = self.categories[category_id].get("parent_id")
        if parent is not None:
            node["parentCategoryTreeNodeHref"] = (
                f"{PREFIX}/category_tree/{tree_id}/get_category_subtree?category_id={parent}"
            )
        if children and (depth is None or depth > 0):
            node["childCategoryTreeNodes"] = [
                self._node(tree_id, child, None if depth is None else depth - 1) for child in children
            ]
        return node

    def _tree(self, tree_id):
        marketplaces = sorted(m for m, t in CATEGORY_TREE_IDS.items() if t == tree_id)
        return SimResponse(
            200,
            {
                "categoryTreeId": tree_id,
                "categoryTreeVersion": CATEGORY_TREE_VERSION,
                "applicableMarketplaceIds": marketplaces,
                "rootCategoryNode": self._node(tree_id, ROOT_ID),
            },
        )

    def _category_arg(self, request):
        category_id = request.arg("category_id")
        if not category_id:
            return None, rest_error(
                400,
                62003,
                "The category ID is missing.",
                domain="API_TAXONOMY",
                parameters={"category_id": ""},
            )
        if category_id not in self.categories:
            return None, rest_error(
                400,
                62005,
                "The specified category ID does not belong to the specified category tree.",
                domain="API_TAXONOMY",
                parameters={"category_id": category_id},
            )
        return category_id, None

    def _suggestions(self, request, tree_id):
        query = (request.arg("q") or "").strip().lower()
        if not query:
            return rest_error(
                400,
                62006,
                "The 'q' query parameter is missing or empty.",
                domain="API_TAXONOMY",
                parameters={"q": ""},
            )
        words = [w for w in query.replace(",", " ").split() if w]
        scored = []
        for category_id, category in self.categories.items():
            if not self.is_leaf(category_id):
                continue
            haystack = " ".join([category["name"].lower(), *category.get("keywords", ())])
            score = sum(1 for w in words if w in haystack)
            if score:
                scored.append((-score, category_id))
        if not scored:
            return SimResponse(204)  # eBay answers 204 No Content when nothing matches
        suggestions = []
        for _score, category_id in sorted(scored):
            ancestors = [
                {
                    "categoryId": cid,
                    "categoryName": node["name"],
                    "categoryTreeNodeLevel": self.level(cid),
                    "categorySubtreeNodeHref": f"{PREFIX}/category_tree/{tree_id}/get_category_subtree"
                    f"?category_id={cid}",
                }
                for cid, node in self.ancestors(category_id)
            ]
            suggestions.append(
                {
                    "category": self._category_ref(category_id),
                    "categoryTreeNodeAncestors": ancestors,
                    "categoryTreeNodeLevel": self.level(category_id),
                }
            )
        return SimResponse(
            200,
            {
                "categorySuggestions": suggestions,
                "categoryTreeId": tree_id,
                "categoryTreeVersion": CATEGORY_TREE_VERSION,
            },
        )

    def _aspects(self, request, tree_id):
        category_id, error = self._category_arg(request)
        if error:
            return error
        if not self.is_leaf(category_id):
            return rest_error(
                400,
                62008,
                "The specified category ID is not a leaf category.",
                domain="API_TAXONOMY",
                parameters={"category_id": category_id},
            )
        return SimResponse(200, {"aspects": copy.deepcopy(self.categories[category_id].get("aspects", []))})

    def _subtree(self, request, tree_id):
        category_id, error = self._category_arg(request)
        if error:
            return error
        if category_id == ROOT_ID or self.is_leaf(category_id):
            # eBay: "use getCategoryTree for the root"; a leaf has no subtree
            return rest_error(
                400,
                62007,
                "The specified category ID is a root or leaf category.",
                domain="API_TAXONOMY",
                parameters={"category_id": category_id},
            )
        return SimResponse(
            200,
            {
                "categorySubtreeNode": self._node(tree_id, category_id),
                "categoryTreeId": tree_id,
                "categoryTreeVersion": CATEGORY_TREE_VERSION,
            },
        )
