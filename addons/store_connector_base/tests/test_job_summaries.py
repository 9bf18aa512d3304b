"""A job's outcome in a sentence, what it is about as links, and what to do when it failed
(issue #13), from real runs of the generic pipelines on the test platform."""
import json

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import run_queue
from .common_orders import OrderPipelineCase
from .common_products import ProductSyncCase

RUNNER_LOGGER = "odoo.addons.store_connector_base.models.sync_job"


class TestOrderSummaries(OrderPipelineCase):
    def _delivery(self, event_id, body, topic="orders/create"):
        Delivery = self.env["store.webhook.delivery"].sudo()
        return Delivery.browse(Delivery._insert_delivery(
            self.store, "orders", topic, event_id, {}, json.dumps(body), operation="webhook.orders",
            method_name="_job_process"))

    def test_order_pull_page_and_one_order(self):
        orders = [self.make_order("1042"), self.make_order("1043")]
        self.adapter._test_set_orders(self.store, orders, page_size=5)
        self.store._enqueue_order_pull()
        self.run_jobs()
        page = self.jobs("orders.import")
        self.assertEqual(page.state, "done")
        self.assertEqual(page.result_summary, "Page 1: 2 orders read; 2 new, 0 updated, 0 unchanged, "
                                              "0 failed. This was the last page.")
        # one order, in its own job
        job = self.store._enqueue_order_import(self.make_order("1044"))
        self.run_jobs()
        sale = self.sale_of("1044")
        self.assertEqual(job.state, "done")
        self.assertEqual(job.result_summary, f"Imported order {self.binding_of('1044').external_number} as "
                                             f"{sale.name}.")
        self.assertIn(f'href="/odoo/sale.order/{sale.id}"', str(job.related_links))
        self.assertIn(f'href="/odoo/connector.store/{self.store.id}"', str(job.related_links))

    def test_webhook_delivery_created_then_ignored(self):
        first = self._delivery("d-1", {"order": self.make_order("2001")})
        run_queue(self.env, self.store)
        sale = self.sale_of("2001")
        self.assertEqual(first.job_summary, f"Imported order {self.binding_of('2001').external_number} as "
                                            f"{sale.name}.")
        self.assertIn(f"/odoo/sale.order/{sale.id}", str(first.job_related_links))
        again = self._delivery("d-2", {"order": self.make_order("2001")})
        run_queue(self.env, self.store)
        self.assertEqual(again.job_summary,
                         "Nothing to do: Odoo already holds this version of order 2001, or a newer one.")

    def test_a_failed_order_says_what_to_do(self):
        job = self.store._enqueue_order_import(self.make_order("3001", lines=[
            {"id": "l1", "sku": "NOPE", "name": "Unknown", "quantity": 1, "unit_price": "5"}]))
        with mute_logger(RUNNER_LOGGER):
            self.run_jobs()
        self.assertEqual(job.state, "failed")
        self.assertIn("unknown SKU", job.next_step)
        self.assertIn("Retry", job.next_step)
        self.assertFalse(job.result_summary)


class TestStockAndProductSummaries(ProductSyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store.auto_sync_products = False
        cls.store._publish_products(cls.tshirt.product_variant_ids | cls.mug)

    def test_stock_export_sent_and_refused(self):
        self.recorder.inventory_errors = {"TS-BLUE": "Inventory item not stocked at location"}
        self.store.action_sync_inventory()
        job = self.pending_jobs(operation="inventory.sync")
        self.run_job(job)
        sent = json.loads(job.result)["updated"]
        self.assertEqual(job.result_summary, f"Sent {sent} quantities, 1 refused: "
                                             "TS-BLUE: Inventory item not stocked at location")
        self.assertIn("/odoo/product.product/", str(job.related_links))
        # a store user (not a manager) reads the same, without the payload
        user = new_test_user(self.env, login="labels_user",
                             groups="store_connector_base.group_store_connector_user")
        values = job.with_user(user).read(["result_summary", "related_links", "operation_label"])[0]
        self.assertEqual(values["result_summary"], job.result_summary)
        self.assertEqual(values["operation_label"], "Stock export")
        self.assertIn("/odoo/connector.store/", str(values["related_links"]))

    def test_stock_export_of_one_quantity_is_singular(self):
        job = self.env["sync.job"]._enqueue(self.store, "inventory.sync", "_job_noop", direction="export")
        self.env.flush_all()
        job.env.cr.execute("UPDATE sync_job SET state = 'done', result = %s, method_name = %s WHERE id = %s",
                           [json.dumps({"updated": 1, "failed": 0}), "_job_export_inventory", job.id])
        job.invalidate_recordset()
        self.assertEqual(job.result_summary, "Sent 1 quantity to the platform.")

    def test_product_export(self):
        self.store._enqueue_product_sync(self.mug.store_binding_ids, "products.export", force=True)
        job = self.pending_jobs(operation="products.export").filtered(
            lambda j: j.res_ids == self.mug.store_binding_ids.ids)
        self.run_job(job)
        self.assertEqual(job.result_summary, "Sent 1 product to the platform.")
        self.assertIn(f"/odoo/product.product/{self.mug.id}", str(job.related_links))

    def test_auth_failure_says_fix_the_credentials(self):
        job = self.env["sync.job"]._enqueue(self.store, "inventory.sync", "_job_noop")
        self.env.flush_all()
        job.env.cr.execute("UPDATE sync_job SET state = 'failed', error_kind = 'auth' WHERE id = %s",
                           [job.id])
        job.invalidate_recordset()
        self.assertIn("credentials", job.next_step)
        self.assertIn("Retry", job.next_step)


@tagged("post_install", "-at_install")
class TestJobFormsRender(HttpCase):
    def test_job_and_delivery_forms_load_with_the_new_sections(self):
        forms = {
            "sync.job": ("sync_job_view_form",
                         {"result_summary", "next_step", "related_links", "operation_label"}),
            "store.webhook.delivery": ("store_webhook_delivery_view_form",
                                       {"job_summary", "job_next_step", "job_related_links"}),
        }
        for model, (view, names) in forms.items():
            arch = self.env[model].get_view(self.env.ref(f"store_connector_base.{view}").id, "form")["arch"]
            for name in names:
                self.assertIn(f'name="{name}"', arch)
            self.assertIn("<details", arch)
