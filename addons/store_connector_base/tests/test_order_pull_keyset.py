"""Paging that cannot skip records: the shop changes orders while a pull reads them page by page.
The test platform pages with keyset cursors (services/paging.py), as the adapter contract asks."""

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services import paging

from .common_orders import OrderPipelineCase


class TestOrderPullKeyset(OrderPipelineCase):
    def run_one_job(self):
        self.env.flush_all()
        job = self.env["sync.job"]._claim(1, store_ids=self.store.ids, commit=False)
        job._run(commit=False)
        return job

    def test_an_order_updated_between_two_pages_skips_no_other_order(self):
        orders = [self.make_order(str(5000 + i), updated=self.later(i)) for i in range(5)]
        self.adapter._test_set_orders(self.store, orders, page_size=2)
        self.store._enqueue_order_pull()
        first_page = self.run_one_job()
        self.assertEqual(first_page.state, "done", first_page.last_error)
        self.assertTrue(self.binding_of("5000") and self.binding_of("5001"))
        # On the platform, order 5000 is paid now: it moves to the end of the update-time order,
        # and with a page number or an offset as cursor 5002 would slide onto the page already read.
        orders[0] = self.make_order("5000", updated=self.later(10), status="paid")
        self.adapter._test_set_orders(self.store, orders, page_size=2)
        self.run_jobs()
        self.assertEqual(set(self.jobs("orders.import").mapped("state")), {"done"})
        for order_id in ("5002", "5003", "5004"):
            self.assertTrue(self.binding_of(order_id), f"order {order_id} was not skipped")
        self.assertEqual(self.binding_of("5000").platform_status, "paid", "and the update was read too")
        self.assertEqual(self.store.order_import_cursor, self.later(10))

    def test_an_order_updated_during_the_pull_with_pages_of_one(self):
        orders = [self.make_order(str(7000 + i), updated=self.later(i)) for i in range(4)]
        self.adapter._test_set_orders(self.store, orders, page_size=1)
        self.store._enqueue_order_pull()
        self.run_one_job()
        self.run_one_job()
        # Both read orders change; the two unread ones must still come.
        orders[0] = self.make_order("7000", updated=self.later(20), status="paid")
        orders[1] = self.make_order("7001", updated=self.later(21), status="paid")
        self.adapter._test_set_orders(self.store, orders, page_size=1)
        self.run_jobs()
        self.assertEqual(
            self.env["store.order.binding"].search_count([("store_id", "=", self.store.id)]), 4)
        self.assertEqual(set((self.binding_of("7000") | self.binding_of("7001")).mapped("platform_status")),
                         {"paid"})

    def test_a_page_number_left_from_before_keyset_cursors_fails_clearly(self):
        self.adapter._test_set_orders(self.store, [self.make_order("8000")], page_size=2)
        job = self.store._enqueue_order_pull()
        job.sudo().write({"payload": dict(job.payload, cursor="2")})
        self.run_jobs()
        self.assertEqual(job.state, "failed")
        self.assertIn("is not a keyset cursor", job.last_error)
        self.assertIn("Start the pull again", job.last_error)


class TestKeysetPaging(OrderPipelineCase):
    """The helpers of services/paging.py that adapters of page-numbered APIs use."""

    def test_pages_follow_update_time_then_id_and_resume_after_the_cursor(self):
        same = self.later(1)
        records = [
            {"id": "b", "updated_at": same.isoformat()},
            {"id": "a", "updated_at": same.isoformat()},
            {"id": "z", "updated_at": self.later(0).isoformat()},
            {"id": "c", "updated_at": self.later(2).isoformat()},
        ]
        first = paging.keyset_page(records, None, 2)
        self.assertEqual([r["id"] for r in first["records"]], ["z", "a"])
        self.assertEqual(paging.parse_cursor(first["next_cursor"]), (same, "a"))
        self.assertEqual(paging.cursor_time(first["next_cursor"]), same)
        second = paging.keyset_page(records, first["next_cursor"], 2)
        self.assertEqual([r["id"] for r in second["records"]], ["b", "c"])
        self.assertIsNone(second["next_cursor"], "nothing after c")
        # "z" updated after the first page: it comes back behind the cursor, nothing is skipped.
        records[2]["updated_at"] = self.later(3).isoformat()
        self.assertEqual([r["id"] for r in paging.after_cursor(records, first["next_cursor"])],
                         ["b", "c", "z"])

    def test_a_cursor_that_is_not_keyset_is_refused(self):
        for cursor in ("2", "not json", "[1]"):
            with self.assertRaises(PermanentJobError):
                paging.parse_cursor(cursor)
        self.assertIsNone(paging.parse_cursor(None))
