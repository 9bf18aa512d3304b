"""Orders end to end against the WooCommerce simulator, through Odoo's real HTTP server: an order's
life by signed webhooks (created, paid, refunded, cancelled; a full refund), every order of the
`demo` seed imported to the cent, a lost webhook caught by the next scheduled pull, duplicate,
reordered and same-second deliveries, the status sent back and its echo, and 500 orders of the
`bulk` seed imported by the pull (issue #10, "Tests and speed")."""

import logging
import time

from odoo.tests import tagged

from tests.simulators.woocommerce.util import wp_json

from .e2e_common import DEMO_SKUS, WooCommerceE2ECase

_logger = logging.getLogger(__name__)

GUEST = {"first_name": "Gale", "last_name": "Guest", "email": "gale.guest@example.com", "country": "US",
         "address_1": "1 Loopback Street", "city": "Springfield", "postcode": "00000"}
FLAT_RATE = [{"method_id": "flat_rate", "method_title": "Flat rate", "total": "5.00"}]


class WooOrdersE2ECase(WooCommerceE2ECase):
    def setUp(self):
        super().setUp()
        self.odoo_products = self.products(["E2E-MUG", "E2E-CAP"])
        self.sim.add_product("Mug &amp; Saucer", sku="E2E-MUG", regular_price="12.50", stock_quantity=100,
                             emit=False)
        self.sim.add_product("Cap", sku="E2E-CAP", regular_price="18.00", stock_quantity=100, emit=False)

    def place(self, status="pending", **values):
        values.setdefault("tax_rate", "0.2")
        values.setdefault("billing", GUEST)
        values.setdefault("shipping_lines", FLAT_RATE)
        return self.sim.add_order([{"sku": "E2E-MUG", "quantity": 2}, {"sku": "E2E-CAP", "quantity": 1}],
                                  status=status, **values)

    def sale_of(self, order):
        binding = self.binding(order["id"])
        self.assertEqual(len(binding), 1, "one binding per WooCommerce order")
        return binding.order_id

    def assert_total_to_the_cent(self, sale, order_id):
        total = self.sim.order(order_id)["total"]
        self.assertEqual(f"{sale.amount_total:.2f}", total,
                         f"order {order_id}: Odoo's total is WooCommerce's")

    def refund_notes(self, sale, refund_id):
        return [body for body in sale.message_ids.mapped("body") if f"refund {refund_id}" in body]


@tagged("post_install", "-at_install")
class TestWooCommerceE2EOrderLife(WooOrdersE2ECase):
    def test_created_paid_refunded_cancelled_by_signed_webhooks(self):
        self.store.refund_policy = "activity"  # the refund as an activity (credit notes: the base's tests)
        self.register()
        order = self.place()
        results = self.deliver()
        self.assertEqual([result["topic"] for result in results], ["order.created"])
        self.assertTrue(results[0]["headers"]["X-WC-Webhook-Signature"])
        self.run_jobs()
        sale = self.sale_of(order)
        self.assertEqual(sale.state, "draft", "pending (unpaid) is a quotation")
        self.assertEqual(sale.client_order_ref, f"WC-{order['number']}")
        self.assertEqual(sale.partner_id.email, GUEST["email"], "a guest is found by e-mail")
        self.assertIn("Mug & Saucer", " ".join(sale.order_line.mapped("name")), "entities decoded")
        self.assert_total_to_the_cent(sale, order["id"])

        self.sim.reset_requests()
        self.next_second()
        self.sim.update_order(order["id"], status="processing", set_paid=True)
        self.deliver()
        self.run_jobs()
        self.assertEqual(sale.state, "sale", "paid (processing) confirms it")
        self.assertEqual(self.binding(order["id"]).platform_status, "processing")
        self.assertEqual(self.order_writes(), [], "what WooCommerce said is not sent back to it")

        self.next_second()
        refund = self.sim.add_refund(order["id"], amount="5.00", reason="Scratched mug")
        self.deliver()
        self.run_jobs()
        self.assertEqual(len(self.refund_notes(sale, refund["id"])), 1)
        self.assertIn("Scratched mug", self.refund_notes(sale, refund["id"])[0])
        self.assertEqual(sale.state, "sale", "a partial refund leaves the order as it is")

        self.next_second()
        self.sim.update_order(order["id"], status="cancelled")
        self.deliver()
        self.run_jobs()
        self.assertEqual(sale.state, "cancel")
        self.assertEqual(self.binding(order["id"]).platform_status, "cancelled")
        self.assertEqual(len(self.refund_notes(sale, refund["id"])), 1,
                         "the refund listed again with the cancellation is recorded once")
        self.assertEqual(self.binding(order["id"]).refund_ids_recorded, [str(refund["id"])])
        self.assertEqual(self.order_writes(), [], "nothing was sent back to WooCommerce")

    def test_full_refund_marks_the_order_returned(self):
        self.store.refund_policy = "activity"  # the refund as an activity (credit notes: the base's tests)
        self.register()
        order = self.place(status="processing")
        self.deliver()
        self.run_jobs()
        sale = self.sale_of(order)
        self.assertEqual(sale.state, "sale")
        self.next_second()
        refund = self.sim.add_refund(order["id"], reason="Never arrived")
        self.assertEqual(self.sim.order(order["id"])["status"], "refunded")
        self.deliver()
        self.run_jobs()
        binding = self.binding(order["id"])
        self.assertEqual((binding.platform_status, binding.platform_stage), ("refunded", "returned"))
        self.assertEqual(len(self.refund_notes(sale, refund["id"])), 1)
        self.assertIn(self.sim.order(order["id"])["total"], self.refund_notes(sale, refund["id"])[0],
                      "the whole total was refunded")
        self.assertIn("Order returned on the platform", sale.activity_ids.mapped("summary"))

    def test_lost_webhook_is_caught_by_the_next_scheduled_pull(self):
        self.register()
        first = self.place(status="processing")
        self.deliver()
        self.run_jobs()
        self.env["connector.store"]._cron_pull_orders()
        self.run_jobs()
        self.assertTrue(self.store.order_import_cursor, "the pull moved the store's cursor")
        self.next_second()
        # The checkout queues product.updated for each of its two products (their stock), then
        # order.created: Action Scheduler loses all three.
        self.sim.lose_next_deliveries(3)
        lost = self.place(status="processing")
        self.assertEqual(self.sim.webhooks.lost, 3)
        self.assertEqual(self.of_orders(self.sim.flush_webhooks()), [],
                         "WooCommerce never sent it, and never retries")
        self.assertFalse(self.binding(lost["id"]))
        self.sim.reset_requests()
        self.env["connector.store"]._cron_pull_orders()
        self.run_jobs()
        sale = self.sale_of(lost)
        self.assertEqual(sale.state, "sale")
        self.assert_total_to_the_cent(sale, lost["id"])
        self.assertEqual(len(self.sale_of(first)), 1, "the order already imported is not imported twice")
        pulls = [request for request in self.sim.requests if request["path"] == "/wp-json/wc/v3/orders"]
        self.assertTrue(pulls)
        self.assertIn("modified_after", pulls[0]["query"], "the scheduled pull asks only for what changed")
        self.assertEqual(pulls[0]["query"].get("dates_are_gmt"), "true")

    def test_duplicate_reordered_and_same_second_deliveries_give_one_correct_order(self):
        """Within one second (WooCommerce's date and delivery-id resolution): the order is placed
        (pending), a note is added, then it is paid; every delivery is sent twice."""
        self.register()
        self.sim.duplicate_rate = 1.0
        with self.frozen_shop_clock():
            order = self.place()
            created = self.deliver()
            self.run_jobs()
            self.sim.update_order(order["id"], customer_note="Leave it at the door")
            noted = self.deliver()
            self.run_jobs()
            self.sim.update_order(order["id"], status="processing", set_paid=True)
            paid = self.deliver()
            self.run_jobs()
        self.assertEqual(len(created), 2)
        updates = self.of_orders(noted + paid)
        self.assertEqual({result["headers"]["X-WC-Webhook-Delivery-ID"] for result in updates},
                         {updates[0]["headers"]["X-WC-Webhook-Delivery-ID"]},
                         "two different events of one webhook in one second share their delivery id")
        self.assertEqual(len(self.deliveries("order.created")), 1, "its copy dropped")
        self.assertEqual(len(self.deliveries("order.updated")), 2, "two events, their copies dropped")
        sale = self.sale_of(order)
        reference = f"WC-{order['number']}"
        self.assertEqual(self.env["sale.order"].search_count([("client_order_ref", "=", reference)]), 1,
                         "one sale order")
        self.assertEqual(self.binding(order["id"]).platform_status, "processing",
                         "the payment of the same second is not lost")
        self.assertEqual(sale.state, "sale")

    def test_slow_older_delivery_after_the_newer_one_changes_nothing(self):
        """Two Action Scheduler runners: the delivery built while the order was pending arrives
        after the one built once it was completed."""
        self.register()
        order = self.place(status="pending", emit=False)
        hook = next(hook for hook in self.sim.webhooks_list() if hook["topic"] == "order.updated")
        slow_body = wp_json(self.sim.webhooks.build_payload(self.sim.webhook(hook["id"]), order["id"]))
        self.next_second()
        self.sim.update_order(order["id"], status="completed", set_paid=True)
        self.deliver()
        self.run_jobs()
        sale = self.sale_of(order)
        self.assertEqual(sale.state, "sale")
        late = self.url_open(hook["delivery_url"], data=slow_body, headers={
            "Content-Type": "application/json", "X-WC-Webhook-Source": self.sim.base_url + "/",
            "X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-ID": str(hook["id"]),
            "X-WC-Webhook-Delivery-ID": "slow-runner",
            "X-WC-Webhook-Signature": self.sim.sign_webhook(hook["secret"], slow_body)})
        self.assertEqual(late.status_code, 200)
        self.run_jobs()
        binding = self.binding(order["id"])
        self.assertEqual(binding.platform_status, "completed", "the older body did not win")
        self.assertEqual(sale.state, "sale")


@tagged("post_install", "-at_install")
class TestWooCommerceE2EStatusPush(WooOrdersE2ECase):
    def test_confirm_and_cancel_in_odoo_set_the_status_and_the_echo_is_not_news(self):
        self.register()
        held = self.place(status="on-hold")
        other = self.place(status="on-hold")
        self.deliver()
        self.run_jobs()
        sale, other_sale = self.sale_of(held), self.sale_of(other)
        self.assertEqual((sale.state, other_sale.state), ("draft", "draft"), "on-hold waits for payment")
        self.sim.reset_requests()
        self.next_second()
        sale.action_confirm()
        other_sale.action_cancel()
        self.run_jobs()
        self.assertEqual(sorted(self.order_writes()), sorted([
            ("PUT", f"/wp-json/wc/v3/orders/{held['id']}", {"status": "processing"}),
            ("PUT", f"/wp-json/wc/v3/orders/{other['id']}", {"status": "cancelled"})]))
        self.assertEqual(self.sim.order(held["id"])["status"], "processing")
        self.assertEqual(self.sim.order(other["id"])["status"], "cancelled")
        # WooCommerce announces both changes: they are the echoes of Odoo's own.
        before = self.deliveries("order.")
        echoes = self.of_orders(self.deliver())
        self.assertEqual(sorted(result["resource_id"] for result in echoes),
                         sorted([held["id"], other["id"]]))
        self.assertEqual(self.deliveries("order."), before, "an echo is neither stored nor queued")
        self.assertEqual((sale.state, other_sale.state), ("sale", "cancel"))
        # A later change made on WooCommerce is news again.
        self.next_second()
        self.sim.update_order(held["id"], status="completed")
        self.deliver()
        self.run_jobs()
        self.assertEqual(self.binding(held["id"]).platform_status, "completed")
        self.assertEqual(len(self.deliveries("order.")), len(before) + 1)


@tagged("post_install", "-at_install")
class TestWooCommerceE2EDemoSeed(WooCommerceE2ECase):
    sim_options = {"seed": "demo"}
    # Refunds as activities: the orders' totals stay WooCommerce's (a credit note takes the refunded
    # units not shipped yet off the order; credit notes: test_woocommerce_payments_simulator.py).
    store_options = {"refund_policy": "activity"}

    def test_every_demo_order_imported_to_the_cent(self):
        products = self.products(list(DEMO_SKUS) + ["SINGLE-NO-SKU"])
        single = next(product for product in self.sim.store.products.values() if product["name"] == "Single")
        # The product WooCommerce has without SKU is known by its id (its binding).
        self.env["store.product.binding"].create({
            "store_id": self.store.id, "product_id": products["SINGLE-NO-SKU"].id,
            "external_product_id": str(single["id"])})
        self.store._enqueue_order_pull()
        self.run_jobs()
        # A refunded order was paid first: the payment workflow confirms it (its payment recorded).
        expected_state = {"processing": "sale", "completed": "sale", "on-hold": "draft", "pending": "draft",
                          "cancelled": "cancel", "failed": "cancel", "refunded": "sale"}
        order_ids = self.sim.seed_summary["orders"]
        self.assertEqual(len(order_ids), 10)
        for order_id in order_ids:
            woo = self.sim.order(order_id)
            with self.subTest(order=order_id, status=woo["status"]):
                sale = self.binding(order_id).order_id
                self.assertTrue(sale)
                self.assertEqual(f"{sale.amount_total:.2f}", woo["total"])
                self.assertEqual(sale.state, expected_state[woo["status"]])
                self.assertEqual(sale.client_order_ref, f"WC-{woo['number']}")
                if woo["customer_id"] == 0:
                    self.assertEqual(sale.partner_id.email, woo["billing"]["email"], "a guest by e-mail")
                if woo["prices_include_tax"]:
                    self.assertTrue(all(sale.order_line.tax_id.mapped("price_include")))
                if woo["total_tax"] == "0.00":
                    self.assertFalse(sale.order_line.tax_id, "a zero-tax order has no tax")
                if any(float(fee["total"]) < 0 for fee in woo["fee_lines"]):
                    self.assertTrue(sale.order_line.filtered(lambda line: line.price_unit < 0),
                                    "negative fee")
                self.assertNotIn("&amp;", " ".join(sale.order_line.mapped("name")))
        lines = self.env["sale.order"].browse(
            self.binding(order_id).order_id.id for order_id in order_ids).order_line
        self.assertIn(products["SINGLE-NO-SKU"], lines.product_id, "the line without SKU found by its id")
        self.assertIn("Belt & Buckle", " ".join(lines.mapped("name")))
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id),
                                                      ("state", "=", "failed")]))


@tagged("post_install", "-at_install")
class TestWooCommerceE2EBulkOrders(WooCommerceE2ECase):
    sim_options = {"seed": "bulk"}
    # The pull's speed and totals: the payment workflow of the paid orders (an invoice and a payment
    # each) is tested in test_woocommerce_payments_simulator.py.
    store_options = {"payment_workflow": False}

    def test_500_orders_imported_by_the_pull_to_the_cent(self):
        with self.sim.store.lock:
            skus = [product["sku"] for product in self.sim.store.products.values()
                    if product["sku"] and product["type"] != "variable"]
        self.products(skus)
        start = time.perf_counter()
        self.store._enqueue_order_pull()
        self.run_jobs()
        elapsed = time.perf_counter() - start
        _logger.info("WooCommerce bulk: 500 orders pulled and imported in %.1f s", elapsed)
        bindings = self.env["store.order.binding"].search([("store_id", "=", self.store.id)])
        self.assertEqual(len(bindings), 500)
        inbound = self.store._get_inbound_status_map()
        confirmed = {"processing": "sale", "completed": "sale", "on-hold": "draft", "pending": "draft",
                     "cancelled": "cancel"}
        with self.sim.store.lock:
            rendered = [self.sim.store.render_order(order) for order in self.sim.store.orders.values()]
        woo_orders = {str(order["id"]): (order["status"], order["total"]) for order in rendered}
        wrong = []
        for binding in bindings:
            status, total = woo_orders[binding.external_id]
            sale = binding.order_id
            if (f"{sale.amount_total:.2f}", sale.state, binding.platform_status, binding.platform_stage) != (
                    total, confirmed[status], status, inbound.get(status)):
                wrong.append((binding.external_id, status, total, sale.amount_total, sale.state))
        self.assertEqual(wrong, [])
        pulls = [request for request in self.sim.requests if request["path"] == "/wp-json/wc/v3/orders"]
        self.assertTrue(all(int(request["query"].get("per_page", 0)) == 100 for request in pulls))
        # Five jobs of 100 orders; each may read a second page to be sure of the orders of its last
        # second (WooCommerce sorts by modification time alone).
        self.assertEqual(len({request["query"].get("modified_after") for request in pulls}), 5)
        self.assertLessEqual(len(pulls), 10)
        self.assertLess(elapsed, 90, "500 orders in less than 90 s")
