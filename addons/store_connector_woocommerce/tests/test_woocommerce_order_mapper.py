"""The WooCommerce order mapper (models/woocommerce_order_mapper.py) on fixture payloads
(tests/data/order_*.json: the REST docs' example and odd inputs WooCommerce really sends), and the
same payloads imported to the cent through the base's pipeline."""

import json
from decimal import Decimal
from pathlib import Path

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.services.normalized import normalize_order
from odoo.addons.store_connector_woocommerce.models import woocommerce_order_mapper as om

from .common import create_woocommerce_store

DATA = Path(__file__).parent / "data"


def load(name):
    return json.loads((DATA / f"{name}.json").read_text())


class TestWooCommerceOrderMapper(TransactionCase):
    """Pure mapping: each fixture's normalized order, validated by the base (its total adds up)."""

    def mapped(self, name):
        return normalize_order(om.order_from_rest(load(name)))

    def test_docs_example_guest_entities_empty_sku_and_platform_ids(self):
        order = self.mapped("order_docs_example")
        self.assertEqual(order["id"], "727")
        self.assertEqual(order["number"], "727")
        self.assertEqual(order["status"], "processing")
        self.assertEqual(str(order["created_at"]), "2017-03-22 19:28:02", "the _gmt date, not the shop's")
        self.assertEqual(str(order["updated_at"]), "2017-03-22 19:28:08")
        self.assertFalse(order["taxes_included"])
        self.assertIsNone(order["customer"]["id"], "a guest (customer_id 0) has no platform customer")
        self.assertEqual(order["customer"]["email"], "john.doe@example.com")
        single, variation = order["lines"]
        self.assertIsNone(single["sku"], "an empty SKU is no SKU")
        self.assertEqual(single["external_ids"], {"product_id": "93", "variant_id": None})
        self.assertEqual(variation["external_ids"], {"product_id": "22", "variant_id": "23"})
        self.assertEqual(variation["name"], "Ship Your Idea \u2013 Color: Black, Size: M Test")
        self.assertEqual(single["unit_price"], Decimal("3"))
        self.assertEqual(single["taxes"],
                         [{"rate": Decimal("7.5"), "amount": Decimal("0.45"), "title": "State Tax"}])
        self.assertEqual(order["shipping_lines"][0]["title"], "Flat Rate")
        self.assertEqual(order["shipping_lines"][0]["price"], Decimal("10.00"))
        self.assertEqual(order["total"], Decimal("29.35"))
        self.assertEqual(order["billing_address"]["state_code"], "CA")
        self.assertEqual(order["billing_address"]["zip"], "94103")

    def test_coupon_with_tax_is_the_lines_discount(self):
        order = self.mapped("order_coupon_tax")
        line = order["lines"][0]
        self.assertEqual(line["unit_price"], Decimal("24.99"), "before the coupon, without tax")
        self.assertEqual(line["discount"], Decimal("5.00"), "subtotal - total: what the coupon took")
        self.assertEqual(line["taxes"][0]["amount"], Decimal("9.00"), "the tax after the coupon")
        self.assertEqual(order["discounts"], [{"code": "summer10", "amount": Decimal("5.00")}])
        self.assertEqual(order["shipping_lines"][0]["taxes"],
                         [{"rate": Decimal("20"), "amount": Decimal("1.00"), "title": "TVA"}])
        self.assertEqual(order["customer"]["id"], "12")
        self.assertEqual(order["customer"]["email"], "marie.curie@example.com")
        self.assertEqual(order["customer"]["company"], "Radium SARL")
        self.assertEqual(order["shipping_address"]["name"], "Pierre Curie")
        self.assertEqual(order["note"], "Ring twice & wait")
        self.assertEqual(order["payment_method"], "stripe")

    def test_prices_including_tax(self):
        order = self.mapped("order_prices_incl_tax")
        self.assertTrue(order["taxes_included"])
        tube, pipette = order["lines"]
        self.assertEqual(tube["unit_price"], Decimal("12"), "30.00 + 6.00 tax over 3")
        self.assertEqual(pipette["unit_price"], Decimal("9.99"), "the price the customer saw")
        self.assertEqual(order["shipping_lines"][0]["price"], Decimal("6.00"), "shipping with its tax")

    def test_compound_tax_keeps_its_amount_and_no_rate(self):
        order = self.mapped("order_compound_tax")
        gst, qst = order["lines"][0]["taxes"]
        self.assertEqual((gst["rate"], gst["amount"], gst["title"]), (Decimal("5"), Decimal("5.00"), "GST"))
        self.assertIsNone(qst["rate"], "a compound rate is of the price plus GST: derived from the amount")
        self.assertEqual(qst["amount"], Decimal("10.47"))

    def test_guest_negative_fee_no_tax_and_entities(self):
        order = self.mapped("order_guest_fees_no_tax")
        self.assertEqual(order["lines"][0]["name"], "Caf\u00e9 & Cr\u00e8me Mug")
        self.assertEqual(order["lines"][0]["taxes"], [])
        self.assertEqual([(f["title"], f["amount"]) for f in order["fee_lines"]],
                         [("Gift wrap & card", Decimal("2.50")), ("Loyalty discount", Decimal("-5.00"))])
        self.assertEqual(order["customer"]["last_name"], "O'Neil")
        self.assertIsNone(order["shipping_address"], "an all-empty shipping address is none")
        self.assertEqual(order["shipping_lines"][0]["price"], Decimal("0.00"))

    def test_refunds_positive_amounts_with_their_reason(self):
        order = self.mapped("order_refunded")
        self.assertEqual(order["refunds"], [{
            "id": "801", "amount": Decimal("15.00"), "note": "Broken in transit",
            # What the order's refunds list does not say (the refund's own lines need its own call).
            "created_at": None, "lines": [], "shipping": None, "restocked": None,
        }])


class TestWooCommerceOrdersToTheCent(TransactionCase):
    """Each fixture imported through the base's pipeline: Odoo's total is WooCommerce's total."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_woocommerce_store(cls.env, name="Woo Cents")
        Product = cls.env["product.product"]
        cls.products = {
            code: Product.create({"name": code, "default_code": code, "type": "consu"})
            for code in ("Bar3", "WOO-SINGLE", "COAT-1", "TUBE-1", "PIP-1", "SYRUP-1", "CAFE-1", "SYI-BLK-M")
        }
        for code in ("EUR", "CAD"):
            currency = cls.env.ref(f"base.{code}")
            currency.active = True
            cls.env["product.pricelist"].create({"name": f"Woo {code}", "currency_id": currency.id,
                                                 "company_id": cls.env.company.id})
        Binding = cls.env["store.product.binding"]
        # The docs' simple product 93 has no SKU on WooCommerce: its binding says which product it is.
        Binding.create({"store_id": cls.store.id, "product_id": cls.products["WOO-SINGLE"].id,
                        "external_product_id": "93"})

    def import_fixture(self, name, **changes):
        payload = dict(load(name), **changes)
        result = self.store._import_order(om.order_from_rest(payload))
        self.assertEqual(len(result["created"]), 1, result)
        return self.env["sale.order"].browse(result["created"])

    def test_each_fixture_totals_to_the_cent(self):
        for name in ("order_docs_example", "order_coupon_tax", "order_prices_incl_tax", "order_compound_tax",
                     "order_guest_fees_no_tax", "order_refunded"):
            with self.subTest(name):
                sale = self.import_fixture(name)
                payload = load(name)
                self.assertEqual(round(sale.amount_total, 2), float(payload["total"]))
                self.assertEqual(sale.client_order_ref, f"WC-{payload['number']}", "the store's prefix")

    def test_line_without_sku_matched_through_the_binding(self):
        sale = self.import_fixture("order_docs_example")
        self.assertEqual(sale.order_line.product_id.mapped("default_code")[:2], ["WOO-SINGLE", "Bar3"])

    def test_variation_without_its_own_sku_matched_by_its_variation_id(self):
        self.env["store.product.binding"].create({
            "store_id": self.store.id, "product_id": self.products["SYI-BLK-M"].id,
            "external_product_id": "22", "external_variant_id": "23"})
        payload = load("order_docs_example")
        # WooCommerce shows the parent's SKU for a variation without its own.
        payload["line_items"][1]["sku"] = "SHIP-YOUR-IDEA"
        result = self.store._import_order(om.order_from_rest(payload))
        sale = self.env["sale.order"].browse(result["created"])
        self.assertIn(self.products["SYI-BLK-M"], sale.order_line.product_id)
        self.assertNotIn(self.products["Bar3"], sale.order_line.product_id)

    def test_prices_including_tax_use_tax_included_taxes(self):
        sale = self.import_fixture("order_prices_incl_tax")
        tube = sale.order_line.filtered(lambda line: line.product_id == self.products["TUBE-1"])
        self.assertEqual(tube.price_unit, 12.0)
        self.assertTrue(tube.tax_id.price_include)
        self.assertEqual(tube.tax_id.amount, 20.0)

    def test_guest_customer_by_email_with_addresses_as_child_contacts(self):
        sale = self.import_fixture("order_coupon_tax")
        customer = sale.partner_id
        self.assertEqual(customer.email, "marie.curie@example.com")
        self.assertEqual(sale.partner_shipping_id.parent_id, customer,
                         "the shipping address is a contact of it")
        self.assertEqual(sale.partner_shipping_id.street, "12 Rue Cuvier")
        guest = self.import_fixture("order_docs_example").partner_id
        self.assertEqual(guest.email, "john.doe@example.com")
        again = self.import_fixture("order_docs_example", id=728, number="728").partner_id
        self.assertEqual(again, guest, "a guest's next order finds the same customer by e-mail")

    def test_negative_fee_becomes_a_negative_fee_line(self):
        sale = self.import_fixture("order_guest_fees_no_tax")
        fees = sale.order_line.filtered(lambda line: line.price_unit < 0)
        self.assertEqual(fees.mapped("price_unit"), [-5.0])
        self.assertIn("Gift wrap & card", sale.order_line.mapped("name"))
