"""Personal-data redaction in the base (issue #9): `connector.store._redact_customer_data`, which
every platform's "erase this customer" request calls (Shopify's customers/redact and shop/redact,
eBay's account deletion, WooCommerce's customer deletion), here through the test platform."""

import json

from .common import StoreConnectorCase, create_test_store, run_queue


class TestCustomerRedaction(StoreConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_store = create_test_store(cls.env, "Other Shop")
        Partner = cls.env["res.partner"]
        cls.ann = Partner.create({"name": "Ann Lee", "email": "ann.lee@example.com", "phone": "+1 555 0100",
                                  "street": "1 Main St", "city": "Springfield", "zip": "12345"})
        cls.ann_home = Partner.create({"name": "Ann at home", "type": "delivery", "parent_id": cls.ann.id,
                                       "street": "2 Elm St", "email": "ann.home@example.com"})
        cls.bob = Partner.create({"name": "Bob Invoiced", "email": "bob.invoiced@example.com"})
        cls.cat = Partner.create({"name": "Cat Twostores", "email": "cat.two@example.com"})
        cls.dan = Partner.create({"name": "Dan Ordered", "email": "dan.ordered@example.com"})
        Binding = cls.env["store.customer.binding"]
        for partner, external_id in ((cls.ann, "cust-100001"), (cls.bob, "cust-100002"),
                                     (cls.cat, "cust-100003"), (cls.dan, "cust-100004")):
            Binding.create({"store_id": cls.store.id, "partner_id": partner.id, "external_id": external_id})
        Binding.create({"store_id": cls.other_store.id, "partner_id": cls.cat.id, "external_id": "x-77"})
        invoice = cls.env["account.move"].create({
            "move_type": "out_invoice", "partner_id": cls.bob.id,
            "invoice_line_ids": [(0, 0, {"name": "Item", "quantity": 1, "price_unit": 10})],
        })
        invoice.action_post()
        product = cls.env["product.product"].create({"name": "Thing", "list_price": 5})
        order = cls.env["sale.order"].create({
            "partner_id": cls.dan.id,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
        })
        order.action_confirm()

    def _delivery(self, store, event_id, body):
        Delivery = self.env["store.webhook.delivery"].sudo()
        return Delivery.browse(Delivery._insert_delivery(
            store, "orders", "orders/create", event_id, {"X-Test-Topic": "orders/create"}, json.dumps(body),
            operation="webhook.orders", method_name="_job_process"))

    def _bindings(self, store, partner):
        return self.env["store.customer.binding"].search(
            [("store_id", "=", store.id), ("partner_id", "=", partner.id)])

    def test_redaction_erases_what_no_legal_record_needs(self):
        ann_order = self._delivery(self.store, "ann-order",
                                   {"note": "x", "customer": {"email": "Ann.Lee@example.com"}})
        ann_by_id = self._delivery(self.store, "ann-id", {"customer": {"id": "cust-100001"}})
        longer_id = self._delivery(self.store, "other-id", {"customer": {"id": "cust-1000011"}})
        other_customer = self._delivery(self.store, "bob-order",
                                        {"customer": {"email": "bob.invoiced@example.com"}})
        elsewhere = self._delivery(self.other_store, "ann-elsewhere",
                                   {"customer": {"email": "ann.lee@example.com"}})
        done_job = self.env["sync.job"]._enqueue(self.store, "orders.import.order", "_job_noop",
                                                 records=self.store, payload={"email": "ann.lee@example.com"})
        done_job.sudo().write({"state": "done"})
        pending_job = self.env["sync.job"]._enqueue(
            self.store, "orders.import.order", "_job_noop", records=self.store,
            payload={"order": {"id": "cust-100001"}})
        partners = self.ann | self.bob | self.cat | self.dan

        result = self.store._redact_customer_data(partners, "customers/redact")

        self.assertEqual(result["redacted"], self.ann.ids)
        self.assertEqual(sorted(result["kept"]), sorted((self.bob | self.cat | self.dan).ids))
        self.assertIn("Redacted", self.ann.name)
        self.assertFalse(self.ann.email or self.ann.phone or self.ann.street or self.ann.city or self.ann.zip)
        self.assertFalse(self.ann_home.email or self.ann_home.street)
        self.assertFalse(self._bindings(self.store, self.ann))
        # kept: a posted invoice, a confirmed order, a customer of another store too
        self.assertEqual(self.bob.email, "bob.invoiced@example.com")
        self.assertEqual(self.dan.email, "dan.ordered@example.com")
        self.assertEqual(self.cat.email, "cat.two@example.com")
        self.assertTrue(self._bindings(self.other_store, self.cat))
        # payloads that name Ann (email, any case; platform id), of this store only
        self.assertEqual(sorted(result["deliveries"]), sorted((ann_order | ann_by_id).ids))
        for delivery in (ann_order, ann_by_id):
            self.assertFalse(delivery.body)
            self.assertEqual(delivery.headers, {})
            self.assertEqual(delivery.job_id.state, "cancelled", "its job would bring the data back")
        for delivery in (longer_id, other_customer, elsewhere):
            self.assertTrue(delivery.body, delivery.event_id)
            self.assertEqual(delivery.job_id.state, "pending")
        self.assertIn(done_job.id, result["jobs"])
        self.assertIn(pending_job.id, result["jobs"])
        self.assertNotIn("ann.lee", json.dumps(done_job.payload))
        self.assertEqual(done_job.state, "done")
        self.assertEqual(pending_job.state, "cancelled")
        log = self.store.log_ids.filtered(lambda entry: entry.operation == "webhook.compliance")[:1]
        self.assertIn("customers/redact", log.message)
        self.assertIn(str(self.ann.id), log.message)
        self.assertIn("2 webhook deliveries", log.message)

    def test_nothing_to_redact_is_logged(self):
        result = self.store._redact_customer_data(self.env["res.partner"], "customers/redact")
        self.assertEqual(result, {"redacted": [], "kept": [], "deliveries": [], "jobs": []})
        log = self.store.log_ids.filtered(lambda entry: entry.operation == "webhook.compliance")[:1]
        self.assertIn("no customer data", log.message)

    def test_users_and_companies_are_never_anonymised(self):
        user_partner = self.env.user.partner_id
        self.env["store.customer.binding"].create(
            {"store_id": self.store.id, "partner_id": user_partner.id, "external_id": "cust-200001"})
        email = user_partner.email
        result = self.store._redact_customer_data(user_partner | self.env.company.partner_id, "shop/redact")
        self.assertEqual(result["redacted"], [])
        self.assertEqual(user_partner.email, email)

    def test_the_platform_request_goes_through_it(self):
        """The test platform's customers/redact handler finds the partner and calls the base."""
        delivery = self.env["store.webhook.delivery"].sudo()
        delivery = delivery.browse(delivery._insert_delivery(
            self.store, "customers", "customers/redact", "redact-ann", {},
            json.dumps({"customer": "cust-100001", "email": "ann.lee@example.com"}),
            operation="webhook.customers", method_name="_job_process"))
        self.assertEqual(run_queue(self.env, self.store), 1)
        self.assertEqual(delivery.job_id.state, "done", delivery.job_id.last_error)
        result = json.loads(delivery.job_id.result)
        self.assertEqual(result["redacted"], self.ann.ids)
        self.assertIn(delivery.id, result["deliveries"], "the request's own body names the customer")
        self.assertFalse(self.ann.email)
