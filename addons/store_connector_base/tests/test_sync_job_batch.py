from odoo.addons.store_connector_base.exceptions import OperationNotPermitted

from .common_products import ProductSyncCase


class TestEnqueueMany(ProductSyncCase):
    def enqueue(self, items, **kwargs):
        return self.env["sync.job"]._enqueue_many(self.store, "inventory.sync", "_job_export_inventory",
                                                  items, direction="export", **kwargs)

    def test_keys_merge_latest_wins_and_unkeyed_jobs_are_created(self):
        binding_a, binding_b = self.store._publish_products(self.red | self.blue).sorted("id")
        jobs = self.enqueue([
            (binding_a, "k1", {"n": 1}),
            (binding_b, "k1", {"n": 2}),
            (binding_a, None, None),
            (binding_b, None, None),
        ], priority=20)
        self.assertEqual(len(jobs), 3)
        keyed = jobs.filtered("identity_key")
        self.assertEqual((keyed.payload, keyed.res_ids, keyed.retry_count, keyed.state),
                         ({"n": 2}, binding_b.ids, 0, "pending"))
        self.assertEqual(keyed.company_id, self.store.company_id)
        again = self.enqueue([(binding_a, "k1", {"n": 3})], priority=5)
        self.assertEqual(again, keyed, "merged into the pending job")
        self.assertEqual((again.payload, again.res_ids, again.priority), ({"n": 3}, binding_a.ids, 5))
        self.enqueue([(binding_a, "k1", {"n": 4})], priority=50)
        self.assertEqual(again.priority, 5, "the more urgent priority is kept")

    def test_processing_job_is_not_merged_into(self):
        binding = self.store._publish_products(self.mug)
        first = self.enqueue([(binding, "inventory:MUG-1", None)])
        first.state = "processing"
        second = self.enqueue([(binding, "inventory:MUG-1", None)])
        self.assertNotEqual(first, second)
        self.assertEqual(second.state, "pending")

    def test_permission_checked(self):
        self.store.allow_inventory_sync = False
        with self.assertRaises(OperationNotPermitted):
            self.enqueue([(self.store, "x", None)])
        with self.assertRaises(ValueError):
            self.env["sync.job"]._enqueue_many(self.store, "x", "unlink", [(self.store, None, None)])
