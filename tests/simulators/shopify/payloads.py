"""Webhook payloads: REST-shaped (snake_case keys, integer ids, money as strings, admin_graphql_api_id).

Shopify sends these shapes to every app, GraphQL-only ones included (shopify.dev/docs/api/webhooks,
"Payloads are REST-shaped"). Field lists follow the REST Admin resources (Order, Product, InventoryLevel,
Refund, Fulfillment, Customer) restricted to what the connector can use.
"""

from decimal import Decimal

from .util import gid, money_str, rest_money_set, rest_time

FINANCIAL = {
    "PAID": "paid",
    "PENDING": "pending",
    "AUTHORIZED": "authorized",
    "PARTIALLY_PAID": "partially_paid",
    "PARTIALLY_REFUNDED": "partially_refunded",
    "REFUNDED": "refunded",
    "VOIDED": "voided",
    "EXPIRED": "expired",
}
FULFILLMENT = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial", "UNFULFILLED": None}


def _address(addr):
    if addr is None:
        return None
    return {
        "first_name": addr.first_name,
        "last_name": addr.last_name,
        "name": addr.name,
        "company": addr.company,
        "address1": addr.address1,
        "address2": addr.address2,
        "city": addr.city,
        "province": addr.province,
        "province_code": addr.province_code,
        "country": addr.country,
        "country_code": addr.country_code,
        "zip": addr.zip,
        "phone": addr.phone,
        "latitude": None,
        "longitude": None,
    }


def _tax_lines(lines, currency):
    return [
        {
            "title": t.title,
            "rate": float(t.rate),
            "price": money_str(t.price),
            "price_set": rest_money_set(t.price, currency),
            "channel_liable": False,
        }
        for t in lines
    ]


def _allocations(allocations, currency):
    return [
        {
            "amount": money_str(amount),
            "amount_set": rest_money_set(amount, currency),
            "discount_application_index": index,
        }
        for amount, index in allocations
    ]


def customer(store, cust, brief=False):
    if cust is None:
        return None
    data = {
        "id": cust.id,
        "email": cust.email,
        "created_at": rest_time(cust.created_at),
        "updated_at": rest_time(cust.updated_at),
        "first_name": cust.first_name,
        "last_name": cust.last_name,
        "state": cust.state.lower(),
        "note": cust.note,
        "verified_email": cust.verified_email,
        "multipass_identifier": None,
        "tax_exempt": cust.tax_exempt,
        "phone": cust.phone,
        "tags": ", ".join(cust.tags),
        "currency": store.currency,
        "admin_graphql_api_id": gid("Customer", cust.id),
        "default_address": (
            {
                **_address(cust.addresses[0]),
                "id": cust.addresses[0].id,
                "customer_id": cust.id,
                "default": True,
            }
            if cust.addresses
            else None
        ),
    }
    if not brief:
        data["addresses"] = [
            {**_address(a), "id": a.id, "customer_id": cust.id, "default": i == 0}
            for i, a in enumerate(cust.addresses)
        ]
    return data


def line_item(store, order, line):
    currency = order.currency
    return {
        "id": line.id,
        "admin_graphql_api_id": gid("LineItem", line.id),
        "variant_id": line.variant_id,
        "product_id": line.product_id,
        "title": line.title,
        "variant_title": line.variant_title,
        "name": line.name,
        "sku": line.sku,
        "vendor": line.vendor,
        "quantity": line.quantity,
        "current_quantity": line.quantity - line.refunded_quantity,
        "fulfillable_quantity": max(line.quantity - line.refunded_quantity - line.fulfilled_quantity, 0),
        "fulfillment_status": (
            "fulfilled"
            if line.fulfilled_quantity >= line.quantity - line.refunded_quantity and line.fulfilled_quantity
            else ("partial" if line.fulfilled_quantity else None)
        ),
        "requires_shipping": line.requires_shipping,
        "taxable": line.taxable,
        "gift_card": False,
        "price": money_str(line.price),
        "price_set": rest_money_set(line.price, currency),
        "total_discount": money_str(line.discount_total),
        "total_discount_set": rest_money_set(line.discount_total, currency),
        "tax_lines": _tax_lines(line.tax_lines, currency),
        "discount_allocations": _allocations(line.discount_allocations, currency),
        "properties": [],
        "product_exists": line.product_id in store.products,
    }


def order(store, rec):
    currency = rec.currency
    cust = store.customers.get(rec.customer_id) if rec.customer_id else None
    status = store.fulfillment_status(rec)
    refunded = store.refunded_total(rec)
    current_total = rec.total - refunded
    return {
        "id": rec.id,
        "admin_graphql_api_id": gid("Order", rec.id),
        "app_id": None,
        "name": rec.name,
        "number": rec.number,
        "order_number": rec.order_number,
        "email": rec.email,
        "contact_email": rec.email,
        "phone": rec.phone,
        "created_at": rest_time(rec.created_at),
        "updated_at": rest_time(rec.updated_at),
        "processed_at": rest_time(rec.processed_at),
        "closed_at": rest_time(rec.closed_at),
        "cancelled_at": rest_time(rec.cancelled_at),
        "cancel_reason": rec.cancel_reason.lower() if rec.cancel_reason else None,
        "confirmed": True,
        "test": rec.test,
        "source_name": rec.source_name,
        "note": rec.note,
        "tags": ", ".join(rec.tags),
        "currency": currency,
        "presentment_currency": currency,
        "taxes_included": rec.taxes_included,
        "buyer_accepts_marketing": False,
        "financial_status": FINANCIAL.get(rec.financial_status, rec.financial_status.lower()),
        "fulfillment_status": FULFILLMENT[status],
        "total_price": money_str(rec.total),
        "total_price_set": rest_money_set(rec.total, currency),
        "subtotal_price": money_str(rec.subtotal),
        "subtotal_price_set": rest_money_set(rec.subtotal, currency),
        "total_line_items_price": money_str(rec.line_items_total),
        "total_line_items_price_set": rest_money_set(rec.line_items_total, currency),
        "total_tax": money_str(rec.tax_total),
        "total_tax_set": rest_money_set(rec.tax_total, currency),
        "total_discounts": money_str(rec.discounts_total),
        "total_discounts_set": rest_money_set(rec.discounts_total, currency),
        "total_shipping_price_set": rest_money_set(rec.shipping_total, currency),
        "current_total_price": money_str(current_total),
        "current_total_price_set": rest_money_set(current_total, currency),
        "total_outstanding": money_str(max(rec.total - rec.paid_amount, Decimal("0"))),
        "total_weight": 0,
        "tax_lines": _tax_lines(rec.tax_lines(), currency),
        "discount_codes": [
            {"code": d["code"], "amount": money_str(d["amount"]), "type": d["type"]}
            for d in rec.discount_applications
        ],
        "discount_applications": [
            {
                "type": "discount_code",
                "code": d["code"],
                "value": str(d["value"]),
                "value_type": "percentage" if d["type"] == "percentage" else "fixed_amount",
                "allocation_method": "across",
                "target_selection": "all",
                "target_type": "line_item",
            }
            for d in rec.discount_applications
        ],
        "line_items": [line_item(store, rec, line) for line in rec.line_items],
        "shipping_lines": [
            {
                "id": sl.id,
                "title": sl.title,
                "code": sl.code,
                "source": sl.source,
                "price": money_str(sl.price),
                "price_set": rest_money_set(sl.price, currency),
                "discounted_price": money_str(
                    sl.price - sum((a for a, _i in sl.discount_allocations), Decimal("0"))
                ),
                "tax_lines": _tax_lines(sl.tax_lines, currency),
                "discount_allocations": _allocations(sl.discount_allocations, currency),
            }
            for sl in rec.shipping_lines
        ],
        "shipping_address": _address(rec.shipping_address),
        "billing_address": _address(rec.billing_address),
        "customer": customer(store, cust, brief=True),
        "note_attributes": [{"name": a["key"], "value": a["value"]} for a in rec.custom_attributes],
        "fulfillments": [fulfillment(store, store.fulfillments[f]) for f in rec.fulfillment_ids],
        "refunds": [refund(store, store.refunds[r]) for r in rec.refund_ids],
        "payment_gateway_names": gateway_names(store, rec),
    }


def gateway_names(store, rec):
    """The order's payment gateways (REST `payment_gateway_names`, GraphQL `paymentGatewayNames`)."""
    names = []
    for txn_id in rec.transaction_ids:
        gateway = store.transactions[txn_id].gateway
        if gateway not in names:
            names.append(gateway)
    return names or ([rec.gateway] if rec.gateway else [])


def order_transaction(store, txn):
    """REST Transaction (order_transactions/create; Refund.transactions)."""
    order_rec = store.orders[txn.order_id]
    return {
        "id": txn.id,
        "admin_graphql_api_id": gid("OrderTransaction", txn.id),
        "order_id": txn.order_id,
        "kind": txn.kind.lower(),
        "gateway": txn.gateway,
        "status": txn.status.lower(),
        "message": None,
        "created_at": rest_time(txn.created_at),
        "processed_at": rest_time(txn.processed_at),
        "test": txn.test,
        "authorization": None,
        "authorization_expires_at": None,
        "location_id": None,
        "user_id": None,
        "parent_id": txn.parent_id,
        "device_id": None,
        "error_code": txn.error_code.lower() if txn.error_code else None,
        "source_name": order_rec.source_name,
        "receipt": {},
        "currency_exchange_adjustment": None,
        "amount": money_str(txn.amount),
        "currency": order_rec.currency,
        "payment_id": f"{order_rec.name}.{txn.position}",
        "total_unsettled_set": rest_money_set(
            txn.amount if txn.kind == "AUTHORIZATION" and txn.status == "SUCCESS" else 0, order_rec.currency
        ),
        "manual_payment_gateway": txn.manual,
        "amount_rounding": None,
    }


def fulfillment(store, rec):
    order_rec = store.orders[rec.order_id]
    lines = {li.id: li for li in order_rec.line_items}
    tracking = rec.tracking
    return {
        "id": rec.id,
        "admin_graphql_api_id": gid("Fulfillment", rec.id),
        "order_id": rec.order_id,
        "name": rec.name,
        "status": rec.status.lower(),
        "service": "manual",
        "location_id": rec.location_id,
        "created_at": rest_time(rec.created_at),
        "updated_at": rest_time(rec.updated_at),
        "shipment_status": None,
        "origin_address": None,
        "receipt": {},
        "tracking_company": tracking[0]["company"] if tracking else None,
        "tracking_number": tracking[0]["number"] if tracking else None,
        "tracking_numbers": [t["number"] for t in tracking if t["number"]],
        "tracking_url": tracking[0]["url"] if tracking else None,
        "tracking_urls": [t["url"] for t in tracking if t["url"]],
        "line_items": [
            {**line_item(store, order_rec, lines[line_id]), "quantity": qty}
            for line_id, qty in rec.lines
            if line_id in lines
        ],
    }


def _shipping_adjustments(rec, currency):
    """A shipping refund shows in REST as an order adjustment of kind shipping_refund (negative amounts)."""
    if not rec.shipping_lines:
        return []
    amount = -sum((s["subtotal"] for s in rec.shipping_lines), Decimal("0"))
    tax = -sum((s["tax"] for s in rec.shipping_lines), Decimal("0"))
    return [
        {
            "id": rec.adjustment_id,
            "order_id": rec.order_id,
            "refund_id": rec.id,
            "kind": "shipping_refund",
            "reason": "Shipping refund",
            "amount": money_str(amount),
            "amount_set": rest_money_set(amount, currency),
            "tax_amount": money_str(tax),
            "tax_amount_set": rest_money_set(tax, currency),
        }
    ]


def refund(store, rec):
    order_rec = store.orders[rec.order_id]
    currency = order_rec.currency
    lines = {li.id: li for li in order_rec.line_items}
    return {
        "id": rec.id,
        "admin_graphql_api_id": gid("Refund", rec.id),
        "order_id": rec.order_id,
        "created_at": rest_time(rec.created_at),
        "processed_at": rest_time(rec.created_at),
        "note": rec.note,
        "restock": rec.restock,
        "user_id": None,
        "order_adjustments": _shipping_adjustments(rec, currency),
        "duties": [],
        "total_duties_set": rest_money_set(0, currency),
        "refund_line_items": [
            {
                "id": line["id"],
                "line_item_id": line["line_item_id"],
                "quantity": line["quantity"],
                "restock_type": line["restock_type"].lower(),
                "location_id": line["location_id"],
                "subtotal": float(line["subtotal"]),
                "subtotal_set": rest_money_set(line["subtotal"], currency),
                "total_tax": float(line["tax"]),
                "total_tax_set": rest_money_set(line["tax"], currency),
                "line_item": line_item(store, order_rec, lines[line["line_item_id"]]),
            }
            for line in rec.lines
        ],
        "transactions": [order_transaction(store, store.transactions[t]) for t in rec.transaction_ids],
    }


def product(store, rec):
    options = rec.options
    variants = [store.variants[v] for v in rec.variant_ids]
    return {
        "id": rec.id,
        "admin_graphql_api_id": gid("Product", rec.id),
        "title": rec.title,
        "body_html": rec.description_html,
        "vendor": rec.vendor,
        "product_type": rec.product_type,
        "handle": rec.handle,
        "status": rec.status.lower(),
        "tags": ", ".join(rec.tags),
        "created_at": rest_time(rec.created_at),
        "updated_at": rest_time(rec.updated_at),
        "published_at": rest_time(rec.published_at),
        "published_scope": "global",
        "template_suffix": None,
        "variants": [
            {
                "id": v.id,
                "admin_graphql_api_id": gid("ProductVariant", v.id),
                "product_id": rec.id,
                "title": v.title,
                "sku": v.sku,
                "barcode": v.barcode,
                "price": money_str(v.price),
                "compare_at_price": money_str(v.compare_at_price) if v.compare_at_price is not None else None,
                "position": v.position,
                "inventory_policy": v.inventory_policy.lower(),
                "taxable": v.taxable,
                "option1": v.option_values[0] if len(v.option_values) > 0 else None,
                "option2": v.option_values[1] if len(v.option_values) > 1 else None,
                "option3": v.option_values[2] if len(v.option_values) > 2 else None,
                "inventory_item_id": v.inventory_item_id,
                "inventory_quantity": sum(
                    lvl.quantities["available"] for lvl in store.item_levels(v.inventory_item_id)
                ),
                "old_inventory_quantity": 0,
                "image_id": None,
                "created_at": rest_time(v.created_at),
                "updated_at": rest_time(v.updated_at),
            }
            for v in variants
        ],
        "variant_gids": [
            {"admin_graphql_api_id": gid("ProductVariant", v.id), "updated_at": rest_time(v.updated_at)}
            for v in variants
        ],
        "options": [
            {"id": o.id, "product_id": rec.id, "name": o.name, "position": o.position, "values": o.values}
            for o in options
        ],
        "images": [],
        "image": None,
        "media": [],
    }


def inventory_level(store, level):
    return {
        "inventory_item_id": level.item_id,
        "location_id": level.location_id,
        "available": level.quantities["available"],
        "updated_at": rest_time(level.updated_at),
        "admin_graphql_api_id": gid("InventoryLevel", level.id, f"inventory_item_id={level.item_id}"),
    }


def inventory_item(store, item):
    variant = store.variants.get(item.variant_id)
    return {
        "id": item.id,
        "admin_graphql_api_id": gid("InventoryItem", item.id),
        "sku": variant.sku if variant else None,
        "tracked": item.tracked,
        "requires_shipping": item.requires_shipping,
        "cost": money_str(item.cost) if item.cost is not None else None,
        "country_code_of_origin": item.country_code_of_origin,
        "harmonized_system_code": item.harmonized_system_code,
        "created_at": rest_time(item.created_at),
        "updated_at": rest_time(item.updated_at),
    }


def location(store, rec):
    return {
        "id": rec.id,
        "admin_graphql_api_id": gid("Location", rec.id),
        "name": rec.name,
        "active": rec.is_active,
        "address1": rec.address1,
        "city": rec.city,
        "zip": rec.zip,
        "country_code": rec.country_code,
        "created_at": rest_time(rec.created_at),
        "updated_at": rest_time(rec.updated_at),
    }


def shop(store):
    return {
        "id": store.shop_id,
        "name": store.shop_name,
        "email": f"owner@{store.shop_domain}",
        "domain": store.shop_domain,
        "myshopify_domain": store.shop_domain,
        "currency": store.currency,
        "plan_name": "basic",
        "plan_display_name": "Basic",
        "iana_timezone": "Etc/UTC",
        "created_at": rest_time(store.created_at),
        "updated_at": rest_time(store.created_at),
    }


def bulk_operation(store, op):
    return {
        "admin_graphql_api_id": gid("BulkOperation", op.id),
        "completed_at": rest_time(op.completed_at),
        "created_at": rest_time(op.created_at),
        "error_code": op.error_code.lower() if op.error_code else None,
        "status": op.status.lower(),
        "type": op.type.lower(),
    }
