"""Incremental pulls page by page through the queue, the cursor, the cron and the full sync; orders
that arrive by webhook."""

import json
from datetime import timedelta

from odoo import fields

from odoo.addons.store_connector_base.exceptions import OperationNotPermitted
from odoo.addons.store_connector_base.services import paging
from odoo.addons.store_connector_base.services.normalized import to_datetime
from odoo.addons.store_connector_test_platform.models.store_adapter import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    sign,
)

from .common import WEBHOOK_SECRET
from .common_orders import OrderPipelineCase


class TestOrderPull(OrderPipelineCase):
    def _platform_orders(self, count, start=0):
        return [self.make_order(str(5000 + i), updated=self.later(i)) for i in range(start, start + count)]

    def test_paging_import_advances_the_cursor_after_the_last_page(self):
        orders = self._platform_orders(5)
        self.adapter._test_set_orders(self.store, orders, page_size=2)
        first = self.store._enqueue_order_pull()
        self.assertEqual((first.operation, first.method_name), ("orders.import", "_job_import_orders_page"))
        # One page at a time: the first page queues the second, the cursor waits.
        self.env.flush_all()
        claimed = self.env["sync.job"]._claim(1, store_ids=self.store.ids, commit=False)
        self.assertEqual(claimed, first)
        claimed._run(commit=False)
        self.assertEqual(first.state, "done", first.last_error)
        self.assertEqual(self.env["store.order.binding"].search_count([("store_id", "=", self.store.id)]), 2)
        pending = self.jobs("orders.import").filtered(lambda j: j.state == "pending")
        self.assertEqual(len(pending), 1)
        self.assertEqual(pending.payload["cursor"], paging.cursor_of(orders[1]),
                         "a keyset cursor: the last order of the page, by update time and id")
        self.assertFalse(self.store.order_import_cursor, "the cursor moves only after the last page")
        self.run_jobs()
        jobs = self.jobs("orders.import")
        self.assertEqual(jobs.mapped("state"), ["done"] * 3)
        self.assertEqual(self.env["store.order.binding"].search_count([("store_id", "=", self.store.id)]), 5)
        self.assertEqual(self.store.order_import_cursor, self.later(4))
        calls = self.adapter._test_calls(self.store)
        self.assertEqual([(c[1], c[2]) for c in calls],
                         [(None, None), (None, paging.cursor_of(orders[1])),
                          (None, paging.cursor_of(orders[3]))])
        self.assertTrue(all(c[3] == 2 for c in calls), "the page size is the adapter's")

        # The next pull asks for what changed since the cursor (inclusive): the last order comes
        # back, unchanged, and is ignored; a new one is created.
        self.adapter._test_set_orders(self.store, self._platform_orders(7), page_size=2)
        self.store._enqueue_order_pull(since=self.store.order_import_cursor)
        self.run_jobs()
        self.assertEqual(calls[3][1], self.later(4))
        self.assertEqual(self.env["store.order.binding"].search_count([("store_id", "=", self.store.id)]), 7)
        self.assertEqual(self.store.order_import_cursor, self.later(6))
        logs = self.env["store.activity.log"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "orders.import")]
        )
        self.assertEqual(len(logs), 5, "one log line per page")
        self.assertTrue(any("1 unchanged" in log.message for log in logs))

    def test_failing_order_gets_its_own_job_and_the_pull_goes_on(self):
        orders = self._platform_orders(3)
        orders[1]["lines"][0]["sku"] = "NOPE"
        self.adapter._test_set_orders(self.store, orders, page_size=10)
        self.store._enqueue_order_pull()
        self.run_jobs()
        self.assertEqual(self.env["store.order.binding"].search_count([("store_id", "=", self.store.id)]), 2)
        single = self.jobs("orders.import.order")
        self.assertEqual(len(single), 1)
        self.assertEqual(single.state, "failed")
        self.assertEqual(single.error_kind, "permanent")
        self.assertIn("unknown SKU NOPE", single.last_error)
        self.assertEqual(self.store.order_import_cursor, self.later(2))
        # Once the product exists, retrying the job imports the order.
        self.env["product.product"].create({"name": "Nope", "default_code": "NOPE"})
        single.action_retry()
        self.run_jobs()
        self.assertEqual(single.state, "done", single.last_error)
        self.assertTrue(self.binding_of("5001"))

    def test_an_order_waits_for_the_product_import_a_full_sync_queued_with_it(self):
        orders = self._platform_orders(2)
        orders[1]["lines"][0]["sku"] = "NEW-ON-PAGE-2"
        self.adapter._test_set_orders(self.store, orders, page_size=10)
        self.store._enqueue_order_pull()
        # The products' import, queued with the orders (as Full Sync does), is not over yet.
        products_import = self.env["sync.job"]._enqueue(
            self.store, "products.import", "_job_noop", identity_key="products.import")
        products_import.next_attempt_at = fields.Datetime.now() + timedelta(hours=1)
        self.run_jobs()
        single = self.jobs("orders.import.order")
        self.assertEqual(single.state, "pending", "it waits, it does not fail")
        self.assertEqual(single.retry_count, 0, "waiting uses no retry")
        self.assertGreater(single.next_attempt_at, fields.Datetime.now())
        self.assertIn("Waiting for the store's product import", single.last_error)
        self.assertIn("unknown SKU NEW-ON-PAGE-2", single.last_error)
        # The import brings the product; the order is imported on its next attempt.
        self.env["product.product"].create({"name": "New", "default_code": "NEW-ON-PAGE-2"})
        products_import.state = "done"
        single.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        self.run_jobs()
        self.assertEqual(single.state, "done", single.last_error)
        self.assertTrue(self.binding_of("5001"))

    def test_without_a_product_import_an_unknown_sku_fails_the_order_at_once(self):
        orders = self._platform_orders(1)
        orders[0]["lines"][0]["sku"] = "NOPE"
        self.adapter._test_set_orders(self.store, orders, page_size=10)
        self.store._enqueue_order_pull()
        done_import = self.env["sync.job"]._enqueue(self.store, "products.import", "_job_noop")
        done_import.state = "done"
        self.run_jobs()
        self.assertEqual(self.jobs("orders.import.order").state, "failed")

    def test_invalid_order_in_a_page_is_reported_with_its_payload(self):
        orders = self._platform_orders(2)
        orders[0]["lines"][0]["quantity"] = "lots"
        self.adapter._test_set_orders(self.store, orders, page_size=10)
        self.store._enqueue_order_pull()
        self.run_jobs()
        single = self.jobs("orders.import.order")
        self.assertEqual(single.state, "failed")
        self.assertIn("lines[0].quantity: must be a number", single.last_error)
        self.assertEqual(single.payload["order"]["id"], "5000")
        self.assertTrue(self.binding_of("5001"))

    def test_pull_respects_the_permission(self):
        self.store.allow_orders_pull = False
        with self.assertRaises(OperationNotPermitted):
            self.store._enqueue_order_pull()

    def test_cron_queues_pulls_of_stores_that_sync_orders(self):
        Store = self.env["connector.store"]
        self.store.order_import_cursor = self.later(30)
        queued = Store._cron_pull_orders().filtered(lambda j: j.store_id == self.store)
        self.assertEqual(len(queued), 1)
        self.assertEqual(queued.payload["since"], self.later(30).isoformat())
        # Already pulling: not queued twice.
        self.assertNotIn(self.store, Store._cron_pull_orders().store_id)
        self.assertEqual(len(self.jobs("orders.import")), 1)

    def test_cron_skips_stores_without_auto_sync_or_permission(self):
        self.store.auto_sync_orders = False
        self.assertNotIn(self.store, self.env["connector.store"]._cron_pull_orders().store_id)
        self.store.write({"auto_sync_orders": True, "allow_orders_pull": False})
        self.assertNotIn(self.store, self.env["connector.store"]._cron_pull_orders().store_id)
        self.store.write({"allow_orders_pull": True, "paused": True})
        self.assertNotIn(self.store, self.env["connector.store"]._cron_pull_orders().store_id)
        self.store.paused = False
        self.assertIn(self.store, self.env["connector.store"]._cron_pull_orders().store_id)


class TestFullSync(OrderPipelineCase):
    def test_full_sync_queues_orders_products_and_customers(self):
        self.store.auto_sync_customers = True
        before = fields.Datetime.now()
        self.store.action_full_sync()
        jobs = self.jobs()
        self.assertEqual(
            sorted(jobs.mapped("operation")), ["customers.import", "orders.import", "products.import"]
        )
        orders_job = jobs.filtered(lambda j: j.operation == "orders.import")
        since = to_datetime(orders_job.payload["since"], "since")
        self.assertAlmostEqual(since, before - timedelta(days=60), delta=timedelta(minutes=1))
        self.assertTrue(orders_job.payload["full"])
        # Clicking twice does not queue twice.
        self.store.action_full_sync()
        self.assertEqual(len(self.jobs()), 3)

    def test_full_sync_skips_what_the_store_does_not_permit(self):
        self.store.write(
            {"allow_orders_pull": False, "allow_products_sync": False, "auto_sync_customers": False}
        )
        self.assertFalse(self.store._get_adapter()._full_sync(self.store))
        self.store.write({"allow_products_sync": True})
        self.assertEqual(
            self.store._get_adapter()._full_sync(self.store).mapped("operation"), ["products.import"]
        )

    def test_full_sync_runs_every_page(self):
        self.store.auto_sync_customers = True
        recent = self.make_order("6001", updated=fields.Datetime.now() - timedelta(days=2))
        old = self.make_order("6000", updated=fields.Datetime.now() - timedelta(days=90))
        old["created_at"] = recent["created_at"] = (fields.Datetime.now() - timedelta(days=100)).isoformat()
        self.adapter._test_set_orders(self.store, [old, recent], page_size=1)
        self.adapter._test_set_products(
            self.store, [{"title": f"Poster {i}", "sku": f"FS-P{i}"} for i in range(3)]
        )
        self.adapter._test_set_customers(
            self.store,
            [{"id": f"C{i}", "email": f"c{i}@example.com", "name": f"Customer {i}"} for i in range(3)],
        )
        received = []
        original = type(self.store)._import_product_page

        def spy(store, records, job=None):
            received.extend(records)
            return original(store, records, job=job)

        self.patch(type(self.store), "_import_product_page", spy)
        self.store.action_full_sync()
        self.run_jobs()
        self.assertEqual(
            self.jobs().mapped("state"), ["done"] * len(self.jobs()), self.jobs().mapped("last_error")
        )
        self.assertEqual([r["sku"] for r in received], ["FS-P0", "FS-P1", "FS-P2"])
        self.assertEqual(len(self.jobs("products.import")), 3, "pages of one product")
        # The products are imported for real: created in Odoo and bound to the store.
        posters = self.env["product.product"].search([("default_code", "like", "FS-P")])
        self.assertEqual(sorted(posters.mapped("name")), ["Poster 0", "Poster 1", "Poster 2"])
        self.assertEqual(posters.store_binding_ids.store_id, self.store)
        self.assertEqual(set(posters.store_binding_ids.mapped("sync_state")), {"synced"})
        self.assertTrue(self.binding_of("6001"))
        self.assertFalse(self.binding_of("6000"), "older than 60 days")
        self.assertEqual(
            self.env["store.customer.binding"].search_count([("store_id", "=", self.store.id)]),
            4,
            "3 imported customers and the order's customer",
        )
        self.assertEqual(self.store.order_import_cursor, to_datetime(recent["updated_at"], "updated_at"))


class TestOrdersFromWebhooks(OrderPipelineCase):
    """A platform addon's webhook only translates: the order pipeline imports (`_import_order`)."""

    def _deliver(self, body, event_id):
        raw = json.dumps(body).encode()
        headers = {SIGNATURE_HEADER: sign(WEBHOOK_SECRET, raw), EVENT_HEADER: event_id}
        status = self.env["store.webhook.delivery"].sudo()._receive(self.store, "orders", headers, raw)
        self.assertEqual(status, (200, "queued"))
        return self.env["store.webhook.delivery"].search(
            [("store_id", "=", self.store.id), ("event_id", "=", event_id)])

    def test_webhook_order_goes_through_the_order_pipeline(self):
        self.env["integration.credential"]._set_value(self.store, "webhook_secret", WEBHOOK_SECRET)
        delivery = self._deliver({"order": self.make_order("7001")}, "evt-7001")
        self.run_jobs()
        self.assertEqual(delivery.job_id.state, "done", delivery.job_id.last_error)
        sale = self.sale_of("7001")
        self.assertEqual((sale.store_id, sale.client_order_ref), (self.store, "TS-N7001"))
        self.assertEqual(sale.order_line.store_external_line_id, "l1")

        # An order the pipeline refuses fails the delivery's job with the reason; nothing is written.
        bad = self.make_order("7002", lines=[{"id": "l1", "sku": "NOPE", "name": "?", "quantity": 1,
                                              "unit_price": "1.00"}])
        delivery = self._deliver({"order": bad}, "evt-7002")
        self.run_jobs()
        self.assertEqual(delivery.job_id.state, "failed")
        self.assertIn("unknown SKU NOPE", delivery.job_id.last_error)
        self.assertFalse(self.binding_of("7002"))

    def test_queued_order_imports_merge_per_platform_order(self):
        first = self.store._enqueue_order_import(self.make_order("7003"))
        later = self.store._enqueue_order_import(
            self.make_order("7003", status="processing", updated=self.later(1))
        )
        self.assertEqual(later, first, "the pending import of the order takes the newer payload")
        self.assertEqual((first.operation, first.method_name), ("orders.import.order", "_job_import_order"))
        self.run_jobs()
        self.assertEqual(first.state, "done", first.last_error)
        self.assertEqual(self.binding_of("7003").platform_status, "processing")


class TestPagedImports(OrderPipelineCase):
    """The guards of every paged import (orders, products, customers): see `_fetch_page`."""

    def test_a_cursor_given_back_stops_the_import(self):
        calls = []

        def _import_products(_adapter, store, since=None, cursor=None, limit=None):
            calls.append(cursor)
            return {"records": [], "next_cursor": "page-2"}

        self.patch(type(self.adapter), "_import_products", _import_products)
        self.store._enqueue_product_import()
        self.run_jobs()
        first, second = self.jobs("products.import")
        self.assertEqual(calls, [None, "page-2"])
        self.assertEqual(first.state, "done")
        self.assertEqual((second.state, second.error_kind), ("failed", "permanent"))
        self.assertIn("same page cursor twice (page-2)", second.last_error)

    def test_an_adapter_answer_that_is_not_a_page_fails_the_job(self):
        self.patch(type(self.adapter), "_import_orders",
                   lambda _adapter, store, **kwargs: ["not", "a", "page"])
        job = self.store._enqueue_order_pull()
        self.run_jobs()
        self.assertEqual(job.state, "failed")
        self.assertIn("_import_orders returned something else than a page", job.last_error)
        self.assertFalse(self.store.order_import_cursor)
