"""Issue #14, Shopify: the orders' transactions and refunds (pull and webhooks) and the Shopify
Payments payouts, against the simulator."""

from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.store_connector_base.services.normalized import normalize_order, normalize_payout

# The repository's tests/ package (pytest.ini puts the repository root first on the import path).
from tests.simulators.shopify import payloads

from .common import ShopifySimulatorCase
from .test_shopify_intake_events import IntakeMixin
from .test_shopify_orders import ShopifyOrdersMixin

OP_PAYMENTS = "orders.payments"


class ShopifyMoneyMixin(ShopifyOrdersMixin):
    @classmethod
    def _setup_money(cls):
        cls._setup_orders()
        cls.store.write({"payment_workflow": True, "order_auto_confirm": True})

    def pull(self):
        self.store._enqueue_order_pull()
        self.run_queue()

    def sim_transactions(self, sim_order):
        return self.sim.order_transactions(sim_order["id"])

    def last_log(self):
        return self.env["store.activity.log"].search(
            [("store_id", "=", self.store.id)], order="id desc", limit=1)

    def payload_transactions(self, sim_order):
        return {t["id"]: t for t in self.binding(sim_order).last_payload.get("transactions") or []}


@tagged("post_install", "-at_install")
class TestShopifyOrderMoney(ShopifyMoneyMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_money()

    def test_paid_two_capture_and_cod_orders_bring_their_transactions_and_payments(self):
        paid = self.sim.add_order([{"sku": "OS-1", "quantity": 1}], financial_status="PAID",
                                  email="paid@example.com")
        twice = self.sim.add_order([{"sku": "OC-1", "quantity": 2}], financial_status="AUTHORIZED",
                                   email="twice@example.com")
        self.sim.capture_order(twice["id"], amount="8.00")
        self.sim.capture_order(twice["id"])
        cod = self.sim.add_order([{"sku": "OC-1", "quantity": 1}], financial_status="PENDING",
                                 gateway="Cash on Delivery (COD)", email="cod@example.com")
        self.pull()

        # Every Shopify transaction, by its legacy id, in the contract's words.
        for order in (paid, twice, cod):
            shopify = {str(t["legacy_id"]): t for t in self.sim_transactions(order)}
            held = self.payload_transactions(order)
            self.assertEqual(set(held), set(shopify), order["name"])
            for txn_id, txn in shopify.items():
                self.assertEqual(held[txn_id]["kind"], txn["kind"].lower())
                self.assertEqual(held[txn_id]["status"], txn["status"].lower())
                self.assertEqual(Decimal(held[txn_id]["amount"]), Decimal(txn["amount"]))
        captures = [t for t in self.payload_transactions(twice).values() if t["kind"] == "capture"]
        authorization = [t for t in self.payload_transactions(twice).values() if t["kind"] == "authorization"]
        self.assertEqual(len(captures), 2)
        self.assertEqual({c["parent_id"] for c in captures}, {authorization[0]["id"]})
        self.assertEqual(self.payload_transactions(cod)[next(iter(self.payload_transactions(cod)))]["gateway"],
                         "Cash on Delivery (COD)")
        # The pull names each order's gateway: its mapping decides when the order is invoiced.
        self.assertEqual({self.binding(o).payment_method for o in (paid, twice)}, {"shopify_payments"})
        self.assertEqual(self.binding(cod).payment_method, "Cash on Delivery (COD)")

        # The payment workflow: paid orders invoiced and paid; the COD order waits.
        self.run_queue()
        paid_sale, twice_sale, cod_sale = (self.binding(o).order_id for o in (paid, twice, cod))
        for sale in (paid_sale, twice_sale):
            invoice = sale.invoice_ids.filtered(lambda m: m.state == "posted")
            self.assertEqual(len(invoice), 1, sale.name)
            self.assertIn(invoice.payment_state, ("paid", "in_payment"), sale.name)
        self.assertEqual(len(self.binding(twice).transaction_ids.payment_id), 2, "one payment per capture")
        self.assertFalse(self.binding(cod).transaction_ids.payment_id, "a pending COD sale pays nothing")

        # Cash taken on delivery: Shopify records a successful sale; the next pull pays the order once
        # the merchant lets that gateway register payments and invoice when paid (cash on delivery
        # registers none by default, and is invoiced when shipped).
        mapping = self.env["store.payment.method.map"].search(
            [("store_id", "=", self.store.id), ("gateway", "=", "Cash on Delivery (COD)")])
        self.assertEqual(len(mapping), 1, "the import made the gateway's mapping")
        self.assertEqual(mapping.invoice_policy, "shipped")
        mapping.write({"register_payment": True, "invoice_policy": "paid"})
        self.sim.advance(60)
        self.sim.mark_order_paid(cod["id"])
        self.pull()
        self.run_queue()
        cash = self.binding(cod).transaction_ids.filtered(
            lambda t: t.kind == "sale" and t.status == "success")
        self.assertEqual(len(cash), 1, "the cash Shopify recorded reached the order")
        self.assertEqual(len(cash.payment_id), 1, (cash.state, cash.state_reason,
                                                   self.env["sync.job"].search([], order="id desc", limit=3)
                                                   .mapped(lambda j: (j.operation, j.state, j.last_error))))
        self.assertIn(cod_sale.invoice_ids.filtered(lambda m: m.state == "posted").payment_state,
                      ("paid", "in_payment"))

    def test_refund_brings_its_lines_shipping_and_refund_transaction(self):
        order = self.sim.add_order([{"sku": "OS-1", "quantity": 1}, {"sku": "OC-1", "quantity": 2}],
                                   financial_status="PAID", email="refund@example.com",
                                   shipping_lines=[{"title": "Standard", "price": "5.00"}])
        self.pull()
        self.sim.advance(60)
        self.sim.refund_order(order["id"], lines=[("OC-1", 1)], note="damaged", shipping=True)
        self.pull()
        payload = normalize_order(self.binding(order).last_payload)
        [refund] = payload["refunds"]
        [line] = refund["lines"]
        cap_line = next(li for li in self.sim.store.orders[order["legacy_id"]].line_items if li.sku == "OC-1")
        self.assertEqual((line["line_id"], line["quantity"], line["amount"], line["restock"]),
                         (str(cap_line.id), 1, Decimal("9.00"), True))
        self.assertEqual((refund["shipping"], refund["note"]), (Decimal("5.00"), "damaged"))
        self.assertEqual(refund["amount"], Decimal("14.00"))
        [money_back] = [t for t in payload["transactions"] if t["kind"] == "refund"]
        self.assertEqual((money_back["refund_id"], money_back["amount"], money_back["status"]),
                         (refund["id"], Decimal("14.00"), "success"))
        sale_txn = next(t for t in payload["transactions"] if t["kind"] == "sale")
        self.assertEqual(money_back["parent_id"], sale_txn["id"])

    def test_an_order_with_more_refunds_than_the_order_query_names_brings_them_all(self):
        from odoo.addons.store_connector_shopify.models import shopify_order_mapper as om

        count = om.REFUNDS_MAX + 3
        order = self.sim.add_order([{"sku": "OC-1", "quantity": count}], financial_status="PAID",
                                   email="many-refunds@example.com")
        for number in range(count):
            self.sim.advance(60)
            self.sim.refund_order(order["id"], lines=[("OC-1", 1)], note=f"return {number}")
        self.pull()
        payload = normalize_order(self.binding(order).last_payload)
        self.assertEqual(sorted(refund["note"] for refund in payload["refunds"]),
                         sorted(f"return {number}" for number in range(count)))
        self.assertTrue(all(len(refund["lines"]) == 1 for refund in payload["refunds"]))
        money_back = [t for t in payload["transactions"] if t["kind"] == "refund"]
        self.assertEqual({t["refund_id"] for t in money_back}, {r["id"] for r in payload["refunds"]})
        self.assertEqual(sum(t["amount"] for t in money_back), sum(r["amount"] for r in payload["refunds"]))

    def test_rest_order_body_maps_refunds_and_keeps_the_known_transactions(self):
        order = self.sim.add_order([{"sku": "OS-1", "quantity": 1}, {"sku": "OC-1", "quantity": 1}],
                                   financial_status="PAID", email="rest@example.com",
                                   shipping_lines=[{"title": "Standard", "price": "5.00"}])
        self.pull()
        pulled = self.binding(order).last_payload["transactions"]
        self.sim.advance(60)
        self.sim.refund_order(order["id"], lines=[("OS-1", 1)], restock=False, shipping="2.00")
        body = payloads.order(self.sim.store, self.sim.store.orders[order["legacy_id"]])
        adapter = self.store._get_adapter()
        mapped = normalize_order(adapter._webhook_normalized_order(self.store, None, body))
        [refund] = mapped["refunds"]
        self.assertEqual((refund["lines"][0]["quantity"], refund["lines"][0]["restock"], refund["shipping"]),
                         (1, False, Decimal("2.00")))
        ids = {t["id"] for t in mapped["transactions"]}
        self.assertTrue({t["id"] for t in pulled} <= ids, "the sale the REST body does not list is kept")
        [money_back] = [t for t in mapped["transactions"] if t["kind"] == "refund"]
        self.assertEqual(money_back["refund_id"], refund["id"])

    def test_order_query_stays_within_the_cost_budget(self):
        for _number in range(4):
            self.sim.add_order([{"sku": "OS-1", "quantity": 1}], financial_status="PAID",
                               email="cost@example.com")
        self.sim.reset_calls()
        self.pull()
        calls = list(self.sim.calls)
        orders_calls = [c for c in calls if c.get("operation_name") == "ConnectorOrders"]
        self.assertTrue(orders_calls)
        self.assertTrue(all(c["requested_cost"] <= 1000 for c in orders_calls), orders_calls)
        self.assertFalse([c for c in calls if c.get("errors")])


@tagged("post_install", "-at_install")
class TestShopifyMoneyWebhooks(IntakeMixin, ShopifyMoneyMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_money()

    def test_transaction_paid_and_refund_webhooks_import_the_order_with_its_money(self):
        handlers = self.store._get_adapter()._webhook_topic_handlers(self.store)
        self.assertIn("order_transactions/create", handlers)
        order = self.sim.add_order([{"sku": "OC-1", "quantity": 2}], financial_status="AUTHORIZED",
                                   email="hooks@example.com")
        self.pull()
        self.run_queue()
        self.assertFalse(self.binding(order).transaction_ids.payment_id, "only authorized")
        self.subscribe("order_transactions/create", "orders/paid", "refunds/create")
        self.sim.advance(60)
        self.sim.capture_order(order["id"])
        answers = self.deliver()
        self.assertEqual({topic for topic, _m in answers}, {"order_transactions/create", "orders/paid"})
        self.assertEqual({m for _t, m in answers}, {"queued"})
        jobs = self.deliveries("order_transactions/create").job_id
        self.assertEqual(jobs.identity_key, f"webhook:order:{order['legacy_id']}",
                         "the transaction's delivery shares its order's job")
        self.run_queue()
        capture = [t for t in self.payload_transactions(order).values() if t["kind"] == "capture"]
        self.assertEqual(len(capture), 1, "the webhook read the order anew, with its capture")
        self.assertEqual(len(self.binding(order).transaction_ids.payment_id), 1, "the workflow paid it")

        self.sim.advance(60)
        self.sim.refund_order(order["id"], lines=[("OC-1", 1)], note="too big")
        answers = self.deliver()
        self.assertIn("refunds/create", {topic for topic, _m in answers})
        self.run_queue()
        self.assertEqual(self.deliveries("refunds/create").job_id.state, "done")
        payload = normalize_order(self.binding(order).last_payload)
        self.assertEqual(len(payload["refunds"]), 1)
        self.assertEqual(payload["refunds"][0]["note"], "too big")
        self.assertTrue([t for t in payload["transactions"] if t["kind"] == "refund"
                         and t["refund_id"] == payload["refunds"][0]["id"]])
        # The store credits refunds (the default): a posted credit note of the refund, paid back.
        sale = self.binding(order).order_id
        self.assertFalse(sale.activity_ids.filtered(lambda a: "refund" in (a.summary or "").lower()))
        credit_note = self.env["account.move"].search([
            ("store_refund_store_id", "=", self.store.id),
            ("store_refund_external_id", "=", payload["refunds"][0]["id"])])
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.amount_total, float(payload["refunds"][0]["amount"]))
        self.assertIn(credit_note.payment_state, ("paid", "in_payment"))


@tagged("post_install", "-at_install")
class TestShopifyPayouts(ShopifyMoneyMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_money()

    def test_payouts_lines_add_up_and_name_the_imported_transactions(self):
        paid = self.sim.add_order([{"sku": "OS-1", "quantity": 2}], financial_status="PAID",
                                  email="payout@example.com")
        refunded = self.sim.add_order([{"sku": "OC-1", "quantity": 2}], financial_status="PAID",
                                      email="payout2@example.com")
        self.sim.refund_order(refunded["id"], lines=[("OC-1", 1)])
        self.sim.payments_adjustment("-1.50", reason="Chargeback fee")
        self.pull()
        self.sim.pay_out()
        payouts = self.store._get_adapter()._fetch_payouts(self.store, None)
        self.assertEqual(len(payouts), 1)
        payout = normalize_payout(payouts[0])
        self.assertEqual(payout["status"], "paid")
        self.assertEqual({line["type"] for line in payout["lines"]}, {"charge", "refund", "adjustment"})
        charges = [line for line in payout["lines"] if line["type"] == "charge"]
        self.assertTrue(all(line["fee"] > 0 for line in charges))
        imported = set(self.payload_transactions(paid)) | set(self.payload_transactions(refunded))
        linked = {line["transaction_id"] for line in payout["lines"] if line["transaction_id"]}
        self.assertEqual(len(linked), 3, "two charges and a refund")
        self.assertTrue(linked <= imported, (linked, imported))
        self.assertEqual({line["order_id"] for line in charges},
                         {str(paid["legacy_id"]), str(refunded["legacy_id"])})
        # A later window sees nothing; one before the payout sees it.
        self.sim.advance(86400 * 2)
        later = self.store._get_adapter()._fetch_payouts(
            self.store, self.sim.clock.now().replace(tzinfo=None))
        self.assertEqual(later, [])

    def test_shop_without_shopify_payments_has_no_payouts(self):
        self.sim.store.payments_enabled = False
        self.addCleanup(setattr, self.sim.store, "payments_enabled", True)
        self.assertEqual(self.store._get_adapter()._fetch_payouts(self.store, None), [])
        log = self.last_log()
        self.assertIn("does not use Shopify Payments", log.message)

    def test_app_without_the_payout_scope_has_no_payouts(self):
        scopes = self.sim.scopes
        self.sim.scopes = [s for s in scopes if s != "read_shopify_payments_payouts"]
        self.addCleanup(setattr, self.sim, "scopes", scopes)
        self.assertEqual(self.store._get_adapter()._fetch_payouts(self.store, None), [])
        log = self.last_log()
        self.assertIn("read_shopify_payments_payouts", log.message)

    def test_the_app_asks_for_the_payout_scope(self):
        self.assertIn("read_shopify_payments_payouts", self.env["connector.store"].new(
            {"platform": "shopify"}).shopify_scopes.split(","))
        url = self.store._get_adapter()._oauth_authorize_url(
            self.store.copy({"shopify_scopes": False}), "state-1")
        self.assertIn("read_shopify_payments_payouts", url)
