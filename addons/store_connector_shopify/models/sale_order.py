"""Odoo-native sale orders created in Shopify (store option "Create Odoo Orders in Shopify")."""

from datetime import UTC, datetime

from odoo import _, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services.logs import get_logger

from . import shopify_order_mapper as om

_logger = get_logger(__name__)

ORDER_CREATE = """
mutation ConnectorOrderCreate($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id legacyResourceId name createdAt updatedAt
            totalPriceSet { shopMoney { amount currencyCode } } }
    userErrors { field message code }
  }
}"""


def _money(amount, currency):
    return {"shopMoney": {"amount": f"{amount:.2f}", "currencyCode": currency}}


def _address(partner):
    if not partner:
        return None
    names = (partner.name or "").split(" ", 1)
    return {
        "firstName": names[0] if len(names) > 1 else None,
        "lastName": names[-1],
        "company": partner.commercial_company_name or None,
        "address1": partner.street or None,
        "address2": partner.street2 or None,
        "city": partner.city or None,
        "zip": partner.zip or None,
        "countryCode": partner.country_id.code or None,
        "provinceCode": partner.state_id.code or None,
        "phone": partner.phone or None,
    }


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_confirm(self):
        result = super().action_confirm()
        self._shopify_enqueue_native_push()
        return result

    def _shopify_push_stores(self):
        """The Shopify stores this Odoo-native order is created in: same company, the store's
        sales team if it has one, native push switched on and orders.push permitted."""
        self.ensure_one()
        stores = (
            self.env["connector.store"]
            .sudo()
            .search(
                [
                    ("platform", "=", "shopify"),
                    ("shopify_push_native_orders", "=", True),
                    ("allow_orders_push", "=", True),
                    ("company_id", "=", self.company_id.id),
                ]
            )
        )
        return stores.filtered(lambda store: not store.team_id or store.team_id == self.team_id)

    def _shopify_enqueue_native_push(self):
        """Queue the creation in Shopify of the confirmed orders that no store imported."""
        for order in self.sudo().filtered(lambda o: o.state == "sale" and not o.store_binding_ids):
            for store in order._shopify_push_stores():
                self.env["sync.job"]._enqueue(
                    store,
                    "orders.push",
                    "_job_shopify_create_order",
                    records=order,
                    identity_key=f"shopify:order_create:{order.id}",
                    direction="export",
                )

    def _job_shopify_create_order(self, job):
        """Job orders.push: create this Odoo order in Shopify (orderCreate) and bind it to the
        Shopify order. Skipped if it got a binding of this store meanwhile (a retry after Shopify
        answered, or an import)."""
        self.ensure_one()
        store = job.store_id
        store._check_operation_allowed("orders.push")
        if self.store_binding_ids.filtered(lambda b: b.store_id == store):
            return {"skipped": "already bound"}
        variables = {
            "order": self._shopify_order_input(store),
            # Odoo is the master of the stock: it publishes the quantities itself.
            "options": {
                "inventoryBehaviour": "BYPASS",
                "sendReceipt": False,
                "sendFulfillmentReceipt": False,
            },
        }
        adapter = store._get_adapter()
        answer = adapter._shopify_sync_graphql(store, ORDER_CREATE, variables)
        created = adapter._shopify_sync_payload(answer, "orderCreate").get("order")
        if not created:
            raise PermanentJobError(_("Shopify created no order for %(order)s.", order=self.name))
        total = created["totalPriceSet"]["shopMoney"]
        self.env["store.order.binding"].sudo().create(
            {
                "store_id": store.id,
                "order_id": self.id,
                "external_id": om.legacy_id(created["legacyResourceId"]),
                "external_number": created["name"],
                "platform_created_at": _shopify_time(created["createdAt"]),
                # The orders/create webhook of this very order is not newer: the importer leaves it.
                "platform_updated_at": _shopify_time(created["updatedAt"]),
                "platform_total": float(total["amount"]),
                "currency_id": self.currency_id.id,
            }
        )
        return {"shopify_order": created["id"], "name": created["name"]}

    def _shopify_order_input(self, store):
        """OrderCreateOrderInput of this order: bound variants by id, other products as custom
        lines (title, SKU), prices after discount, taxes as tax lines, delivery lines as shipping
        lines; pending payment (Odoo invoices it)."""
        currency = self.currency_id.name
        bindings = (
            self.env["store.product.binding"]
            .sudo()
            .search([("store_id", "=", store.id), ("product_id", "in", self.order_line.product_id.ids)])
        )
        variant_of = {b.product_id.id: b.external_variant_id for b in bindings if b.external_variant_id}
        line_items, shipping_lines = [], []
        for line in self.order_line.filtered(lambda ol: not ol.display_type and ol.product_uom_qty > 0):
            quantity = max(1, round(line.product_uom_qty))
            unit = line.price_subtotal / quantity if quantity else 0.0
            tax_lines = []
            if line.price_tax:
                rate = line.price_tax / line.price_subtotal if line.price_subtotal else 0.0
                tax_lines.append(
                    {
                        "title": ", ".join(line.tax_id.mapped("name")) or "Tax",
                        "rate": f"{rate:.4f}",
                        "priceSet": _money(line.price_tax, currency),
                    }
                )
            if "is_delivery" in line._fields and line.is_delivery:
                shipping_lines.append(
                    {
                        "title": line.name.split("\n")[0],
                        "priceSet": _money(line.price_subtotal, currency),
                        "taxLines": tax_lines,
                    }
                )
                continue
            item = {"quantity": quantity, "priceSet": _money(unit, currency), "taxLines": tax_lines}
            if variant_of.get(line.product_id.id):
                item["variantId"] = variant_of[line.product_id.id]
            else:
                item.update(
                    title=line.name.split("\n")[0],
                    sku=line.product_id.default_code or None,
                    requiresShipping=line.product_id.type == "consu",
                )
            line_items.append(item)
        partner = self.partner_id
        return {
            "currency": currency,
            "email": partner.email or None,
            "phone": partner.phone or None,
            "note": _("Created from Odoo order %(order)s", order=self.name),
            "sourceIdentifier": self.name,
            "tags": ["odoo"],
            "taxesIncluded": False,
            "financialStatus": "PENDING",
            "lineItems": line_items,
            "shippingLines": shipping_lines,
            "shippingAddress": _address(self.partner_shipping_id),
            "billingAddress": _address(self.partner_invoice_id),
        }


def _shopify_time(value):
    """Shopify's ISO time as an Odoo (naive UTC) datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
