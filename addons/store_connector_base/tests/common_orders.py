"""Shared base of the order pipeline's tests: a test-platform store, products with SKUs, and
helpers that build normalized orders and run the queue."""

import copy
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from odoo.tests.common import TransactionCase

from .common import run_queue

T0 = datetime(2026, 5, 1, 10, 0, 0)
# The customer's billing and shipping address of `make_order`.
ADDRESS = {
    "first_name": "Ann",
    "last_name": "Lee",
    "street": "1 Main St",
    "city": "Springfield",
    "zip": "12345",
    "country_code": "US",
    "state_code": "IL",
}


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class OrderPipelineCase(TransactionCase):
    """`cls.store` (platform "test", prefix TS-, the company's warehouse), products MUG, TEE and
    CAP, and `make_order` for normalized orders (USD, taxes excluded, no tax unless given)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.team = cls.env["crm.team"].create({"name": "Web Shop Team", "company_id": cls.company.id})
        cls.store = cls.env["connector.store"].create(
            {
                "name": "Test Shop",
                "platform": "test",
                "company_id": cls.company.id,
                "order_prefix": "TS-",
                "warehouse_id": cls.warehouse.id,
                "team_id": cls.team.id,
            }
        )
        Product = cls.env["product.product"]
        cls.mug = Product.create({"name": "Mug", "default_code": "MUG", "type": "consu", "list_price": 12.5})
        cls.tee = Product.create({"name": "Tee", "default_code": "TEE", "type": "consu", "list_price": 20})
        cls.cap = Product.create({"name": "Cap", "default_code": "CAP", "type": "consu", "list_price": 9.99})
        cls.adapter = cls.env["store.adapter.test"]
        cls.importer = cls.env["store.order.importer"]

    def setUp(self):
        super().setUp()
        self.addCleanup(self.adapter._test_reset, self.store)

    # ------------------------------------------------------------------ builders
    def make_order(self, order_id="1001", lines=None, updated=None, status="pending", total=None, **extra):
        """A valid normalized order; the total is computed from the lines unless given."""
        lines = (
            lines
            if lines is not None
            else [{"id": "l1", "sku": "MUG", "name": "Mug", "quantity": 2, "unit_price": "12.50"}]
        )
        order = {
            "id": order_id,
            "number": f"N{order_id}",
            "created_at": iso(T0),
            "updated_at": iso(updated or T0),
            "currency": "USD",
            "status": status,
            "customer": {
                "id": "c-1",
                "email": "ann@example.com",
                "first_name": "Ann",
                "last_name": "Lee",
                "phone": "+1 555 0100",
            },
            "billing_address": dict(ADDRESS),
            "shipping_address": dict(ADDRESS),
            "lines": copy.deepcopy(lines),
            "payment_method": "stripe",
        }
        order.update(extra)
        order["total"] = total if total is not None else str(self.sum_of_parts(order))
        return order

    @staticmethod
    def sum_of_parts(order):
        """What a platform states as total: lines, shipping and fees, plus the listed tax amounts
        when prices exclude taxes."""
        included = order.get("taxes_included", False)

        def taxes(item):
            return (
                Decimal(0)
                if included
                else sum(
                    (Decimal(str(t["amount"])) for t in item.get("taxes", []) if t.get("amount") is not None),
                    Decimal(0),
                )
            )

        total = Decimal(0)
        for line in order["lines"]:
            total += Decimal(str(line["unit_price"])) * Decimal(str(line["quantity"]))
            total -= Decimal(str(line.get("discount") or 0))
            total += taxes(line)
        for ship in order.get("shipping_lines", []):
            total += Decimal(str(ship["price"])) - Decimal(str(ship.get("discount") or 0)) + taxes(ship)
        for fee in order.get("fee_lines", []):
            total += Decimal(str(fee["amount"])) + taxes(fee)
        return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def import_orders(self, orders, **kwargs):
        return self.importer._import_orders(self.store, orders, **kwargs)

    def binding_of(self, order_id, store=None):
        return self.env["store.order.binding"].search(
            [
                ("store_id", "=", (store or self.store).id),
                ("external_id", "=", order_id),
            ]
        )

    def sale_of(self, order_id, store=None):
        return self.binding_of(order_id, store).order_id

    # ------------------------------------------------------------------ queue
    def run_jobs(self, store=None):
        """Run the store's due jobs through the real runner until none is left (see common.run_queue)."""
        return run_queue(self.env, store or self.store)

    def jobs(self, operation=None, store=None):
        domain = [("store_id", "=", (store or self.store).id)]
        if operation:
            domain.append(("operation", "=", operation))
        return self.env["sync.job"].search(domain, order="id")

    def later(self, minutes):
        return T0 + timedelta(minutes=minutes)
