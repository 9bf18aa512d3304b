"""Fidelity tests of the eBay simulator (plain pytest, no Odoo)."""

import base64
import threading
import urllib.parse
from datetime import timedelta

import pytest
import requests

from .oauth import SCOPE_ROOT
from .simulator import EbaySimulator
from .util import ebay_date

INV = "/sell/inventory/v1"
FUL = "/sell/fulfillment/v1"
ACC = "/sell/account/v1"


@pytest.fixture
def sim():
    simulator = EbaySimulator()
    simulator.start()
    yield simulator
    simulator.stop()
    assert not simulator.internal_errors, simulator.internal_errors
    assert not simulator.take_schema_violations()


class Client:
    """A bare REST client, as the connector's: bearer token, marketplace and language headers."""

    def __init__(self, sim, token=None):
        self.sim, self.token = sim, token or sim.access_token

    def __call__(self, method, path, json=None, params=None, headers=None):
        headers = {
            "Authorization": f"Bearer {self.token}",
            "X-EBAY-C-MARKETPLACE-ID": "EBAY_US",
            "Content-Language": "en-US",
            **(headers or {}),
        }
        return requests.request(
            method, self.sim.base_url + path, json=json, params=params, headers=headers, timeout=10
        )


def basic(sim, secret=None):
    raw = f"{sim.app_id}:{secret or sim.cert_id}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def token_call(sim, data, secret=None):
    return requests.post(
        sim.base_url + "/identity/v1/oauth2/token", data=data, headers=basic(sim, secret), timeout=10
    )


def ready_to_list(sim, api, sku="MUG-1", quantity=5, category="88433", aspects=None, condition="NEW"):
    """Policies, a location, an item and an offer: what publishing needs. Returns the offer id."""
    ids = {kind: sim.add_policy(kind, f"{kind} policy") for kind in ("fulfillment", "payment", "return")}
    sim.add_location("WH-1")
    item = {
        "condition": condition,
        "availability": {"shipToLocationAvailability": {"quantity": quantity}},
        "product": {
            "title": "Mug",
            "description": "A mug",
            "aspects": aspects or {"Brand": ["Acme"]},
            "imageUrls": ["https://example.com/mug.jpg"],
        },
    }
    assert api("PUT", f"{INV}/inventory_item/{sku}", json=item).status_code == 204
    offer = {
        "sku": sku,
        "marketplaceId": "EBAY_US",
        "format": "FIXED_PRICE",
        "categoryId": category,
        "availableQuantity": quantity,
        "merchantLocationKey": "WH-1",
        "pricingSummary": {"price": {"value": "9.90", "currency": "USD"}},
        "listingPolicies": {
            "fulfillmentPolicyId": ids["fulfillment"],
            "paymentPolicyId": ids["payment"],
            "returnPolicyId": ids["return"],
        },
    }
    response = api("POST", f"{INV}/offer", json=offer)
    assert response.status_code == 201, response.text
    return response.json()["offerId"]


# ---------------------------------------------------------------------- front: tokens, scopes, quotas


def test_bearer_token_checked_with_ebays_error(sim):
    response = Client(sim, token="v^1.1#bogus")("GET", f"{FUL}/order")
    assert response.status_code == 401
    [error] = response.json()["errors"]
    assert error["errorId"] == 1001 and error["message"] == "Invalid access token"
    assert Client(sim)("GET", f"{FUL}/order").status_code == 200


def test_scopes_and_token_kinds(sim):
    readonly = sim.issue_user_tokens(scopes=[SCOPE_ROOT, f"{SCOPE_ROOT}/sell.inventory.readonly"])
    api = Client(sim, readonly["access_token"])
    assert api("GET", f"{INV}/inventory_item").status_code == 200
    refused = api("PUT", f"{INV}/inventory_item/X", json={"condition": "NEW"})
    assert refused.status_code == 403 and refused.json()["errors"][0]["errorId"] == 1100
    assert api("GET", f"{FUL}/order").status_code == 403  # no fulfillment scope
    app = Client(sim, sim.issue_app_token())
    assert app("GET", f"{INV}/inventory_item").status_code == 403  # a user API refuses app tokens
    assert app("GET", "/developer/analytics/v1_beta/rate_limit").status_code == 200


def test_daily_quota_per_api_resets_at_pacific_midnight(sim):
    sim.set_quota("fulfillment", 2)
    api = Client(sim)
    assert [api("GET", f"{FUL}/order").status_code for _ in range(3)] == [200, 200, 429]
    [error] = api("GET", f"{FUL}/order").json()["errors"]
    assert (error["errorId"], error["message"]) == (2001, "Too many requests")
    assert api("GET", f"{INV}/inventory_item").status_code == 200  # other APIs count apart
    limits = api(
        "GET", "/developer/analytics/v1_beta/user_rate_limit", params={"api_name": "sell.fulfillment"}
    )
    [rate] = limits.json()["rateLimits"][0]["resources"][0]["rates"]
    assert (rate["limit"], rate["remaining"]) == (2, 0)
    sim.advance((sim.clock.next_quota_reset() - sim.clock.now()).total_seconds() + 1)
    # a fresh token: the old one may have expired on the way (7200 s)
    assert Client(sim, sim.issue_user_tokens()["access_token"])("GET", f"{FUL}/order").status_code == 200


def test_trading_quota_and_iaf_token_answered_as_trading(sim):
    assert sim.trading is not None  # TradingApi (trading.py) is mounted by the front
    body = (
        b'<?xml version="1.0" encoding="utf-8"?>'
        b'<GeteBayDetailsRequest xmlns="urn:ebay:apis:eBLBaseComponents">'
        b"<DetailName>ShippingCarrierDetails</DetailName></GeteBayDetailsRequest>"
    )
    headers = {
        "X-EBAY-API-IAF-TOKEN": sim.access_token,
        "X-EBAY-API-CALL-NAME": "GeteBayDetails",
        "X-EBAY-API-SITEID": "0",
        "X-EBAY-API-COMPATIBILITY-LEVEL": "1451",
        "Content-Type": "text/xml",
    }
    sim.set_quota("trading", 1)
    first = requests.post(sim.trading_url, data=body, headers=headers, timeout=10)
    assert "<Ack>Success</Ack>" in first.text, first.text
    over = requests.post(sim.trading_url, data=body, headers=headers, timeout=10)
    assert "<ErrorCode>518</ErrorCode>" in over.text and "<GeteBayDetailsResponse" in over.text
    sim.set_quota("trading", 10)
    bad = requests.post(
        sim.trading_url, data=body, timeout=10, headers={**headers, "X-EBAY-API-IAF-TOKEN": "nope"}
    )
    assert "<ErrorCode>21916984</ErrorCode>" in bad.text  # invalid IAF token
    sim.expire_access_tokens()
    expired = requests.post(sim.trading_url, data=body, headers=headers, timeout=10)
    assert "<ErrorCode>21917053</ErrorCode>" in expired.text  # expired IAF token
    assert [r["api"] for r in sim.requests] == ["trading"] * 4


def test_fail_next_and_request_log(sim):
    sim.fail_next(503, path_contains="/order", headers={"Retry-After": "2"})
    api = Client(sim)
    failed = api("GET", f"{FUL}/order")
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "2"
    assert api("GET", f"{FUL}/order").status_code == 200
    assert [(r["path"], r["status"], r["api"]) for r in sim.requests][-1] == (
        f"{FUL}/order",
        200,
        "fulfillment",
    )


def test_schema_violation_recorded_for_unknown_field(sim):
    api = Client(sim)
    api("PUT", f"{INV}/inventory_item/SKU1", json={"condition": "NEW", "qty": 3})
    with pytest.raises(AssertionError, match="request.qty: not a field of InventoryItem"):
        sim.assert_contract_kept()
    sim.assert_contract_kept()  # forgotten once reported
    api("GET", f"{INV}/location", params={"fields": "x"})
    [violation] = sim.take_schema_violations()
    assert violation["problems"] == ["query parameter 'fields' is not a parameter of get_inventory_locations"]
    # the answers are checked too
    sim.inventory.locations["BAD"] = {"merchantLocationKey": "BAD", "warehouseName": "x"}
    api("GET", f"{INV}/location/BAD")
    [violation] = sim.take_schema_violations()
    assert violation["problems"] == [
        "answer: response.warehouseName: not a field of InventoryLocationResponse"
    ]


# ---------------------------------------------------------------------- OAuth


def test_consent_code_exchange_and_refresh(sim):
    sim.set_runame_url("https://odoo.example.com/ebay/oauth")
    consent = requests.get(sim.consent_url(state="abc"), allow_redirects=False, timeout=10)
    assert consent.status_code == 302
    target = urllib.parse.urlsplit(consent.headers["Location"])
    query = dict(urllib.parse.parse_qsl(target.query))
    assert target.netloc == "odoo.example.com" and query["state"] == "abc"
    exchange = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": sim.runame}
    assert token_call(sim, exchange, secret="wrong").status_code == 401
    tokens = token_call(sim, exchange).json()
    assert tokens["expires_in"] == 7200 and tokens["refresh_token_expires_in"] == 47304000
    assert tokens["token_type"] == "User Access Token"
    again = token_call(sim, exchange)  # a code is single use
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert Client(sim, tokens["access_token"])("GET", f"{FUL}/order").status_code == 200
    refreshed = token_call(
        sim,
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "scope": f"{SCOPE_ROOT}/sell.fulfillment",
        },
    ).json()
    assert "refresh_token" not in refreshed  # not rotated
    assert sim.token_refreshes == 1
    wider = token_call(
        sim,
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "scope": "https://api.ebay.com/oauth/api_scope/buy.order",
        },
    )
    assert wider.json()["error"] == "invalid_scope"
    sim.expire_access_tokens()
    assert Client(sim, refreshed["access_token"])("GET", f"{FUL}/order").status_code == 401
    sim.revoke_user_token()
    revoked = token_call(sim, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert revoked.json()["error"] == "invalid_grant"


def test_consent_declined_and_wrong_runame(sim):
    sim.set_runame_url("https://odoo.example.com/ebay/oauth")
    sim.decline_next_consent()
    declined = requests.get(sim.consent_url(state="s1"), allow_redirects=False, timeout=10)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(declined.headers["Location"]).query))
    assert query == {
        "error": "access_denied",
        "error_description": "The user declined the consent.",
        "state": "s1",
    }
    wrong = requests.get(
        sim.consent_url(redirect_uri="https://odoo.example.com/cb"), allow_redirects=False, timeout=10
    )
    assert wrong.status_code == 400 and "RuName" in wrong.text


def test_code_expires_and_must_use_the_runame(sim):
    sim.set_runame_url("https://odoo.example.com/ebay/oauth")
    location = requests.get(sim.consent_url(), allow_redirects=False, timeout=10).headers["Location"]
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]
    wrong = token_call(
        sim,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://odoo.example.com/ebay/oauth",
        },
    )
    assert wrong.json()["error"] == "invalid_grant"
    location = requests.get(sim.consent_url(), allow_redirects=False, timeout=10).headers["Location"]
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]
    sim.advance(300)
    late = token_call(sim, {"grant_type": "authorization_code", "code": code, "redirect_uri": sim.runame})
    assert late.json()["error"] == "invalid_grant"


def test_client_credentials_app_token(sim):
    answer = token_call(sim, {"grant_type": "client_credentials", "scope": SCOPE_ROOT}).json()
    assert answer["token_type"] == "Application Access Token" and "refresh_token" not in answer
    assert token_call(sim, {"grant_type": "password"}).json()["error"] == "unsupported_grant_type"


def test_concurrent_refreshes_are_counted(sim):
    barrier = threading.Barrier(2)

    def refresh():
        barrier.wait()
        token_call(sim, {"grant_type": "refresh_token", "refresh_token": sim.refresh_token})

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sim.token_refreshes == 2  # a client that refreshes once under a lock would make this 1
    assert [c["grant_type"] for c in sim.token_calls] == ["refresh_token", "refresh_token"]


# ---------------------------------------------------------------------- Account


def test_policies_per_marketplace_and_programs(sim):
    policy_id = sim.add_policy("fulfillment", "Ship in 1 day")
    sim.add_policy("fulfillment", "UK shipping", marketplace="EBAY_GB")
    api = Client(sim)
    listed = api("GET", f"{ACC}/fulfillment_policy", params={"marketplace_id": "EBAY_US"}).json()
    assert [p["fulfillmentPolicyId"] for p in listed["fulfillmentPolicies"]] == [policy_id]
    assert api("GET", f"{ACC}/fulfillment_policy/{policy_id}").json()["name"] == "Ship in 1 day"
    assert api("GET", f"{ACC}/program/get_opted_in_programs").json()["programs"] == [
        {"programType": "SELLING_POLICY_MANAGEMENT"}
    ]
    assert api("GET", f"{ACC}/privilege").json()["sellerRegistrationCompleted"] is True
    sim.account.opt_out()
    refused = api("GET", f"{ACC}/return_policy", params={"marketplace_id": "EBAY_US"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["errorId"] == 20403
    assert api("GET", f"{ACC}/program/get_opted_in_programs").json()["programs"] == []


def test_locations(sim):
    api = Client(sim)
    body = {
        "location": {
            "address": {"city": "Austin", "stateOrProvince": "TX", "postalCode": "78701", "country": "US"}
        },
        "locationTypes": ["WAREHOUSE"],
        "name": "Main",
    }
    assert api("POST", f"{INV}/location/MAIN", json=body).status_code == 204
    assert api("POST", f"{INV}/location/MAIN", json=body).status_code == 409
    assert api("GET", f"{INV}/location/MAIN").json()["merchantLocationStatus"] == "ENABLED"
    assert [loc["merchantLocationKey"] for loc in api("GET", f"{INV}/location").json()["locations"]] == [
        "MAIN"
    ]


# ---------------------------------------------------------------------- Inventory


def test_item_offer_publish_and_listed_quantity(sim):
    api = Client(sim)
    offer_id = ready_to_list(sim, api, quantity=5)
    assert sim.listing("MUG-1") is None
    published = api("POST", f"{INV}/offer/{offer_id}/publish")
    assert published.status_code == 200, published.text
    listing_id = published.json()["listingId"]
    assert sim.listing("MUG-1")["listingId"] == listing_id and sim.quantity("MUG-1") == 5
    offer = api("GET", f"{INV}/offer/{offer_id}").json()
    assert offer["status"] == "PUBLISHED" and offer["listing"]["listingStatus"] == "ACTIVE"
    # listed quantity = min(item, offer)
    changed = api(
        "POST",
        f"{INV}/bulk_update_price_quantity",
        json={
            "requests": [
                {
                    "sku": "MUG-1",
                    "shipToLocationAvailability": {"quantity": 8},
                    "offers": [
                        {
                            "offerId": offer_id,
                            "availableQuantity": 3,
                            "price": {"value": "8.50", "currency": "USD"},
                        }
                    ],
                }
            ]
        },
    )
    assert changed.status_code == 200 and changed.json()["responses"][0]["statusCode"] == 200
    assert sim.quantity("MUG-1") == 3 and sim.listing("MUG-1")["price"]["value"] == "8.50"
    assert api("GET", f"{INV}/offer", params={"sku": "MUG-1"}).json()["total"] == 1
    withdrawn = api("POST", f"{INV}/offer/{offer_id}/withdraw")
    assert withdrawn.json()["listingId"] == listing_id and sim.listing("MUG-1") is None
    assert api("DELETE", f"{INV}/inventory_item/MUG-1").status_code == 204
    assert api("GET", f"{INV}/offer/{offer_id}").status_code == 404


def test_unknown_condition_refused_as_ebay_does(sim):
    response = Client(sim)("PUT", f"{INV}/inventory_item/X1", json={"condition": "USED"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameters"] == [
        {"name": "reason", "value": "Could not serialize field [condition]"}
    ]


def test_content_language_required(sim):
    response = Client(sim)(
        "PUT", f"{INV}/inventory_item/X1", json={"condition": "NEW"}, headers={"Content-Language": ""}
    )
    assert response.json()["errors"][0]["errorId"] == 25709


def test_publish_needs_required_aspects_and_allowed_condition(sim):
    api = Client(sim)
    offer_id = ready_to_list(sim, api, category="9355", aspects={"Brand": ["Acme"]})
    missing = api("POST", f"{INV}/offer/{offer_id}/publish")
    assert missing.status_code == 400
    assert "The item specific Model is missing" in missing.json()["errors"][0]["message"]
    item = api("GET", f"{INV}/inventory_item/MUG-1").json()
    item["product"]["aspects"]["Model"] = ["X100"]
    item["condition"] = "USED_GOOD"  # 5000: not allowed in cell phones
    for key in ("sku", "locale"):
        item.pop(key)
    assert api("PUT", f"{INV}/inventory_item/MUG-1", json=item).status_code == 204
    condition = api("POST", f"{INV}/offer/{offer_id}/publish")
    assert condition.json()["errors"][0]["errorId"] == 25021
    item["condition"] = "USED_EXCELLENT"
    api("PUT", f"{INV}/inventory_item/MUG-1", json=item)
    assert api("POST", f"{INV}/offer/{offer_id}/publish").status_code == 200


def test_publish_refuses_another_currency_and_a_value_outside_a_selection_only_list(sim):
    api = Client(sim)
    # T-shirts (15687): Size is SELECTION_ONLY (S to XXL), Brand and Color are free text.
    offer_id = ready_to_list(sim, api, category="15687",
                             aspects={"Brand": ["Acme"], "Size": ["XS"], "Color": ["Teal"]})
    wrong_size = api("POST", f"{INV}/offer/{offer_id}/publish")
    assert wrong_size.status_code == 400
    assert "The item specific Size has an invalid value: XS" in wrong_size.json()["errors"][0]["message"]
    item = api("GET", f"{INV}/inventory_item/MUG-1").json()
    item["product"]["aspects"]["Size"] = ["M"]
    for key in ("sku", "locale"):
        item.pop(key)
    assert api("PUT", f"{INV}/inventory_item/MUG-1", json=item).status_code == 204
    offer = api("GET", f"{INV}/offer/{offer_id}").json()
    for key in ("offerId", "status", "sku", "marketplaceId", "format"):
        offer.pop(key)
    offer["pricingSummary"]["price"]["currency"] = "EUR"
    assert api("PUT", f"{INV}/offer/{offer_id}", json=offer).status_code == 204
    currency = api("POST", f"{INV}/offer/{offer_id}/publish")
    assert currency.status_code == 400
    assert "Currency EUR is not valid for the marketplace EBAY_US" in currency.json()["errors"][0]["message"]
    offer["pricingSummary"]["price"]["currency"] = "USD"
    assert api("PUT", f"{INV}/offer/{offer_id}", json=offer).status_code == 204
    assert api("POST", f"{INV}/offer/{offer_id}/publish").status_code == 200


def test_offer_replace_is_full_and_duplicate_offer_refused(sim):
    api = Client(sim)
    offer_id = ready_to_list(sim, api)
    duplicate = api(
        "POST", f"{INV}/offer", json={"sku": "MUG-1", "marketplaceId": "EBAY_US", "format": "FIXED_PRICE"}
    )
    assert duplicate.json()["errors"][0]["errorId"] == 25002
    offer = api("GET", f"{INV}/offer/{offer_id}").json()
    assert api("PUT", f"{INV}/offer/{offer_id}", json={"availableQuantity": 5}).status_code == 204
    assert "listingPolicies" not in api("GET", f"{INV}/offer/{offer_id}").json()
    for key in ("offerId", "status", "sku", "marketplaceId", "format"):
        offer.pop(key)
    assert api("PUT", f"{INV}/offer/{offer_id}", json=offer).status_code == 204
    assert api("POST", f"{INV}/offer/{offer_id}/publish").status_code == 200


def test_bulk_items_offers_publish_per_item_status(sim):
    api = Client(sim)
    ready_to_list(sim, api, sku="A")
    good = {
        "sku": "B",
        "locale": "en_US",
        "condition": "NEW",
        "availability": {"shipToLocationAvailability": {"quantity": 2}},
        "product": {"title": "B", "aspects": {"Brand": ["Acme"]}, "imageUrls": ["https://e.com/b.jpg"]},
    }
    bad = {"sku": "C", "locale": "en_US", "condition": "BROKEN"}
    answer = api("POST", f"{INV}/bulk_create_or_replace_inventory_item", json={"requests": [good, bad]})
    assert answer.status_code == 207
    assert [r["statusCode"] for r in answer.json()["responses"]] == [201, 400]
    too_many = api("POST", f"{INV}/bulk_create_or_replace_inventory_item", json={"requests": [good] * 26})
    assert too_many.status_code == 400
    got = api("POST", f"{INV}/bulk_get_inventory_item", json={"requests": [{"sku": "B"}, {"sku": "Z"}]})
    assert [r["statusCode"] for r in got.json()["responses"]] == [200, 404]
    offer = api("GET", f"{INV}/offer", params={"sku": "A"}).json()["offers"][0]
    new_offer = {k: v for k, v in offer.items() if k not in ("offerId", "status", "listing")}
    new_offer["sku"] = "B"
    created = api("POST", f"{INV}/bulk_create_offer", json={"requests": [new_offer]}).json()["responses"]
    published = api(
        "POST",
        f"{INV}/bulk_publish_offer",
        json={
            "requests": [
                {"offerId": offer["offerId"]},
                {"offerId": created[0]["offerId"]},
                {"offerId": "999"},
            ]
        },
    )
    assert published.status_code == 207
    assert [r["statusCode"] for r in published.json()["responses"]] == [200, 200, 404]
    assert sim.quantity("B") == 2


def test_item_group_publish_and_withdraw(sim):
    api = Client(sim)
    offer_id = ready_to_list(
        sim,
        api,
        sku="TEE-S",
        category="15687",
        aspects={"Brand": ["Acme"], "Size": ["S"], "Color": ["Red"], "Department": ["Men"]},
    )
    offer = api("GET", f"{INV}/offer/{offer_id}").json()
    item = api("GET", f"{INV}/inventory_item/TEE-S").json()
    item["product"]["aspects"]["Size"] = ["M"]
    for key in ("sku", "locale"):
        item.pop(key)
    api("PUT", f"{INV}/inventory_item/TEE-M", json=item)
    api(
        "POST",
        f"{INV}/offer",
        json={**{k: v for k, v in offer.items() if k not in ("offerId", "status")}, "sku": "TEE-M"},
    )
    group = {
        "title": "Tee",
        "aspects": {"Brand": ["Acme"]},
        "imageUrls": ["https://e.com/t.jpg"],
        "variantSKUs": ["TEE-S", "TEE-M"],
        "variesBy": {"specifications": [{"name": "Size", "values": ["S", "M"]}]},
    }
    assert api("PUT", f"{INV}/inventory_item_group/TEE", json=group).status_code == 204
    alone = api("POST", f"{INV}/offer/{offer_id}/publish")
    assert alone.status_code == 400
    published = api(
        "POST",
        f"{INV}/offer/publish_by_inventory_item_group",
        json={"inventoryItemGroupKey": "TEE", "marketplaceId": "EBAY_US"},
    )
    assert published.status_code == 200, published.text
    listing_id = published.json()["listingId"]
    assert sim.listing("TEE-S")["listingId"] == sim.listing("TEE-M")["listingId"] == listing_id
    assert api("GET", f"{INV}/inventory_item/TEE-M").json()["groupIds"] == [listing_id]
    withdrawn = api(
        "POST",
        f"{INV}/offer/withdraw_by_inventory_item_group",
        json={"inventoryItemGroupKey": "TEE", "marketplaceId": "EBAY_US"},
    )
    assert withdrawn.status_code == 204 and sim.listing("TEE-S") is None


def test_migrate_legacy_listing(sim):
    for kind in ("fulfillment", "payment", "return"):
        sim.add_policy(kind, kind)
    item_id = sim.add_legacy_listing("OLD-1", "Old mug", "12.00", 4)
    no_sku = sim.add_legacy_listing("", "No SKU", "5.00", 1)
    api = Client(sim)
    answer = api(
        "POST",
        f"{INV}/bulk_migrate_listing",
        json={"requests": [{"listingId": item_id}, {"listingId": no_sku}]},
    )
    assert answer.status_code == 207
    first, second = answer.json()["responses"]
    assert first["statusCode"] == 200 and first["inventoryItems"][0]["sku"] == "OLD-1"
    assert second["statusCode"] == 400
    assert sim.listing("OLD-1")["listingId"] == item_id and sim.quantity("OLD-1") == 4
    assert sim.legacy_listings[item_id]["migrated"] is True
    too_many = api("POST", f"{INV}/bulk_migrate_listing", json={"requests": [{"listingId": "1"}] * 6})
    assert too_many.status_code == 400


def test_product_compatibility(sim):
    api = Client(sim)
    api("PUT", f"{INV}/inventory_item/PAD-1", json={"condition": "NEW"})
    body = {
        "compatibleProducts": [
            {
                "compatibilityProperties": [
                    {"name": "Year", "value": "2019"},
                    {"name": "Make", "value": "Honda"},
                ],
                "notes": "Front",
            }
        ]
    }
    assert api("PUT", f"{INV}/inventory_item/PAD-1/product_compatibility", json=body).status_code == 204
    assert api("GET", f"{INV}/inventory_item/PAD-1/product_compatibility").json() == body


# ---------------------------------------------------------------------- Fulfillment


def test_orders_filters_paging_and_shape(sim):
    now = sim.clock.now()
    old = sim.add_order([{"sku": "A", "quantity": 1, "price": "5.00"}], created=now - timedelta(days=10))
    new = sim.add_order(
        [{"sku": "B", "quantity": 2, "price": "7.50"}], ebay_collected_tax="0.10", shipping_cost="3.00"
    )
    api = Client(sim)
    start = ebay_date(now - timedelta(days=1))
    found = api("GET", f"{FUL}/order", params={"filter": f"creationdate:[{start}..]"}).json()
    assert [o["orderId"] for o in found["orders"]] == [new["orderId"]] and found["total"] == 1
    everything = api("GET", f"{FUL}/order", params={"limit": 1}).json()
    assert (
        everything["total"] == 2
        and "next" in everything
        and everything["orders"][0]["orderId"] == new["orderId"]
    )
    second = requests.get(
        everything["next"], headers={"Authorization": f"Bearer {sim.access_token}"}, timeout=10
    )
    assert second.json()["orders"][0]["orderId"] == old["orderId"]
    assert api("GET", f"{FUL}/order", params={"limit": 201}).status_code == 400
    assert (
        api("GET", f"{FUL}/order", params={"filter": "orderfulfillmentstatus:{NOT_STARTED}"}).status_code
        == 400
    )
    by_ids = api("GET", f"{FUL}/order", params={"orderIds": f"{old['orderId']},{new['orderId']}"}).json()
    assert by_ids["total"] == 2
    order = api("GET", f"{FUL}/order/{new['orderId']}").json()
    line = order["lineItems"][0]
    assert line["ebayCollectAndRemitTaxes"][0]["amount"] == {"value": "1.50", "currency": "USD"}
    assert order["pricingSummary"]["total"]["value"] == "19.50"  # 15.00 + 3.00 shipping + 1.50 tax
    assert order["paymentSummary"]["totalDueSeller"]["value"] == "19.50"  # eBay's docs: tax included
    assert order["buyer"]["username"] == "buyer_jane"


def test_lastmodified_filter_and_update(sim):
    order = sim.add_order([{"sku": "A", "quantity": 1}])
    sim.advance(3600)
    since = ebay_date(sim.clock.now())
    api = Client(sim)
    params = {"filter": f"lastmodifieddate:[{since}..]"}
    assert api("GET", f"{FUL}/order", params=params).json()["total"] == 0
    sim.advance(10)
    sim.update_order(order["orderId"], orderPaymentStatus="FULLY_REFUNDED")
    assert api("GET", f"{FUL}/order", params=params).json()["total"] == 1
    assert sim.rename_buyer("buyer_jane", "jane_2026") == 1
    assert sim.order(order["orderId"])["buyer"]["username"] == "jane_2026"


def test_shipping_fulfillment(sim):
    order = sim.add_order([{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 1}])
    first, second = (line["lineItemId"] for line in order["lineItems"])
    api = Client(sim)
    path = f"{FUL}/order/{order['orderId']}/shipping_fulfillment"
    only_carrier = api(
        "POST",
        path,
        json={"lineItems": [{"lineItemId": first, "quantity": 1}], "shippingCarrierCode": "USPS"},
    )
    assert only_carrier.status_code == 400
    too_many = api("POST", path, json={"lineItems": [{"lineItemId": first, "quantity": 3}]})
    assert too_many.status_code == 400
    shipped = api(
        "POST",
        path,
        json={
            "lineItems": [{"lineItemId": first, "quantity": 2}],
            "shippedDate": ebay_date(sim.clock.now()),
            "shippingCarrierCode": "USPS",
            "trackingNumber": "9400100000000000000001",
        },
    )
    assert shipped.status_code == 201
    assert shipped.headers["Location"].endswith("/shipping_fulfillment/9400100000000000000001")
    assert api("GET", f"{FUL}/order/{order['orderId']}").json()["orderFulfillmentStatus"] == "IN_PROGRESS"
    api("POST", path, json={"lineItems": [{"lineItemId": second, "quantity": 1}]})
    listed = api("GET", path).json()
    assert (
        listed["total"] == 2
        and listed["fulfillments"][0]["shipmentTrackingNumber"] == "9400100000000000000001"
    )
    assert api("GET", f"{FUL}/order/{order['orderId']}").json()["orderFulfillmentStatus"] == "FULFILLED"


def test_sale_reduces_the_listing(sim):
    api = Client(sim)
    offer_id = ready_to_list(sim, api, quantity=5)
    listing_id = api("POST", f"{INV}/offer/{offer_id}/publish").json()["listingId"]
    order = sim.add_order([{"sku": "MUG-1", "quantity": 2, "price": "9.90"}])
    assert order["lineItems"][0]["legacyItemId"] == listing_id
    assert sim.quantity("MUG-1") == 3
    assert api("GET", f"{INV}/offer/{offer_id}").json()["listing"]["soldQuantity"] == 2


# ---------------------------------------------------------------------- demo seed


def test_demo_seed_served_within_the_contract():
    with EbaySimulator(seed="demo") as demo:
        api = Client(demo)
        summary = demo.seed_summary
        for kind in ("fulfillment", "payment", "return"):
            answer = api("GET", f"{ACC}/{kind}_policy", params={"marketplace_id": "EBAY_US"})
            assert answer.status_code == 200 and answer.json()["total"] >= 1
        items = api("GET", f"{INV}/inventory_item", params={"limit": 100}).json()
        assert {i["sku"] for i in items["inventoryItems"]} == set(summary["skus"])
        for sku in summary["skus"]:
            assert api("GET", f"{INV}/offer", params={"sku": sku}).status_code == 200
        assert demo.listing("TEE-S")["group"] == "TEE" and demo.listing("DRAFT-1") is None
        assert demo.quantity("MUG-BLUE") == 21  # 25 listed, 4 sold in the demo orders
        orders = api("GET", f"{FUL}/order").json()
        assert orders["total"] == len(summary["orders"])
        taxed = [o for o in orders["orders"] if o.get("ebayCollectAndRemitTax")]
        assert len(taxed) == 2
        assert any(o["buyer"]["username"] == "u_8f2c41d07a" for o in orders["orders"])
        fulfilled = api(
            "GET", f"{FUL}/order", params={"filter": "orderfulfillmentstatus:{FULFILLED|IN_PROGRESS}"}
        )
        assert fulfilled.json()["total"] == 1
        for order_id in summary["orders"]:
            assert api("GET", f"{FUL}/order/{order_id}/shipping_fulfillment").status_code == 200
        assert api("GET", f"{INV}/inventory_item_group/TEE").json()["variantSKUs"] == [
            "TEE-S",
            "TEE-M",
            "TEE-L",
        ]
        assert not demo.take_schema_violations() and not demo.internal_errors


def test_trading_revises_a_legacy_listing_until_it_is_migrated(sim):
    for kind in ("fulfillment", "payment", "return"):
        sim.add_policy(kind, kind)
    item_id = sim.add_legacy_listing("OLD-2", "Old lamp", "20.00", 5)
    headers = {
        "X-EBAY-API-IAF-TOKEN": sim.access_token,
        "X-EBAY-API-CALL-NAME": "ReviseInventoryStatus",
        "X-EBAY-API-SITEID": "0",
        "X-EBAY-API-COMPATIBILITY-LEVEL": "1451",
        "Content-Type": "text/xml",
    }
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<ReviseInventoryStatusRequest xmlns="urn:ebay:apis:eBLBaseComponents">'
        f"<InventoryStatus><ItemID>{item_id}</ItemID><Quantity>3</Quantity></InventoryStatus>"
        "</ReviseInventoryStatusRequest>"
    ).encode()
    revised = requests.post(sim.trading_url, data=body, headers=headers, timeout=10)
    assert "<Ack>Success</Ack>" in revised.text, revised.text
    assert sim.legacy_listings[item_id]["quantity"] == 3
    migrated = Client(sim)("POST", f"{INV}/bulk_migrate_listing", json={"requests": [{"listingId": item_id}]})
    assert migrated.json()["responses"][0]["statusCode"] == 200
    assert sim.quantity("OLD-2") == 3
    refused = requests.post(sim.trading_url, data=body, headers=headers, timeout=10)
    assert "<ErrorCode>21919474</ErrorCode>" in refused.text  # Inventory-API listings: not with Trading
