"""Transactions of the test platform's orders (a helper of the adapter, no model)."""


def with_transactions(order):
    """The order as the test platform emits it: an order marked ``"paid": true`` (as WooCommerce's
    ``date_paid``) that lists no transaction gets one, of the order's total, with a stable id made from
    the order's id ("<id>-paid", the same on every import: the payment workflow pays it once), the way an
    adapter whose platform gives no transaction id makes one (services/normalized.py, TRANSACTION)."""
    if not isinstance(order, dict) or not order.get("paid") or order.get("transactions"):
        return order
    return dict(order, transactions=[{
        "id": f"{order.get('id')}-paid", "kind": "sale", "status": "success",
        "gateway": order.get("payment_method"), "amount": order.get("total"),
        "processed_at": order.get("updated_at"),
    }])
