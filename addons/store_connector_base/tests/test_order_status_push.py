"""Statuses sent back to the platform when a person confirms or cancels an imported order in Odoo
(models/sale_order_status_push.py), through the test platform (its outbound mapping names every
stage; `_update_order_status` is recorded in RECORDER). Also: an unmapped platform status is
explained on the order, a refund is recorded once, a line is matched by its platform ids."""

from odoo.addons.store_connector_test_platform.models.store_adapter_products import RECORDER

from .common_orders import OrderPipelineCase, iso


class TestOrderStatusPush(OrderPipelineCase):
    def setUp(self):
        super().setUp()
        RECORDER.reset()

    def pushed(self):
        return [args for _store, args in RECORDER.of("update_order_status")]

    def test_a_person_confirming_a_pending_order_sends_the_confirmed_status(self):
        self.import_orders([self.make_order("S1", status="pending")])
        sale = self.sale_of("S1")
        self.assertEqual(sale.state, "draft")
        sale.action_confirm()
        self.assertEqual(len(self.jobs("orders.status")), 1)
        self.run_jobs()
        self.assertEqual(self.pushed(), [{"order": "S1", "status": "confirmed"}])

    def test_what_the_platform_said_is_not_sent_back(self):
        self.import_orders([self.make_order("S2", status="processing")])
        self.assertEqual(self.sale_of("S2").state, "sale", "confirmed by its platform status")
        self.import_orders([self.make_order("S2", status="cancelled", updated=self.later(5))])
        self.assertEqual(self.sale_of("S2").state, "cancel")
        self.assertFalse(self.jobs("orders.status"))

    def test_a_person_cancelling_sends_cancelled_unless_the_store_forbids_pushing(self):
        self.import_orders([self.make_order("S3", status="processing"),
                            self.make_order("S4", status="pending")])
        self.sale_of("S3")._action_cancel()
        self.run_jobs()
        self.assertEqual(self.pushed(), [{"order": "S3", "status": "cancelled"}])
        self.store.allow_orders_push = False
        self.sale_of("S4")._action_cancel()
        self.assertFalse(self.jobs("orders.status").filtered(lambda job: job.state == "pending"))

    def test_unmapped_status_is_explained_on_the_order(self):
        self.import_orders([self.make_order("S5", status="awaiting-pickup")])
        sale = self.sale_of("S5")
        self.assertIn("awaiting-pickup", " ".join(sale.message_ids.mapped("body")))
        self.assertIn("not in the status mapping", " ".join(self.store.log_ids.mapped("message")))

    def test_refunds_listed_on_the_order_are_recorded_once(self):
        self.store.refund_policy = "activity"  # refunds credited instead: test_refund_workflow
        order = self.make_order("S6", status="processing", refunds=[{"id": "R1", "amount": "5.00"}])
        self.import_orders([order])
        self.import_orders([dict(order, updated_at=iso(self.later(5)))])
        sale = self.sale_of("S6")
        self.assertEqual(len([b for b in sale.message_ids.mapped("body") if "refund R1" in b]), 1)
        self.assertEqual(self.binding_of("S6").refund_ids_recorded, ["R1"])

    def test_line_matched_by_the_platform_variant_id_before_its_sku(self):
        self.env["store.product.binding"].create({
            "store_id": self.store.id, "product_id": self.tee.id, "external_product_id": "P9",
            "external_variant_id": "V9"})
        line = {"id": "l1", "sku": None, "name": "Tee", "quantity": 1, "unit_price": "20.00",
                "external_ids": {"product_id": "P9", "variant_id": "V9"}}
        self.import_orders([self.make_order("S7", lines=[line])])
        self.assertEqual(self.sale_of("S7").order_line.product_id, self.tee)
