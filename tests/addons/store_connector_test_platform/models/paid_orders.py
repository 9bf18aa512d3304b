"""Transactions of the test platform's orders (a helper of the adapter, no model)."""


def with_transactions(order):
    """The order as the test platform emits it: an order marked ``"paid": true`` (as WooCommerce's
    ``date_paid``) that lists no transaction gets one, of the order's total, with a stable id made from
    the order's id ("<id>-paid", the same on every import: the payment workflow pays it once), the way an
    adapter whose platform gives no transaction id makes one (services/normalized.py, TRANSACTION).
    Each REFUND it lists gets its refund transaction the same way ("<refund id>-refund", kind refund,
    naming the refund, of the refund's amount), unless the refund is marked ``"by_hand": true`` (paid
    back in cash: no transaction)."""
    if not isinstance(order, dict) or not order.get("paid") or order.get("transactions"):
        return order
    transactions = [{
        "id": f"{order.get('id')}-paid", "kind": "sale", "status": "success",
        "gateway": order.get("payment_method"), "amount": order.get("total"),
        "processed_at": order.get("updated_at"),
    }]
    for refund in order.get("refunds") or []:
        if not isinstance(refund, dict) or refund.get("by_hand") or not refund.get("amount"):
            continue
        transactions.append({
            "id": f"{refund.get('id')}-refund", "kind": "refund", "status": "success",
            "gateway": order.get("payment_method"), "amount": refund.get("amount"),
            "processed_at": refund.get("created_at") or order.get("updated_at"),
            "parent_id": f"{order.get('id')}-paid", "refund_id": refund.get("id"),
        })
    return dict(order, transactions=transactions)
