"""Seed data: a small demo shop, and bulk catalogues/orders for benchmarks."""

import random
from datetime import timedelta

from .state import ID_BASES
from .util import gid, money

COD = "Cash on Delivery (COD)"  # the gateway name of Shopify's cash on delivery payment method
SIZES = ("XS", "S", "M", "L", "XL", "XXL")
COLORS = ("Black", "White", "Navy", "Olive", "Red", "Sand", "Grey", "Teal")


def seed_catalog(sim, products=250, variants_per_product=8, inventory=10, prefix="SKU"):
    """`products` x `variants_per_product` variants (2,000 by default), no webhooks. Returns SKUs."""
    skus = []
    per_size = max(1, -(-variants_per_product // len(COLORS)))
    for p in range(products):
        specs = []
        for v in range(variants_per_product):
            sku = f"{prefix}-{p:04d}-{v:02d}"
            skus.append(sku)
            specs.append(
                {
                    "sku": sku,
                    "price": f"{10 + (p % 50)}.{v % 10}0",
                    "inventory": inventory,
                    "options": {"Color": COLORS[v // per_size % len(COLORS)], "Size": SIZES[v % per_size]}
                    if variants_per_product > 1
                    else {},
                }
            )
        if variants_per_product == 1:
            specs[0].pop("options")
        sim.add_product(
            f"Bulk product {p:04d}",
            variants=specs,
            vendor="Bulk Co",
            product_type="Apparel",
            tags=["bulk"],
            webhooks=False,
        )
    return skus


def seed_orders(sim, count=500, lines_per_order=2, spread_days=30, seed=7):
    """`count` paid orders spread over the last `spread_days` days, no webhooks. Returns order GIDs."""
    rng = random.Random(seed)
    store = sim.store
    with store.lock:
        variants = [v for v in store.variants.values() if v.sku]
    if not variants:
        seed_catalog(sim, products=25, variants_per_product=4)
        with store.lock:
            variants = [v for v in store.variants.values() if v.sku]
    now = sim.clock.now()
    ids = []
    for n in range(count):
        picks = rng.sample(variants, min(lines_per_order, len(variants)))
        created = now - timedelta(seconds=int(spread_days * 86400 * (count - n) / count))
        order = sim.add_order(
            [{"sku": v.sku, "quantity": rng.randint(1, 3)} for v in picks],
            email=f"buyer{n}@example.com",
            created_at=created,
            webhooks=False,
            shipping_lines=[{"title": "Standard", "price": "4.90", "code": "STD"}],
            tax_rate="0.2" if n % 3 == 0 else None,
            shipping_address={
                "first_name": "Ada",
                "last_name": f"Buyer{n}",
                "address1": f"{n} Main St",
                "city": "Lyon",
                "zip": "69001",
                "country_code": "FR",
                "country": "France",
            },
        )
        ids.append(order["id"])
    return ids


def seed_bulk(sim):
    skus = seed_catalog(sim)
    orders = seed_orders(sim)
    return {"skus": len(skus), "orders": len(orders)}


# The demo shop's stock before its orders, per SKU: (units at the shop's primary location, units in
# the Backroom). A shop that already sells has stock, uneven as real stock is: best sellers deeper,
# a size nearly sold out, a size kept in the shop only, the draft product's stock waiting in the
# backroom. Its orders then commit (and the fulfilled ones take) part of the primary location's, as
# Shopify does (the primary location holds enough for the seeded orders).
DEMO_STOCK = {
    "TEE-BLA-S": (9, 24),
    "TEE-BLA-M": (24, 36),
    "TEE-BLA-L": (6, 18),
    "TEE-WHI-S": (10, 12),
    "TEE-WHI-M": (11, 30),
    "TEE-WHI-L": (5, 0),
    "MUG-ENAMEL": (60, 48),
    "TOTE-NATURAL": (14, 15),
    "TOTE-BLACK": (6, 12),
    "BEANIE-GREY": (0, 40),
    "POSTER-OLD": (3, 0),
}


def seed_demo(sim):
    """A small, varied shop for the demo: two locations holding stock (DEMO_STOCK), products with
    options, customers, orders in every state (paid, pending, partially fulfilled, fulfilled,
    cancelled, refunded), paid in the usual ways (payments.py): #1001 by card in one sale (Shopify
    Payments), #1002 cash on delivery still pending, #1003 authorized then captured in two parts (one per
    shipment), #1004 cash on delivery taken by hand at delivery, #1006 through the `manual` gateway and
    refunded in part. Nothing is paid out: `sim.pay_out()` (or POST /__sim/payout) does it."""
    backroom = sim.add_location(
        "Backroom", address1="2 Loopback Road", city="Ottawa", zip="K1A 0A2", country_code="CA"
    )
    shop_loc = gid("Location", sim.store.primary_location().id)

    def stock(sku):
        at_shop, in_backroom = DEMO_STOCK[sku]
        return {shop_loc: at_shop, backroom["id"]: in_backroom}

    tee = sim.add_product(
        "Organic T-shirt",
        vendor="Loopback Apparel",
        product_type="T-shirts",
        tags=["organic", "summer"],
        description_html="<p>Soft organic cotton.</p>",
        variants=[
            {
                "sku": f"TEE-{c[:3].upper()}-{s}",
                "price": "24.00",
                "options": {"Color": c, "Size": s},
                "inventory": stock(f"TEE-{c[:3].upper()}-{s}"),
            }
            for c in ("Black", "White")
            for s in ("S", "M", "L")
        ],
    )
    mug = sim.add_product(
        "Enamel mug",
        vendor="Loopback Kitchen",
        product_type="Mugs",
        variants=[
            {
                "sku": "MUG-ENAMEL",
                "price": "14.50",
                "compare_at_price": "18.00",
                "inventory": stock("MUG-ENAMEL"),
                "barcode": "4006381333931",
            }
        ],
    )
    sim.add_product(
        "Canvas tote",
        vendor="Loopback Apparel",
        product_type="Bags",
        variants=[
            {"sku": f"TOTE-{c.upper()}", "price": "19.00", "options": {"Color": c},
             "inventory": stock(f"TOTE-{c.upper()}")}
            for c in ("Natural", "Black")
        ],
    )
    sim.add_product(
        "Gift card",
        vendor="Loopback",
        product_type="Gift cards",
        variants=[{"sku": "GIFT-25", "price": "25.00", "requires_shipping": False, "tracked": False}],
    )
    sim.add_product(
        "Winter beanie",
        status="DRAFT",
        vendor="Loopback Apparel",
        variants=[{"sku": "BEANIE-GREY", "price": "16.00", "inventory": stock("BEANIE-GREY")}],
    )
    sim.add_product(
        "Old poster",
        status="ARCHIVED",
        vendor="Loopback Prints",
        variants=[{"sku": "POSTER-OLD", "price": "9.00", "inventory": stock("POSTER-OLD")}],
    )

    ada = sim.add_customer(
        "ada@example.com",
        "Ada",
        "Lovelace",
        phone="+33612345678",
        addresses=[
            {
                "address1": "12 rue de la Paix",
                "city": "Paris",
                "zip": "75002",
                "countryCode": "FR",
                "firstName": "Ada",
                "lastName": "Lovelace",
            }
        ],
    )
    alan = sim.add_customer("alan@example.com", "Alan", "Turing")
    address = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "address1": "12 rue de la Paix",
        "city": "Paris",
        "zip": "75002",
        "country": "France",
        "country_code": "FR",
    }
    o1 = sim.add_order(
        [{"sku": "TEE-BLA-M", "quantity": 2}, {"sku": "MUG-ENAMEL", "quantity": 1}],
        customer=ada["id"],
        shipping_address=address,
        billing_address=address,
        tax_rate="0.2",
        shipping_lines=[{"title": "Colissimo", "price": "6.90", "code": "COL"}],
        discount_codes=[{"code": "WELCOME10", "type": "percentage", "value": 10}],
        days_ago=3,
    )
    sim.add_order(
        [{"sku": "TOTE-NATURAL", "quantity": 1}],
        customer=alan["id"],
        financial_status="PENDING",
        gateway=COD,
        shipping_lines=[{"title": "Standard", "price": "4.90"}],
        days_ago=2,
    )
    o3 = sim.add_order(
        [{"sku": "TEE-WHI-S", "quantity": 3}], customer=ada["id"], shipping_address=address, days_ago=2,
        financial_status="AUTHORIZED",
    )
    o4 = sim.add_order(
        [{"sku": "MUG-ENAMEL", "quantity": 2}, {"sku": "GIFT-25", "quantity": 1}],
        email="guest@example.com",
        days_ago=1,
        discount_codes=[{"code": "FIVEOFF", "type": "fixed_amount", "amount": "5.00"}],
        financial_status="PENDING",
        gateway=COD,
    )
    o5 = sim.add_order([{"sku": "TEE-BLA-L", "quantity": 1}], customer=alan["id"], days_ago=1)
    o6 = sim.add_order(
        [{"sku": "TOTE-BLACK", "quantity": 2}],
        customer=ada["id"],
        tax_rate="0.2",
        taxes_included=True,
        days_ago=0,
        gateway="manual",
    )
    # states: partially fulfilled, fulfilled, cancelled, refunded
    store = sim.store
    with store.lock:
        order3 = sim._order(o3["id"])
        fo = store.fulfillment_orders[order3.fulfillment_order_ids[0]]
        store.create_fulfillment(
            [(gid("FulfillmentOrder", fo.id), [(gid("FulfillmentOrderLineItem", fo.lines[0].id), 1)])],
            {"company": "La Poste", "number": "6A12345678901"},
        )
        # captured per shipment: the shipped T-shirt now, the rest at once (a second partial capture)
        store.capture(order3, money(order3.total / 3))
        store.capture(order3)
    sim.fulfill_order(
        o4["id"],
        tracking={
            "company": "UPS",
            "number": "1Z999AA10123456784",
            "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        },
    )
    sim.mark_order_paid(o4["id"])  # the courier collected the cash on delivery
    sim.cancel_order(o5["id"], reason="CUSTOMER")
    sim.refund_order(o6["id"], lines=[("TOTE-BLACK", 1)], note="Damaged")
    return {
        "products": len(store.products),
        "variants": len(store.variants),
        "orders": len(store.orders),
        "customers": len(store.customers),
        "first_order": o1["name"],
        "tee": tee["id"],
        "mug": mug["id"],
    }


# Orders the live demo places while it runs: (lines, customer email, shipping line or None).
DEMO_LIVE_ORDERS = (
    ([("TEE-BLA-M", 1), ("MUG-ENAMEL", 1)], "ada@example.com", ("Colissimo", "6.90")),
    ([("TOTE-NATURAL", 2)], "alan@example.com", ("Standard", "4.90")),
    ([("TEE-WHI-L", 1)], "grace@example.com", ("Standard", "4.90")),
    ([("MUG-ENAMEL", 3)], "guest@example.com", None),
    ([("TEE-WHI-S", 1), ("TOTE-BLACK", 1)], "ada@example.com", ("Colissimo", "6.90")),
)


def skip_ids(sim, offset):
    """Move every id counter `offset` further, so that the records created from now on never reuse
    an id of an earlier simulator run (the seeded records keep theirs, the demo's new orders do not
    collide with the ones an earlier run placed: the connector knows orders by id)."""
    store = sim.store
    with store.lock:
        for kind in set(ID_BASES) | set(store._counters):
            store._counters[kind] = store._counters.get(kind, ID_BASES.get(kind, 1_000_000)) + offset


def demo_live_order(sim, n):
    """The `n`-th order of the live demo, placed as a checkout would (orders/create, orders/paid...
    go to the subscribed webhooks). :returns: the order summary of `add_order`."""
    lines, email, shipping = DEMO_LIVE_ORDERS[n % len(DEMO_LIVE_ORDERS)]
    return sim.add_order(
        [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        email=email,
        tax_rate="0.2" if n % 2 == 0 else None,
        shipping_lines=[{"title": shipping[0], "price": shipping[1]}] if shipping else None,
        note=f"Live demo order {n + 1}",
    )
