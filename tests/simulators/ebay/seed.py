"""Seeds of the eBay simulator. `demo`: a seller's shop to connect a store to (business policies, a
location, listings, a variation listing, a legacy listing, orders in several states, eBay-collected
tax). Built through the APIs' own handlers (the same validation as over HTTP), without the network."""

import json
from datetime import timedelta

from .api import SimRequest

INV = "/sell/inventory/v1"


def _call(api, method, path, body=None):
    request = SimRequest(
        method,
        path,
        {},
        {"content-language": "en-US", "content-type": "application/json"},
        json.dumps(body).encode() if body is not None else b"",
    )
    response = api.handle(request)
    if response.status >= 300:
        raise RuntimeError(f"seeding {method} {path} failed: {response.body}")
    return response.body


def seed_simulator(sim, seed):
    if seed != "demo":
        raise ValueError(f"unknown seed {seed!r} (none, demo)")
    return _demo(sim)


def _demo(sim):
    inventory = sim.inventory
    policies = {
        kind: sim.add_policy(kind, name)
        for kind, name in (
            ("fulfillment", "USPS Priority, 1 day handling"),
            ("payment", "eBay managed payments"),
            ("return", "30 days money back"),
        )
    }
    sim.add_policy("fulfillment", "Free economy shipping", shippingOptions=[])
    sim.add_location("WH-1", name="Main warehouse")
    listing_policies = {
        "fulfillmentPolicyId": policies["fulfillment"],
        "paymentPolicyId": policies["payment"],
        "returnPolicyId": policies["return"],
    }

    def listed(sku, title, price, quantity, category, aspects, condition="NEW", publish=True):
        _call(
            inventory,
            "PUT",
            f"{INV}/inventory_item/{sku}",
            {
                "condition": condition,
                "availability": {"shipToLocationAvailability": {"quantity": quantity}},
                "product": {
                    "title": title,
                    "description": f"<p>{title}</p>",
                    "aspects": aspects,
                    "imageUrls": [f"https://i.ebayimg.com/images/g/{sku}/s-l1600.jpg"],
                },
            },
        )
        offer_id = _call(
            inventory,
            "POST",
            f"{INV}/offer",
            {
                "sku": sku,
                "marketplaceId": sim.marketplace,
                "format": "FIXED_PRICE",
                "categoryId": category,
                "availableQuantity": quantity,
                "merchantLocationKey": "WH-1",
                "listingPolicies": listing_policies,
                "pricingSummary": {"price": {"value": price, "currency": sim.currency}},
            },
        )["offerId"]
        if publish:
            _call(inventory, "POST", f"{INV}/offer/{offer_id}/publish")
        return offer_id

    listed("MUG-BLUE", "Blue coffee mug 12 oz", "9.90", 25, "88433", {"Brand": ["Acme"], "Color": ["Blue"]})
    listed(
        "PHONE-X100",
        "Acme X100 smartphone 128 GB",
        "299.00",
        4,
        "9355",
        {"Brand": ["Acme"], "Model": ["X100"]},
        condition="USED_EXCELLENT",
    )
    listed("PAN-28", "Non-stick frying pan 28 cm", "24.50", 0, "88433", {"Brand": ["Acme"]})
    listed("DRAFT-1", "Unpublished kettle", "19.00", 3, "88433", {"Brand": ["Acme"]}, publish=False)
    for size, quantity in (("S", 5), ("M", 8), ("L", 2)):
        listed(
            f"TEE-{size}",
            f"Logo T-shirt {size}",
            "15.00",
            quantity,
            "15687",
            {"Brand": ["Acme"], "Size": [size], "Color": ["Black"], "Department": ["Men"]},
            publish=False,
        )
    _call(
        inventory,
        "PUT",
        f"{INV}/inventory_item_group/TEE",
        {
            "title": "Logo T-shirt",
            "aspects": {"Brand": ["Acme"], "Color": ["Black"], "Department": ["Men"]},
            "imageUrls": ["https://i.ebayimg.com/images/g/TEE/s-l1600.jpg"],
            "variantSKUs": ["TEE-S", "TEE-M", "TEE-L"],
            "variesBy": {"specifications": [{"name": "Size", "values": ["S", "M", "L"]}]},
        },
    )
    _call(
        inventory,
        "POST",
        f"{INV}/offer/publish_by_inventory_item_group",
        {"inventoryItemGroupKey": "TEE", "marketplaceId": sim.marketplace},
    )
    legacy = sim.add_legacy_listing("OLD-LAMP", "Vintage desk lamp", "45.00", 1, condition_id=3000)
    legacy_no_sku = sim.add_legacy_listing("", "Hand-made bowl (listed on the site, no SKU)", "30.00", 2)

    now = sim.clock.now()
    orders = [
        sim.add_order(
            [{"sku": "MUG-BLUE", "quantity": 2, "price": "9.90", "title": "Blue coffee mug 12 oz"}],
            ebay_collected_tax="0.0825",
            shipping_cost="5.00",
            created=now - timedelta(hours=3),
        ),
        sim.add_order(
            [
                {"sku": "TEE-M", "quantity": 1, "price": "15.00", "title": "Logo T-shirt M"},
                {"sku": "MUG-BLUE", "quantity": 1, "price": "9.90", "title": "Blue coffee mug 12 oz"},
            ],
            buyer="sam_collector",
            ship_to={
                "fullName": "Sam O'Connor",
                "contactAddress": {
                    "addressLine1": "12 Elm St",
                    "addressLine2": "Apt 4",
                    "city": "Portland",
                    "stateOrProvince": "OR",
                    "postalCode": "97201",
                    "countryCode": "US",
                },
                "primaryPhone": {"phoneNumber": "5035550100"},
                "email": "sam@members.ebay.com",
            },
            created=now - timedelta(days=1),
        ),
        sim.add_order(
            [{"sku": "PHONE-X100", "quantity": 1, "price": "299.00", "title": "Acme X100"}],
            ebay_collected_tax="0.06",
            buyer_user_id="u_8f2c41d07a",
            created=now - timedelta(days=2),
        ),
        sim.add_order(
            [{"legacy_item_id": legacy, "quantity": 1, "price": "45.00", "title": "Vintage desk lamp"}],
            created=now - timedelta(days=5),
            record_sale=False,
        ),
        sim.add_order(
            [{"sku": "MUG-BLUE", "quantity": 1, "price": "9.90"}], created=now - timedelta(days=40)
        ),
    ]
    shipped = orders[-1]
    fulfillment = sim.fulfillment
    with fulfillment.lock:
        fulfillment.fulfillments[shipped["orderId"]].append(
            {
                "fulfillmentId": "9400111899223344556677",
                "shipmentTrackingNumber": "9400111899223344556677",
                "shippingCarrierCode": "USPS",
                "shippedDate": shipped["creationDate"],
                "lineItems": [{"lineItemId": shipped["lineItems"][0]["lineItemId"], "quantity": 1}],
            }
        )
    sim.update_order(
        shipped["orderId"],
        orderFulfillmentStatus="FULFILLED",
        lineItems=[dict(shipped["lineItems"][0], lineItemFulfillmentStatus="FULFILLED")],
    )
    # Money: the buyer of the two-line order got the mug refunded (a partial refund of one line), and
    # eBay paid out the 40-day-old sale long ago; the recent ones wait for the next payout run.
    sim.pay_out(when=now - timedelta(days=38), hold={order["orderId"] for order in orders[:-1]})
    two_lines = orders[1]
    mug_line = two_lines["lineItems"][1]
    sim.refund_order(
        two_lines["orderId"],
        mug_line["total"]["value"],
        line_item_id=mug_line["lineItemId"],
        reason="Arrived broken",
    )
    return {
        "policies": policies,
        "location": "WH-1",
        "skus": ["MUG-BLUE", "PHONE-X100", "PAN-28", "DRAFT-1", "TEE-S", "TEE-M", "TEE-L"],
        "group": "TEE",
        "legacy_listings": [legacy, legacy_no_sku],
        "orders": [order["orderId"] for order in orders],
    }


def list_items(sim, entries, category_id="88433", location="WH-1"):
    """Published Inventory API listings for tests and benchmarks, made through the Inventory API's own
    handlers (its validation, no network, no request logged, no quota spent): one inventory item, one
    offer and one listing per entry. The seller's business policies and `location` are made when the
    marketplace has none.

    :param entries: [{"sku", "quantity", "price" (str), "title" (default: the SKU)}].
    :returns: {sku: {"offerId", "listingId"}}.
    """
    inventory, account = sim.inventory, sim.account
    policies = {}
    for kind, field in (
        ("fulfillment", "fulfillmentPolicyId"),
        ("payment", "paymentPolicyId"),
        ("return", "returnPolicyId"),
    ):
        existing = next(
            (pid for pid, p in account.policies[kind].items() if p["marketplaceId"] == sim.marketplace), None
        )
        policies[field] = existing or sim.add_policy(kind, f"Default {kind}")
    if location not in inventory.locations:
        sim.add_location(location)
    listed = {}
    for entry in entries:
        sku, title = entry["sku"], entry.get("title") or entry["sku"]
        _call(
            inventory,
            "PUT",
            f"{INV}/inventory_item/{sku}",
            {
                "condition": "NEW",
                "availability": {"shipToLocationAvailability": {"quantity": int(entry.get("quantity") or 0)}},
                "product": {
                    "title": title,
                    "imageUrls": [f"https://i.ebayimg.com/images/g/{sku}/s-l1600.jpg"],
                },
            },
        )
        offer_id = _call(
            inventory,
            "POST",
            f"{INV}/offer",
            {
                "sku": sku,
                "marketplaceId": sim.marketplace,
                "format": "FIXED_PRICE",
                "categoryId": category_id,
                "availableQuantity": int(entry.get("quantity") or 0),
                "merchantLocationKey": location,
                "listingPolicies": policies,
                "pricingSummary": {
                    "price": {"value": str(entry.get("price") or "10.00"), "currency": sim.currency}
                },
            },
        )["offerId"]
        listing_id = _call(inventory, "POST", f"{INV}/offer/{offer_id}/publish")["listingId"]
        listed[sku] = {"offerId": offer_id, "listingId": listing_id}
    return listed


#: What the demo's buyers order while it runs (`demo_live_order`), in turn: SKUs of the demo seed's live
#: listings (a SKU sold out is skipped).
DEMO_LIVE_SKUS = ("MUG-BLUE", "TEE-M", "TEE-S", "PHONE-X100", "TEE-L")
DEMO_LIVE_BUYERS = ("mug_lover_88", "retro_finds", "kim.buys")


def demo_live_order(sim, index):
    """One more order for the CLI's --order-every: a buyer orders one unit of a live listing of the demo
    seed (paid, not shipped; eBay-collected sales tax on every second one), as getOrders then answers it.
    When the seller subscribed to ORDER_CONFIRMATION (Register Webhooks), the notification is sent too,
    as eBay does once the buyer has checked out. Returns the order, or None when every listing is sold
    out."""
    for offset in range(len(DEMO_LIVE_SKUS)):
        sku = DEMO_LIVE_SKUS[(index + offset) % len(DEMO_LIVE_SKUS)]
        listing = sim.listing(sku)
        if listing and listing["status"] == "ACTIVE" and (sim.quantity(sku) or 0) > 0:
            break
    else:
        return None
    price = (listing["price"] or {}).get("value", "10.00")
    order = sim.add_order(
        [{"sku": sku, "quantity": 1, "price": price, "title": listing["title"]}],
        buyer=DEMO_LIVE_BUYERS[index % len(DEMO_LIVE_BUYERS)],
        ebay_collected_tax="0.0825" if index % 2 == 0 else None,
        shipping_cost="4.50",
    )
    notification = getattr(sim, "notification", None)
    if notification is not None:
        notification.deliver("ORDER_CONFIRMATION", {"orderId": order["orderId"]})
    return order
