"""Full Sync progress: a run per Full Sync, its counters per entity (pages, records done, failed,
waiting, the platform's total), its end and summary, the failures linked; exact when page jobs of
one run commit at once in several workers."""

import threading
from datetime import timedelta

from odoo import fields

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import PermanentJobError

from .common import CommittedRecordsCase
from .common_orders import OrderPipelineCase


class FullSyncCase(OrderPipelineCase):
    def setUp(self):
        super().setUp()
        self.store.auto_sync_customers = True
        recent = fields.Datetime.now() - timedelta(days=2)
        orders = [self.make_order(str(7000 + n), updated=recent + timedelta(minutes=n)) for n in range(3)]
        # The third order's SKU is on no product, imported or not: it fails for good.
        orders[2]["lines"][0]["sku"] = "NO-SUCH-SKU"
        self.adapter._test_set_orders(self.store, orders, page_size=2)
        self.adapter._test_set_products(
            self.store, [{"title": f"Poster {i}", "sku": f"FSP-{i}"} for i in range(5)])
        self.adapter._test_set_customers(
            self.store,
            [{"id": f"C{i}", "email": f"c{i}@example.com", "name": f"Customer {i}"} for i in range(3)])

    def run_until_settled(self):
        """Run the queue; the orders waiting for the product import are due again at once."""
        for _round in range(5):
            self.run_jobs()
            waiting = self.jobs().filtered(lambda j: j.state == "pending")
            if not waiting:
                return
            waiting.sudo().write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})
            self.env.flush_all()
        self.fail(f"jobs still pending: {self.jobs().filtered(lambda j: j.state == 'pending')}")

    def entities(self):
        return {e["entity"]: e for e in self.store._full_sync_progress()["entities"]}


class TestFullSyncProgress(FullSyncCase):
    def test_every_page_is_counted_and_the_end_sums_it_up(self):
        action = self.store.action_full_sync()
        self.assertIn("progress shows on the store", action["params"]["message"])
        run = self.store.full_sync_run_id
        self.assertEqual(run.state, "running")
        self.assertEqual(run.entities, "products,customers,orders")
        self.assertEqual({e["state"] for e in self.entities().values()}, {"queued"})
        # Every job the Full Sync queued carries its run.
        self.assertEqual(
            {job.payload.get(const.FULL_SYNC_RUN_KEY) for job in self.jobs()}, {run.id})

        self.run_until_settled()

        entities = self.entities()
        self.assertEqual(
            {name: (e["pages"], e["done"], e["failed"], e["waiting"], e["total"], e["state"])
             for name, e in entities.items()},
            {
                # Five products in pages of two, the total told with each page.
                "products": (3, 5, 0, 0, 5, "done"),
                # Three customers, counted by the adapter's _full_sync_total (asked once).
                "customers": (2, 3, 0, 0, 3, "done"),
                # Three orders, no total: two imported, one failed in the job of its own.
                "orders": (2, 2, 1, 0, None, "done"),
            },
        )
        calls = [c for c in self.adapter._test_calls(self.store) if c[0] == "full_sync_total"]
        self.assertEqual(sorted(c[1] for c in calls), ["customers", "orders"], "once per entity, on page 1")
        run.invalidate_recordset()
        self.assertEqual(run.state, "done")
        self.assertTrue(run.finished_at)
        self.assertEqual(
            run.summary,
            "5 products, 3 customers, 2 orders imported; 1 failed. Open the failed jobs to see why, fix the "
            "cause and retry them.",
        )
        failed_order_job = self.jobs("orders.import.order")
        self.assertEqual(failed_order_job.state, "failed")
        self.assertEqual(run.failed_job_ids, failed_order_job, "the failure is linked")
        self.assertEqual(self.store.full_sync_failed_job_count, 1)
        self.assertIn("5 / 5", self.store.full_sync_progress_html)
        self.assertIn(run.summary, self.store.message_ids[0].body)
        log = self.env["store.activity.log"].search(
            [("store_id", "=", self.store.id), ("operation", "=", "full_sync")], limit=1)
        self.assertEqual(log.message, run.summary)
        # The failure's job is the one the run's button opens.
        self.assertEqual(self.store.action_view_full_sync_failed_jobs()["domain"],
                         [("id", "in", failed_order_job.ids)])

    def test_an_order_waiting_for_the_products_counts_once_imported(self):
        # MUG is not in Odoo yet: the order waits in a job of its own for the product import.
        self.mug.default_code = "MUG-OLD"
        self.adapter._test_set_products(
            self.store, [{"title": f"Poster {i}", "sku": f"FSP-{i}"} for i in range(5)]
            + [{"title": "Mug", "sku": "MUG"}])
        self.store.action_full_sync()
        self.run_jobs()
        orders = self.entities()["orders"]
        self.assertEqual(self.store.full_sync_state, "running")
        self.assertEqual((orders["state"], orders["done"], orders["waiting"]), ("running", 0, 3))
        self.assertIn("waiting to be imported again", self.store.full_sync_progress_html)
        self.run_until_settled()
        orders = self.entities()["orders"]
        self.assertEqual((orders["state"], orders["done"], orders["failed"], orders["waiting"]),
                         ("done", 2, 1, 0))
        self.assertEqual(self.store.full_sync_state, "done")

    def test_a_failed_page_stops_its_entity_and_is_linked(self):
        original = type(self.adapter)._import_products

        def second_page_fails(adapter, store, since=None, cursor=None, limit=None):
            if cursor:
                raise PermanentJobError("The platform refused the second page.")
            return original(adapter, store, since=since, cursor=cursor, limit=limit)

        self.patch(type(self.adapter), "_import_products", second_page_fails)
        self.store.action_full_sync()
        self.run_until_settled()
        products = self.entities()["products"]
        self.assertEqual((products["state"], products["pages"], products["done"]), ("stopped", 1, 2))
        failed_page = self.jobs("products.import").filtered(lambda j: j.state == "failed")
        self.assertEqual(len(failed_page), 1)
        run = self.store.full_sync_run_id
        self.assertEqual(run.state, "failed")
        self.assertIn(failed_page, run.failed_job_ids)
        self.assertIn("Stopped before the end: Products", run.summary)
        self.assertIn("2 products, 3 customers, 2 orders imported; 1 failed.", run.summary)

    def test_a_second_click_while_it_runs_starts_nothing(self):
        self.store.action_full_sync()
        jobs = self.jobs()
        action = self.store.action_full_sync()
        self.assertIn("already running", action["params"]["message"])
        self.assertEqual(self.jobs(), jobs)
        self.assertEqual(len(self.store.full_sync_run_ids), 1)

    def test_cancelling_its_jobs_stops_the_run_and_a_new_one_can_start(self):
        self.store.action_full_sync()
        first = self.store.full_sync_run_id
        self.jobs().action_cancel()
        first.invalidate_recordset()
        self.assertEqual(first.state, "failed")
        self.assertIn("Stopped before the end", first.summary)
        self.store.action_full_sync()
        self.store.invalidate_recordset()
        self.assertNotEqual(self.store.full_sync_run_id, first)
        self.assertEqual(self.store.full_sync_run_id.state, "running")

    def test_a_cancelled_products_page_stops_products_only(self):
        self.store.action_full_sync()
        self.jobs("products.import").action_cancel()
        entities = self.entities()
        self.assertEqual(entities["products"]["state"], "stopped")
        self.assertEqual(entities["orders"]["state"], "queued")
        self.assertEqual(self.store.full_sync_state, "running")

    def test_plurals_of_the_summary(self):
        self.store.action_full_sync()
        run = self.store.full_sync_run_id

        def entity(name, done, failed=0):
            return {"entity": name, "label": name, "done": done, "failed": failed, "state": "done"}

        self.assertEqual(
            run._full_sync_summary([entity("products", 1), entity("customers", 1), entity("orders", 1)]),
            "1 product, 1 customer, 1 order imported.")
        self.assertEqual(
            run._full_sync_summary([entity("products", 0), entity("orders", 12, failed=2)]),
            "0 products, 12 orders imported; 2 failed. Open the failed jobs to see why, fix the cause and "
            "retry them.")

    def test_a_store_that_permits_nothing_ends_at_once(self):
        self.store.write({"allow_orders_pull": False, "allow_products_sync": False,
                          "auto_sync_customers": False})
        action = self.store.action_full_sync()
        run = self.store.full_sync_run_id
        self.assertEqual(run.state, "done")
        self.assertEqual(action["params"]["message"], run.summary)
        self.assertIn("Nothing to import", run.summary)

    def test_the_progress_api_for_the_setup_assistant(self):
        self.assertIsNone(self.store._full_sync_progress())
        self.store.action_full_sync()
        progress = self.store._full_sync_progress()
        self.assertEqual(progress["state"], "running")
        self.assertEqual([e["entity"] for e in progress["entities"]], ["products", "customers", "orders"])
        self.assertEqual([e["label"] for e in progress["entities"]], ["Products", "Customers", "Orders"])

    def test_the_store_form_shows_the_progress(self):
        arch = self.store.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('widget="store_connector_full_sync_progress"', arch)
        self.assertIn('name="action_view_full_sync_failed_jobs"', arch)


class TestFullSyncProgressConcurrency(CommittedRecordsCase):
    """Page jobs of one run committed at once by two workers (two cursors, the runner's own commits)."""

    def _delete_imported(self, store_id):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            env["product.product"].with_context(active_test=False).search(
                [("default_code", "=like", f"FSC-{store_id}-%")]).product_tmpl_id.unlink()
            env["res.partner"].with_context(active_test=False).search(
                [("email", "=like", f"k%-{store_id}@example.com")]).unlink()

    def test_two_workers_count_every_page_exactly_once(self):
        store_ids = []
        # Registered first, so run after the store's deletion (cleanups run last first).
        self.addCleanup(lambda: store_ids and self._delete_imported(store_ids[0]))
        store_id = self.committed_store("Full Sync Concurrency")
        store_ids.append(store_id)
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            store = env["connector.store"].browse(store_id)
            store.write({"auto_sync_customers": True, "allow_orders_pull": False})
            adapter = env["store.adapter.test"]
            adapter._test_set_products(
                store, [{"title": f"Lamp {i}", "sku": f"FSC-{store_id}-{i}"} for i in range(12)], page_size=2)
            adapter._test_set_customers(
                store, [{"id": f"K{i}", "email": f"k{i}-{store_id}@example.com", "name": f"K {i}"}
                        for i in range(12)])
            store._full_sync_start()
        self.addCleanup(lambda: self.env["store.adapter.test"]._test_reset(
            self.env["connector.store"].browse(store_id)))
        barrier = threading.Barrier(2)
        errors = []

        def worker():
            try:
                with self.registry.cursor() as cr:
                    Job = self.env_of(cr)["sync.job"]
                    barrier.wait(timeout=30)
                    Job._process_queue(store_ids=[store_id], commit=True, batch_size=1)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertFalse(errors, errors)
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            store = env["connector.store"].browse(store_id)
            entities = {e["entity"]: e for e in store._full_sync_progress()["entities"]}
            run = store.full_sync_run_id
            jobs = env["sync.job"].search([("store_id", "=", store_id)])
            self.assertEqual(set(jobs.mapped("state")), {"done"})
            self.assertEqual((entities["products"]["pages"], entities["products"]["done"]), (6, 12))
            self.assertEqual((entities["customers"]["pages"], entities["customers"]["done"]), (6, 12))
            self.assertEqual(run.state, "done")
            self.assertEqual(run.summary, "12 products, 12 customers imported.")
            notes = store.message_ids.filtered(lambda m: "Full Sync finished" in (m.body or ""))
            self.assertEqual(len(notes), 1, "the end is announced once")
