"""The lines fingerprint of an order binding counts numbers by value: the same order read through a
platform's two APIs (a REST webhook body writes "10.00" and a tax rate of "20", Shopify's GraphQL
"10.0" and "2E+1") is the same order, for the fingerprint and for the importer; fingerprints stored
before 18.0.1.7.0 (the text of each number hashed) are computed again by the upgrade."""

import hashlib
import importlib.util
from decimal import Decimal
from pathlib import Path

from odoo.addons.store_connector_base.services import order_mapper
from odoo.addons.store_connector_base.services.normalized import normalize_order, order_to_json

from .common_orders import OrderPipelineCase

MIGRATION = Path(__file__).parents[1] / "migrations" / "18.0.1.7.0" / "post-lines_fingerprint_by_value.py"

# One order's numbers as a REST body writes them, and as a GraphQL read writes them.
REST = {"quantity": 2, "price": "10.00", "discount": "1.00", "rate": "20", "tax": "3.80",
        "ship": "5.00", "ship_discount": "0.00", "ship_tax": "1.00", "fee": "2.50", "total": "31.30",
        "paid": "31.30"}
GRAPHQL = {"quantity": "2.0", "price": "10.0", "discount": "1.0", "rate": "2E+1", "tax": "3.8",
           "ship": "5.0", "ship_discount": "0E-2", "ship_tax": "1", "fee": "2.5", "total": "31.3",
           "paid": "31.3"}


def legacy_lines_fingerprint(order):
    """The fingerprint as 18.0.1.6.0 computed it (the text of each Decimal hashed)."""
    parts = []
    for line in order["lines"]:
        taxes = tuple((str(t["rate"]), str(t["amount"])) for t in line["taxes"])
        parts.append(("l", line["sku"] or "", str(line["quantity"]), str(line["unit_price"]),
                      str(line["discount"]), taxes))
    for ship in order["shipping_lines"]:
        parts.append(("s", ship["title"] or "", str(ship["price"]), str(ship["discount"])))
    for fee in order["fee_lines"]:
        parts.append(("f", fee["title"] or "", str(fee["amount"])))
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def load_migration():
    spec = importlib.util.spec_from_file_location("lines_fingerprint_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


class FingerprintCase(OrderPipelineCase):
    def spelled_order(self, order_id, spelling, updated=10, changes=None, **extra):
        """Order `order_id` (a taxed line of two mugs with a discount, taxed shipping, a fee, and a
        sale transaction) with its numbers written as `spelling` says; `changes` changes some of
        them (the total is then what the parts add up to)."""
        n = dict(spelling, **(changes or {}))
        return self.make_order(
            order_id,
            updated=self.later(updated),
            status=extra.pop("status", "processing"),
            lines=[{"id": "l1", "sku": "MUG", "name": "Mug", "quantity": n["quantity"],
                    "unit_price": n["price"], "discount": n["discount"],
                    "taxes": [{"rate": n["rate"], "amount": n["tax"], "title": "VAT"}]}],
            shipping_lines=[{"id": "s1", "title": "Standard", "price": n["ship"],
                             "discount": n["ship_discount"],
                             "taxes": [{"rate": n["rate"], "amount": n["ship_tax"]}]}],
            fee_lines=[{"id": "f1", "title": "Gift wrap", "amount": n["fee"]}],
            transactions=[{"id": f"{order_id}-t1", "kind": "sale", "status": "success", "amount": n["paid"]}],
            total=None if changes else n["total"],
            **extra,
        )


class TestFingerprintByValue(FingerprintCase):
    def test_canonical_number(self):
        canonical = order_mapper.canonical_number
        for spelling in ("10", "10.00", "10.0", " 10.0 ", "1E+1", "1.0E+1", Decimal("1E+1"), 10, 10.0):
            self.assertEqual(canonical(spelling), "10", spelling)
        for zero in ("0", "0.00", "0E-2", "-0", "-0.00", Decimal("-0E+3"), 0, 0.0, -0.0):
            self.assertEqual(canonical(zero), "0", zero)
        self.assertEqual(canonical("2E+1"), "20")
        self.assertEqual(canonical("0.50"), "0.5")
        self.assertEqual(canonical("-1.50"), "-1.5")
        self.assertEqual(canonical("1E-7"), "0.0000001")
        self.assertEqual(canonical("100"), "100", "zeros before the point stay")
        self.assertEqual(canonical(Decimal("1E+30")), "1" + "0" * 30)
        # More digits than Decimal's context keeps (28): nothing is rounded away.
        self.assertEqual(canonical("12345678901234567890.1234567890120"), "12345678901234567890.123456789012")
        self.assertEqual(canonical(None), "")

    def test_two_spellings_of_one_order_give_one_fingerprint(self):
        rest = normalize_order(self.spelled_order("F1", REST))
        graphql = normalize_order(self.spelled_order("F1", GRAPHQL))
        self.assertNotEqual(legacy_lines_fingerprint(rest), legacy_lines_fingerprint(graphql),
                            "the text of the numbers differs")
        fingerprint = order_mapper.lines_fingerprint(rest)
        self.assertEqual(order_mapper.lines_fingerprint(graphql), fingerprint)
        # The JSON copy a binding keeps (last_payload) gives the same fingerprint as the order.
        self.assertEqual(order_mapper.lines_fingerprint(order_to_json(graphql)), fingerprint)

    def test_other_values_give_other_fingerprints(self):
        fingerprint = order_mapper.lines_fingerprint(normalize_order(self.spelled_order("F2", REST)))
        changes = [
            {"quantity": 3},
            {"price": "10.01"},
            {"discount": "1.50", "tax": "3.70"},
            {"rate": "19"},
            {"tax": "3.81"},
            {"ship": "6.00"},
            {"ship_discount": "1.00"},
            {"fee": "-2.50"},
            {"fee": "2.05"},
        ]
        seen = {fingerprint}
        for change in changes:
            other = order_mapper.lines_fingerprint(
                normalize_order(self.spelled_order("F2", REST, changes=change)))
            self.assertNotIn(other, seen, change)
            seen.add(other)


class TestImporterReadsAgain(FingerprintCase):
    def activities(self, sale):
        return sale.activity_ids.filtered(lambda activity: "changed the lines" in (activity.note or ""))

    def test_confirmed_order_read_again_with_other_exponents_is_not_changed(self):
        self.store.order_auto_confirm = True
        self.import_orders([self.spelled_order("2001", REST)])
        sale = self.sale_of("2001")
        binding = self.binding_of("2001")
        self.assertEqual(sale.state, "sale")
        fingerprint = binding.lines_fingerprint
        # The same second through the other API: nothing new, nothing imported again.
        result = self.import_orders([self.spelled_order("2001", GRAPHQL)])
        self.assertEqual(result["ignored"], ["2001"])
        self.assertFalse(self.activities(sale))
        self.assertEqual(binding.last_payload["lines"][0]["unit_price"], "10.00", "the payload held is kept")
        # A later update through the other API, lines as they were: the status moves, no activity.
        result = self.import_orders([self.spelled_order("2001", GRAPHQL, updated=11, status="shipped")])
        self.assertEqual(result["updated"], [sale.id])
        self.assertEqual(binding.platform_status, "shipped")
        self.assertFalse(self.activities(sale))
        self.assertEqual(binding.lines_fingerprint, fingerprint)
        # Lines that did change still raise the activity.
        self.import_orders([self.spelled_order("2001", GRAPHQL, updated=12, status="shipped",
                                               changes={"quantity": "3.0", "tax": "5.8"})])
        self.assertEqual(len(self.activities(sale)), 1)

    def test_quotation_read_again_with_other_exponents_keeps_its_lines(self):
        self.import_orders([self.spelled_order("2002", REST, status="pending")])
        sale = self.sale_of("2002")
        self.assertEqual(sale.state, "draft")
        lines = sale.order_line
        result = self.import_orders([self.spelled_order("2002", GRAPHQL, updated=11, status="pending")])
        self.assertEqual(result["updated"], [sale.id])
        self.assertEqual(sale.order_line, lines, "the lines are not written again")
        result = self.import_orders([self.spelled_order("2002", GRAPHQL, updated=12, status="pending",
                                                        changes={"quantity": "3.0", "tax": "5.8"})])
        self.assertEqual(result["updated"], [sale.id], result)
        self.assertNotEqual(sale.order_line, lines, "changed lines are written again")

    def test_refund_listed_within_the_same_second_is_imported(self):
        """A refund that moved no money through the platform (no refund transaction) is news too: it
        is recorded from the imported payload, and would be lost until the order's next change."""
        self.store.refund_policy = "activity"
        self.import_orders([self.spelled_order("2003", REST)])
        sale = self.sale_of("2003")
        binding = self.binding_of("2003")
        refunded = self.spelled_order("2003", GRAPHQL,
                                      refunds=[{"id": "r1", "amount": "5.0", "note": "Chipped"}])
        result = self.import_orders([refunded])
        self.assertEqual(result["updated"], [sale.id])
        self.assertEqual(binding.refund_ids_recorded, ["r1"])
        self.assertEqual([r["id"] for r in binding.last_payload["refunds"]], ["r1"])
        self.assertTrue(sale.activity_ids.filtered(lambda activity: "refund r1" in (activity.note or "")))
        again = self.spelled_order("2003", REST, refunds=[{"id": "r1", "amount": "5.00"}])
        result = self.import_orders([again])
        self.assertEqual(result["ignored"], ["2003"], "the same refund again is nothing new")


class TestFingerprintMigration(FingerprintCase):
    def test_upgrade_keeps_stored_fingerprints_matching(self):
        self.store.order_auto_confirm = True
        self.import_orders([self.spelled_order("3001", REST), self.spelled_order("3002", GRAPHQL),
                            self.spelled_order("3003", REST)])
        bindings = {order_id: self.binding_of(order_id) for order_id in ("3001", "3002", "3003")}
        # As a database of 18.0.1.6.0 holds them; 3003's binding lost its payload.
        self.env.flush_all()
        for binding in bindings.values():
            legacy = legacy_lines_fingerprint(normalize_order(binding.last_payload))
            self.env.cr.execute(
                "UPDATE store_order_binding SET lines_fingerprint = %s, "
                "last_payload = CASE WHEN external_id = '3003' THEN NULL ELSE last_payload END WHERE id = %s",
                [legacy, binding.id])
        self.env["store.order.binding"].invalidate_model()
        legacy = {order_id: binding.lines_fingerprint for order_id, binding in bindings.items()}

        def same(order_id, numbers):
            return self.importer._same_order_state(normalize_order(self.spelled_order(order_id, numbers)),
                                                   bindings[order_id])

        self.assertFalse(same("3001", REST), "without the upgrade even the same payload looks changed")
        migration = load_migration()
        migration.CHUNK = 1  # a chunk per binding: the keyset walks all of them
        migration.migrate(self.env.cr, None)
        self.env["store.order.binding"].invalidate_model()
        self.assertEqual({order_id: b.lines_fingerprint for order_id, b in bindings.items()}, legacy,
                         "a new database has nothing to upgrade")

        migration.migrate(self.env.cr, "18.0.1.6.0")
        self.env["store.order.binding"].invalidate_model()
        expected = order_mapper.lines_fingerprint(normalize_order(self.spelled_order("3001", REST)))
        self.assertEqual(bindings["3001"].lines_fingerprint, expected)
        self.assertEqual(bindings["3002"].lines_fingerprint,
                         order_mapper.lines_fingerprint(normalize_order(self.spelled_order("3002", REST))))
        self.assertEqual(bindings["3003"].lines_fingerprint, legacy["3003"], "no payload: kept")
        for order_id in ("3001", "3002"):
            self.assertTrue(same(order_id, REST), order_id)
            self.assertTrue(same(order_id, GRAPHQL), order_id)
        # Through the importer: read again the same second, then updated later, no activity.
        result = self.import_orders([self.spelled_order("3001", GRAPHQL), self.spelled_order("3002", REST)])
        self.assertEqual(sorted(result["ignored"]), ["3001", "3002"])
        self.import_orders([self.spelled_order("3001", GRAPHQL, updated=11, status="shipped")])
        self.assertEqual(bindings["3001"].platform_status, "shipped")
        self.assertFalse(self.sale_of("3001").activity_ids.filtered(
            lambda activity: "changed the lines" in (activity.note or "")))
        # A second run changes nothing.
        migration.migrate(self.env.cr, "18.0.1.6.0")
        self.env["store.order.binding"].invalidate_model()
        self.assertEqual(bindings["3001"].lines_fingerprint, expected)
