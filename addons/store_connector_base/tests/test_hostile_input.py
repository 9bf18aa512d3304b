"""Hostile input at the webhook intake and the sync API, over Odoo's real HTTP server (issue #12,
fault 8): each request gets the right 4xx, never a 500, and nothing is stored (no delivery, no job).

Deliveries here are signed with the store's own secret whenever the body is what is under test: a
signed hostile body reaches the platform's parser, the deepest a stranger's body could go if the
secret leaked, or the platform itself sent garbage.
"""

import json
from unittest.mock import patch

from odoo.tests.common import HttpCase, tagged
from odoo.tools import config, mute_logger

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_test_platform.models.store_adapter import (
    EVENT_HEADER,
    SHOP_HEADER,
    SIGNATURE_HEADER,
    sign,
)

from .common_hostile import (
    MALFORMED_BODIES,
    deep_json,
    http_request,
    huge_header_value,
    padded_json,
    raw_request,
)
from .sync_api_common import SyncApiFixtures

SECRET = "whsec-hostile-0123456789"
OTHER_SECRET = "whsec-hostile-other-98765"
SMALL_LIMIT = 4096
# The HTTP layer logs what it refuses; a refusal is the expected outcome here.
QUIET = ("odoo.http", "odoo.store_connector.base.controllers.main",
         "odoo.store_connector.base.models.ir_http", "werkzeug")


class HostileCase(HttpCase):
    def _raw_post(self, path, body, headers):
        """POST even an empty body (url_open sends a GET without data)."""
        return self.opener.post(self.base_url() + path, data=body, headers=headers, timeout=60)

    def assertNoServerError(self, status, what):
        self.assertIsNotNone(status, f"{what}: the server answered nothing")
        self.assertLess(status, 500, f"{what}: answered {status}")


@tagged("post_install", "-at_install")
class TestHostileWebhooks(HostileCase):
    """The store route /api/v1/stores/<code>/webhooks/<kind> and the platform endpoint."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        Store = cls.env["connector.store"]
        cls.store = Store.create({"name": "Hostile Shop", "platform": "test"})
        cls.other_store = Store.create({"name": "Neighbour Shop", "platform": "test"})
        Credential = cls.env["integration.credential"]
        Credential.create({"store_id": cls.store.id, "key": "webhook_secret", "value": SECRET})
        Credential.create({"store_id": cls.other_store.id, "key": "webhook_secret", "value": OTHER_SECRET})

    def setUp(self):
        super().setUp()
        self.event_counter = 0

    # ------------------------------------------------------------------ helpers
    def _path(self, kind="orders", store=None):
        return f"/api/v1/stores/{(store or self.store).code}/webhooks/{kind}"

    def _headers(self, body, secret=SECRET, content_type="application/json", **extra):
        self.event_counter += 1
        headers = {"Content-Type": content_type, EVENT_HEADER: f"evt-hostile-{self.event_counter}"}
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, body)
        headers.update(extra)
        return headers

    def _post(self, body, kind="orders", store=None, secret=SECRET, headers=None, **kwargs):
        headers = headers if headers is not None else self._headers(body, secret, **kwargs)
        return self._raw_post(self._path(kind, store), body, headers)

    def assertNothingStored(self, what):
        stores = (self.store | self.other_store).ids
        self.assertFalse(self.env["store.webhook.delivery"].search([("store_id", "in", stores)]),
                         f"{what}: a delivery was stored")
        self.assertFalse(self.env["sync.job"].search([("store_id", "in", stores)]),
                         f"{what}: a job was queued")

    def assertRefused(self, response, statuses, what):
        statuses = (statuses,) if isinstance(statuses, int) else statuses
        self.assertIn(response.status_code, statuses, f"{what}: {response.text[:300]}")
        self.assertNothingStored(what)

    # ------------------------------------------------------------------ bodies
    @mute_logger(*QUIET)
    def test_signed_malformed_bodies_are_400_and_kept_nowhere(self):
        for name, body in MALFORMED_BODIES.items():
            with self.subTest(body=name):
                self.assertRefused(self._post(body), 400, name)

    @mute_logger(*QUIET)
    def test_unsigned_malformed_bodies_are_401(self):
        for name, body in MALFORMED_BODIES.items():
            with self.subTest(body=name):
                self.assertRefused(self._post(body, secret=None), 401, name)

    @mute_logger(*QUIET)
    def test_deeply_nested_body_is_400_at_the_platform_endpoint(self):
        # The platform endpoint reads the body to find the store before any signature is checked.
        for name, body in MALFORMED_BODIES.items():
            with self.subTest(body=name):
                response = self._raw_post("/store_connector/webhook/test", body, headers={
                    "Content-Type": "application/json", SHOP_HEADER: self.store.code,
                    SIGNATURE_HEADER: sign(SECRET, body), EVENT_HEADER: f"evt-pe-{name}"})
                self.assertRefused(response, 400, name)

    @mute_logger(*QUIET)
    def test_valid_json_nested_too_deep_for_the_parser_is_400(self):
        self.assertRefused(self._post(deep_json()), 400, "deep JSON")

    # ------------------------------------------------------------------ signatures
    @mute_logger(*QUIET)
    def test_another_stores_signature_is_401(self):
        body = json.dumps({"id": 5}).encode()
        # Valid for the neighbour: sent to the neighbour's route it is stored (the control)...
        headers = self._headers(body, secret=OTHER_SECRET)
        self.assertRefused(self._post(body, headers=headers), 401, "store A's route, store B's signature")
        self.assertEqual(self._post(body, store=self.other_store, headers=headers).status_code, 200)
        self.assertEqual(self.env["store.webhook.delivery"].search_count(
            [("store_id", "=", self.other_store.id)]), 1)

    @mute_logger(*QUIET)
    def test_missing_or_garbage_signature_is_401(self):
        body = json.dumps({"id": 6}).encode()
        self.assertRefused(self._post(body, secret=None), 401, "no signature")
        headers = self._headers(body, secret=None, **{SIGNATURE_HEADER: "\u00e9" * 40})
        self.assertRefused(self._post(body, headers=headers), 401, "a signature that is not base64")

    # ------------------------------------------------------------------ addresses
    @mute_logger(*QUIET)
    def test_unknown_kind_store_and_method(self):
        body = json.dumps({"id": 7}).encode()
        self.assertRefused(self._post(body, kind="refunds-and-more"), 404, "unknown kind")
        self.assertRefused(self._post(body, kind="x" * 3000), (404, 414), "a kind of 3000 characters")
        response = self.url_open("/api/v1/stores/no-such-store/webhooks/orders", data=body,
                                 headers=self._headers(body))
        self.assertRefused(response, 404, "unknown store")
        self.assertRefused(self.url_open(self._path()), 405, "GET")
        self.assertRefused(self.url_open("/store_connector/webhook/no_such_platform", data=body,
                                         headers=self._headers(body)), 404, "unknown platform")

    # ------------------------------------------------------------------ sizes and framing
    @mute_logger(*QUIET)
    def test_bodies_over_the_limit_are_413_however_framed(self):
        body = padded_json(SMALL_LIMIT * 4)
        headers = self._headers(body)
        with patch.dict(config.options, {const.CONFIG_WEBHOOK_MAX_BYTES: SMALL_LIMIT}):
            self.assertRefused(self._post(body, headers=headers), 413, "with Content-Length")
            status, answer = raw_request(self.base_url(), http_request(
                "POST", self._path(), headers, body, chunked=True))
            self.assertEqual(status, 413, answer[:300])
            self.assertNothingStored("chunked")

    @mute_logger(*QUIET)
    def test_a_body_without_length_or_chunks_is_not_read(self):
        # HTTP/1.1 without Content-Length nor chunked framing: the request has no body (RFC 9112
        # 6.3); the bytes that follow are no request the server will take.
        body = json.dumps({"id": 8}).encode()
        status, answer = raw_request(self.base_url(), http_request(
            "POST", self._path(), self._headers(body), body, content_length=False))
        self.assertNoServerError(status, "no Content-Length")
        self.assertIn(status, (400, 401, 411), answer[:300])
        self.assertNothingStored("no Content-Length")

    @mute_logger(*QUIET)
    def test_broken_chunked_framing_is_refused(self):
        body = json.dumps({"id": 9}).encode()
        headers = self._headers(body)
        raw = http_request("POST", self._path(), headers, chunked=True)
        raw = raw[:-len(b"0\r\n\r\n")] + b"zz\r\n" + body + b"\r\n0\r\n\r\n"
        status, answer = raw_request(self.base_url(), raw)
        self.assertNoServerError(status, "chunk size that is not hexadecimal")
        self.assertNothingStored("broken chunks")

    @mute_logger(*QUIET)
    def test_huge_headers_are_431(self):
        body = json.dumps({"id": 10}).encode()
        # Signed, so that only the headers' size decides: one header near the server's line limit,
        # and many mid-sized ones.
        one_huge = self._headers(body, **{"X-Padding": huge_header_value()})
        self.assertRefused(self._post(body, headers=one_huge), 431, "one 60 KB header")
        many = self._headers(body, **{f"X-Padding-{n}": huge_header_value(2000) for n in range(60)})
        self.assertRefused(self._post(body, headers=many), 431, "60 headers of 2 KB")
        # Past the HTTP server's own limits (a line over 64 KiB): it answers 431 and closes the
        # connection with the rest unread, which may reset it before the answer is read (None).
        status, _answer = raw_request(self.base_url(), http_request(
            "POST", self._path(), self._headers(body, **{"X-Padding": huge_header_value(70_000)}), body))
        self.assertIn(status, (431, None))
        self.assertNothingStored("a header line over 64 KiB")

    @mute_logger(*QUIET)
    def test_ordinary_headers_are_accepted(self):
        body = json.dumps({"id": 11}).encode()
        headers = self._headers(body, **{"User-Agent": "Platform-Webhooks/1.0 " + "x" * 400,
                                         "X-Request-Trace": "t" * 2000})
        self.assertEqual(self._post(body, headers=headers).status_code, 200)

    # ------------------------------------------------------------------ content types
    @mute_logger(*QUIET)
    def test_wrong_content_types_unsigned_are_401(self):
        body = json.dumps({"id": 12}).encode()
        for content_type in ("text/xml", "multipart/form-data; boundary=x",
                             "application/x-www-form-urlencoded"):
            with self.subTest(content_type=content_type):
                response = self._post(body, secret=None, content_type=content_type)
                self.assertRefused(response, 401, content_type)


@tagged("post_install", "-at_install")
class TestHostileSyncApi(SyncApiFixtures, HostileCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()

    def _path(self, tail="sync/products", store=None):
        return f"/api/v1/stores/{(store or self.store).code}/{tail}"

    def _post(self, body, tail="sync/products", key=None, content_type="application/json", headers=None,
              store=None):
        headers = {"Authorization": f"Bearer {key or self.key}", "Content-Type": content_type,
                   **(headers or {})}
        return self._raw_post(self._path(tail, store), body, headers)

    def assertNothingQueued(self, what):
        stores = (self.store | self.store_b | self.store_other_company).ids
        self.assertFalse(self.env["sync.job"].search([("store_id", "in", stores)]),
                         f"{what}: a job was queued")

    def assertRefused(self, response, status, what):
        self.assertEqual(response.status_code, status, f"{what}: {response.text[:300]}")
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json", what)
        self.assertTrue(response.json()["error"]["message"], what)
        self.assertNothingQueued(what)

    @mute_logger(*QUIET)
    def test_malformed_bodies_are_422(self):
        for tail in ("sync/products", "sync/inventory", "sync/orders"):
            for name, body in MALFORMED_BODIES.items():
                if not body:
                    continue  # no body at all is "everything": not hostile
                with self.subTest(route=tail, body=name):
                    self.assertRefused(self._post(body, tail), 422, f"{tail}: {name}")

    @mute_logger(*QUIET)
    def test_wrong_content_types_are_415(self):
        body = json.dumps({"skus": ["SKU-A"]}).encode()
        for content_type in ("text/plain", "application/x-www-form-urlencoded",
                             "application/json; charset=latin-1", "multipart/form-data; boundary=zz"):
            with self.subTest(content_type=content_type):
                self.assertRefused(self._post(body, content_type=content_type), 415, content_type)

    @mute_logger(*QUIET)
    def test_bodies_over_the_limit_are_413(self):
        body = padded_json(SMALL_LIMIT * 4)
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        with patch.dict(config.options, {const.CONFIG_WEBHOOK_MAX_BYTES: SMALL_LIMIT}):
            self.assertRefused(self._post(body), 413, "with Content-Length")
            status, answer = raw_request(self.base_url(), http_request(
                "POST", self._path(), headers, body, chunked=True))
            self.assertEqual(status, 413, answer[:300])
        self.assertNothingQueued("chunked")

    @mute_logger(*QUIET)
    def test_huge_headers_are_431(self):
        body = json.dumps({"skus": ["SKU-A"]}).encode()
        response = self._post(body, headers={"X-Padding": huge_header_value()})
        self.assertRefused(response, 431, "one 60 KB header")
        # A bearer key of 60 KB is no key: refused before anything looks it up.
        self.assertRefused(self._post(body, key="k" * 60_000), 431, "a 60 KB key")

    @mute_logger(*QUIET)
    def test_another_companys_store_is_404_with_this_key(self):
        body = json.dumps({"skus": ["SKU-A"]}).encode()
        response = self._post(body, store=self.store_other_company)
        self.assertEqual(response.status_code, 404, response.text)
        self.assertNothingQueued("another company's store")

    @mute_logger(*QUIET)
    def test_deep_query_and_unknown_routes(self):
        headers = {"Authorization": f"Bearer {self.key}"}
        response = self.url_open(self._path("orders") + "?limit=" + "9" * 5000, headers=headers)
        self.assertEqual(response.status_code, 422, response.text[:300])
        response = self.url_open(self._path("no-such-endpoint"), headers=headers)
        self.assertEqual(response.status_code, 404)
        self.assertNothingQueued("unknown routes")
