"""eBay's money against the eBay simulator (issue #14): the order's payments and refunds as
transactions and refunds (eBay-collected tax left out as the order import leaves it out), and the
payouts of the Finances API (its own host, its own scope) as the base's PAYOUT shape, their sale lines
naming the transactions the order import recorded. Every request is checked against eBay's published
contracts (`sim.assert_contract_kept`)."""

from contextlib import ExitStack
from decimal import Decimal
from unittest.mock import patch

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services.api_client import ApiClient
from odoo.addons.store_connector_base.services.normalized import normalize_order, normalize_payout

from tests.simulators.ebay import EbaySimulator

from .. import const
from ..models import ebay_order_mapper as om
from ..models.ebay_client import EbayClient
from .common import APP_ID, CERT_ID, DEV_ID, REFRESH_TOKEN, RUNAME, USER_TOKEN, create_ebay_store
from .test_ebay_e2e_orders import EbayOrdersE2ECase

FINANCES = "/sell/finances/v1"
NO_FINANCES = [scope for scope in const.USER_SCOPES if scope != const.FINANCES_SCOPE]


class TestEbayMoney(EbayOrdersE2ECase):
    def fetch(self, order_id, store=None):
        """The normalized order as the adapter reads it from eBay (getOrders by orderIds)."""
        store = store or self.store
        order = store._get_adapter()._fetch_order_by_number(store, order_id)
        self.assertTrue(order, order_id)
        return order

    def mugs(self, quantity, price="9.90", **values):
        """An eBay order of `quantity` EB-MUG (add_order's other options in `values`)."""
        return self.sim.add_order([{"sku": "EB-MUG", "quantity": quantity, "price": price}], **values)

    def record_transactions(self, order_id):
        """The base's payment workflow recording the imported order's transactions."""
        binding = self.binding(order_id)
        self.assertTrue(binding, f"order {order_id} imported")
        return binding._record_transactions(normalize_order(binding.last_payload))

    # ------------------------------------------------------------------ order transactions
    def test_paid_order_transaction_without_ebay_collected_tax(self):
        paid = self.mugs(2, ebay_collected_tax="0.0825", shipping_cost="5.00", created=self.ago(hours=1))
        pending = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "9.90"}],
                                     payment_status="PENDING", created=self.ago(hours=1))
        self.pull()
        payment = paid["paymentSummary"]["payments"][0]
        self.assertEqual(payment["amount"]["value"], "26.43", "eBay's payment holds its 1.63 of tax")
        recorded = self.record_transactions(paid["orderId"])
        self.assertEqual(len(recorded), 1)
        self.assertEqual(recorded.external_id, payment["paymentReferenceId"])
        self.assertEqual((recorded.kind, recorded.status, recorded.gateway), ("sale", "success", "EBAY"))
        binding = self.binding(paid["orderId"])
        self.assertEqual(recorded.amount, 24.80, "the payment without the tax eBay collects and remits")
        self.assertEqual(recorded.amount, binding.platform_total)
        self.assertEqual(binding.order_id.amount_total, 24.80)
        waiting = self.record_transactions(pending["orderId"])
        self.assertEqual((waiting.kind, waiting.status, waiting.amount), ("sale", "pending", 9.90))
        # Imported again: the same transaction, not a second one.
        self.assertEqual(self.record_transactions(paid["orderId"]), recorded)

    def test_payment_without_reference_gets_a_stable_id(self):
        order = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "9.90"}])
        payload = self.sim.order(order["orderId"])
        payload["paymentSummary"]["payments"][0].pop("paymentReferenceId")
        payload["paymentSummary"]["payments"][0]["paymentStatus"] = "FAILED"
        first = om.order_from_rest(payload)["transactions"]
        self.assertEqual(first, om.order_from_rest(payload)["transactions"])
        self.assertEqual(first[0]["id"], f"{payload['orderId']}-payment-1")
        self.assertEqual(first[0]["status"], "failure")

    def test_seeded_partial_refund(self):
        sim = EbaySimulator(seed="demo", app_id=APP_ID, cert_id=CERT_ID, dev_id=DEV_ID, runame=RUNAME,
                            access_token=USER_TOKEN, refresh_token=REFRESH_TOKEN)
        sim.start()
        self.addCleanup(sim.stop)
        self.addCleanup(sim.assert_contract_kept)
        store = create_ebay_store(self.env, name="eBay demo", api_url=sim.base_url)
        two_lines = sim.order(sim.seed_summary["orders"][1])
        mug = two_lines["lineItems"][1]
        [refund] = two_lines["paymentSummary"]["refunds"]
        order = normalize_order(self.fetch(two_lines["orderId"], store))
        [normalized_refund] = order["refunds"]
        self.assertEqual(normalized_refund["id"], refund["refundId"])
        self.assertEqual(normalized_refund["amount"], Decimal("9.90"))
        self.assertEqual([(r["line_id"], r["quantity"], r["amount"]) for r in normalized_refund["lines"]],
                         [(mug["lineItemId"], Decimal(1), Decimal("9.90"))])
        self.assertIsNone(normalized_refund["shipping"])
        sale, back = order["transactions"]
        self.assertEqual((sale["kind"], sale["status"], sale["amount"]), ("sale", "success", order["total"]))
        self.assertEqual(sale["id"], two_lines["paymentSummary"]["payments"][0]["paymentReferenceId"])
        self.assertEqual((back["id"], back["kind"], back["status"], back["amount"]),
                         (refund["refundId"], "refund", "success", Decimal("9.90")))
        self.assertEqual((back["refund_id"], back["parent_id"]), (refund["refundId"], sale["id"]))

    def test_refund_without_ebay_collected_tax_share(self):
        order = self.sim.add_order([{"sku": "EB-MUG", "quantity": 2, "price": "9.90"}],
                                   ebay_collected_tax="0.0825", shipping_cost="5.00")
        line = order["lineItems"][0]
        # One mug back with its tax: 9.90 + 0.82 (half of the line's 1.63 of tax).
        one_unit = self.sim.refund_order(order["orderId"], "10.72", line_item_id=line["lineItemId"])
        # Then the rest, not tied to a line: 26.43 - 10.72 = 15.71, holding the 0.81 of tax left.
        rest = self.sim.refund_order(order["orderId"])
        normalized = normalize_order(self.fetch(order["orderId"]))
        refunds = {refund["id"]: refund for refund in normalized["refunds"]}
        unit = refunds[one_unit["refundId"]]
        self.assertEqual(unit["amount"], Decimal("9.90"))
        self.assertEqual([(r["line_id"], r["quantity"], r["amount"]) for r in unit["lines"]],
                         [(line["lineItemId"], Decimal(1), Decimal("9.90"))])
        self.assertEqual(refunds[rest["refundId"]]["amount"], Decimal("14.90"))
        self.assertEqual(refunds[rest["refundId"]]["lines"], [])
        back = {t["id"]: t for t in normalized["transactions"] if t["kind"] == "refund"}
        self.assertEqual(back[one_unit["refundId"]]["amount"], Decimal("9.90"))
        self.assertEqual(back[rest["refundId"]]["amount"], Decimal("14.90"))
        self.assertEqual(sum(refund["amount"] for refund in normalized["refunds"]), normalized["total"],
                         "a full refund gives back the seller's total, eBay gives back its own tax")

    def test_pending_refund_is_a_pending_transaction_without_refund(self):
        order = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "9.90"}])
        pending = self.sim.refund_order(order["orderId"], "4.00", status="PENDING")
        normalized = normalize_order(self.fetch(order["orderId"]))
        self.assertEqual(normalized["refunds"], [])
        [back] = [t for t in normalized["transactions"] if t["kind"] == "refund"]
        self.assertEqual((back["id"], back["status"], back["refund_id"]),
                         (pending["refundId"], "pending", None))

    # ------------------------------------------------------------------ payouts
    def test_payouts_match_the_imported_transactions(self):
        taxed = self.mugs(2, ebay_collected_tax="0.0825", shipping_cost="5.00", created=self.ago(hours=2))
        plain = self.mugs(3, created=self.ago(hours=2))
        refund = self.sim.refund_order(plain["orderId"], "9.90",
                                       line_item_id=plain["lineItems"][0]["lineItemId"])
        label = self.sim.finances.add_charge("SHIPPING_LABEL", "7.50", memo="USPS label",
                                             order_id=taxed["orderId"])
        ad_fee = self.sim.finances.add_charge("NON_SALE_CHARGE", "1.20", fee_type="AD_FEE")
        paid_out = self.sim.pay_out()
        self.pull()
        recorded = self.record_transactions(taxed["orderId"]) | self.record_transactions(plain["orderId"])
        self.sim.reset_requests()

        payouts = self.store._get_adapter()._fetch_payouts(self.store, None)

        self.assertEqual(len(payouts), 1)
        payout = normalize_payout(payouts[0])
        self.assertEqual((payout["id"], payout["status"], payout["currency"]),
                         (paid_out["payoutId"], "paid", "USD"))
        self.assertEqual(payout["amount"], Decimal(paid_out["amount"]["value"]))
        lines = {line["id"]: line for line in payout["lines"]}
        self.assertEqual(len(lines), 5)
        sale = lines[taxed["orderId"]]
        fees = self.sim.finances.transaction(taxed["orderId"])["totalFeeAmount"]["value"]
        self.assertEqual((sale["type"], sale["order_id"]), ("charge", taxed["orderId"]))
        self.assertEqual(sale["amount"], Decimal("24.80"), "the sale as the order import has it, no eBay tax")
        self.assertEqual(sale["fee"], Decimal(fees))
        self.assertEqual(sale["transaction_id"], taxed["paymentSummary"]["payments"][0]["paymentReferenceId"])
        self.assertEqual(lines[plain["orderId"]]["transaction_id"],
                         plain["paymentSummary"]["payments"][0]["paymentReferenceId"])
        self.assertEqual(lines[plain["orderId"]]["amount"], Decimal("29.70"))
        back = lines[refund["refundId"]]
        self.assertEqual((back["type"], back["amount"], back["fee"], back["transaction_id"]),
                         ("refund", Decimal("-9.90"), Decimal(0), refund["refundId"]))
        self.assertEqual((lines[label["transactionId"]]["type"], lines[label["transactionId"]]["amount"]),
                         ("fee", Decimal("-7.50")))
        self.assertEqual(lines[label["transactionId"]]["note"], "USPS label")
        self.assertEqual((lines[ad_fee["transactionId"]]["type"], lines[ad_fee["transactionId"]]["amount"]),
                         ("fee", Decimal("-1.20")))
        # Every sale and refund line names a transaction the order import recorded.
        refund_transactions = self.record_transactions(plain["orderId"]).filtered(
            lambda transaction: transaction.kind == "refund")
        self.assertEqual(refund_transactions.external_id, refund["refundId"])
        named = {line["transaction_id"] for line in payout["lines"] if line["transaction_id"]}
        self.assertEqual(named, set(recorded.mapped("external_id")) | {refund["refundId"]})
        # The Finances API's calls: payouts by date, then each payout's transactions.
        finances = [r for r in self.sim.requests if r["path"].startswith(FINANCES)]
        self.assertEqual([r["path"] for r in finances], [FINANCES + "/payout", FINANCES + "/transaction"])
        self.assertTrue(finances[0]["query"]["filter"].startswith("payoutDate:["))
        self.assertEqual(finances[1]["query"]["filter"], f"payoutId:{{{paid_out['payoutId']}}}")

    def test_payouts_read_since_a_date_and_every_page(self):
        for _index in range(3):
            self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "9.90"}], created=self.ago(days=20))
        old = self.sim.pay_out(when=self.ago(days=19))
        orders = [self.mugs(1, price="5.00", created=self.ago(days=2)) for _index in range(3)]
        recent = self.sim.pay_out(when=self.ago(days=1))
        adapter = self.store._get_adapter()
        with self.settings_pages(payouts=1, transactions=2):
            payouts = adapter._fetch_payouts(self.store, self.ago(days=5).replace(tzinfo=None))
        self.assertEqual([p["id"] for p in payouts], [recent["payoutId"]])
        self.assertEqual({line["order_id"] for line in normalize_payout(payouts[0])["lines"]},
                         {order["orderId"] for order in orders})
        everything = adapter._fetch_payouts(self.store, None)
        self.assertEqual({p["id"] for p in everything}, {old["payoutId"], recent["payoutId"]})

    def settings_pages(self, payouts, transactions):
        """Smaller Finances pages, so that a test reads more than one."""
        stack = ExitStack()
        stack.enter_context(patch.object(const, "PAYOUT_PAGE_LIMIT", payouts))
        stack.enter_context(patch.object(const, "FINANCES_TRANSACTION_PAGE_LIMIT", transactions))
        return stack

    def test_finances_host_is_apiz(self):
        store = create_ebay_store(self.env, name="eBay live")
        client = EbayClient(store.sudo())
        self.assertEqual(client._base_url(), "https://api.sandbox.ebay.com")
        client._finances = True
        self.assertEqual(client._base_url(), "https://apiz.sandbox.ebay.com")
        store.ebay_environment = "production"
        self.assertEqual(client._base_url(), "https://apiz.ebay.com")
        # A request of the Finances API's quota goes to that host; the others do not.
        sent = []

        def send(client_self, method, path, **kwargs):
            sent.append(client_self._url(path))

        with patch.object(ApiClient, "request", send):
            client.request("GET", FINANCES + "/payout", api=const.QUOTA_FINANCES)
            client.request("GET", "/sell/fulfillment/v1/order", api=const.QUOTA_FULFILLMENT)
        self.assertEqual(sent, ["https://apiz.ebay.com/sell/finances/v1/payout",
                                "https://api.ebay.com/sell/fulfillment/v1/order"])

    # ------------------------------------------------------------------ the finances scope
    def test_token_without_finances_scope(self):
        tokens = self.sim.issue_user_tokens(scopes=NO_FINANCES)
        credentials = self.env["integration.credential"]
        credentials._set_value(self.store, "access_token", tokens["access_token"])
        credentials._set_value(self.store, "refresh_token", tokens["refresh_token"])
        adapter = self.store._get_adapter()
        # Grant unknown: eBay's 403 says it; the job fails with what to do, the store is not refused.
        with self.assertRaises(PermanentJobError) as caught:
            adapter._fetch_payouts(self.store, None)
        self.assertIn("Connect with eBay again to allow payouts", str(caught.exception))
        self.assertEqual([r["status"] for r in self.sim.requests if r["path"].startswith(FINANCES)], [403])
        self.sim.take_schema_violations()
        # Grant recorded without it: said before any call.
        self.store.ebay_granted_scopes = " ".join(NO_FINANCES)
        self.sim.reset_requests()
        with self.assertRaises(PermanentJobError) as caught:
            adapter._fetch_payouts(self.store, None)
        self.assertIn("Connect with eBay again to allow payouts", str(caught.exception))
        self.assertFalse([r for r in self.sim.requests if r["path"].startswith(FINANCES)])
        # The connection keeps working: a refresh asks for what was granted, which eBay accepts.
        self.sim.expire_access_tokens()
        self.store._oauth_access_token(force_refresh=True)
        self.assertEqual(self.sim.token_calls[-1]["status"], 200, self.sim.token_calls[-1])
        self.assertTrue(self.store._ebay_client().request_json(
            "GET", "/sell/fulfillment/v1/order", api="fulfillment", params={"limit": 1}) is not None)
        self.assertEqual(adapter._ebay_refresh_scopes(self.store), NO_FINANCES)
        self.store.ebay_granted_scopes = False
        self.assertEqual(adapter._ebay_refresh_scopes(self.store), list(const.USER_SCOPES))
