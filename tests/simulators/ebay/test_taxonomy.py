"""The simulator's Taxonomy and Metadata APIs (category suggestions, item aspects, condition policies), with
response field names checked against the `ebay-rest` models where they are installed."""

import urllib.parse

import pytest

from .metadata import MetadataApi, parse_category_filter
from .simx_testing import StandInSim, sim_request
from .taxonomy import CONDITION_IDS, TaxonomyApi

TAXONOMY = "/commerce/taxonomy/v1"


@pytest.fixture
def sim():
    stand_in = StandInSim()
    stand_in.taxonomy = TaxonomyApi(stand_in)
    stand_in.metadata = MetadataApi(stand_in)
    return stand_in


def get(api, path, **query):
    return api.handle(sim_request("GET", path, query, auth={"kind": "app", "scopes": set()}))


def test_default_category_tree_per_marketplace(sim):
    answer = get(sim.taxonomy, f"{TAXONOMY}/get_default_category_tree_id", marketplace_id="EBAY_US")
    assert answer.status == 200
    assert answer.body["categoryTreeId"] == "0" and answer.body["categoryTreeVersion"]
    assert (
        get(sim.taxonomy, f"{TAXONOMY}/get_default_category_tree_id", marketplace_id="EBAY_DE").body[
            "categoryTreeId"
        ]
        == "77"
    )
    unknown = get(sim.taxonomy, f"{TAXONOMY}/get_default_category_tree_id", marketplace_id="EBAY_XX")
    assert unknown.status == 400 and unknown.body["errors"][0]["errorId"] == 62001


def test_category_suggestions_with_ancestors(sim):
    answer = get(sim.taxonomy, f"{TAXONOMY}/category_tree/0/get_category_suggestions", q="iphone smartphone")
    assert answer.status == 200
    first = answer.body["categorySuggestions"][0]
    assert first["category"] == {"categoryId": "9355", "categoryName": "Cell Phones & Smartphones"}
    assert [a["categoryId"] for a in first["categoryTreeNodeAncestors"]] == ["15032", "0"]
    assert first["categoryTreeNodeLevel"] == 2
    assert (
        get(sim.taxonomy, f"{TAXONOMY}/category_tree/0/get_category_suggestions", q="zeppelin").status == 204
    )
    assert (
        get(sim.taxonomy, f"{TAXONOMY}/category_tree/999/get_category_suggestions", q="phone").status == 404
    )


def test_item_aspects_with_required_ones(sim):
    answer = get(
        sim.taxonomy, f"{TAXONOMY}/category_tree/0/get_item_aspects_for_category", category_id="9355"
    )
    assert answer.status == 200
    aspects = {a["localizedAspectName"]: a for a in answer.body["aspects"]}
    assert aspects["Brand"]["aspectConstraint"]["aspectRequired"] is True
    assert aspects["Model"]["aspectConstraint"]["aspectRequired"] is True
    assert aspects["Color"]["aspectConstraint"]["aspectRequired"] is False
    assert aspects["Network"]["aspectConstraint"]["itemToAspectCardinality"] == "MULTI"
    assert {"localizedValue": "Apple"} in aspects["Brand"]["aspectValues"]
    assert sim.taxonomy.required_aspects("9355") == ["Brand", "Model"]
    assert sim.taxonomy.required_aspects("33567") == ["Brand", "Manufacturer Part Number"]
    assert sim.taxonomy.required_aspects("15687") == ["Brand", "Size", "Color"]
    assert sim.taxonomy.required_aspects("88433") == []
    branch = get(
        sim.taxonomy, f"{TAXONOMY}/category_tree/0/get_item_aspects_for_category", category_id="15032"
    )
    assert branch.status == 400
    missing = get(sim.taxonomy, f"{TAXONOMY}/category_tree/0/get_item_aspects_for_category", category_id="1")
    assert missing.status == 400 and missing.body["errors"][0]["parameters"][0]["value"] == "1"


def test_subtree_and_added_category(sim):
    sim.taxonomy.add_category("777", "Widgets", parent_id="99", aspects=[], conditions=["NEW"])
    answer = get(sim.taxonomy, f"{TAXONOMY}/category_tree/0/get_category_subtree", category_id="99")
    children = answer.body["categorySubtreeNode"]["childCategoryTreeNodes"]
    assert {c["category"]["categoryId"] for c in children} == {"88433", "777"}
    assert all(c["leafCategoryTreeNode"] for c in children)
    assert sim.taxonomy.allowed_conditions("777") == ["NEW"]


def test_condition_policies_per_category(sim):
    path = "/sell/metadata/v1/marketplace/EBAY_US/get_item_condition_policies"
    answer = get(sim.metadata, path, filter="categoryIds:{33567}")
    assert answer.status == 200
    (policy,) = answer.body["itemConditionPolicies"]
    assert policy["categoryId"] == "33567" and policy["itemConditionRequired"] is True
    ids = [c["conditionId"] for c in policy["itemConditions"]]
    assert ids == ["1000", "2500", "3000", "7000"]
    assert policy["itemConditions"][2]["conditionDescription"] == "Used"
    assert sim.taxonomy.allowed_conditions("33567") == [
        "NEW",
        "SELLER_REFURBISHED",
        "USED_EXCELLENT",
        "FOR_PARTS_OR_NOT_WORKING",
    ]
    assert [CONDITION_IDS[e] for e in sim.taxonomy.allowed_conditions("33567")] == ids
    # a branch id names its leaves; several ids with the pipe
    branch = get(sim.metadata, path, filter="categoryIds:{6000|15687}")
    assert [p["categoryId"] for p in branch.body["itemConditionPolicies"]] == ["33567", "15687"]
    assert get(sim.metadata, path, filter="categoryIds:{424242}").status == 400
    assert get(sim.metadata, path, filter="bogus").status == 400
    assert (
        get(sim.metadata, "/sell/metadata/v1/marketplace/EBAY_XX/get_item_condition_policies").status == 400
    )


def test_automotive_compatibility_policies(sim):
    answer = get(
        sim.metadata,
        "/sell/metadata/v1/marketplace/EBAY_US/get_automotive_parts_compatibility_policies",
        filter="categoryIds:{6000|9355}",
    )
    (policy,) = answer.body["automotivePartsCompatibilityPolicies"]
    assert policy["categoryId"] == "33567" and policy["compatibleVehicleTypes"] == ["CARS_TRUCKS"]


def test_filter_parsing():
    assert parse_category_filter(urllib.parse.unquote("categoryIds%3A%7B100%7C101%7D")) == ["100", "101"]
    assert parse_category_filter("categoryIds:9355") == ["9355"]
    assert parse_category_filter(None) is None


def _model_fields(api_package, model_module):
    """The JSON field names of one ebay-rest model (its attribute_map), None when ebay-rest is absent."""
    import importlib.util
    import pathlib
    import re

    spec = importlib.util.find_spec("ebay_rest")
    if spec is None:
        return None
    path = pathlib.Path(spec.origin).parent / "api" / api_package / "models" / f"{model_module}.py"
    text = path.read_text()
    block = re.search(r"attribute_map = \{(.*?)\}", text, re.S).group(1)
    return set(re.findall(r"'\w+': '(\w+)'", block))


def test_field_names_are_ebays(sim):
    """Every field name the responses use is in ebay-rest's generated models (the OpenAPI contracts)."""
    aspect_fields = _model_fields("commerce_taxonomy", "aspect")
    if aspect_fields is None:
        pytest.fail(
            "ebay-rest is not installed: the test setup installs it (pip install ebay-rest --no-deps)"
        )
    aspects = get(
        sim.taxonomy, f"{TAXONOMY}/category_tree/0/get_item_aspects_for_category", category_id="15687"
    )
    for aspect in aspects.body["aspects"]:
        assert set(aspect) <= aspect_fields
        assert set(aspect["aspectConstraint"]) <= _model_fields("commerce_taxonomy", "aspect_constraint")
    suggestion = get(sim.taxonomy, f"{TAXONOMY}/category_tree/0/get_category_suggestions", q="brake").body
    assert set(suggestion) <= _model_fields("commerce_taxonomy", "category_suggestion_response")
    assert set(suggestion["categorySuggestions"][0]) <= _model_fields(
        "commerce_taxonomy", "category_suggestion"
    )
    ancestors = suggestion["categorySuggestions"][0]["categoryTreeNodeAncestors"]
    assert set(ancestors[0]) <= _model_fields("commerce_taxonomy", "ancestor_reference")
    subtree = get(sim.taxonomy, f"{TAXONOMY}/category_tree/0/get_category_subtree", category_id="6000").body
    assert set(subtree["categorySubtreeNode"]) <= _model_fields("commerce_taxonomy", "category_tree_node")
    policies = get(sim.metadata, "/sell/metadata/v1/marketplace/EBAY_US/get_item_condition_policies").body
    assert set(policies["itemConditionPolicies"][0]) <= _model_fields(
        "sell_metadata", "item_condition_policy"
    )
    for condition in policies["itemConditionPolicies"][0]["itemConditions"]:
        assert set(condition) <= _model_fields("sell_metadata", "item_condition")


def test_prefixes_route_as_the_front_routes():
    """The front hands a request to the API whose `prefix` equals the path or starts it followed by "/"."""
    from .notification import NotificationApi
    from .trading import TradingApi

    paths = {
        TaxonomyApi: f"{TAXONOMY}/get_default_category_tree_id",
        MetadataApi: "/sell/metadata/v1/marketplace/EBAY_US/get_item_condition_policies",
        NotificationApi: "/commerce/notification/v1/topic",
        TradingApi: "/ws/api.dll",
    }
    for api_class, path in paths.items():
        assert path == api_class.prefix or path.startswith(api_class.prefix + "/"), api_class
