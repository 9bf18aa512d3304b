"""WooCommerce customers both ways: the mapping, the paged pull in id order with a keyset cursor
(deleted customers do not make it skip one), the export matched by email, the customer webhooks
(created/updated imported when the store syncs customers, deleted: the base's redaction)."""

import copy
import json
from datetime import datetime
from types import SimpleNamespace

from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.tests.common import run_queue

from ..models import woocommerce_customer_mapper as cm
from .common import create_woocommerce_store
from .fake_shop import FakeShop

CUSTOMER = {
    "id": 25,
    "date_created_gmt": "2026-10-01T08:00:00",
    "date_modified_gmt": "2026-11-03T09:15:00",
    "email": "Jane.Roe@Example.com",
    "first_name": "Jane",
    "last_name": "Roe",
    "role": "customer",
    "username": "jane.roe",
    "billing": {
        "first_name": "Jane", "last_name": "Roe", "company": "Roe &amp; Sons", "address_1": "969 Market",
        "address_2": "", "city": "San Francisco", "state": "CA", "postcode": "94103", "country": "US",
        "email": "jane.roe@example.com", "phone": "(555) 555-5555",
    },
    "shipping": {
        "first_name": "Jane", "last_name": "Roe", "company": "", "address_1": "1 Dock Road", "address_2": "",
        "city": "Oakland", "state": "CA", "postcode": "94607", "country": "US", "phone": "",
    },
    "is_paying_customer": True,
    "meta_data": [],
}


def customer(customer_id, email, modified="2026-11-03T09:15:00", **changes):
    data = copy.deepcopy(CUSTOMER)
    data.update(id=customer_id, email=email, date_modified_gmt=modified, **changes)
    data["billing"]["email"] = email
    return data


class TestWooCommerceCustomerMapper(TransactionCase):
    def test_customer_from_woocommerce(self):
        normalized = cm.customer_from_woocommerce(CUSTOMER)
        self.assertEqual(normalized["id"], "25")
        self.assertEqual(normalized["email"], "Jane.Roe@Example.com")
        self.assertEqual((normalized["first_name"], normalized["last_name"]), ("Jane", "Roe"))
        self.assertEqual(normalized["company"], "Roe & Sons", "HTML entities decoded")
        self.assertEqual(normalized["phone"], "(555) 555-5555")
        self.assertEqual(normalized["updated_at"], "2026-11-03T09:15:00Z")
        self.assertEqual(normalized["billing_address"]["street"], "969 Market")
        self.assertEqual(normalized["billing_address"]["state_code"], "CA")
        self.assertEqual(normalized["shipping_address"]["city"], "Oakland")
        self.assertIsNone(normalized["shipping_address"]["street2"])

    def test_customer_to_woocommerce_leaves_empty_values_out(self):
        body = cm.customer_to_woocommerce({
            "id": None, "email": "max@example.com", "name": "Max Mustermann", "first_name": "Max",
            "last_name": "Mustermann", "phone": "+49 30 1234", "company": None,
            "billing_address": {"name": "Max Mustermann", "street": "Hauptstr. 1", "city": "Berlin",
                                "zip": "10115", "country_code": "DE", "state_code": None, "email": None},
            "shipping_address": {"name": "Max Mustermann", "street": "Hauptstr. 1", "city": "Berlin",
                                 "zip": "10115", "country_code": "DE", "email": "max@example.com"},
        })
        self.assertEqual(body, {
            "email": "max@example.com", "first_name": "Max", "last_name": "Mustermann",
            "billing": {"first_name": "Max", "last_name": "Mustermann", "address_1": "Hauptstr. 1",
                        "city": "Berlin", "postcode": "10115", "country": "DE", "email": "max@example.com",
                        "phone": "+49 30 1234"},
            "shipping": {"first_name": "Max", "last_name": "Mustermann", "address_1": "Hauptstr. 1",
                         "city": "Berlin", "postcode": "10115", "country": "DE"},
        })


class WooCommerceCustomerCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = create_woocommerce_store(cls.env, shop_url="http://127.0.0.1:1", auto_sync_customers=True)
        cls.adapter = cls.store._get_adapter()

    def setUp(self):
        super().setUp()
        self.shop = FakeShop()
        self.store.shop_url = self.shop.start(self)

    def binding_of(self, customer_id):
        return self.env["store.customer.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", str(customer_id))])


class TestWooCommerceCustomerImport(WooCommerceCustomerCase):
    def test_features(self):
        self.assertTrue(self.store.supports_customers_import)
        self.assertTrue(self.store.supports_customers_export)

    def read_all(self, limit, between_pages=None, since=None):
        seen, cursor, pages = [], None, 0
        while True:
            page = self.adapter._import_customers(self.store, since=since, cursor=cursor, limit=limit)
            seen += [record["id"] for record in page["records"]]
            pages += 1
            if between_pages:
                between_pages(pages)
            cursor = page["next_cursor"]
            if cursor is None:
                return seen
            self.assertLess(pages, 20)

    def test_pages_in_id_order_every_customer_once(self):
        self.shop.customers = [customer(i, f"c{i}@example.com") for i in (3, 5, 8, 13, 21, 34, 55)]
        self.assertEqual(self.read_all(limit=3), ["3", "5", "8", "13", "21", "34", "55"])
        first = self.shop.calls()[0][2]
        self.assertEqual((first["orderby"], first["order"], first["per_page"]), ("id", "asc", "3"))
        self.assertNotIn("offset", first)

    def test_customers_deleted_during_the_pull_do_not_make_it_skip_one(self):
        self.shop.customers = [customer(i, f"c{i}@example.com") for i in range(1, 11)]

        def delete_read_ones(pages):
            if pages == 1:  # customers 1 to 4 were read; two of them are deleted on the shop
                self.shop.customers = [c for c in self.shop.customers if c["id"] not in (1, 2)]
        self.assertEqual(self.read_all(limit=4, between_pages=delete_read_ones),
                         [str(i) for i in range(1, 11)])

    def test_an_update_during_the_pull_does_not_move_a_customer(self):
        self.shop.customers = [customer(i, f"c{i}@example.com") for i in range(1, 8)]

        def update_first(pages):
            if pages == 1:
                self.shop.customers[0]["date_modified_gmt"] = "2026-12-24T00:00:00"
        self.assertEqual(self.read_all(limit=3, between_pages=update_first), [str(i) for i in range(1, 8)])

    def test_since_keeps_the_customers_modified_since(self):
        self.shop.customers = [customer(1, "a@example.com", "2026-01-01T00:00:00"),
                               customer(2, "b@example.com", "2026-06-01T00:00:00"),
                               customer(3, "c@example.com", "2026-06-01T00:00:01")]
        self.assertEqual(self.read_all(limit=2, since=datetime(2026, 6, 1)), ["2", "3"])

    def test_a_foreign_cursor_is_refused_clearly(self):
        with self.assertRaises(PermanentJobError) as caught:
            self.adapter._import_customers(self.store, cursor="3")
        self.assertIn("Start the customer import again", str(caught.exception))

    def test_full_sync_imports_the_customers_as_contacts(self):
        self.shop.customers = [customer(25, "jane.roe@example.com"), customer(26, "max@example.com",
                                                                           first_name="Max", last_name="M")]
        self.store._enqueue_paged_import("customers.import", "_job_import_customers")
        run_queue(self.env, self.store)
        jane = self.binding_of(25).partner_id
        self.assertEqual(jane.email, "jane.roe@example.com")
        self.assertEqual(jane.name, "Jane Roe")
        self.assertTrue(self.binding_of(26).partner_id)


class TestWooCommerceCustomerExport(WooCommerceCustomerCase):
    def partner_customer(self, partner, external_id=None):
        return self.env["store.order.importer"]._partner_to_customer(partner, external_id)

    def test_new_customer_is_created_when_no_one_has_the_email(self):
        partner = self.env["res.partner"].create({"name": "Max Mustermann", "email": "max@example.com"})
        result = self.adapter._export_customer(self.store, self.partner_customer(partner))
        self.assertEqual(result, {"id": "501"})
        [(m1, p1, q1, _b1), (m2, p2, _q2, body)] = self.shop.calls()
        self.assertEqual((m1, p1, q1["email"], q1["role"]), ("GET", "/customers", "max@example.com", "all"))
        self.assertEqual((m2, p2), ("POST", "/customers"))
        self.assertEqual((body["email"], body["first_name"], body["last_name"]),
                         ("max@example.com", "Max", "Mustermann"))

    def test_the_customer_with_the_same_email_is_updated(self):
        self.shop.customers = [customer(25, "jane.roe@example.com")]
        partner = self.env["res.partner"].create({"name": "Jane Roe", "email": "jane.roe@example.com",
                                                  "city": "Sacramento"})
        result = self.adapter._export_customer(self.store, self.partner_customer(partner))
        self.assertEqual(result, {"id": "25"})
        self.assertEqual(self.shop.calls()[-1][:2], ("PUT", "/customers/25"))
        self.assertEqual(self.shop.customers[0]["billing"]["city"], "Sacramento")
        self.assertEqual(len(self.shop.customers), 1, "not duplicated")

    def test_a_bound_customer_is_updated_by_id_through_the_job(self):
        self.shop.customers = [customer(25, "jane.roe@example.com")]
        partner = self.env["res.partner"].create({"name": "Jane Roe", "email": "jane.roe@example.com"})
        binding = self.env["store.customer.binding"].create(
            {"store_id": self.store.id, "partner_id": partner.id, "external_id": "25"})
        partner.phone = "+1 555 0100"
        jobs = binding._enqueue_export()
        self.assertTrue(jobs)
        run_queue(self.env, self.store)
        self.assertEqual(jobs.state, "done")
        self.assertEqual([call[:2] for call in self.shop.calls()], [("PUT", "/customers/25")])
        self.assertEqual(self.shop.customers[0]["billing"]["phone"], "+1 555 0100")
        self.assertTrue(binding.last_export_at)

    def test_a_contact_without_email_cannot_be_created(self):
        partner = self.env["res.partner"].create({"name": "No Mail"})
        with self.assertRaises(PermanentJobError) as caught:
            self.adapter._export_customer(self.store, self.partner_customer(partner))
        self.assertIn("no email address", str(caught.exception))
        self.assertFalse(self.shop.calls())


class TestWooCommerceCustomerWebhooks(WooCommerceCustomerCase):
    def delivery(self, topic):
        return SimpleNamespace(topic=topic)

    def test_topics_are_handled(self):
        handlers = self.adapter._webhook_topic_handlers(self.store)
        self.assertEqual(handlers["customer.created"], "_woocommerce_webhook_customer")
        self.assertEqual(handlers["customer.updated"], "_woocommerce_webhook_customer")
        self.assertEqual(handlers["customer.deleted"], "_woocommerce_webhook_customer_deleted")
        # Without Sync Customers, changes are not subscribed to; deletions still are.
        self.store.auto_sync_customers = False
        handlers = self.adapter._webhook_topic_handlers(self.store)
        self.assertNotIn("customer.created", handlers)
        self.assertNotIn("customer.updated", handlers)
        self.assertIn("customer.deleted", handlers)
        topics = self.adapter._woocommerce_webhook_topics(self.store)
        self.assertEqual(topics["customer.deleted"], "customers")

    def test_created_and_updated_import_the_customer(self):
        self.adapter._woocommerce_webhook_customer(self.store, self.delivery("customer.created"), CUSTOMER)
        partner = self.binding_of(25).partner_id
        self.assertEqual(partner.city, "San Francisco")
        newer = dict(CUSTOMER, date_modified_gmt="2026-11-04T00:00:00",
                     billing=dict(CUSTOMER["billing"], city="Oakland"))
        result = self.adapter._woocommerce_webhook_customer(
            self.store, self.delivery("customer.updated"), newer)
        self.assertEqual(result["updated"], 1)
        self.assertEqual(partner.city, "Oakland")
        # An older body arriving late changes nothing.
        self.adapter._woocommerce_webhook_customer(self.store, self.delivery("customer.updated"), CUSTOMER)
        self.assertEqual(partner.city, "Oakland")

    def test_ignored_when_the_store_does_not_sync_customers(self):
        self.store.auto_sync_customers = False
        result = self.adapter._woocommerce_webhook_customer(self.store, self.delivery("customer.created"),
                                                           CUSTOMER)
        self.assertIn("off", result["ignored"])
        self.assertFalse(self.binding_of(25))

    def test_deleted_redacts_the_customers_data(self):
        self.adapter._woocommerce_webhook_customer(self.store, self.delivery("customer.created"), CUSTOMER)
        partner = self.binding_of(25).partner_id
        result = self.adapter._woocommerce_webhook_customer_deleted(
            self.store, self.delivery("customer.deleted"), {"id": 25})
        self.assertEqual(result["redacted"], partner.ids)
        self.assertFalse(self.binding_of(25))
        self.assertNotIn("Jane", partner.name or "")
        self.assertFalse(partner.email)
        unknown = self.adapter._woocommerce_webhook_customer_deleted(
            self.store, self.delivery("customer.deleted"), {"id": 999})
        self.assertEqual(unknown["redacted"], [])

    def test_customer_cursor_is_json_text(self):
        self.shop.customers = [customer(i, f"c{i}@example.com") for i in range(1, 5)]
        page = self.adapter._import_customers(self.store, limit=2)
        self.assertEqual(json.loads(page["next_cursor"]), {"after": 2, "offset": 1})
