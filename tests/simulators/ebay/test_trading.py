"""The simulator's Trading API, driven by the real `ebaysdk` Trading connection (its request XML, headers
and reply parsing; Ack=Failure raises as it does against eBay)."""

import pytest
from ebaysdk.exception import ConnectionError as EbaySdkError
from ebaysdk.trading import Connection

from .simx_testing import USER_TOKEN, SimApiAdapter, StandInSim, sim_request
from .trading import TradingApi, quota_exceeded_response


@pytest.fixture
def api():
    trading = TradingApi(StandInSim())
    trading.add_legacy_listing("110000000001", "MUG-1", "Blue mug", "9.90", 5)
    trading.add_legacy_listing("110000000002", "LAMP-1", "Desk lamp", "24.00", 2)
    trading.add_legacy_listing(
        "110000000003",
        "TEE",
        "T-shirt",
        "15.00",
        0,
        category_id="15687",
        variations=[
            {"sku": "TEE-M", "price": "15.00", "quantity": 3, "aspects": {"Size": "M"}},
            {"sku": "TEE-L", "price": "16.00", "quantity": 1, "aspects": {"Size": "L"}},
        ],
    )
    return trading


def connection(api, token=USER_TOKEN):
    conn = Connection(
        config_file=None,
        domain="api.sandbox.ebay.com",
        appid="app-id",
        devid="dev-id",
        certid="cert-id",
        iaf_token=token,
        siteid="0",
        compatibility="1451",
    )
    conn.session.mount("https://", SimApiAdapter(api))
    return conn


def error_codes(error):
    return (
        [int(code) for code in error.response.dict()["Errors"]["ErrorCode"].split()]
        if isinstance(error.response.dict()["Errors"], dict)
        else [int(e["ErrorCode"]) for e in error.response.dict()["Errors"]]
    )


def test_get_item_by_item_id_and_by_sku(api):
    reply = connection(api).execute("GetItem", {"ItemID": "110000000001"}).dict()
    assert reply["Ack"] == "Success"
    item = reply["Item"]
    assert (item["ItemID"], item["SKU"], item["Title"], item["Quantity"]) == (
        "110000000001",
        "MUG-1",
        "Blue mug",
        "5",
    )
    assert item["StartPrice"] == {"_currencyID": "USD", "value": "9.90"}
    assert item["SellingStatus"]["ListingStatus"] == "Active"
    by_sku = connection(api).execute("GetItem", {"SKU": "LAMP-1"}).dict()["Item"]
    assert by_sku["ItemID"] == "110000000002"
    variations = (
        connection(api)
        .execute("GetItem", {"ItemID": "110000000003"}, list_nodes=["Item.Variations.Variation"])
        .dict()["Item"]["Variations"]["Variation"]
    )
    assert [v["SKU"] for v in variations] == ["TEE-M", "TEE-L"]
    assert variations[0]["VariationSpecifics"]["NameValueList"] == {"Name": "Size", "Value": "M"}


def test_unknown_item_fails_with_ebay_error_shape(api):
    with pytest.raises(EbaySdkError) as caught:
        connection(api).execute("GetItem", {"ItemID": "999"})
    errors = caught.value.response.dict()["Errors"]
    assert caught.value.response.dict()["Ack"] == "Failure"
    assert errors["ErrorCode"] == "17"
    assert errors["SeverityCode"] == "Error"
    assert errors["ErrorClassification"] == "RequestError"
    assert "999" in errors["LongMessage"]


def test_revise_inventory_status_up_to_four_with_per_item_results(api):
    conn = connection(api)
    reply = conn.execute(
        "ReviseInventoryStatus",
        {
            "InventoryStatus": [
                {"ItemID": "110000000001", "Quantity": 7},
                {"SKU": "LAMP-1", "StartPrice": "19.50"},
                {"ItemID": "110000000003", "SKU": "TEE-L", "Quantity": 4},
            ]
        },
        list_nodes=["InventoryStatus"],
    ).dict()
    assert reply["Ack"] == "Success"
    assert [
        (s["ItemID"], s["SKU"], s["Quantity"], s["StartPrice"]["value"]) for s in reply["InventoryStatus"]
    ] == [
        ("110000000001", "MUG-1", "7", "9.90"),
        ("110000000002", "LAMP-1", "2", "19.50"),
        ("110000000003", "TEE-L", "4", "16.00"),
    ]
    assert api.legacy_listing("110000000001")["quantity"] == 7
    assert str(api.legacy_listing("110000000002")["price"]) == "19.50"
    assert api.legacy_listing("110000000003")["variations"][1]["quantity"] == 4


def test_revise_inventory_status_refuses_five(api):
    with pytest.raises(EbaySdkError) as caught:
        connection(api).execute(
            "ReviseInventoryStatus",
            {"InventoryStatus": [{"ItemID": "110000000001", "Quantity": i} for i in range(5)]},
        )
    assert caught.value.response.dict()["Errors"]["ErrorCode"] == "21919150"
    assert api.legacy_listing("110000000001")["quantity"] == 5  # nothing revised


def test_revise_inventory_status_variation_needs_its_sku_and_partial_failure_keeps_the_rest(api):
    reply = (
        connection(api)
        .execute(
            "ReviseInventoryStatus",
            {
                "InventoryStatus": [
                    {"ItemID": "110000000003", "Quantity": 9},
                    {"ItemID": "110000000001", "Quantity": 1},
                ]
            },
            list_nodes=["InventoryStatus"],
        )
        .dict()
    )
    assert reply["Ack"] == "Warning"
    assert reply["Errors"]["ErrorCode"] == "21916735"
    assert reply["Errors"]["ErrorParameters"]["Value"] == "110000000003"
    assert [s["ItemID"] for s in reply["InventoryStatus"]] == ["110000000001"]
    assert api.legacy_listing("110000000001")["quantity"] == 1


def test_migrated_or_inventory_api_listing_cannot_be_revised_through_trading(api):
    data = api.take_legacy_listing("110000000001")
    assert data["sku"] == "MUG-1" and data["quantity"] == 5 and data["price"] == "9.90"
    assert api.is_migrated("110000000001")
    assert api.take_legacy_listing("110000000001") is None  # once only
    for verb, payload in (
        ("ReviseInventoryStatus", {"InventoryStatus": {"ItemID": "110000000001", "Quantity": 2}}),
        ("ReviseFixedPriceItem", {"Item": {"ItemID": "110000000001", "Title": "New"}}),
    ):
        with pytest.raises(EbaySdkError) as caught:
            connection(api).execute(verb, payload)
        errors = caught.value.response.dict()["Errors"]
        assert errors["ErrorCode"] == "21919474"
        assert "Inventory-based listing management" in errors["LongMessage"]
    assert connection(api).execute("GetItem", {"ItemID": "110000000001"}).dict()["Ack"] == "Success"
    api.sim.inventory_listings.add("110000000002")
    with pytest.raises(EbaySdkError):
        connection(api).execute(
            "ReviseInventoryStatus", {"InventoryStatus": {"SKU": "LAMP-1", "Quantity": 2}}
        )
    assert api.legacy_listing("110000000002")["quantity"] == 2


def test_revise_fixed_price_item(api):
    reply = (
        connection(api)
        .execute(
            "ReviseFixedPriceItem",
            {
                "Item": {
                    "ItemID": "110000000003",
                    "Title": "Cotton T-shirt",
                    "Variations": {"Variation": [{"SKU": "TEE-M", "StartPrice": "14.00", "Quantity": 6}]},
                }
            },
        )
        .dict()
    )
    assert reply["Ack"] == "Success" and reply["ItemID"] == "110000000003"
    listing = api.legacy_listing("110000000003")
    assert listing["title"] == "Cotton T-shirt"
    assert (str(listing["variations"][0]["price"]), listing["variations"][0]["quantity"]) == ("14.00", 6)
    with pytest.raises(EbaySdkError) as caught:
        connection(api).execute(
            "ReviseFixedPriceItem", {"Item": {"ItemID": "110000000001", "Title": "x" * 81}}
        )
    assert caught.value.response.dict()["Errors"]["ErrorCode"] == "70"


def test_get_my_ebay_selling_pages_active_listings(api):
    for n in range(4, 8):
        api.add_legacy_listing(f"11000000000{n}", f"SKU-{n}", f"Item {n}", "1.00", n)
    api.end_listing("110000000002")
    conn = connection(api)
    first = conn.execute(
        "GetMyeBaySelling",
        {"ActiveList": {"Include": True, "Pagination": {"EntriesPerPage": 4, "PageNumber": 1}}},
    ).dict()["ActiveList"]
    assert first["PaginationResult"] == {"TotalNumberOfPages": "2", "TotalNumberOfEntries": "6"}
    assert [i["ItemID"] for i in first["ItemArray"]["Item"]] == [
        "110000000001",
        "110000000003",
        "110000000004",
        "110000000005",
    ]
    assert first["ItemArray"]["Item"][0]["QuantityAvailable"] == "5"
    second = (
        connection(api)
        .execute("GetMyeBaySelling", {"ActiveList": {"Pagination": {"EntriesPerPage": 4, "PageNumber": 2}}})
        .dict()["ActiveList"]
    )
    assert [i["SKU"] for i in second["ItemArray"]["Item"]] == ["SKU-6", "SKU-7"]
    with pytest.raises(EbaySdkError):
        connection(api).execute("GetMyeBaySelling", {"ActiveList": {"Pagination": {"EntriesPerPage": 201}}})


def test_ebay_details_carriers_and_user(api):
    carriers = (
        connection(api)
        .execute(
            "GeteBayDetails", {"DetailName": "ShippingCarrierDetails"}, list_nodes=["ShippingCarrierDetails"]
        )
        .dict()["ShippingCarrierDetails"]
    )
    codes = [c["ShippingCarrier"] for c in carriers]
    assert {"USPS", "UPS", "FedEx", "DHL"} <= set(codes)
    user = connection(api).execute("GetUser", {}).dict()["User"]
    assert user["UserID"] == "sim_seller"


def test_member_messages_about_an_item(api):
    api.add_member_message("110000000001", "buyer_jane", "Is the mug dishwasher safe?")
    api.add_member_message("110000000002", "buyer_bob", "When will it ship?")
    reply = (
        connection(api)
        .execute(
            "GetMemberMessages",
            {"MailMessageType": "All", "ItemID": "110000000001"},
            list_nodes=["MemberMessage.MemberMessageExchange"],
        )
        .dict()
    )
    exchanges = reply["MemberMessage"]["MemberMessageExchange"]
    assert len(exchanges) == 1
    assert exchanges[0]["Question"]["SenderID"] == "buyer_jane"
    assert exchanges[0]["Question"]["Body"] == "Is the mug dishwasher safe?"
    assert exchanges[0]["Item"]["ItemID"] == "110000000001"
    everything = (
        connection(api)
        .execute(
            "GetMemberMessages",
            {
                "MailMessageType": "All",
                "StartCreationTime": "2000-01-01T00:00:00.000Z",
                "EndCreationTime": "2100-01-01T00:00:00.000Z",
            },
        )
        .dict()
    )
    assert everything["PaginationResult"]["TotalNumberOfEntries"] == "2"
    headers = (
        connection(api)
        .execute("GetMyMessages", {"DetailLevel": "ReturnHeaders"}, list_nodes=["Messages.Message"])
        .dict()["Messages"]["Message"]
    )
    ids = [m["MessageID"] for m in headers]
    assert "Text" not in headers[0]
    full = (
        connection(api)
        .execute(
            "GetMyMessages",
            {"DetailLevel": "ReturnMessages", "MessageIDs": {"MessageID": ids[:1]}},
            list_nodes=["Messages.Message"],
        )
        .dict()["Messages"]["Message"]
    )
    assert full[0]["Text"] == "Is the mug dishwasher safe?"


def test_iaf_token_checked_and_call_name_matches_the_body(api):
    with pytest.raises(EbaySdkError) as caught:
        connection(api, token="stolen").execute("GetUser", {})
    assert caught.value.response.dict()["Errors"]["ErrorCode"] == "21916984"
    body = b'<?xml version="1.0"?><GetUserRequest xmlns="urn:ebay:apis:eBLBaseComponents"></GetUserRequest>'
    answer = api.handle(
        sim_request(
            "POST",
            "/ws/api.dll",
            headers={
                "X-EBAY-API-CALL-NAME": "GetItem",
                "X-EBAY-API-SITEID": "0",
                "X-EBAY-API-IAF-TOKEN": USER_TOKEN,
            },
            body=body,
        )
    )
    assert b"<Ack>Failure</Ack>" in answer.body and b"<ErrorCode>2</ErrorCode>" in answer.body
    assert api.handle(sim_request("GET", "/sell/inventory/v1/offer")) is None


def test_quota_exceeded_shape_parses_as_an_ebay_error():
    from ebaysdk.response import Response, ResponseDataObject

    answer = quota_exceeded_response("ReviseInventoryStatus")
    response = Response(ResponseDataObject({"content": answer.body}, []), verb="ReviseInventoryStatus")
    assert response.reply.Ack == "Failure"
    assert response.reply.Errors.ErrorCode == "518"


class FrontLike(StandInSim):
    """The parts of ebsim's front TradingApi uses: its legacy listing store (which its Inventory API's
    bulk_migrate_listing marks migrated) and the Inventory API's published listings."""

    currency = "EUR"

    def __init__(self):
        super().__init__()
        self.legacy_listings = {}
        self.inventory = type("Inventory", (), {"listings": {}})()


def test_legacy_listings_live_in_the_fronts_store():
    front = FrontLike()
    # a listing as the front's add_legacy_listing writes it (no currency, start_time, site...)
    front.legacy_listings["220000000001"] = {
        "item_id": "220000000001",
        "sku": "CUP",
        "title": "Cup",
        "price": "4.5",
        "quantity": 3,
        "quantity_sold": 1,
        "category_id": "20625",
        "condition_id": 1000,
        "aspects": {},
        "image_urls": [],
        "variations": [],
        "status": "Active",
        "migrated": False,
        "listing_policies": None,
    }
    api = TradingApi(front)
    assert api.listings is front.legacy_listings
    item = connection(api).execute("GetItem", {"ItemID": "220000000001"}).dict()["Item"]
    assert (item["Quantity"], item["Currency"], item["StartPrice"]["value"]) == ("4", "EUR", "4.50")
    connection(api).execute(
        "ReviseInventoryStatus", {"InventoryStatus": {"SKU": "CUP", "Quantity": 8, "StartPrice": "5"}}
    )
    assert (
        front.legacy_listings["220000000001"]["quantity"],
        front.legacy_listings["220000000001"]["price"],
    ) == (8, "5.00")
    mine = api.add_legacy_listing(None, "PLATE", "Plate", 3, 2)
    assert front.legacy_listings[mine["item_id"]]["sku"] == "PLATE"
    # the front's migration marks the dict; the Inventory API then owns the listing id
    front.legacy_listings["220000000001"]["migrated"] = True
    front.inventory.listings["220000000001"] = {"listingId": "220000000001"}
    with pytest.raises(EbaySdkError) as caught:
        connection(api).execute(
            "ReviseInventoryStatus", {"InventoryStatus": {"ItemID": "220000000001", "Quantity": 1}}
        )
    assert caught.value.response.dict()["Errors"]["ErrorCode"] == "21919474"
    assert front.legacy_listings["220000000001"]["quantity"] == 8


def test_get_my_ebay_selling_lists_inventory_api_listings_too():
    """My eBay shows every active listing of the seller, whatever made it (GetMyeBaySelling's ActiveList:
    "the list of active listings on eBay.com"): the Inventory API's too, by their listing id."""
    from .seed import list_items
    from .simulator import EbaySimulator

    sim = EbaySimulator(seed="none", access_token=USER_TOKEN)
    listed = list_items(sim, [{"sku": "NEW-1", "quantity": 4, "price": "20.00", "title": "New kettle"}])
    legacy = sim.add_legacy_listing("OLD-1", "Old lamp", "30.00", 2)
    items = (
        connection(sim.trading)
        .execute(
            "GetMyeBaySelling", {"ActiveList": {"Include": True}}, list_nodes=["ActiveList.ItemArray.Item"]
        )
        .dict()["ActiveList"]["ItemArray"]["Item"]
    )
    by_id = {item["ItemID"]: item for item in items}
    assert set(by_id) == {legacy, listed["NEW-1"]["listingId"]}
    modern = by_id[listed["NEW-1"]["listingId"]]
    assert (modern["SKU"], modern["Title"], modern["QuantityAvailable"]) == ("NEW-1", "New kettle", "4")
