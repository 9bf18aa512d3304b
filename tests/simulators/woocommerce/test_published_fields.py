"""The simulator's representations against WooCommerce's published contract: the property tables of
the REST API docs (published_fields.json, extracted from woocommerce/woocommerce-rest-api-docs; WordPress
publishes no JSON schema file, the live one is only served by OPTIONS on a real shop).

Every documented readable field must be present with the documented type; every field the simulator
sends must be documented or listed in EXTRAS with its source. Where the docs' table disagrees with what
WooCommerce answers (its own examples and its source), DOCS_ERRATA says so and the simulator follows
WooCommerce.
"""

import json
import pathlib

import pytest

from .simulator import WooCommerceSimulator

PUBLISHED = json.loads((pathlib.Path(__file__).parent / "published_fields.json").read_text())

TYPES = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    "bool": (bool,),
    "array": (list,),
    "object": (dict,),
    "number": (int, float),
    "date-time": (str,),
}
NULLABLE = {
    # dates not set yet, stock not managed, an image-less variation: WooCommerce answers null
    "date-time",
}
NULLABLE_FIELDS = {"stock_quantity", "low_stock_amount", "image", "parent_name", "rate_percent"}

# (resource section, field): (types the simulator sends, why)
DOCS_ERRATA = {
    ("Order - Line items", "price"): (
        (int, float),
        'a number: the docs\' example ("price": 3) and WC_REST_Orders_V2_Controller (total / quantity)',
    ),
    ("Order - Tax lines", "rate_id"): ((int,), 'an integer in the docs\' example ("rate_id": 75)'),
    ("Product variation", "manage_stock"): (
        (bool, str),
        '"parent" when the parent manages the stock (WC_Product_Variation::get_manage_stock)',
    ),
    ("Product", "manage_stock"): ((bool, str), "the products endpoint shows variations too"),
    ("Product variation", "shipping_class_id"): ((int,), "an integer in the docs' examples (0)"),
    ("Product variation", "image"): ((dict, type(None)), "null without an image (get_image returns nothing)"),
}
# Documented without the write-only mark, but only a parameter of the create call: never in the docs'
# examples nor in prepare_item_for_response.
UNMARKED_WRITE_ONLY = {("Order note", "added_by_user")}
# Sub-tables whose docs describe another shape: line `taxes` are {id, total, subtotal} in the docs'
# example and the source (the "Order - Taxes" table copies the tax lines' columns).
SKIP_SECTIONS = {"Order - Taxes"}
# Fields WooCommerce sends that the docs' tables (2024-03) do not list, with their source.
EXTRAS = {
    "Order": {
        "payment_url",
        "is_editable",
        "needs_payment",
        "needs_processing",
        "currency_symbol",
        "_links",
    },  # WC_REST_Orders_Controller (v3) prepare_object_for_response
    "Order - Line items": {"image", "parent_name"},  # v3 line items (WC 5.6+ / 7.x)
    "Order - Tax lines": {"rate_percent"},  # WC 5.7+
    "Order - Shipping lines": {"instance_id", "tax_status"},  # WC 6.x / 9.x
    "Order - Fee lines": {"amount"},  # WC 9.x
    "Product": {"_links", "low_stock_amount"},  # low_stock_amount: WC 5.3+ (also on variations)
    "Product - Images": {"position"},
    "Product - Attributes": {"slug"},  # WC 9.x
    "Product variation": {"_links", "low_stock_amount", "name", "type", "parent_id"},  # WC 8.x variations
    "Customer": {"_links"},
    "Webhook": {"_links"},
    "Order note": {"_links"},
    "Order refund": {"_links", "shipping_lines", "tax_lines", "fee_lines"},  # WC 9.x refunds
}
NESTED = {
    "Order": {
        "billing": "Order - Billing",
        "shipping": "Order - Shipping",
        "meta_data": "Order - Meta data",
        "line_items": "Order - Line items",
        "tax_lines": "Order - Tax lines",
        "shipping_lines": "Order - Shipping lines",
        "fee_lines": "Order - Fee lines",
        "coupon_lines": "Order - Coupon lines",
        "refunds": "Order - Refunds",
    },
    "Product": {
        "dimensions": "Product - Dimensions",
        "categories": "Product - Categories",
        "images": "Product - Images",
        "attributes": "Product - Attributes",
        "meta_data": "Product - Meta data",
    },
    "Product variation": {
        "dimensions": "Product variation - Dimensions",
        "image": "Product variation - Image",
        "attributes": "Product variation - Attributes",
        "meta_data": "Product variation - Meta data",
    },
    "Customer": {
        "billing": "Customer - Billing",
        "shipping": "Customer - Shipping",
        "meta_data": "Customer - Meta data",
    },
}


def _check(resource, section, payload, problems, seen):
    spec = PUBLISHED[resource][section]
    for name, declared in spec.items():
        kind, *flags = declared.split()
        if "write-only" in flags or (section, name) in UNMARKED_WRITE_ONLY:
            assert name not in payload, f"{section}.{name} is write-only but the simulator sends it"
            continue
        if name not in payload:
            problems.append(f"{section}.{name}: documented, missing")
            continue
        value = payload[name]
        seen.add((section, name))
        allowed = DOCS_ERRATA.get((section, name), (TYPES[kind], ""))[0]
        if value is None and (kind in NULLABLE or name in NULLABLE_FIELDS):
            continue
        if isinstance(value, bool) and bool not in allowed:
            problems.append(f"{section}.{name}: documented {kind}, got a boolean")
        elif not isinstance(value, allowed):
            problems.append(f"{section}.{name}: documented {kind}, got {type(value).__name__} {value!r}")
    for name in payload:
        if name not in spec and name not in EXTRAS.get(section, set()):
            problems.append(f"{section}.{name}: sent but neither documented nor listed in EXTRAS")
    for field, sub in NESTED.get(section, {}).items():
        value = payload.get(field)
        for item in value if isinstance(value, list) else [value] if isinstance(value, dict) else []:
            _check(resource, sub, item, problems, seen)


@pytest.fixture(scope="module")
def demo():
    sim = WooCommerceSimulator(seed="demo", tracking_extension=True)
    return sim


def _orders(sim):
    return [sim.order(order_id) for order_id in sim.seed_summary["orders"]]


def test_orders_follow_the_published_properties(demo):
    problems, seen = [], set()
    for order in _orders(demo):
        _check("order", "Order", order, problems, seen)
    assert not problems, "\n".join(sorted(set(problems)))
    # the demo orders exercise every sub-table
    for section in (
        "Order - Line items",
        "Order - Tax lines",
        "Order - Shipping lines",
        "Order - Fee lines",
        "Order - Coupon lines",
        "Order - Refunds",
    ):
        assert any(s == section for s, _ in seen), f"no demo order has {section}"


def test_products_and_variations_follow_the_published_properties(demo):
    problems, seen = [], set()
    with demo.store.lock:
        products = [p for p in demo.store.products.values()]
    for product in products:
        if product["type"] == "variation":
            _check(
                "product_variation", "Product variation", demo.store.render_variation(product), problems, seen
            )
        else:
            _check("product", "Product", demo.store.render_product(product), problems, seen)
    assert not problems, "\n".join(sorted(set(problems)))


def test_customers_notes_refunds_webhooks_follow_the_published_properties(demo):
    problems, seen = [], set()
    with demo.store.lock:
        for customer in demo.store.customers.values():
            _check("customer", "Customer", demo.store.render_customer(customer), problems, seen)
        for order_id, notes in demo.store.notes.items():
            for note in notes:
                _check(
                    "order_note",
                    "Order note",
                    demo.store.render_note(demo.store.orders[order_id], note),
                    problems,
                    seen,
                )
        for refund in demo.store.refunds.values():
            payload = demo.store.render_refund(refund)
            spec = dict(PUBLISHED["order_refund"]["Order refund"])
            _check("order_refund", "Order refund", payload, problems, seen)
            assert "api_refund" in spec  # write-only in the docs: never answered
        hook = demo.webhooks.create({"topic": "order.updated", "delivery_url": "https://example.com/h"})
        demo.webhooks.pings_due.clear()
        _check("webhook", "Webhook", demo.api.render_webhook(hook), problems, seen)
    assert not problems, "\n".join(sorted(set(problems)))
