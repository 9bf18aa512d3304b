"""Webhook intake, over Odoo's real HTTP server: verify, store, enqueue, answer; then the queue."""

import json
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests.common import HttpCase, TransactionCase
from odoo.tools import config, mute_logger

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import WebhookRejected
from odoo.addons.store_connector_base.services.raw_body import max_body_bytes
from odoo.addons.store_connector_test_platform.models.store_adapter import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TOPIC_HEADER,
    StoreAdapterTest,
    sign,
)

from .common import run_queue

SECRET = "whsec-current-0123456789"
OLD_SECRET = "whsec-previous-9876543210"
SMALL_LIMIT = 1024
CONTROLLER_LOGGER = "odoo.store_connector.base.controllers.main"


def _make_store(env, name, secret=SECRET, **vals):
    store = env["connector.store"].create({"name": name, "platform": "test", **vals})
    if secret:
        env["integration.credential"].create({"store_id": store.id, "key": "webhook_secret", "value": secret})
    return store


class WebhookIntakeCase(HttpCase):
    """POSTs to /api/v1/stores/<code>/webhooks/<kind> and checks what the database holds afterwards.

    The server runs in test mode on this test's cursor, so what a request writes is visible here.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = _make_store(cls.env, "Intake Store")
        cls.other_store = _make_store(cls.env, "Other Store")
        cls.Delivery = cls.env["store.webhook.delivery"]
        cls.Job = cls.env["sync.job"]

    # ------------------------------------------------------------------ helpers
    def _url(self, kind="orders", store=None, code=None):
        return f"/api/v1/stores/{code or (store or self.store).code}/webhooks/{kind}"

    def _post(self, body, kind="orders", store=None, code=None, secret=SECRET, event_id=None,
              topic=None, signature=None, content_type="application/json", extra_headers=None):
        """POST `body` (bytes, dict or a generator of bytes); signed with `secret` unless None."""
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        headers = {"Content-Type": content_type}
        if signature is not None:
            headers[SIGNATURE_HEADER] = signature
        elif secret is not None:
            headers[SIGNATURE_HEADER] = sign(secret, body)
        if event_id is not None:
            headers[EVENT_HEADER] = event_id
        if topic:
            headers[TOPIC_HEADER] = topic
        headers.update(extra_headers or {})
        return self.url_open(self._url(kind, store, code), data=body, headers=headers)

    def _deliveries(self, store=None):
        return self.Delivery.search([("store_id", "=", (store or self.store).id)])

    def _jobs(self, store=None):
        return self.Job.search([("store_id", "=", (store or self.store).id)])

    def _run_queue(self):
        """Run the store's queued jobs here, in the test's transaction; returns how many ran."""
        return run_queue(self.env, self.store)

    def assertNothingStored(self, store=None):
        self.assertFalse(self._deliveries(store), "a refused delivery must not be stored")
        self.assertFalse(self._jobs(store), "a refused delivery must not be queued")

    def assertRefused(self, response, status, message):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.json(), {"status": message})
        self.assertNothingStored()

    # ------------------------------------------------------------------ accepted deliveries
    def test_signed_delivery_is_stored_and_queued(self):
        body = b'{"id": 1001, "name": "#1001",   "total": "12.50"}'
        response = self._post(body, event_id="evt-1001", topic="orders/create",
                              extra_headers={"Cookie": "session_id=abc", "X-Extra": "kept"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"status": "queued"})

        delivery = self._deliveries()
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.body.encode(), body, "the raw body is kept byte for byte")
        self.assertEqual(delivery.event_id, "evt-1001")
        self.assertEqual(delivery.topic, "orders/create")
        self.assertEqual(delivery.kind, "orders")
        self.assertEqual(delivery.company_id, self.store.company_id)
        self.assertEqual(delivery.headers.get("X-Extra"), "kept")
        self.assertNotIn("Cookie", delivery.headers, "cookies are not stored")

        job = self._jobs()
        self.assertEqual(len(job), 1)
        self.assertEqual(delivery.job_id, job)
        self.assertEqual(job.state, "pending")
        self.assertEqual((job.model_name, job.res_ids, job.method_name),
                         ("store.webhook.delivery", [delivery.id], "_job_process"))
        self.assertEqual(job.operation, "webhook.orders")
        self.assertFalse(self._deliveries(self.other_store), "stored on its own store only")

    def test_event_id_from_body_and_topic_defaults_to_kind(self):
        response = self._post({"id": 77, "sku": "A"}, kind="products")
        self.assertEqual(response.status_code, 200, response.text)
        delivery = self._deliveries()
        self.assertEqual((delivery.event_id, delivery.topic, delivery.kind), ("77", "products", "products"))

    def test_queue_processes_the_delivery(self):
        body = b'{"id": 5, "note": "caf\xc3\xa9"}'
        self.assertEqual(self._post(body, event_id="evt-5", topic="orders/paid").status_code, 200)
        delivery = self._deliveries()
        self.assertEqual(delivery.job_state, "pending", "nothing is processed in the request")

        processed = self._run_queue()

        self.assertEqual(processed, 1)
        job = delivery.job_id
        self.assertEqual(job.state, "done", job.last_error)
        self.assertEqual(json.loads(job.result),
                         {"processed": "evt-5", "topic": "orders/paid", "payload": {"id": 5, "note": "café"}})
        delivery.invalidate_recordset()
        self.assertEqual(delivery.body.encode(), body, "the delivery keeps its raw body after processing")
        self.assertEqual(delivery.event_id, "evt-5")

    def test_failed_processing_keeps_the_delivery(self):
        self.assertEqual(self._post({"id": 6, "fail": "no such product"}, event_id="evt-6").status_code, 200)
        self.assertEqual(self._run_queue(), 1)
        delivery = self._deliveries()
        self.assertEqual(delivery.job_id.state, "failed")
        self.assertIn("no such product", delivery.job_id.last_error)
        self.assertEqual(delivery._payload(), {"id": 6, "fail": "no such product"})

    def test_duplicate_delivery_is_answered_and_processed_once(self):
        body = {"id": 9, "status": "paid"}
        first = self._post(body, event_id="evt-9")
        again = self._post(body, event_id="evt-9")
        self.assertEqual((first.status_code, first.json()), (200, {"status": "queued"}))
        self.assertEqual((again.status_code, again.json()), (200, {"status": "duplicate"}))
        self.assertEqual(len(self._deliveries()), 1)
        self.assertEqual(len(self._jobs()), 1)

        self.assertEqual(self._run_queue(), 1)
        self.assertEqual(self._post(body, event_id="evt-9").json(), {"status": "duplicate"},
                         "still a duplicate once processed")
        self.assertEqual(len(self._jobs()), 1)

    def test_same_event_id_on_two_stores_is_two_deliveries(self):
        self.assertEqual(self._post({"id": 1}, event_id="evt-shared").json(), {"status": "queued"})
        self.assertEqual(self._post({"id": 1}, event_id="evt-shared", store=self.other_store).json(),
                         {"status": "queued"})
        self.assertEqual(len(self._deliveries()), 1)
        self.assertEqual(len(self._deliveries(self.other_store)), 1)

    def test_platform_declared_kind_is_accepted(self):
        # "customers" is not a base kind: the test platform's adapter adds it.
        self.assertNotIn("customers", const.BASE_WEBHOOK_KINDS)
        response = self._post({"id": 3}, kind="customers", event_id="evt-c3")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self._deliveries().kind, "customers")

    def test_inventory_kind_is_accepted(self):
        self.assertEqual(self._post({"id": 4}, kind="inventory", event_id="evt-i4").status_code, 200)
        self.assertEqual(self._deliveries().kind, "inventory")

    def test_form_encoded_signed_body_is_verified_on_the_raw_bytes(self):
        # Odoo parses form-encoded bodies before the controller runs; the signature must still be
        # checked against the bytes as sent (a lost body would be answered 401).
        body = b'{"id": 12}'
        response = self._post(body, event_id="evt-12", content_type="application/x-www-form-urlencoded")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self._deliveries().body.encode(), body)

    def test_chunked_body_under_the_limit_is_accepted(self):
        body = b'{"id": 13, "lines": [1, 2, 3]}'

        def chunks():
            yield body[:10]
            yield body[10:]

        response = self._post(chunks(), event_id="evt-13", signature=sign(SECRET, body))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self._deliveries().body.encode(), body)

    def test_each_delivery_wakes_the_runner(self):
        cron = self.env.ref("store_connector_base.ir_cron_sync_job_runner")
        Trigger = self.env["ir.cron.trigger"]
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        self.assertEqual(self._post({"id": 1}, event_id="evt-w1").status_code, 200)
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), 1, "the first delivery wakes it")
        # Each delivery's transaction carries its own wake-up: one already due may belong to a run
        # about to end, which would delete it (see test_sync_job).
        self.assertEqual(self._post({"id": 2}, event_id="evt-w2").status_code, 200)
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), 2)
        # A duplicate queues nothing, so it wakes nothing.
        self.assertEqual(self._post({"id": 2}, event_id="evt-w2").status_code, 200)
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), 2)

    def test_server_error_answers_503_without_detail_and_keeps_nothing(self):
        def unreadable(*args, **kwargs):
            raise UserError('The credential "webhook_secret" of store "Intake Store" cannot be decrypted')

        with patch.object(StoreAdapterTest, "_verify_webhook", unreadable), mute_logger(CONTROLLER_LOGGER):
            response = self._post({"id": 1}, event_id="evt-e1")
        self.assertRefused(response, 503, "unavailable")
        self.assertNotIn("Intake Store", response.text)

        # Failing after the delivery was inserted (and its job and the runner's trigger): the insert
        # is undone with the rest.
        Delivery = type(self.env["store.webhook.delivery"])
        insert = Delivery._insert_delivery

        def inserted_then_unreadable(records, *args, **kwargs):
            insert(records, *args, **kwargs)
            unreadable()

        with patch.object(Delivery, "_insert_delivery", inserted_then_unreadable), \
                mute_logger(CONTROLLER_LOGGER):
            response = self._post({"id": 2}, event_id="evt-e2")
        self.assertRefused(response, 503, "unavailable")

    # ------------------------------------------------------------------ pings and ignored events
    def test_ping_is_answered_200_and_dropped(self):
        response = self._post(b"webhook_id=42", secret=None, content_type="application/x-www-form-urlencoded")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertNothingStored()

    def test_anything_more_than_a_ping_must_be_signed(self):
        form = "application/x-www-form-urlencoded"
        for body, content_type in [
            (b"webhook_id=42&id=7", form),
            (b"webhook_id=42\n", form),
            (b"webhook_id=", form),
            (b"webhook_id=42", "application/json"),
        ]:
            with self.subTest(body=body, content_type=content_type):
                self.assertRefused(self._post(body, secret=None, content_type=content_type),
                                   401, "invalid signature")

    def test_ignored_event_is_answered_200_and_dropped(self):
        response = self._post({"ignore": True, "id": 8}, event_id="evt-8")
        self.assertEqual((response.status_code, response.json()), (200, {"status": "ignored"}))
        self.assertNothingStored()

    # ------------------------------------------------------------------ signatures
    def test_unsigned_delivery_is_refused(self):
        self.assertRefused(self._post({"id": 1}, secret=None, event_id="evt-u"), 401, "invalid signature")

    def test_wrongly_signed_delivery_is_refused(self):
        self.assertRefused(self._post({"id": 1}, secret="not-the-secret", event_id="evt-w"),
                           401, "invalid signature")
        self.assertRefused(self._post({"id": 1}, signature="garbage", event_id="evt-w"),
                           401, "invalid signature")

    def test_tampered_body_is_refused(self):
        signature = sign(SECRET, b'{"id": 1, "total": "1.00"}')
        self.assertRefused(self._post(b'{"id": 1, "total": "0.01"}', signature=signature, event_id="evt-t"),
                           401, "invalid signature")

    def test_store_without_secret_refuses_everything(self):
        bare = _make_store(self.env, "No Secret", secret=None)
        response = self._post({"id": 1}, store=bare, event_id="evt-b")
        self.assertEqual(response.status_code, 401)
        self.assertNothingStored(bare)

    def test_previous_secret_is_accepted_until_it_expires(self):
        Credential = self.env["integration.credential"]
        Credential._set_value(self.store, "webhook_secret", "whsec-rotated")
        previous = Credential._set_value(self.store, "webhook_secret_previous", OLD_SECRET,
                                         expires_at=fields.Datetime.now() + timedelta(hours=1))

        self.assertEqual(self._post({"id": 1}, secret="whsec-rotated", event_id="evt-r1").status_code, 200)
        self.assertEqual(self._post({"id": 2}, secret=OLD_SECRET, event_id="evt-r2").status_code, 200)
        self.assertEqual(self._post({"id": 3}, secret=SECRET, event_id="evt-r3").status_code, 401,
                         "the secret replaced by the rotation is no longer valid")

        previous.expires_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertEqual(self._post({"id": 4}, secret=OLD_SECRET, event_id="evt-r4").status_code, 401,
                         "an expired previous secret is refused")
        self.assertEqual(self._post({"id": 5}, secret="whsec-rotated", event_id="evt-r5").status_code, 200)
        self.assertEqual(sorted(self._deliveries().mapped("event_id")), ["evt-r1", "evt-r2", "evt-r5"])

    # ------------------------------------------------------------------ malformed bodies
    def test_signed_non_json_body_is_malformed(self):
        self.assertRefused(self._post(b"<order id='1'/>", event_id="evt-x"), 400, "malformed body")

    def test_signed_json_that_is_not_an_object_is_malformed(self):
        self.assertRefused(self._post(b"[1, 2]", event_id="evt-l"), 400, "malformed body")

    def test_delivery_without_event_id_is_malformed(self):
        self.assertRefused(self._post({"name": "no id"}), 400, "malformed body")

    # ------------------------------------------------------------------ size limit
    def test_content_length_over_the_limit_is_refused(self):
        body = json.dumps({"id": 1, "pad": "x" * (SMALL_LIMIT * 2)}).encode()
        with patch.dict(config.options, {const.CONFIG_WEBHOOK_MAX_BYTES: SMALL_LIMIT}):
            response = self._post(body, event_id="evt-big")
        self.assertRefused(response, 413, "payload too large")

    def test_chunked_body_over_the_limit_is_refused(self):
        body = json.dumps({"id": 1, "pad": "x" * (SMALL_LIMIT * 2)}).encode()

        def chunks():  # no Content-Length: requests sends Transfer-Encoding: chunked
            for start in range(0, len(body), 256):
                yield body[start:start + 256]

        with patch.dict(config.options, {const.CONFIG_WEBHOOK_MAX_BYTES: SMALL_LIMIT}):
            response = self._post(chunks(), event_id="evt-big-chunked", signature=sign(SECRET, body))
        self.assertRefused(response, 413, "payload too large")

    def test_body_at_the_limit_is_accepted(self):
        body = b'{"id": 1, "pad": "' + b"x" * 10 + b'"}'
        body = body[:-2] + b"x" * (SMALL_LIMIT - len(body)) + b'"}'
        self.assertEqual(len(body), SMALL_LIMIT)
        with patch.dict(config.options, {const.CONFIG_WEBHOOK_MAX_BYTES: SMALL_LIMIT}):
            response = self._post(body, event_id="evt-limit")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(len(self._deliveries()), 1)

    def test_size_limit_option(self):
        with patch.dict(config.options):
            config.options.pop(const.CONFIG_WEBHOOK_MAX_BYTES, None)
            self.assertEqual(max_body_bytes(), 2 * 1024 * 1024)
            config.options[const.CONFIG_WEBHOOK_MAX_BYTES] = "4096"
            self.assertEqual(max_body_bytes(), 4096)
            config.options[const.CONFIG_WEBHOOK_MAX_BYTES] = "lots"
            self.assertEqual(max_body_bytes(), const.DEFAULT_WEBHOOK_MAX_BYTES)

    # ------------------------------------------------------------------ wrong address or method
    def test_unknown_store_is_404_without_detail(self):
        response = self._post({"id": 1}, code="no-such-store-code", event_id="evt-404")
        self.assertRefused(response, 404, "not found")

    def test_inactive_store_is_404_like_an_unknown_one(self):
        unknown = self._post({"id": 1}, code="no-such-store-code", event_id="evt-404")
        self.store.active = False
        inactive = self._post({"id": 1}, event_id="evt-404")
        self.assertRefused(inactive, 404, "not found")
        self.assertEqual(inactive.content, unknown.content,
                         "an inactive store cannot be told from a missing one")

    def test_unknown_kind_is_404(self):
        self.assertRefused(self._post({"id": 1}, kind="refunds", event_id="evt-k"), 404, "not found")

    def test_get_is_not_intake(self):
        response = self.url_open(self._url("orders"))
        self.assertEqual(response.status_code, 405)
        self.assertNothingStored()

    def test_last_received_at_follows_deliveries(self):
        webhook = self.env["store.webhook"].create(
            {"store_id": self.store.id, "topic": "orders/create", "kind": "orders", "external_id": "sub-1"})
        self.assertFalse(webhook.last_received_at)
        self.assertEqual(self._post({"id": 1}, event_id="evt-lr", topic="orders/create").status_code, 200)
        webhook.invalidate_recordset(["last_received_at"])
        self.assertEqual(webhook.last_received_at, self._deliveries().received_at)


class WebhookReceiveCase(TransactionCase):
    """`store.webhook.delivery._receive` and the registry, without HTTP: the cases a route cannot reach."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.store = _make_store(cls.env, "Receive Store")
        cls.Delivery = cls.env["store.webhook.delivery"].sudo()

    def _receive(self, body, parsed=None, headers=None):
        headers = {SIGNATURE_HEADER: sign(SECRET, body), **(headers or {})}
        if parsed is None:
            return self.Delivery._receive(self.store, "orders", headers, body)
        with patch.object(StoreAdapterTest, "_parse_webhook", autospec=True, return_value=parsed):
            return self.Delivery._receive(self.store, "orders", headers, body)

    def _stored(self):
        return self.Delivery.search([("store_id", "=", self.store.id)])

    def test_body_that_is_not_utf8_is_refused(self):
        # The body is stored as text: bytes that are not UTF-8 could not be kept as signed.
        with self.assertRaises(WebhookRejected) as caught:
            self._receive(b'{"id": "\xff"}', parsed={"event_id": "e1", "topic": "orders/create"})
        self.assertEqual(caught.exception.status, 400)
        with self.assertRaises(WebhookRejected) as caught:
            self._receive(b'{"id": 1}\x00', parsed={"event_id": "e2", "topic": "orders/create"})
        self.assertEqual(caught.exception.status, 400)
        self.assertFalse(self._stored())

    def test_operation_the_store_forbids_is_acknowledged_not_stored(self):
        self.store.allow_orders_pull = False
        status = self._receive(b'{"id": 1}', parsed={"event_id": "e3", "operation": "orders.pull"})
        self.assertEqual(status, (200, "ignored"))
        self.assertFalse(self._stored())
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store.id)]))

    def test_adapter_chooses_operation_method_and_priority(self):
        status = self._receive(b'{"id": 1}', parsed={"event_id": "e4", "operation": "orders.pull",
                                                     "method": "_job_process", "priority": 1})
        self.assertEqual(status, (200, "queued"))
        job = self._stored().job_id
        self.assertEqual((job.operation, job.priority), ("orders.pull", 1))

    def test_headers_with_credentials_are_not_stored(self):
        self._receive(b'{"id": 1}', headers={EVENT_HEADER: "e5", "Authorization": "Basic eDp5",
                                             "Proxy-Authorization": "Basic eDp5", "X-Kept": "1"})
        headers = self._stored().headers
        self.assertEqual(headers.get("X-Kept"), "1")
        self.assertFalse({"Authorization", "Proxy-Authorization"} & set(headers))

    def test_last_received_at_is_the_latest_delivery_of_the_store_and_topic(self):
        other = _make_store(self.env, "Elsewhere")
        Webhook = self.env["store.webhook"]
        created = Webhook.create({"store_id": self.store.id, "topic": "orders/create", "kind": "orders"})
        updated = Webhook.create({"store_id": self.store.id, "topic": "orders/updated", "kind": "orders"})
        quiet = Webhook.create({"store_id": self.store.id, "topic": "products/update", "kind": "products"})

        def deliver(store, topic, event_id, when):
            self.Delivery.create({"store_id": store.id, "kind": "orders", "topic": topic,
                                  "event_id": event_id, "body": "{}", "received_at": when})

        deliver(self.store, "orders/create", "a", datetime(2024, 5, 1, 10, 0))
        deliver(self.store, "orders/create", "b", datetime(2024, 5, 3, 9, 30))
        deliver(self.store, "orders/create", "c", datetime(2024, 5, 2, 8, 0))
        deliver(self.store, "orders/updated", "d", datetime(2024, 4, 1, 0, 0))
        # Another store's newer delivery on the same topic does not count.
        deliver(other, "orders/create", "e", datetime(2024, 6, 1, 0, 0))

        webhooks = created | updated | quiet
        webhooks.invalidate_recordset(["last_received_at"])
        self.assertEqual(created.last_received_at, datetime(2024, 5, 3, 9, 30))
        self.assertEqual(updated.last_received_at, datetime(2024, 4, 1, 0, 0))
        self.assertFalse(quiet.last_received_at)
