"""Imported orders total what the platform says, to the cent: discounts, taxes, shipping, fees."""

from decimal import ROUND_HALF_UP, Decimal

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services import order_mapper
from odoo.addons.store_connector_base.services.normalized import derive_rate, normalize_order, tax_amounts

from .common_orders import OrderPipelineCase


def cents(value):
    return Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class TestOrderTotals(OrderPipelineCase):
    def assertTotal(self, sale, expected):
        self.assertEqual(
            cents(sale.amount_total), Decimal(expected), "Odoo total differs from the platform's"
        )

    def test_taxes_excluded_with_discounts_and_shipping(self):
        order = self.make_order(
            "T1",
            lines=[
                {
                    "id": "1",
                    "sku": "MUG",
                    "name": "Mug",
                    "quantity": 2,
                    "unit_price": "12.50",
                    "discount": "2.50",
                    "taxes": [{"rate": "20", "amount": "4.50", "title": "VAT"}],
                },
                {
                    "id": "2",
                    "sku": "CAP",
                    "name": "Cap",
                    "quantity": 1,
                    "unit_price": "9.99",
                    "taxes": [{"rate": "20", "amount": "2.00"}],
                },
            ],
            shipping_lines=[
                {"title": "Express", "price": "5.00", "taxes": [{"rate": "20", "amount": "1.00"}]}
            ],
            discounts=[{"code": "SPRING", "amount": "2.50"}],
        )
        self.assertEqual(order["total"], "44.99")
        result = self.import_orders([order])
        self.assertEqual(len(result["created"]), 1, result)
        sale = self.sale_of("T1")
        self.assertTotal(sale, "44.99")
        self.assertEqual(cents(sale.amount_tax), Decimal("7.50"))
        mug_line = sale.order_line.filtered(lambda line: line.product_id == self.mug)
        # 2.50 off 25.00 is exactly 10 %: the discount stays on the line.
        self.assertEqual(mug_line.discount, 10.0)
        self.assertEqual(mug_line.price_unit, 12.5)
        tax = mug_line.tax_id
        self.assertEqual((tax.amount, tax.price_include, tax.amount_type), (20.0, False, "percent"))
        # Created from the company's default sale tax: it posts to the same accounts.
        default_tax = self.company.account_sale_tax_id
        self.assertTrue(default_tax.invoice_repartition_line_ids.account_id)
        self.assertEqual(
            tax.invoice_repartition_line_ids.account_id, default_tax.invoice_repartition_line_ids.account_id
        )
        # Its group says its rate (Odoo prints taxes by group): not the default tax's "Tax 15%".
        self.assertNotEqual(default_tax.amount, 20.0)
        self.assertEqual(tax.tax_group_id.name, "Tax 20%")
        self.assertEqual(tax.tax_group_id.company_id, self.company)
        self.assertEqual(tax.tax_group_id.country_id, default_tax.tax_group_id.country_id)
        self.assertEqual(tax.tax_group_id.tax_payable_account_id,
                         default_tax.tax_group_id.tax_payable_account_id)
        self.assertEqual(tax.tax_group_id.tax_receivable_account_id,
                         default_tax.tax_group_id.tax_receivable_account_id)
        # What the quotation and the invoice print.
        printed = [group["group_name"] for subtotal in sale.tax_totals["subtotals"]
                   for group in subtotal["tax_groups"]]
        self.assertEqual(printed, ["Tax 20%"])
        shipping = sale.order_line.filtered("is_delivery")
        self.assertEqual(shipping.product_id, self.env.ref("store_connector_base.product_store_shipping"))
        self.assertEqual((shipping.name, shipping.price_unit, shipping.tax_id), ("Express", 5.0, tax))
        rounding = self.env.ref("store_connector_base.product_store_rounding")
        self.assertFalse(sale.order_line.filtered(lambda line: line.product_id == rounding))

    def test_discount_that_no_percentage_expresses_becomes_a_line(self):
        order = self.make_order(
            "T2",
            lines=[
                {
                    "sku": "TEE",
                    "name": "Tee",
                    "quantity": 1,
                    "unit_price": "1234.56",
                    "discount": "100.01",
                    "taxes": [{"rate": "10", "amount": "113.46"}],
                },
            ],
            discounts=[{"code": "VIP", "amount": "100.01"}],
        )
        self.import_orders([order])
        sale = self.sale_of("T2")
        self.assertTotal(sale, order["total"])
        tee_line = sale.order_line.filtered(lambda line: line.product_id == self.tee)
        discount_line = sale.order_line.filtered(lambda line: line.price_unit < 0)
        self.assertEqual(tee_line.discount, 0.0)
        self.assertEqual(discount_line.price_unit, -100.01)
        self.assertEqual(discount_line.tax_id, tee_line.tax_id, "the discount carries the line's taxes")
        self.assertIn("VIP", discount_line.name)
        self.assertEqual(cents(sale.amount_untaxed), Decimal("1134.55"))

    def test_taxes_included(self):
        order = self.make_order(
            "T3",
            taxes_included=True,
            lines=[
                {
                    "sku": "MUG",
                    "name": "Mug",
                    "quantity": 2,
                    "unit_price": "12.00",
                    "discount": "4.00",
                    "taxes": [{"rate": "20", "amount": "3.33"}],
                },
                {
                    "sku": "CAP",
                    "name": "Cap",
                    "quantity": 3,
                    "unit_price": "9.99",
                    "taxes": [{"rate": "5.5", "amount": "1.56"}],
                },
            ],
            shipping_lines=[
                {"title": "Standard", "price": "6.00", "taxes": [{"rate": "20", "amount": "1.00"}]}
            ],
        )
        self.assertEqual(order["total"], "55.97")
        self.import_orders([order])
        sale = self.sale_of("T3")
        self.assertTotal(sale, "55.97")
        self.assertEqual(cents(sale.amount_tax), Decimal("5.89"))
        for line in sale.order_line:
            self.assertTrue(line.tax_id.price_include, line.name)
        self.assertEqual(
            sorted(sale.order_line.tax_id.mapped("amount")),
            [5.5, 20.0],
        )

    def test_rate_derived_from_the_amount_and_several_taxes(self):
        order = self.make_order(
            "T4",
            lines=[
                {
                    "sku": "TEE",
                    "name": "Tee",
                    "quantity": 1,
                    "unit_price": "20.00",
                    "taxes": [
                        {"amount": "1.60", "title": "State"},
                        {"rate": "0.875", "amount": "0.18", "title": "City"},
                    ],
                },
            ],
        )
        self.import_orders([order])
        sale = self.sale_of("T4")
        self.assertTotal(sale, "21.78")
        self.assertEqual(sorted(sale.order_line.tax_id.mapped("amount")), [0.875, 8.0])

    def test_taxes_are_reused_not_duplicated(self):
        lines = [
            {
                "sku": "MUG",
                "name": "Mug",
                "quantity": 1,
                "unit_price": "10.00",
                "taxes": [{"rate": "20", "amount": "2.00"}],
            }
        ]
        self.import_orders([self.make_order("T5", lines=lines), self.make_order("T6", lines=lines)])
        self.import_orders([self.make_order("T7", lines=lines)])
        taxes = (self.sale_of("T5") | self.sale_of("T6") | self.sale_of("T7")).order_line.tax_id
        self.assertEqual(len(taxes), 1)

    def test_existing_tax_of_the_company_is_used(self):
        existing = self.env["account.tax"].create(
            {
                "name": "My VAT 7%",
                "amount": 7,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": self.company.id,
                "price_include_override": "tax_excluded",
            }
        )
        order = self.make_order(
            "T8",
            lines=[
                {
                    "sku": "MUG",
                    "name": "Mug",
                    "quantity": 1,
                    "unit_price": "10.00",
                    "taxes": [{"rate": "7", "amount": "0.70"}],
                },
            ],
        )
        self.import_orders([order])
        self.assertEqual(self.sale_of("T8").order_line.tax_id, existing)

    def test_fees_and_shipping_discount(self):
        order = self.make_order(
            "T9",
            lines=[
                {"sku": "MUG", "name": "Mug", "quantity": 1, "unit_price": "10.00"},
            ],
            shipping_lines=[{"title": "Free over 10", "price": "4.90", "discount": "4.90"}],
            fee_lines=[{"title": "Gift wrap", "amount": "2.50"}],
        )
        self.assertEqual(order["total"], "12.50")
        self.import_orders([order])
        sale = self.sale_of("T9")
        self.assertTotal(sale, "12.50")
        fee = sale.order_line.filtered(
            lambda line: line.product_id == self.env.ref("store_connector_base.product_store_fee")
        )
        self.assertEqual((fee.name, fee.price_unit), ("Gift wrap", 2.5))

    def test_rounding_difference_goes_on_a_rounding_line(self):
        # The platform rounds tax on the order (2.97 x 19 % = 0.5643 -> 0.56) and allocates it
        # 0.19 / 0.19 / 0.18; Odoo rounds per line (3 x 0.19): one cent apart.
        lines = [
            {
                "sku": sku,
                "name": sku,
                "quantity": 1,
                "unit_price": "0.99",
                "taxes": [{"rate": "19", "amount": amount}],
            }
            for sku, amount in (("MUG", "0.19"), ("TEE", "0.19"), ("CAP", "0.18"))
        ]
        order = self.make_order("T10", lines=lines)
        self.assertEqual(order["total"], "3.53")
        self.import_orders([order])
        sale = self.sale_of("T10")
        self.assertTotal(sale, "3.53")
        rounding = sale.order_line.filtered(
            lambda line: line.product_id == self.env.ref("store_connector_base.product_store_rounding")
        )
        self.assertEqual(rounding.price_unit, -0.01)
        self.assertFalse(rounding.tax_id)
        self.assertTrue(any("rounding line" in (m.body or "") for m in sale.message_ids))

    def test_unit_price_with_more_decimals_than_odoo(self):
        # A platform price of 3.3333 for 3 units: 10.00 on the platform, 9.99 at Odoo's 2 decimals.
        order = self.make_order(
            "T11",
            lines=[
                {"sku": "MUG", "name": "Mug", "quantity": 3, "unit_price": "3.3333"},
            ],
            total="10.00",
        )
        self.import_orders([order])
        self.assertTotal(self.sale_of("T11"), "10.00")

    def test_total_that_does_not_add_up_is_refused_before_writing(self):
        order = self.make_order("T12", total="99.00")
        with self.assertRaisesRegex(
            PermanentJobError, r"total: the platform states 99.00 but .* add up to 25.00"
        ):
            self.import_orders([order], raise_on_error=True)
        self.assertFalse(self.binding_of("T12"))

    def test_taxes_odoo_cannot_reproduce_fail_the_order(self):
        # The platform says 20 % but charged 1.00 on 22.50: Odoo would charge 4.50.
        order = self.make_order(
            "T13",
            lines=[
                {
                    "sku": "MUG",
                    "name": "Mug",
                    "quantity": 2,
                    "unit_price": "12.50",
                    "discount": "2.50",
                    "taxes": [{"rate": "20", "amount": "1.00"}],
                },
            ],
        )
        orders_before = self.env["sale.order"].search_count([])
        with self.assertRaisesRegex(
            PermanentJobError, "Odoo computes a total of 27.00 but the platform states 23.50"
        ):
            self.import_orders([order], raise_on_error=True)
        self.assertEqual(self.env["sale.order"].search_count([]), orders_before, "nothing half-written")
        self.assertFalse(self.binding_of("T13"))


class TestMapperPure(OrderPipelineCase):
    """The mapper's arithmetic on plain dicts."""

    def test_derive_rate_prefers_round_rates(self):
        self.assertEqual(derive_rate(Decimal("10.00"), Decimal("2.00")), Decimal("20"))
        self.assertEqual(derive_rate(Decimal("9.99"), Decimal("2.00")), Decimal("20"))
        self.assertEqual(derive_rate(Decimal("100.00"), Decimal("8.88")), Decimal("8.88"))
        self.assertEqual(derive_rate(Decimal("0"), Decimal("0")), Decimal("0"))

    def test_missing_tax_amounts_round_half_up(self):
        # 26.45 x 10 % = 2.645: platforms and Odoo say 2.65 (Decimal's default would say 2.64).
        taxes = [{"rate": Decimal("10"), "amount": None, "title": None}]
        self.assertEqual(tax_amounts(Decimal("26.45"), taxes, False), [(Decimal("10"), Decimal("2.65"))])

    def test_discount_percent_only_when_exact(self):
        self.assertEqual(
            order_mapper.discount_percent(Decimal("12.50"), 2, Decimal("22.50"), 2, 2), Decimal("10.00")
        )
        self.assertIsNone(order_mapper.discount_percent(Decimal("1234.56"), 1, Decimal("1134.55"), 2, 2))

    def test_lines_fingerprint_follows_the_lines_only(self):
        first = normalize_order(self.make_order("F1"))
        later = normalize_order(self.make_order("F1", status="completed", updated=self.later(5)))
        changed = normalize_order(
            self.make_order("F1", lines=[{"sku": "MUG", "name": "Mug", "quantity": 3, "unit_price": "12.50"}])
        )
        self.assertEqual(order_mapper.lines_fingerprint(first), order_mapper.lines_fingerprint(later))
        self.assertNotEqual(order_mapper.lines_fingerprint(first), order_mapper.lines_fingerprint(changed))


class TestOrderLineSteps(OrderPipelineCase):
    """The named steps of order_mapper.build_order_lines (issue #9): one product line, with its
    discount as a percentage when Odoo can express it, else as a discount line of its own."""

    CTX = {
        "products": {"MUG": 7}, "placeholder_product_id": 99, "discount_product_id": 3,
        "price_digits": 2, "discount_digits": 2, "currency_digits": 2,
        "discount_label": "Discount on {name}{codes}", "placeholder_label": "[{sku}] {name} (unknown SKU)",
    }

    def line(self, **values):
        return {"id": "L1", "sku": "MUG", "name": "Mug", "quantity": 3, "unit_price": Decimal("10.00"),
                "discount": Decimal(0), "taxes": [], **values}

    def test_product_line_without_discount(self):
        lines, rounding = order_mapper._product_line_values(self.line(), [5], "", self.CTX)
        self.assertEqual(rounding, 0)
        self.assertEqual(lines, [{
            "product_id": 7, "name": "Mug", "product_uom_qty": 3.0, "price_unit": 10.0, "discount": 0.0,
            "tax_id": [(6, 0, [5])], "store_external_line_id": "L1", "store_platform_shipped_qty": 0.0,
        }])

    def test_product_line_discount_as_percentage_or_as_its_own_line(self):
        lines, _rounding = order_mapper._product_line_values(self.line(discount=Decimal("3.00")), [], "",
                                                             self.CTX)
        self.assertEqual([(vals["price_unit"], vals["discount"]) for vals in lines], [(10.0, 10.0)])
        # 0.01 off 1,000.00 is no percentage of two decimals: a discount line, taxed like the line.
        line = self.line(discount=Decimal("0.01"), sku="X", quantity=1, unit_price=Decimal("1000.00"))
        lines, _rounding = order_mapper._product_line_values(line, [5], " (SAVE)", self.CTX)
        self.assertEqual(len(lines), 2)
        self.assertEqual((lines[0]["product_id"], lines[0]["discount"]), (99, 0.0))
        self.assertEqual(lines[1], {
            "product_id": 3, "name": "Discount on [X] Mug (unknown SKU) (SAVE)", "product_uom_qty": 1.0,
            "price_unit": -0.01, "discount": 0.0, "tax_id": [(6, 0, [5])],
        })

    def test_unit_price_rounding_is_announced(self):
        _lines, rounding = order_mapper._product_line_values(self.line(unit_price=Decimal("9.995")), [], "",
                                                             self.CTX)
        self.assertEqual(rounding, Decimal("0.015"))


class TestOrderTaxSteps(OrderPipelineCase):
    """`_create_taxes`, the step of `_get_taxes` that creates the taxes the company lacks (issue #9)."""

    def test_created_taxes_take_free_names_and_need_a_country(self):
        importer = self.env["store.order.importer"]
        self.env["account.tax"].create({"name": "7.5% (store)", "amount": 7.5, "company_id": self.company.id,
                                        "active": False})
        taxes = importer._create_taxes(self.company, [("7.5", False), ("7.5", True)])
        self.assertEqual(taxes.mapped("name"), ["7.5% (store) 2", "7.5% (store, tax included)"])
        self.assertEqual(taxes.mapped("price_include"), [False, True])
        self.assertEqual(set(taxes.mapped("amount")), {7.5})
        self.assertEqual(set(taxes.mapped("company_id")), {self.company})
        self.assertTrue(all(taxes.mapped("tax_group_id")))
        nowhere = self.env["res.company"].create({"name": "Nowhere Ltd"})
        nowhere.write({"country_id": False, "account_fiscal_country_id": False})
        with self.assertRaises(PermanentJobError) as refused:
            importer._create_taxes(nowhere, [("5", False)])
        self.assertIn("Nowhere Ltd has no country", str(refused.exception))
