"""The per-store cap on jobs running at once (`connector.store.max_parallel_jobs`), enforced where
the queue claims jobs.

`TestJobCap` claims in the test's transaction, naming the workers; `TestJobCapConcurrency` runs
real workers in threads on separate, committed connections (and deletes what they committed).
"""

import threading
from unittest.mock import patch

import psycopg2
from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError
from odoo.tests.common import TransactionCase, new_test_user
from odoo.tools import mute_logger

from odoo.addons.store_connector_test_platform.models import connector_store as test_platform_store

from .common import StoreConnectorCase, create_test_store

OP = "test.scripted"


class TestJobCap(StoreConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Job = cls.env["sync.job"]
        cls.capped = create_test_store(cls.env, name="Small Host", max_parallel_jobs=1)

    def enqueue(self, store, count):
        return self.Job.browse([
            self.Job._enqueue(store, OP, "_job_scripted", payload={"n": n}).id for n in range(count)
        ])

    def claim(self, worker, limit=10, stores=None):
        self.env.flush_all()
        return self.Job._claim(limit, store_ids=(stores or self.capped | self.store).ids, commit=False,
                               worker=worker)

    def test_default_comes_from_the_platform_adapter(self):
        self.assertEqual(self.store.max_parallel_jobs, 0, "the test platform, like Shopify: no limit")
        adapter_class = type(self.env["store.adapter.test"])
        with patch.object(adapter_class, "_default_max_parallel_jobs", return_value=2, create=True):
            store = create_test_store(self.env, name="Tiny Host")

        self.assertEqual(store.max_parallel_jobs, 2)
        store.max_parallel_jobs = 5
        self.assertEqual(store.max_parallel_jobs, 5, "the manager's choice is kept")

    def test_only_managers_see_and_set_the_cap(self):
        user = new_test_user(self.env, "cap_user", groups="store_connector_base.group_store_connector_user")
        manager = new_test_user(self.env, "cap_manager",
                                groups="store_connector_base.group_store_connector_manager")
        with self.assertRaises(AccessError):
            self.capped.with_user(user).read(["max_parallel_jobs"])
        with self.assertRaises(AccessError):
            self.capped.with_user(user).write({"max_parallel_jobs": 0})
        self.capped.with_user(manager).write({"max_parallel_jobs": 3})
        self.assertEqual(self.capped.max_parallel_jobs, 3)

    def test_the_store_form_shows_the_limit_to_managers_in_the_sync_page(self):
        user = new_test_user(self.env, "cap_form_user",
                             groups="store_connector_base.group_store_connector_user")
        manager = new_test_user(self.env, "cap_form_manager",
                                groups="store_connector_base.group_store_connector_manager")

        def form(who):
            views = self.env["connector.store"].with_user(who).get_views([(False, "form")])
            return etree.fromstring(views["views"]["form"]["arch"])

        self.assertFalse(form(user).xpath("//field[@name='max_parallel_jobs']"))
        fields = form(manager).xpath(
            "//page[@name='sync']//group[@name='advanced']/field[@name='max_parallel_jobs']")
        self.assertEqual(len(fields), 1)

    def test_a_negative_cap_is_refused(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.CheckViolation):
            with self.env.cr.savepoint():
                self.capped.max_parallel_jobs = -1
                self.env.flush_all()

    def test_a_store_at_its_cap_keeps_its_jobs_pending_and_the_others_run(self):
        capped_jobs = self.enqueue(self.capped, 3)
        free_jobs = self.enqueue(self.store, 2)
        first = self.claim("worker-a")
        self.assertEqual(first & capped_jobs, capped_jobs, "one worker takes the capped store's jobs")
        self.assertEqual(first & free_jobs, free_jobs)

        more_capped = self.enqueue(self.capped, 2)
        more_free = self.enqueue(self.store, 2)
        second = self.claim("worker-b")
        self.assertEqual(second, more_free,
                         "worker-a fills the cap of 1: worker-b takes the other store's jobs")
        self.assertEqual(set(more_capped.mapped("state")), {"pending"})
        self.assertEqual(more_capped.mapped("retry_count"), [0, 0],
                         "waiting for the cap is no failed attempt")
        self.assertFalse(any(more_capped.mapped("last_error")))

        self.env.cr.execute("UPDATE sync_job SET state = 'done' WHERE id = ANY(%s)", [first.ids])
        self.env.invalidate_all()
        self.assertEqual(self.claim("worker-b"), more_capped, "worker-a is done: the capped jobs run now")

    def test_a_cap_of_two_lets_two_workers_run_the_stores_jobs(self):
        self.capped.max_parallel_jobs = 2
        jobs = self.enqueue(self.capped, 3)
        self.assertEqual(len(self.claim("worker-a", limit=1)), 1)
        self.assertEqual(len(self.claim("worker-b", limit=1)), 1)
        self.assertFalse(self.claim("worker-c"), "two workers run the store's jobs already")
        self.assertEqual(len(self.claim("worker-a")), 1, "a worker of the two may take more")
        self.assertEqual(set(jobs.mapped("state")), {"processing"})

    def test_run_now_leaves_the_jobs_of_a_store_at_its_cap_to_the_runner(self):
        held = self.enqueue(self.capped, 1)
        self.claim("worker-a", stores=self.capped)
        jobs = self.enqueue(self.capped, 2)
        action = jobs.action_run_now()
        self.assertEqual(set(jobs.mapped("state")), {"pending"})
        self.assertIn("0 jobs run", action["params"]["message"])
        self.assertIn("2 jobs were left to the queue runner", action["params"]["message"])
        self.assertIn("Parallel Jobs Limit", action["params"]["message"])
        self.env.cr.execute("UPDATE sync_job SET state = 'done' WHERE id = ANY(%s)", [held.ids])
        self.env.invalidate_all()
        jobs.action_run_now()
        self.assertEqual(set(jobs.mapped("state")), {"done"})


class TestJobCapConcurrency(TransactionCase):
    """Three real workers (threads, each its own connection) run the queue at once."""

    def env_of(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def committed_store(self, name, **vals):
        with self.registry.cursor() as cr:
            store_id = create_test_store(self.env_of(cr), name=name, **vals).id
        self.addCleanup(self._delete_store, store_id)
        test_platform_store.CONCURRENCY.pop(store_id, None)
        return store_id

    def _delete_store(self, store_id):
        with self.registry.cursor() as cr:
            self.env_of(cr)["connector.store"].browse(store_id).exists().unlink()

    def committed_jobs(self, store_id, count, sleep=0.05):
        with self.registry.cursor() as cr:
            env = self.env_of(cr)
            store = env["connector.store"].browse(store_id)
            return [env["sync.job"]._enqueue(store, OP, "_job_scripted",
                                             payload={"sleep": sleep, "track_concurrency": True, "n": n}).id
                    for n in range(count)]

    def run_workers(self, store_ids, workers=3, batch_size=2):
        barrier = threading.Barrier(workers)
        errors = []

        def work():
            try:
                with self.registry.cursor() as cr:
                    barrier.wait(timeout=30)
                    # Until the queue of these stores is empty: a worker that finds nothing to
                    # claim (the cap holds) looks again, as the next cron run would.
                    for _round in range(200):
                        if not self.env_of(cr)["sync.job"]._process_queue(
                                store_ids=store_ids, commit=True, batch_size=batch_size):
                            cr.execute("SELECT count(*) FROM sync_job WHERE store_id = ANY(%s) "
                                       "AND state IN ('pending', 'processing')", [store_ids])
                            if not cr.fetchone()[0]:
                                return
                            threading.Event().wait(0.02)
            except BaseException as exc:  # noqa: BLE001 - reported in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=work) for _i in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertFalse(any(thread.is_alive() for thread in threads), "a worker thread hangs")
        if errors:
            raise errors[0]

    def states(self, ids):
        with self.registry.cursor() as cr:
            cr.execute("SELECT state, count(*) FROM sync_job WHERE id = ANY(%s) GROUP BY state", [ids])
            return dict(cr.fetchall())

    def test_three_workers_never_run_more_jobs_of_a_capped_store_than_its_cap(self):
        capped = self.committed_store("Small Host", max_parallel_jobs=1)
        pair = self.committed_store("Two At Once", max_parallel_jobs=2)
        free = self.committed_store("Big Host")
        ids = self.committed_jobs(capped, 8) + self.committed_jobs(pair, 8) + self.committed_jobs(free, 8)
        self.run_workers([capped, pair, free])
        self.assertEqual(self.states(ids), {"done": 24}, "every job ran, none failed")
        peaks = {store: test_platform_store.CONCURRENCY[store]["peak"] for store in (capped, pair, free)}
        self.assertEqual(peaks[capped], 1, peaks)
        self.assertLessEqual(peaks[pair], 2, peaks)
        with self.registry.cursor() as cr:
            cr.execute("SELECT max(retry_count) FROM sync_job WHERE id = ANY(%s)", [ids])
            self.assertEqual(cr.fetchone()[0], 0, "waiting for the cap used no attempt")

    def test_without_a_cap_the_same_workers_run_a_stores_jobs_at_once(self):
        """The probe of the test above sees parallel jobs when there are some."""
        free = self.committed_store("Big Host")
        ids = self.committed_jobs(free, 9, sleep=0.2)
        self.run_workers([free], batch_size=1)
        self.assertEqual(self.states(ids), {"done": 9})
        self.assertGreater(test_platform_store.CONCURRENCY[free]["peak"], 1)
