"""eBay orders end to end against the eBay simulator (tests/simulators/ebay), through the real REST
client (``EbayClient`` over HTTP), the real Trading client (ebaysdk) and, for notifications, Odoo's
real HTTP server: the scheduled pull (the cron, the queue, the Fulfillment API's windows and pages),
eBay-collected and seller-collected tax, shipping and discounts, lines found through legacy listing
bindings, a renamed buyer, paid and cancelled orders, an order changing during a pull, more than a
page of orders, Full Sync's 90 days, an ORDER_CONFIRMATION notification signed by eBay's key, and
buyer messages posted once in the order's chatter. Every request is checked against eBay's published
contracts (`sim.assert_contract_kept`)."""

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from odoo.tests.common import HttpCase

from odoo.addons.store_connector_base.services import rate_limiter
from odoo.addons.store_connector_base.tests.common import run_queue

from tests.simulators.ebay import EbaySimulator

from ..models.store_adapter_orders import StoreAdapterEbayOrders
from .common import APP_ID, CERT_ID, DEV_ID, REFRESH_TOKEN, RUNAME, USER_TOKEN, create_ebay_store

ORDER_PATH = "/sell/fulfillment/v1/order"
PLATE_ITEM_ID = "110099999999"
PLATE_VARIATION_ID = "500000000001"


class EbayOrdersE2ECase(HttpCase):
    """A store pointing at a fresh simulator; products EB-MUG and EB-PLATE, the plate bound to a
    legacy listing (item and variation ids) so that a line without SKU finds it."""

    def setUp(self):
        super().setUp()
        self.env = self.env(context=dict(self.env.context, tracking_disable=True))
        rate_limiter.reset_limiters()
        self.addCleanup(rate_limiter.reset_limiters)
        self.sim = EbaySimulator(seed="none", app_id=APP_ID, cert_id=CERT_ID, dev_id=DEV_ID, runame=RUNAME,
                                 access_token=USER_TOKEN, refresh_token=REFRESH_TOKEN)
        self.sim.start()
        self.addCleanup(self.sim.stop)
        # eBay's clock two seconds behind Odoo's: what the test changes on eBay is in the past of the
        # next pull's window, which ends at Odoo's current second (a change in that very second is
        # read by the pull after, not lost; a test must not depend on which).
        self.sim.advance(-2)
        # Runs before stop (cleanups run last in, first out): nothing eBay's contract refuses was sent.
        self.addCleanup(self.sim.assert_contract_kept)
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self.store = create_ebay_store(self.env, api_url=self.sim.base_url, order_unknown_sku_policy="fail")
        Product = self.env["product.product"]
        self.mug = Product.create({"name": "Blue mug", "default_code": "EB-MUG", "type": "consu",
                                   "list_price": 10})
        self.plate = Product.create({"name": "Red plate", "default_code": "EB-PLATE", "type": "consu",
                                     "list_price": 30})
        self.env["store.product.binding"].create({
            "store_id": self.store.id, "product_id": self.plate.id, "sku": "EB-PLATE",
            "external_product_id": PLATE_ITEM_ID, "external_variant_id": PLATE_VARIATION_ID,
        })

    def ago(self, **delta):
        """A moment of the simulator's clock in the past (orders placed before the pull)."""
        return self.sim.clock.now() - timedelta(**delta)

    def pull(self):
        """The scheduled pull as the cron runs it: queue, then the queue runner (all pages)."""
        jobs = self.env["connector.store"]._cron_pull_orders()
        self.assertIn(self.store, jobs.store_id, "the cron queues the eBay store's pull")
        run_queue(self.env, self.store)

    def binding(self, order_id):
        return self.env["store.order.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", order_id)])

    def deliver(self, topic, data):
        """eBay delivers a signed notification to the store's endpoint through Odoo's HTTP server."""
        self.env.flush_all()  # the request reads the database, as url_open would have it flushed
        return self.sim.notification.deliver(topic, data, url=self.store.ebay_notification_endpoint)

    def order_calls(self):
        return [r for r in self.sim.requests if r["path"] == ORDER_PATH and r["method"] == "GET"]


class TestEbayE2EOrderPull(EbayOrdersE2ECase):
    def test_scheduled_pull_imports_what_the_seller_is_due(self):
        collected = self.sim.add_order([{"sku": "EB-MUG", "quantity": 2, "price": "10.00"}],
                                       buyer="ann_lee77", ebay_collected_tax="0.0825",
                                       created=self.ago(hours=3))
        seller_tax = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "20.00"}],
                                        buyer="bob_smith", seller_tax="0.0825", created=self.ago(hours=2))
        multi = self.sim.add_order([
            {"sku": "EB-MUG", "quantity": 2, "price": "10.00", "discount": "3.00"},
            # No SKU: the plate through its legacy listing's item and variation ids.
            {"quantity": 1, "price": "30.00", "title": "Red plate",
             "legacy_item_id": PLATE_ITEM_ID, "legacy_variation_id": PLATE_VARIATION_ID},
        ], buyer="carl_w", shipping_cost="5.95", shipping_service="USPSPriority", created=self.ago(hours=1))
        self.assertEqual(collected["pricingSummary"]["total"]["value"], "21.65",
                         "eBay includes the tax it collects in its totals")

        self.pull()

        # eBay-collected tax: the sale order totals what the seller is due; the tax is on the binding.
        binding = self.binding(collected["orderId"])
        sale = binding.order_id
        self.assertEqual(sale.amount_total, 20.00)
        self.assertEqual(sale.amount_tax, 0.0)
        self.assertEqual(binding.marketplace_tax, 1.65)
        self.assertEqual(sale.store_binding_ids.marketplace_tax, 1.65, "shown on the order's Store tab")
        self.assertEqual(sale.state, "sale", "a paid order is confirmed")
        self.assertEqual(binding.platform_status, "PAID")
        self.assertTrue(sale.client_order_ref.endswith(collected["orderId"]))
        self.assertEqual(sale.partner_shipping_id.city, "San Jose")
        # Seller-collected tax is the seller's: imported as tax.
        sale = self.binding(seller_tax["orderId"]).order_id
        self.assertEqual(sale.amount_untaxed, 20.00)
        self.assertEqual(sale.amount_tax, 1.65)
        self.assertEqual(sale.amount_total, 21.65)
        self.assertFalse(self.binding(seller_tax["orderId"]).marketplace_tax)
        # Several lines, shipping and a discount; the line without SKU is the plate.
        sale = self.binding(multi["orderId"]).order_id
        self.assertEqual(sale.order_line.filtered(lambda line: not line.is_delivery).product_id,
                         self.mug | self.plate)
        self.assertAlmostEqual(sale.amount_total, 20.00 - 3.00 + 30.00 + 5.95, places=2)
        self.assertEqual(sale.amount_total, float(multi["pricingSummary"]["total"]["value"]))
        shipping = sale.order_line.filtered("is_delivery")
        self.assertEqual(shipping.price_total, 5.95)
        self.assertEqual(sale.state, "sale")
        # The pull moved the store's cursor: the next pull reads only what changed since.
        self.assertTrue(self.store.order_import_cursor)
        for request in self.order_calls():
            self.assertLessEqual(int(request["query"]["limit"]), 200)
            self.assertTrue(request["query"]["filter"].startswith("lastmodifieddate:["))

    def test_buyer_whose_username_changed_is_the_same_partner(self):
        first = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "10.00"}], buyer="dora_old",
                                   created=self.ago(hours=2))
        self.pull()
        partner = self.binding(first["orderId"]).order_id.partner_id
        self.assertEqual(self.sim.rename_buyer("dora_old", "dora_new"), 1)
        second = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "10.00"}], buyer="dora_new",
                                    created=self.ago(minutes=30))
        self.pull()
        self.assertEqual(self.binding(second["orderId"]).order_id.partner_id, partner)
        self.assertEqual(self.binding(first["orderId"]).order_id.partner_id, partner)
        # The immutable user id, where eBay gives it instead of the username, keys the buyer too.
        third = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "10.00"}],
                                   buyer_user_id="u1a2b3c4d5e", created=self.ago(minutes=20))
        self.pull()
        immutable = self.binding(third["orderId"]).order_id.partner_id
        self.assertNotEqual(immutable, partner)
        customer = self.env["store.customer.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", "u1a2b3c4d5e")])
        self.assertEqual(customer.partner_id, immutable)

    def test_cancelled_order_cancelled_and_change_during_the_pull_read_again(self):
        paid = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "10.00"}], buyer="erin",
                                  created=self.ago(hours=5))
        later = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "10.00"}], buyer="fred",
                                   created=self.ago(hours=4))
        cancelled = self.sim.add_order([{"sku": "EB-MUG", "quantity": 3, "price": "10.00"}], buyer="gina",
                                       created=self.ago(hours=3))
        self.pull()
        self.assertEqual(self.binding(cancelled["orderId"]).order_id.state, "sale")
        self.sim.update_order(cancelled["orderId"], orderPaymentStatus="FULLY_REFUNDED",
                              cancelStatus={"cancelState": "CANCELED", "cancelledDate": self.sim.clock.now()
                                            .strftime("%Y-%m-%dT%H:%M:%S.000Z"), "cancelRequests": []})
        # During the next pull, once eBay answered its first call, the buyer of `later` cancels too:
        # eBay moves the order's lastModifiedDate, so the pull (or the next) reads it again.
        real_call = StoreAdapterEbayOrders._ebay_order_call
        changed = []

        def call_then_change(adapter, client, start, end, limit, offset):
            answer = real_call(adapter, client, start, end, limit, offset)
            if not changed:
                changed.append(self.sim.update_order(later["orderId"], cancelStatus={
                    "cancelState": "CANCELED", "cancelRequests": []}, orderPaymentStatus="FULLY_REFUNDED"))
            return answer

        with patch.object(StoreAdapterEbayOrders, "_ebay_order_call", call_then_change):
            self.pull()
            self.pull()
        self.assertTrue(changed)
        self.assertEqual(self.binding(cancelled["orderId"]).order_id.state, "cancel")
        self.assertEqual(self.binding(cancelled["orderId"]).platform_status, "CANCELLED")
        self.assertEqual(self.binding(later["orderId"]).order_id.state, "cancel",
                         "the order changed during the pull was read again")
        self.assertEqual(self.binding(paid["orderId"]).order_id.state, "sale")

    def test_more_than_a_page_of_orders(self):
        count = 230
        for number in range(count):
            self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "10.00"}],
                               buyer=f"buyer_{number % 7}", created=self.ago(hours=count - number))
        self.pull()
        bindings = self.env["store.order.binding"].search([("store_id", "=", self.store.id)])
        self.assertEqual(len(bindings), count)
        self.assertEqual(set(bindings.order_id.mapped("state")), {"sale"})
        calls = self.order_calls()
        for request in calls:
            self.assertLessEqual(int(request["query"]["limit"]), 200)
        # Each window holds at most a page: a few calls, not one per order.
        self.assertLess(len(calls), 12, [r["query"] for r in calls])

    def test_full_sync_reads_90_days(self):
        recent = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "10.00"}],
                                    created=self.ago(days=80))
        old = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "10.00"}],
                                 created=self.ago(days=100))
        self.store._enqueue_full_sync()
        run_queue(self.env, self.store)
        self.assertTrue(self.binding(recent["orderId"]))
        self.assertFalse(self.binding(old["orderId"]), "eBay keeps 90 days of orders: Full Sync reads those")
        start = self.order_calls()[0]["query"]["filter"].split("[", 1)[1].split("..", 1)[0]
        moment = datetime.strptime(start, "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)
        self.assertEqual((datetime.now(UTC) - moment).days, 90)


class TestEbayE2EOrderNotification(EbayOrdersE2ECase):
    def test_order_confirmation_notification_imports_the_order(self):
        self.store._ebay_ensure_notification_endpoint()
        order = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "10.00"}],
                                   ebay_collected_tax="0.0825", buyer="hank")
        results = self.deliver("ORDER_CONFIRMATION", {"orderId": order["orderId"]})
        self.assertEqual(len(results), 1)
        self.assertIn(results[0]["status"], (200, 201, 202, 204), results)
        self.assertEqual(results[0]["attempts"], 1)
        delivery = self.env["store.webhook.delivery"].search([("store_id", "=", self.store.id)])
        self.assertEqual(len(delivery), 1)
        run_queue(self.env, self.store)
        binding = self.binding(order["orderId"])
        self.assertEqual(binding.order_id.amount_total, 10.00)
        self.assertEqual(binding.marketplace_tax, 0.83)
        self.assertEqual(binding.order_id.state, "sale")
        self.assertIn(("GET", f"{ORDER_PATH}/{order['orderId']}"),
                      [(r["method"], r["path"]) for r in self.sim.requests])
        # eBay sends it again (no acknowledgement seen): one delivery, one order.
        self.deliver("ORDER_CONFIRMATION", {"orderId": order["orderId"]})
        run_queue(self.env, self.store)
        self.assertEqual(len(self.binding(order["orderId"])), 1)

    def test_bad_signature_refused_nothing_imported(self):
        self.store._ebay_ensure_notification_endpoint()
        order = self.sim.add_order([{"sku": "EB-MUG", "quantity": 1, "price": "10.00"}])
        self.sim.notification.tamper_next(3)
        results = self.deliver("ORDER_CONFIRMATION", {"orderId": order["orderId"]})
        self.assertEqual(results[0]["status"], 412)
        run_queue(self.env, self.store)
        self.assertFalse(self.binding(order["orderId"]))
        self.assertFalse(self.env["store.webhook.delivery"].search([("store_id", "=", self.store.id)]))


class TestEbayE2EBuyerMessages(EbayOrdersE2ECase):
    def test_buyer_messages_posted_once_in_the_orders_chatter(self):
        item_id = self.sim.add_legacy_listing("EB-LAMP", "Desk lamp", "25.00", 5)
        line = {"quantity": 1, "price": "30.00", "title": "Red plate",
                "legacy_item_id": PLATE_ITEM_ID, "legacy_variation_id": PLATE_VARIATION_ID}
        order = self.sim.add_order([line], buyer="ivy_buyer", created=self.ago(hours=1))
        self.pull()
        sale = self.binding(order["orderId"]).order_id
        self.sim.trading.add_member_message(
            PLATE_ITEM_ID, "ivy_buyer", "Could you ship it <b>today</b>?\nThanks", subject="Shipping")
        self.sim.trading.add_member_message(item_id, "someone_else", "Is the lamp still available?")
        jobs = self.env["connector.store"]._cron_ebay_buyer_messages()
        self.assertIn(self.store, jobs.store_id)
        run_queue(self.env, self.store)

        def notes():
            return sale.message_ids.filtered(lambda m: "ebay-message" in (m.message_id or ""))

        self.assertEqual(len(notes()), 1)
        self.assertIn("ivy_buyer", notes().body)
        self.assertIn("Could you ship it &lt;b&gt;today&lt;/b&gt;?", notes().body)
        self.assertIn(f"orderid={order['orderId']}", notes().body)
        self.assertIn("GetMemberMessages", [verb for verb, _headers in self.sim.trading.calls])
        # The next poll reads the same messages again (its margin): nothing is posted twice.
        self.env["connector.store"]._cron_ebay_buyer_messages()
        run_queue(self.env, self.store)
        self.assertEqual(len(notes()), 1)
        log = self.env["store.activity.log"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "ebay.messages")], order="id desc", limit=1)
        self.assertIn("already posted", log.message)
