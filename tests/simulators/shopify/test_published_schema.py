"""The simulator against Shopify's published Admin API schemas (plain pytest, no Odoo).

The published schemas come from the npm package @shopify/dev-mcp, fetched by scripts/test (see
published.py). These tests need them: without $SHOPIFY_ADMIN_SCHEMA_DIR they fail, they never skip.
"""

import gzip
import json
import logging

import pytest
from graphql import build_schema
from graphql.utilities import introspection_from_schema

from . import simulator as simulator_module
from .gql import _schema_source, schema_for
from .published import ENV_DIR, PublishedSchemaMissing, PublishedSchemas, inventions
from .simulator import SUPPORTED_VERSIONS, ShopifySimulator

TOKEN = "shpat_published_test"
# Every version the simulator serves that Shopify's package publishes (the release candidate has none).
PUBLISHED_VERSIONS = (*SUPPORTED_VERSIONS, "unstable")

SET_QUANTITIES = """
mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) { userErrors { field message code } }
}"""
ADJUST_QUANTITIES = """
mutation Adjust($input: InventoryAdjustQuantitiesInput!, $key: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $key) { userErrors { field message code } }
}"""
ACTIVATE = """
mutation Activate($item: ID!, $location: ID!) {
  inventoryActivate(inventoryItemId: $item, locationId: $location) %s {
    inventoryLevel { id } userErrors { field message } }
}"""


@pytest.fixture(scope="module")
def published():
    """Shopify's published schemas; a missing one fails the test with what to do."""
    schemas = PublishedSchemas.from_environment()
    missing = schemas.missing(PUBLISHED_VERSIONS)
    if missing:
        pytest.fail(
            f"Shopify's published Admin schemas are missing for {', '.join(missing)}: run the tests "
            f"through scripts/test (it fetches them), or set {ENV_DIR} (see published.py)."
        )
    return schemas


def _start(**kwargs):
    sim = ShopifySimulator(access_token=TOKEN, **kwargs)
    sim.start()
    return sim


@pytest.fixture
def real_sim(published):
    """A simulator checking against Shopify's real published schemas."""
    sim = _start(published_schemas=str(published.directory), require_published_schemas=True)
    yield sim
    sim.stop()
    assert not sim.internal_errors, sim.internal_errors
    assert not sim.schema_violations, sim.schema_violations


def _fake_published(tmp_path, version, change):
    """A published-schema directory whose `version` is the simulator's own schema changed by
    `change(types_by_name)`: Shopify's schema lacking something the simulator has."""
    introspection = introspection_from_schema(schema_for(version))
    change({t["name"]: t for t in introspection["__schema"]["types"]})
    with gzip.open(tmp_path / f"admin_{version}.json.gz", "wt", encoding="utf-8") as handle:
        json.dump({"data": introspection}, handle)
    return str(tmp_path)


def _drop(types, type_name, field, key="fields"):
    types[type_name][key] = [f for f in types[type_name][key] if f["name"] != field]


def _gql(sim, query, variables=None, version="2026-10"):
    response = sim.graphql(query, variables, version=version)
    assert response.status_code == 200, response.text
    return response.json()


# ------------------------------------------------------------------------------------ schema fidelity


@pytest.mark.parametrize("version", PUBLISHED_VERSIONS)
def test_simulator_schema_declares_nothing_shopify_lacks(published, version):
    """Every type, field (with its type), argument, enum value, union member, input field and directive
    of the simulator's schema exists in Shopify's published schema of that version."""
    assert inventions(schema_for(version), published.schema(version)) == []


def test_the_comparison_names_every_kind_of_invention(published):
    """Inventions removed from schema.graphql (compared with 2026-10) put back, and new ones: each is named,
    so the test above fails on any of them."""
    source = _schema_source("2026-10")
    for old, new in (
        ("interface ProductOperation {\n", "interface ProductOperation {\n  id: ID!\n"),
        (
            "enum ProductSetUserErrorCode {\n",
            "enum ProductSetUserErrorCode {\n  BLANK\n  DUPLICATE_VARIANT\n",
        ),
        ("  NO_DUPLICATE_INVENTORY", "  ITEM_NOT_STOCKED_AT_LOCATION\n  NO_DUPLICATE_INVENTORY"),
        ("  rate: Decimal!\n", "  rate: Decimal\n"),
        ("enum OrderCreateUserErrorCode {\n", "enum OrderCreateUserErrorCode {\n  LINE_ITEMS_REQUIRED\n"),
        ("input ProductSetIdentifiers {\n", "input ProductSetIdentifiers {\n  sku: String\n"),
    ):
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    source += "\ntype Invented { id: ID! }\n"
    found = inventions(build_schema(source), published.schema("2026-10"))
    assert sorted(found) == sorted(
        [
            "field ProductOperation.id does not exist",
            "enum value ProductSetUserErrorCode.BLANK does not exist",
            "enum value ProductSetUserErrorCode.DUPLICATE_VARIANT does not exist",
            "enum value InventorySetQuantitiesUserErrorCode.ITEM_NOT_STOCKED_AT_LOCATION does not exist",
            "input field OrderCreateTaxLineInput.rate is Decimal, Shopify's Decimal!",
            "enum value OrderCreateUserErrorCode.LINE_ITEMS_REQUIRED does not exist",
            "input field ProductSetIdentifiers.sku does not exist",
            "type Invented does not exist",
        ]
    )


def test_a_removed_invention_is_refused_as_shopify_refuses_it(real_sim):
    """ProductOperation had an invented `id`: Shopify's 2026-10 schema refuses the document."""
    body = _gql(real_sim, '{ productOperation(id: "gid://shopify/ProductSetOperation/1") { id status } }')
    assert "data" not in body
    assert body["errors"][0]["message"] == "Field 'id' doesn't exist on type 'ProductOperation'"
    assert body["errors"][0]["extensions"]["code"] == "undefinedField"
    [refused] = real_sim.take_schema_violations()
    assert refused["version"] == "2026-10" and "productOperation" in refused["query"]


# ------------------------------------------------------------------------------ the check on each request


def test_a_document_shopify_refuses_is_refused_where_the_simulator_could_answer(tmp_path):
    directory = _fake_published(tmp_path, "2026-10", lambda types: _drop(types, "Shop", "currencyCode"))
    checked = _start(published_schemas=directory, require_published_schemas=False)
    try:
        query = "{ shop { name currencyCode } }"
        answered = _gql(checked, "{ shop { name } }")
        assert answered["data"]["shop"]["name"] and not checked.schema_violations
        refused = _gql(checked, query)
        assert "data" not in refused, "the simulator could answer it, Shopify would not"
        error = refused["errors"][0]
        assert error["message"] == "Field 'currencyCode' doesn't exist on type 'Shop'"
        assert error["path"] == ["query", "shop", "currencyCode"]
        [violation] = checked.take_schema_violations()
        assert violation["query"] == query and violation["version"] == "2026-10"
        assert violation["errors"] == refused["errors"]
        # A version without a published file is not checked against one.
        assert _gql(checked, query, version="2026-07")["data"]["shop"]["currencyCode"]
        assert not checked.schema_violations
    finally:
        checked.stop()


def test_variables_are_checked_against_the_published_input_types(tmp_path):
    """An input field Shopify's schema lacks, passed in the variables: refused before anything runs."""
    directory = _fake_published(
        tmp_path, "2026-10", lambda types: _drop(types, "ProductSetInput", "vendor", key="inputFields")
    )
    sim = _start(published_schemas=directory, require_published_schemas=False)
    try:
        query = """mutation Set($input: ProductSetInput!) {
          productSet(input: $input, synchronous: true) { product { id } userErrors { message } } }"""
        body = _gql(sim, query, {"input": {"title": "Mug", "vendor": "Acme"}})
        assert "data" not in body
        message = body["errors"][0]["message"]
        assert message == "Variable $input of type ProductSetInput! was provided invalid value"
        assert body["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
        assert "vendor" in json.dumps(body["errors"][0]["extensions"]["problems"])
        assert not sim.store.products, "nothing was created"
        [violation] = sim.take_schema_violations()
        assert violation["variables"] == {"input": {"title": "Mug", "vendor": "Acme"}}
    finally:
        sim.stop()


def test_bulk_queries_are_checked_against_the_published_schema(tmp_path):
    directory = _fake_published(tmp_path, "2026-10", lambda types: _drop(types, "Product", "vendor"))
    sim = _start(published_schemas=directory, require_published_schemas=False)
    try:
        body = _gql(
            sim,
            'mutation { bulkOperationRunQuery(query: "{ products { edges { node { id vendor } } } }") '
            "{ bulkOperation { id } userErrors { field message code } } }",
        )
        payload = body["data"]["bulkOperationRunQuery"]
        assert payload["bulkOperation"] is None
        [error] = payload["userErrors"]
        assert error["code"] == "INVALID" and error["field"] == ["query"]
        assert error["message"] == "Invalid bulk query: Field 'vendor' doesn't exist on type 'Product'"
        [violation] = sim.take_schema_violations()
        assert "vendor" in violation["query"]
    finally:
        sim.stop()


def test_a_required_check_without_the_schemas_refuses_to_start(tmp_path, monkeypatch):
    (tmp_path / "admin_2026-10.json.gz").write_bytes(b"")
    with pytest.raises(PublishedSchemaMissing) as caught:
        ShopifySimulator(published_schemas=str(tmp_path), require_published_schemas=True)
    message = str(caught.value)
    assert "2026-01, 2026-04, 2026-07" in message and "scripts/test" in message
    monkeypatch.delenv(ENV_DIR, raising=False)
    with pytest.raises(PublishedSchemaMissing) as caught:
        ShopifySimulator(require_published_schemas=True, api_versions=["2026-10"])
    assert f"${ENV_DIR} (unset)" in str(caught.value)


def test_without_the_schemas_the_simulator_says_the_check_is_off(monkeypatch, caplog):
    monkeypatch.delenv(ENV_DIR, raising=False)
    simulator_module._warn_check_off.cache_clear()
    with caplog.at_level(logging.WARNING, logger=simulator_module.__name__):
        sim = ShopifySimulator(require_published_schemas=False)
    assert sim.published.enabled is False
    assert any("published Admin API schema check is OFF" in r.getMessage() for r in caplog.records)


# ------------------------------------------------------------------- an item not stocked at a location


def _unstocked(sim):
    """A variant stocked at the primary location only, and a second location."""
    sim.add_product("Lamp", variants=[{"sku": "LAMP", "inventory": 4}])
    depot = sim.add_location("Depot")
    item = sim.product("LAMP")["variants"][0]["inventory_item_id"]
    return item, depot


def _set(item, location, quantity):
    return {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "gid://odoo/StockQuant/1",
        "quantities": [
            {
                "inventoryItemId": item,
                "locationId": location,
                "quantity": quantity,
                "changeFromQuantity": None,
            },
        ],
    }


def test_from_2026_10_setting_a_quantity_stocks_the_item_at_the_location(real_sim):
    """Shopify 2026-10: "inventory quantities can now be adjusted at any location" (changelog "Removal of
    ITEM_NOT_STOCKED_AT_LOCATION error")."""
    item, depot = _unstocked(real_sim)
    assert real_sim.inventory("LAMP", location=depot["id"]) is None
    body = _gql(real_sim, SET_QUANTITIES, {"input": _set(item, depot["id"], 3), "key": "k1"})
    assert body["data"]["inventorySetQuantities"]["userErrors"] == []
    assert real_sim.inventory("LAMP", location=depot["id"]) == 3
    other = real_sim.add_location("Backroom")
    adjust = {
        "name": "available",
        "reason": "correction",
        "changes": [{"inventoryItemId": item, "locationId": other["id"], "delta": 2}],
    }
    body = _gql(real_sim, ADJUST_QUANTITIES, {"input": adjust, "key": "k2"})
    assert body["data"]["inventoryAdjustQuantities"]["userErrors"] == []
    assert real_sim.inventory("LAMP", location=other["id"]) == 2


def test_before_2026_10_an_unstocked_item_is_refused_until_activated(real_sim):
    item, depot = _unstocked(real_sim)
    body = _gql(real_sim, SET_QUANTITIES, {"input": _set(item, depot["id"], 3), "key": "k1"}, "2026-07")
    [error] = body["data"]["inventorySetQuantities"]["userErrors"]
    assert error["code"] == "ITEM_NOT_STOCKED_AT_LOCATION"
    assert error["field"] == ["input", "quantities", "0"]
    assert real_sim.inventory("LAMP", location=depot["id"]) is None
    # inventoryActivate needs its @idempotent key from 2026-04 (as inventorySetQuantities).
    variables = {"item": item, "location": depot["id"]}
    refused = _gql(real_sim, ACTIVATE % "", variables, "2026-07")
    assert refused["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert refused["data"]["inventoryActivate"] is None
    assert real_sim.inventory("LAMP", location=depot["id"]) is None
    optional = _gql(real_sim, ACTIVATE % "", variables, "2026-01")  # optional in 2026-01
    assert optional["data"]["inventoryActivate"]["userErrors"] == []
    other = real_sim.add_location("Backroom")
    keyed = ACTIVATE % '@idempotent(key: "a1")'
    activated = _gql(real_sim, keyed, {**variables, "location": other["id"]}, "2026-07")
    assert activated["data"]["inventoryActivate"]["inventoryLevel"]["id"]
    body = _gql(real_sim, SET_QUANTITIES, {"input": _set(item, other["id"], 3), "key": "k2"}, "2026-07")
    assert body["data"]["inventorySetQuantities"]["userErrors"] == []
    assert real_sim.inventory("LAMP", location=other["id"]) == 3
