"""Seed data: `demo` (a small shop with the odd inputs WooCommerce really sends) and `bulk`
(many variable products and orders, generated quickly for benchmarks).

The odd inputs, each from the REST API docs' examples or WooCommerce's behaviour:
HTML entities in names (`&ndash;` in the docs' line item "Ship Your Idea &ndash; Color: Black",
`&amp;` from WordPress's title filters), empty SKUs (SKU is optional), a guest order
(`customer_id` 0), a zero-tax order (no `tax_lines`, every tax "0.00"), a negative fee, coupon
codes lower-cased (wc_format_coupon_code), shipping with tax, a variation using its parent's stock
(`manage_stock: "parent"`), an order placed with prices entered with tax.
"""

import random
from datetime import timedelta
from decimal import Decimal

DEMO_CATEGORIES = ("Clothing", "Hoodies", "Accessories", "Music", "Decor")


def seed_store(sim, seed, products=1000, orders=500):
    """Fill `sim` (quietly: no webhook events). :returns: a summary dict."""
    if seed == "demo":
        with sim.quiet():
            return _demo(sim)
    if seed == "bulk":
        with sim.quiet():
            return _bulk(sim, products, orders)
    raise ValueError(f"unknown seed {seed!r} (none, demo or bulk)")


def _demo(sim):
    now = sim.clock.now()
    made = []
    made.append(
        sim.add_product(
            "Beanie",
            sku="woo-beanie",
            regular_price="20",
            sale_price="18",
            stock_quantity=40,
            categories=[{"name": "Accessories"}],
            weight="0.1",
            images=[{"src": "https://example.com/wp-content/uploads/beanie.jpg"}],
        )
    )
    made.append(
        sim.add_product(
            "Belt &amp; Buckle",
            sku="woo-belt",
            regular_price="65",
            stock_quantity=12,
            categories=[{"name": "Accessories"}],
            weight="0.3",
        )
    )
    made.append(
        sim.add_product(
            "Cap", sku="woo-cap", regular_price="18", stock_quantity=0, categories=[{"name": "Accessories"}]
        )
    )
    made.append(
        sim.add_product(
            "Sunglasses",
            sku="woo-sunglasses",
            regular_price="90",
            stock_quantity=8,
            categories=[{"name": "Accessories"}],
            dimensions={"length": "15", "width": "5", "height": "4"},
        )
    )
    made.append(
        sim.add_product(
            "Album", sku="woo-album", regular_price="15", virtual=True, categories=[{"name": "Music"}]
        )
    )
    made.append(sim.add_product("Single", sku="", regular_price="2", categories=[{"name": "Music"}]))
    made.append(
        sim.add_product(
            "Poster &ndash; Woo Logo",
            sku="woo-poster",
            regular_price="12.50",
            stock_quantity=25,
            categories=[{"name": "Decor"}],
            backorders="notify",
        )
    )
    made.append(
        sim.add_product(
            "T-Shirt with Logo",
            sku="Woo-tshirt-logo",
            regular_price="18",
            stock_quantity=30,
            categories=[{"name": "Clothing"}],
        )
    )
    made.append(
        sim.add_product(
            "Long Sleeve Tee",
            sku="woo-long-sleeve-tee",
            regular_price="25",
            stock_quantity=15,
            categories=[{"name": "Clothing"}],
        )
    )
    made.append(
        sim.add_product(
            "Hoodie with Zipper",
            sku="woo-hoodie-with-zipper",
            regular_price="45",
            stock_quantity=6,
            categories=[{"name": "Hoodies"}],
            status="draft",
        )
    )
    hoodie = sim.add_variable_product(
        "Hoodie",
        sku="woo-hoodie",
        categories=[{"name": "Hoodies"}],
        variations=[
            {
                "sku": "woo-hoodie-blue-logo",
                "regular_price": "45",
                "attributes": {"Color": "Blue", "Logo": "Yes"},
                "stock_quantity": 10,
                "weight": "0.6",
            },
            {
                "sku": "woo-hoodie-blue",
                "regular_price": "45",
                "sale_price": "42",
                "attributes": {"Color": "Blue", "Logo": "No"},
                "stock_quantity": 4,
            },
            {
                "sku": "woo-hoodie-green",
                "regular_price": "45",
                "attributes": {"Color": "Green", "Logo": "No"},
                "stock_quantity": 0,
            },
            {
                "sku": "woo-hoodie-red",
                "regular_price": "45",
                "attributes": {"Color": "Red", "Logo": "No"},
                "stock_quantity": 7,
            },
        ],
    )
    vneck = sim.add_variable_product(
        "V-Neck T-Shirt",
        sku="woo-vneck-tee",
        categories=[{"name": "Clothing"}],
        manage_stock=True,
        stock_quantity=50,
        variations=[  # no stock of their own: they use the parent's (manage_stock "parent")
            {"sku": "woo-vneck-tee-red", "regular_price": "20", "attributes": {"Color": "Red", "Size": "M"}},
            {
                "sku": "woo-vneck-tee-green",
                "regular_price": "20",
                "attributes": {"Color": "Green", "Size": "L"},
            },
            {"sku": "", "regular_price": "20", "attributes": {"Color": "Blue", "Size": "XL"}},
        ],
    )
    ann = sim.add_customer(
        "ann.smith@example.com",
        "Ann",
        "Smith",
        billing=_address("Ann", "Smith", "US"),
        shipping=_address("Ann", "Smith", "US"),
    )
    bob = sim.add_customer(
        "bob.o'neil@example.com",
        "Bob",
        "O'Neil",
        billing=_address("Bob", "O'Neil", "CA"),
        shipping=_address("Bob", "O'Neil", "CA"),
    )
    chloe = sim.add_customer("chloe@example.fr", "Chloé", "Dubois", billing=_address("Chloé", "Dubois", "FR"))
    flat = [{"method_id": "flat_rate", "method_title": "Flat rate", "instance_id": "1", "total": "5.00"}]
    free = [
        {"method_id": "free_shipping", "method_title": "Free shipping", "instance_id": "2", "total": "0.00"}
    ]
    placed = [
        dict(
            lines=[{"sku": "woo-beanie", "quantity": 2}],
            status="processing",
            customer_id=ann["id"],
            billing=ann["billing"],
            shipping=ann["shipping"],
            tax_rate="0.1",
            shipping_lines=flat,
            payment_method="stripe",
            payment_method_title="Credit card",
            days=9,
        ),
        dict(
            lines=[{"sku": "woo-hoodie-blue-logo", "quantity": 1}, {"sku": "woo-cap", "quantity": 1}],
            status="completed",
            customer_id=ann["id"],
            billing=ann["billing"],
            shipping=ann["shipping"],
            tax_rate="0.1",
            shipping_lines=flat,
            coupons=[{"code": "WELCOME10", "percent": 10}],
            days=8,
        ),
        dict(
            lines=[{"sku": "woo-album", "quantity": 1}, {"product_id": made[5]["id"], "quantity": 3}],
            status="completed",
            customer_id=0,
            billing=_address("Guest", "Buyer", "US", email="guest@example.com"),
            tax_rate=None,
            payment_method="paypal",
            payment_method_title="PayPal",
            days=7,
        ),
        dict(
            lines=[{"sku": "woo-vneck-tee-red", "quantity": 2}],
            status="on-hold",
            customer_id=bob["id"],
            billing=bob["billing"],
            shipping=bob["shipping"],
            tax_rate="0.13",
            shipping_lines=flat,
            payment_method="bacs",
            payment_method_title="Direct bank transfer",
            days=6,
        ),
        dict(
            lines=[{"sku": "woo-poster", "quantity": 4}],
            status="pending",
            customer_id=0,
            billing=_address("Dana", "Guest", "GB", email="dana@example.co.uk"),
            tax_rate="0.2",
            shipping_lines=free,
            days=5,
        ),
        dict(
            lines=[{"sku": "woo-sunglasses", "quantity": 1}],
            status="cancelled",
            customer_id=bob["id"],
            billing=bob["billing"],
            tax_rate="0.13",
            days=5,
        ),
        dict(
            lines=[{"sku": "woo-belt", "quantity": 1}, {"sku": "woo-hoodie-red", "quantity": 1}],
            status="processing",
            customer_id=chloe["id"],
            billing=chloe["billing"],
            tax_rate="0.2",
            prices_include_tax=True,
            shipping_lines=[{**flat[0], "total": "4.17"}],
            fee_lines=[{"name": "Loyalty discount", "total": "-5.00", "tax_status": "none"}],
            days=4,
        ),
        dict(
            lines=[{"sku": "Woo-tshirt-logo", "quantity": 3}],
            status="refunded",
            customer_id=ann["id"],
            billing=ann["billing"],
            tax_rate="0.1",
            days=3,
            refund=True,
        ),
        dict(
            lines=[{"sku": "woo-long-sleeve-tee", "quantity": 1}],
            status="failed",
            customer_id=0,
            billing=_address("Eve", "Guest", "US", email="eve@example.com"),
            tax_rate="0.1",
            days=2,
        ),
        dict(
            lines=[{"sku": "woo-hoodie-blue", "quantity": 1}, {"sku": "woo-vneck-tee-green", "quantity": 1}],
            status="processing",
            customer_id=chloe["id"],
            billing=chloe["billing"],
            tax_rate="0.2",
            shipping_lines=flat,
            coupons=[{"code": "Summer-Sale", "amount": "5"}],
            customer_note="Gift wrap, please.",
            days=1,
        ),
    ]
    # How each order was paid (issue #14): card payments through Stripe carry the charge id as the
    # transaction id (set when the charge succeeds: not on pending or failed orders); a bank transfer
    # (bacs) has none and is paid when the shop owner moves it to processing; cash on delivery is paid
    # once completed (WC_Gateway_COD); PayPal Payments carries its capture id.
    stripe = ("stripe", "Credit Card (Stripe)")
    bacs, cod = ("bacs", "Direct bank transfer"), ("cod", "Cash on delivery")
    payments = [
        (*stripe, "ch_3QdemoBeanie0001"),  # processing
        (*cod, ""),  # completed: paid on completion
        ("ppcp-gateway", "PayPal", "8MC585209K746392H"),  # completed
        (*bacs, ""),  # on-hold: awaiting the transfer, not paid
        (*stripe, ""),  # pending: not charged
        (*cod, ""),  # cancelled
        (*stripe, "ch_3QdemoChloe00002"),  # processing
        (*stripe, "ch_3QdemoTshirt0003"),  # refunded in full
        (*stripe, ""),  # failed: the charge was declined
        (*bacs, ""),  # processing: the transfer arrived (paid by status)
    ]
    orders = []
    for spec, (method, title, transaction) in zip(placed, payments, strict=True):
        spec = dict(spec, payment_method=method, payment_method_title=title, transaction_id=transaction)
        days, refund = spec.pop("days"), spec.pop("refund", False)
        status = spec.pop("status")
        order = sim.add_order(date_created=now - timedelta(days=days), status="pending", **spec)
        if status != "pending":
            sim.update_order(order["id"], status=status if status != "refunded" else "completed")
        if refund:  # refunded in full through Stripe (the money went back to the card)
            sim.add_refund(order["id"], reason="Wrong size", api_refund=True)
        orders.append(sim.order(order["id"]))
    # refunded in part: one of the two beanies, through Stripe, put back in stock
    beanie = orders[0]["line_items"][0]
    unit, unit_tax = Decimal(beanie["total"]) / 2, Decimal(beanie["total_tax"]) / 2
    tax_id = orders[0]["tax_lines"][0]["rate_id"]
    sim.add_refund(
        orders[0]["id"],
        reason="One beanie arrived torn",
        restock=True,
        api_refund=True,
        line_items=[
            {
                "id": beanie["id"],
                "quantity": 1,
                "refund_total": str(unit),
                "refund_tax": [{"id": tax_id, "refund_total": str(unit_tax)}],
            }
        ],
    )
    orders[0] = sim.order(orders[0]["id"])
    return {
        "products": len(made) + 2,
        "variable_products": [hoodie["id"], vneck["id"]],
        "customers": 3,
        "orders": [o["id"] for o in orders],
    }


def _address(first, last, country, email=None):
    cities = {
        "US": ("San Francisco", "CA", "94103"),
        "CA": ("Ottawa", "ON", "K1A 0A1"),
        "FR": ("Lyon", "", "69002"),
        "GB": ("London", "", "SW1A 1AA"),
    }
    city, state, postcode = cities.get(country, ("Springfield", "", "00000"))
    return {
        "first_name": first,
        "last_name": last,
        "company": "",
        "address_1": "1 Loopback Street",
        "address_2": "",
        "city": city,
        "state": state,
        "postcode": postcode,
        "country": country,
        "email": email or f"{first.lower()}@example.com",
        "phone": "(555) 555-0100",
    }


def _bulk(sim, product_count, order_count):
    """`product_count` products (one in four variable, with 3 variations each) and `order_count`
    orders over the last 60 days, built directly in the store (no HTTP)."""
    rng = random.Random(7)
    store = sim.store
    sellable = []
    now = sim.clock.now()
    with store.lock:
        for index in range(product_count):
            if index % 4 == 0:
                parent = store.new_product(
                    {
                        "name": f"Bulk Hoodie {index}",
                        "type": "variable",
                        "sku": f"BULK-{index:05d}",
                        "attributes": [{"name": "Size", "options": ["S", "M", "L"], "variation": True}],
                    }
                )
                for size in ("S", "M", "L"):
                    variation = store.new_product(
                        {
                            "sku": f"BULK-{index:05d}-{size}",
                            "regular_price": str(20 + index % 30),
                            "manage_stock": True,
                            "stock_quantity": 50,
                            "attributes": [{"name": "Size", "option": size}],
                        },
                        parent=parent,
                    )
                    sellable.append(variation)
            else:
                product = store.new_product(
                    {
                        "name": f"Bulk Product {index}",
                        "sku": f"BULK-{index:05d}",
                        "regular_price": f"{5 + index % 50}.99",
                        "manage_stock": True,
                        "stock_quantity": 100,
                    }
                )
                sellable.append(product)
        statuses = ("processing", "completed", "completed", "on-hold", "pending", "cancelled")
        for index in range(order_count):
            lines = [
                {
                    "variation_id" if p["type"] == "variation" else "product_id": p["id"],
                    "quantity": rng.randint(1, 3),
                }
                for p in rng.sample(sellable, k=min(len(sellable), rng.randint(1, 3)))
            ]
            order = store.new_order(
                {
                    "line_items": lines,
                    "status": statuses[index % len(statuses)],
                    "tax_rate": "0.2",
                    "billing": _address("Bulk", f"Buyer{index}", "US", email=f"buyer{index}@example.com"),
                    "shipping_lines": [
                        {"method_id": "flat_rate", "method_title": "Flat rate", "total": "5.00"}
                    ],
                    "date_created": now - timedelta(minutes=rng.randint(0, 60 * 24 * 60)),
                },
                created_via="checkout",
            )
            order["date_modified"] = order["date_created"]
    return {
        "products": product_count,
        "variations": sum(1 for p in store.products.values() if p["type"] == "variation"),
        "orders": order_count,
    }


def demo_live_order(sim, index):
    """One more order for the CLI's --order-every (a guest buying one or two demo products)."""
    with sim.store.lock:
        skus = [
            p["sku"]
            for p in sim.store.products.values()
            if p["sku"] and p["status"] == "publish" and p["type"] in ("simple", "variation")
        ]
    rng = random.Random(index)
    lines = [{"sku": sku, "quantity": rng.randint(1, 2)} for sku in rng.sample(skus, k=min(2, len(skus)))]
    order = sim.add_order(
        lines,
        status="pending",
        tax_rate="0.1",
        billing=_address("Live", f"Buyer {index}", "US", email=f"live{index}@example.com"),
        shipping_lines=[{"method_id": "flat_rate", "method_title": "Flat rate", "total": "5.00"}],
    )
    return sim.update_order(order["id"], status="processing", set_paid=True)
