"""Stores that ask for the default scopes ask for read_shopify_payments_payouts too (Shopify Payments
payouts). A list the merchant edited is left as it is."""

OLD_DEFAULT = ",".join((
    "write_products", "write_inventory", "read_locations", "write_orders", "write_customers",
    "write_fulfillments", "write_merchant_managed_fulfillment_orders", "write_assigned_fulfillment_orders",
))


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "UPDATE connector_store SET shopify_scopes = %s WHERE shopify_scopes = %s",
        (OLD_DEFAULT + ",read_shopify_payments_payouts", OLD_DEFAULT),
    )
