"""WooCommerce orders in the queue: the keyset pull (orders changing during it, a lost webhook
caught by the next pull, the status filter), the jobs of the order topics (created, updated,
deleted, restored; older payloads ignored), unmapped custom statuses, refunds recorded once, the
status sent back and its echo. WooCommerce is played by `FakeWooCommerce` (the client's page and
JSON calls patched) until the loopback simulator's end-to-end tests."""

import copy
import json
from contextlib import ExitStack
from unittest.mock import patch

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.services.normalized import to_datetime
from odoo.addons.store_connector_base.tests.common import run_queue
from odoo.addons.store_connector_woocommerce import const
from odoo.addons.store_connector_woocommerce.models.woocommerce_client import WooCommerceClient

from .common import create_woocommerce_store
from .test_woocommerce_order_mapper import load


class FakeWooCommerce:
    """Orders served as WooCommerce's ``GET /orders`` does: ``modified_after`` strict (GMT),
    ``orderby=modified`` sorting by modification time alone (equal times in insertion order, not by
    id), ``status`` filter, ``page``/``per_page`` with X-WP-TotalPages; ``GET`` and ``PUT
    /orders/<id>`` (a PUT moves the modification time on by a second)."""

    def __init__(self):
        self.orders = {}
        self.calls = []

    def add(self, payload):
        self.orders.pop(payload["id"], None)
        self.orders[payload["id"]] = copy.deepcopy(payload)
        return self.orders[payload["id"]]

    def touch(self, order_id, modified, **changes):
        """Change an order on the shop: it moves to the end of the modification order."""
        order = self.orders.pop(order_id)
        order.update(changes, date_modified_gmt=modified)
        self.orders[order_id] = order
        return order

    def get_page(self, client, path, params=None, page=1, per_page=100):
        params = dict(params or {})
        self.calls.append(("GET", path, params, page))
        if path.endswith("/refunds"):
            return [], 0, 1  # the refunds' details: none here (the order body's refunds are imported)
        assert path == "/orders"
        assert params.get("orderby") == "modified" and params.get("order") == "asc"
        assert params.get("dates_are_gmt") == "true"
        orders = list(self.orders.values())
        if params.get("modified_after"):
            orders = [o for o in orders if o["date_modified_gmt"] > params["modified_after"]]
        if params.get("status"):
            orders = [o for o in orders if o["status"] in params["status"].split(",")]
        orders.sort(key=lambda o: o["date_modified_gmt"])  # stable: equal times keep their order
        per_page = min(int(per_page), 100)
        total_pages = max(1, -(-len(orders) // per_page))
        start = (page - 1) * per_page
        return copy.deepcopy(orders[start:start + per_page]), len(orders), total_pages

    def request_json(self, client, method, path, params=None, json=None, **kwargs):
        self.calls.append((method, path, json))
        order_id = int(path.rsplit("/", 1)[-1])
        order = self.orders[order_id]
        if method == "PUT":
            second = to_datetime(order["date_modified_gmt"] + "Z", "modified").timestamp() + 1
            from datetime import UTC, datetime
            modified = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            order = self.touch(order_id, modified, **json)
        return copy.deepcopy(order)

    def patch(self):
        stack = ExitStack()
        fake = self
        stack.enter_context(patch.object(WooCommerceClient, "get_page",
                                         lambda client, *a, **kw: fake.get_page(client, *a, **kw)))
        stack.enter_context(patch.object(WooCommerceClient, "request_json",
                                         lambda client, *a, **kw: fake.request_json(client, *a, **kw)))
        return stack


def woo_order(order_id, modified, status="processing", **changes):
    """The docs' example order as order `order_id`, modified at `modified` (GMT)."""
    payload = load("order_guest_fees_no_tax")
    payload.update(id=order_id, number=str(order_id), status=status, date_modified_gmt=modified,
                   date_created_gmt="2026-05-01T09:00:00", **changes)
    return payload


class WooOrdersCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_woocommerce_store(cls.env, name="Woo Orders")
        cls.env["product.product"].create({"name": "Mug", "default_code": "CAFE-1", "type": "consu"})
        cls.adapter = cls.env["store.adapter.woocommerce"]

    def setUp(self):
        super().setUp()
        self.shop = FakeWooCommerce()
        self.enterContext(self.shop.patch())

    def run_queue(self):
        return run_queue(self.env, self.store)

    def binding(self, order_id):
        return self.env["store.order.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", str(order_id))])

    def delivery(self, topic, body, event_id=None):
        Delivery = self.env["store.webhook.delivery"].sudo()
        event_id = event_id or f"{topic}:{body.get('id')}:{body.get('date_modified_gmt', '')}"
        return Delivery.browse(Delivery._insert_delivery(
            self.store, "orders", topic, event_id, {}, json.dumps(body), operation="webhook.orders",
            method_name="_job_process"))


class TestWooCommerceOrderPull(WooOrdersCase):
    def test_features_declared(self):
        features = self.store._platform_features()
        self.assertTrue({"orders.pull", "orders.push", "full_sync"} <= features)

    def test_keyset_pages_lose_no_order_changed_during_the_pull(self):
        for index in range(5):
            self.shop.add(woo_order(100 + index, f"2026-05-01T10:00:0{index}"))
        with patch.object(const, "PAGE_SIZE", 2):
            first = self.adapter._import_orders(self.store, limit=2)
            self.assertEqual([r["id"] for r in first["records"]], ["100", "101"])
            # While the pull goes on, order 100 changes (it moves to the end): with page numbers,
            # order 102 would now be on page 1 and never read.
            self.shop.touch(100, "2026-05-01T10:00:09", status="completed")
            pages, cursor = [], first["next_cursor"]
            while cursor is not None and len(pages) < 5:
                pages.append(self.adapter._import_orders(self.store, limit=2, cursor=cursor))
                cursor = pages[-1]["next_cursor"]
        seen = [r["id"] for page in pages for r in page["records"]]
        self.assertEqual(seen, ["102", "103", "104", "100"])
        self.assertEqual(len(pages), 2)
        self.assertEqual(pages[-1]["records"][-1]["status"], "completed")
        self.assertEqual(self.shop.calls[-1][2]["modified_after"], "2026-05-01T10:00:02",
                         "from the cursor's second, less a second's margin")

    def test_equal_modification_times_across_pages_are_all_read(self):
        # Three orders modified within the same second, served in an order that is not by id.
        for order_id in (305, 301, 310):
            self.shop.add(woo_order(order_id, "2026-05-01T10:00:00"))
        self.shop.add(woo_order(320, "2026-05-01T10:00:05"))
        ids = []
        cursor = None
        with patch.object(const, "PAGE_SIZE", 2):
            for _attempt in range(6):
                page = self.adapter._import_orders(self.store, limit=2, cursor=cursor)
                ids += [r["id"] for r in page["records"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
        self.assertEqual(sorted(ids), ["301", "305", "310", "320"])

    def test_status_filter_of_the_store(self):
        self.store.woocommerce_order_statuses = "processing, completed"
        self.shop.add(woo_order(401, "2026-05-01T10:00:00", status="processing"))
        self.shop.add(woo_order(402, "2026-05-01T10:00:01", status="pending"))
        page = self.adapter._import_orders(self.store)
        self.assertEqual([r["id"] for r in page["records"]], ["401"])
        self.assertEqual(self.shop.calls[-1][2]["status"], "processing,completed")
        self.assertEqual(self.shop.calls[-1][2].get("modified_after"), None)

    def test_lost_webhook_is_caught_by_the_next_scheduled_pull(self):
        self.shop.add(woo_order(501, "2026-05-01T10:00:00"))
        self.env["connector.store"]._cron_pull_orders()
        self.run_queue()
        self.assertTrue(self.binding(501).order_id)
        # A new order whose order.created webhook never arrived (WooCommerce never retries).
        self.shop.add(woo_order(502, "2026-05-01T11:00:00"))
        self.assertFalse(self.binding(502))
        self.env["connector.store"]._cron_pull_orders()
        self.run_queue()
        sale = self.binding(502).order_id
        self.assertTrue(sale, "the pull is the backstop of lost webhooks")
        self.assertEqual(sale.client_order_ref, "WC-502")
        self.assertEqual(self.shop.calls[-1][2]["modified_after"], "2026-05-01T09:59:59")


class TestWooCommerceOrderWebhooks(WooOrdersCase):
    def test_created_then_updated_import_through_the_batch_handler(self):
        created = self.delivery("order.created", woo_order(601, "2026-05-01T10:00:00", status="pending"))
        self.run_queue()
        self.assertEqual(created.job_id.state, "done", created.job_id.last_error)
        binding = self.binding(601)
        self.assertEqual(binding.order_id.state, "draft", "pending: a quotation")
        updated = self.delivery("order.updated", woo_order(601, "2026-05-01T10:05:00", status="processing"))
        self.run_queue()
        self.assertEqual(updated.job_id.state, "done", updated.job_id.last_error)
        self.assertEqual(binding.platform_status, "processing")
        self.assertEqual(binding.order_id.state, "sale", "processing confirms it")

    def test_an_older_payload_never_overwrites_a_newer_one(self):
        self.delivery("order.updated", woo_order(602, "2026-05-01T10:05:00", status="completed"))
        self.run_queue()
        late = self.delivery("order.updated", woo_order(602, "2026-05-01T10:01:00", status="pending"))
        self.run_queue()
        self.assertEqual(json.loads(late.job_id.result)["ignored"], ["602"])
        self.assertEqual(self.binding(602).platform_status, "completed")

    def test_latest_delivery_is_the_newest_by_modification_time(self):
        newer = self.delivery("order.updated", woo_order(603, "2026-05-01T10:05:00"), event_id="a")
        older = self.delivery("order.updated", woo_order(603, "2026-05-01T10:01:00"), event_id="b")
        self.assertEqual(self.adapter._webhook_latest_delivery(self.store, newer | older), newer)

    def test_deleted_cancels_and_restored_reopens(self):
        self.shop.add(woo_order(604, "2026-05-01T10:00:00", status="on-hold"))
        self.delivery("order.created", woo_order(604, "2026-05-01T10:00:00", status="on-hold"))
        self.run_queue()
        sale = self.binding(604).order_id
        deleted = self.delivery("order.deleted", {"id": 604})
        self.run_queue()
        self.assertEqual(deleted.job_id.state, "done", deleted.job_id.last_error)
        self.assertEqual(sale.state, "cancel")
        self.assertEqual(self.binding(604).platform_status, "trash")
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id),
                                                      ("operation", "=", "orders.status")]),
                         "what WooCommerce did is not sent back to it")
        # Restored from the trash: the order is read again from WooCommerce and reopened.
        self.shop.touch(604, "2026-05-01T12:00:00", status="processing")
        restored = self.delivery("order.restored", {"id": 604, "date_modified_gmt": "2026-05-01T10:00:00"})
        self.run_queue()
        self.assertEqual(restored.job_id.state, "done", restored.job_id.last_error)
        self.assertIn(("GET", "/orders/604", None), self.shop.calls)
        self.assertEqual(sale.state, "sale", "reopened, then confirmed by its processing status")
        self.assertEqual(self.binding(604).platform_status, "processing")

    def test_deleted_after_shipping_is_left_with_an_activity(self):
        self.delivery("order.created", woo_order(605, "2026-05-01T10:00:00"))
        self.run_queue()
        sale = self.binding(605).order_id
        picking = sale.picking_ids
        picking.move_ids.quantity = 3
        picking.button_validate()
        self.delivery("order.deleted", {"id": 605})
        self.run_queue()
        self.assertEqual(sale.state, "sale")
        self.assertIn("Deleted on WooCommerce after shipping", sale.activity_ids.mapped("summary"))

    def test_deleted_order_never_imported_is_ignored_with_a_reason(self):
        deleted = self.delivery("order.deleted", {"id": 9999})
        self.run_queue()
        self.assertIn("never imported", json.loads(deleted.job_id.result)["reason"])

    def test_unmapped_custom_status_says_what_to_do(self):
        self.delivery("order.created", woo_order(606, "2026-05-01T10:00:00", status="awaiting-shipment"))
        self.run_queue()
        sale = self.binding(606).order_id
        self.assertEqual(sale.state, "draft")
        notes = " ".join(sale.message_ids.mapped("body"))
        self.assertIn("awaiting-shipment", notes)
        self.assertIn("not in the status mapping", notes)
        self.assertIn("Status Mapping", self.store.log_ids[:5].mapped("message")[0] + " ".join(
            self.store.log_ids.mapped("message")))

    def test_refund_recorded_once(self):
        self.store.refund_policy = "activity"  # the refund as an activity (credit notes: the base's tests)
        payload = woo_order(607, "2026-05-01T10:00:00")
        payload["refunds"] = [{"id": 801, "reason": "Broken in transit", "total": "-15.00"}]
        self.delivery("order.updated", payload)
        self.run_queue()
        sale = self.binding(607).order_id

        def refund_notes():
            return [body for body in sale.message_ids.mapped("body") if "refund 801" in body]

        self.assertEqual(len(refund_notes()), 1)
        self.assertIn("15.00", refund_notes()[0])
        self.assertIn("Broken in transit", refund_notes()[0])
        # The next update lists the same refund again, and a second one.
        payload.update(date_modified_gmt="2026-05-01T11:00:00", refunds=payload["refunds"] + [
            {"id": 802, "reason": "", "total": "-5.00"}])
        self.delivery("order.updated", payload)
        self.run_queue()
        self.assertEqual(len(refund_notes()), 1, "refund 801 is recorded once")
        self.assertTrue([body for body in sale.message_ids.mapped("body") if "refund 802" in body])
        self.assertEqual(self.binding(607).refund_ids_recorded, ["801", "802"])


class TestWooCommerceStatusPush(WooOrdersCase):
    def is_echo(self, payload, topic="order.updated"):
        return self.adapter._webhook_is_echo(self.store, "orders", topic, {}, {"payload": payload})

    def import_on_hold(self, order_id):
        self.shop.add(woo_order(order_id, "2026-05-01T10:00:00", status="on-hold"))
        self.delivery("order.created", woo_order(order_id, "2026-05-01T10:00:00", status="on-hold"))
        self.run_queue()
        return self.binding(order_id)

    def test_confirming_in_odoo_sets_processing_and_its_echo_is_recognised(self):
        binding = self.import_on_hold(701)
        sale = binding.order_id
        self.assertEqual(sale.state, "draft", "on-hold means pending: a quotation")
        sale.action_confirm()
        self.run_queue()
        self.assertIn(("PUT", "/orders/701", {"status": "processing"}), self.shop.calls)
        self.assertEqual(binding.status_pushed, "processing")
        self.assertEqual(binding.platform_status, "processing")
        self.assertEqual(str(binding.status_pushed_at), "2026-05-01 10:00:01")
        echo = dict(self.shop.orders[701])
        self.assertTrue(self.is_echo(echo))
        self.assertFalse(self.is_echo(dict(echo, date_modified_gmt="2026-05-01T10:30:00")),
                         "a later change on WooCommerce is news")
        self.assertFalse(self.is_echo(dict(echo, status="completed")))
        self.assertFalse(self.is_echo(echo, topic="order.created"))

    def test_cancelling_in_odoo_sets_cancelled(self):
        binding = self.import_on_hold(702)
        binding.order_id.action_cancel()
        self.run_queue()
        self.assertIn(("PUT", "/orders/702", {"status": "cancelled"}), self.shop.calls)
        self.assertEqual(binding.status_pushed, "cancelled")

    def test_the_import_sends_nothing_back(self):
        self.delivery("order.created", woo_order(703, "2026-05-01T10:00:00", status="processing"))
        self.run_queue()
        self.assertEqual(self.binding(703).order_id.state, "sale")
        self.assertFalse([call for call in self.shop.calls if call[0] == "PUT"])

    def test_the_status_push_is_refused_when_the_store_forbids_pushing(self):
        binding = self.import_on_hold(704)
        self.store.allow_orders_push = False
        binding.order_id.action_confirm()
        self.run_queue()
        self.assertFalse([call for call in self.shop.calls if call[0] == "PUT"])
