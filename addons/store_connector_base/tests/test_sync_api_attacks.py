"""Attacks on the sync API's input over Odoo's real HTTP server (issue #7, point 9): bodies read
whole before their size is checked, form-encoded bodies taken for "sync everything", and
out-of-range query values, ids and JSON answered with a 500."""

import json
import select
import socket
import threading
import time
from unittest.mock import patch
from urllib.parse import urlparse

import werkzeug.serving

from odoo.tests import HttpCase, tagged
from odoo.tools import config

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.services import sync_api

from .sync_api_common import SyncApiFixtures

SMALL_LIMIT = 64 * 1024


class _ServerReadCounter:
    """Counts the bytes the HTTP server reads from chunked request bodies, in every thread."""

    def __init__(self):
        self.total = 0
        self._lock = threading.Lock()
        self._readinto = werkzeug.serving.DechunkedInput.readinto

    def __enter__(self):
        counter, original = self, self._readinto

        def readinto(stream, buf):
            count = original(stream, buf)
            with counter._lock:
                counter.total += count or 0
            return count

        self._patch = patch.object(werkzeug.serving.DechunkedInput, "readinto", readinto)
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()


@tagged("post_install", "-at_install")
class TestSyncApiInputAttacks(SyncApiFixtures, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_sync_api_fixtures()

    # ------------------------------------------------------------------ helpers
    def _url(self, tail, store=None):
        return f"/api/v1/stores/{(store or self.store).code}/{tail}"

    def _request(self, method, path, data=None, headers=None, params=None):
        headers = {"Authorization": f"Bearer {self.key}", **(headers or {})}
        return self.opener.request(method, self.base_url() + path, data=data, headers=headers,
                                   params=params, timeout=60)

    def _jobs(self):
        return self.env["sync.job"].search([("store_id", "=", self.store.id)])

    def assertApiError(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text[:500])
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        error = response.json()["error"]
        self.assertEqual(error["code"], code, error)
        self.assertTrue(error["message"])
        return error

    def _raw_chunked_post(self, path, chunk_size, total):
        """POST a chunked JSON body of up to `total` bytes over a plain socket, chunk by chunk,
        stopping as soon as the server answers (or drops the connection).

        :returns: (bytes sent, raw answer received).
        """
        address = urlparse(self.base_url())
        sock = socket.create_connection((address.hostname, address.port), timeout=30)
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.key}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        frame = f"{chunk_size:x}\r\n".encode() + b"x" * chunk_size + b"\r\n"
        sent = 0
        try:
            while sent < total:
                readable, _w, _x = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(frame)
                sent += chunk_size
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        answer = b""
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
        finally:
            sock.close()
        return sent, answer

    # ------------------------------------------------------------------ bounded reads
    def test_chunked_oversize_body_is_refused_without_being_read_whole(self):
        """The audit's 800 MiB chunked body: the server must stop reading at the limit and answer
        413, not read the whole body into memory first."""
        total = 64 * 1024 * 1024
        with patch.dict(config.options, {const.CONFIG_WEBHOOK_MAX_BYTES: SMALL_LIMIT}), \
                _ServerReadCounter() as server:
            sent, answer = self._raw_chunked_post(self._url("sync/products"), 16 * 1024, total)
        self.assertLess(server.total, 4 * SMALL_LIMIT,
                        f"the server read {server.total} bytes of a body over {SMALL_LIMIT} bytes")
        self.assertLess(sent, total // 4, "the client could send the body whole: nobody stopped it")
        head, _sep, body = answer.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 413"), head[:200])
        self.assertEqual(json.loads(body)["error"]["code"], "payload_too_large")
        self.assertFalse(self._jobs())

    def test_oversize_content_length_is_refused_before_reading(self):
        body = json.dumps({"skus": ["SKU-A"] * 20000})
        with patch.dict(config.options, {const.CONFIG_WEBHOOK_MAX_BYTES: SMALL_LIMIT}):
            response = self._request("POST", self._url("sync/inventory"), data=body,
                                     headers={"Content-Type": "application/json"})
        error = self.assertApiError(response, 413, "payload_too_large")
        self.assertIn(str(SMALL_LIMIT), error["message"])
        self.assertFalse(self._jobs())

    def test_body_under_the_limit_sent_chunked_is_accepted(self):
        body = json.dumps({"skus": ["SKU-A"]}).encode()
        response = self._request("POST", self._url("sync/products"), data=iter([body[:5], body[5:]]),
                                 headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(response.json()["data"]["skus"], ["SKU-A"])

    # ------------------------------------------------------------------ content type
    def test_form_encoded_body_is_415_not_sync_everything(self):
        """`skus=SKU-A` form-encoded used to be parsed away by Odoo and read as an empty body:
        a request for one product queued the sync of every product of the store."""
        for path in ("sync/products", "sync/inventory"):
            with self.subTest(path=path):
                response = self._request("POST", self._url(path), data={"skus": "SKU-A"})
                error = self.assertApiError(response, 415, "unsupported_media_type")
                self.assertIn("application/json", error["message"])
        self.assertFalse(self._jobs())

    def test_body_of_another_type_is_415(self):
        body = json.dumps({"skus": ["SKU-A"]})
        for content_type in ("text/plain", "multipart/form-data; boundary=x",
                             "application/json; charset=latin-1", None):
            with self.subTest(content_type=content_type):
                headers = {"Content-Type": content_type} if content_type else {}
                response = self._request("POST", self._url("sync/products"), data=body, headers=headers)
                self.assertApiError(response, 415, "unsupported_media_type")
        self.assertFalse(self._jobs())

    def test_json_body_with_charset_and_empty_body_are_accepted(self):
        response = self._request("POST", self._url("sync/products"), data=json.dumps({"skus": ["SKU-B"]}),
                                 headers={"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(response.status_code, 202, response.text)
        # No body at all (no Content-Type either) still means "everything bound".
        response = self._request("POST", self._url("sync/products"))
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(len(response.json()["data"]["jobs"]), 3)

    # ------------------------------------------------------------------ query values out of range
    def test_since_out_of_range_is_422(self):
        url = self._url("orders")
        for since in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1900-01-01",
                      "2999-01-01T00:00:00Z", "2024-05-01\x00", "2" * 5000):
            with self.subTest(since=since[:40]):
                error = self.assertApiError(self._request("GET", url, params={"since": since}),
                                            422, "invalid_since")
                self.assertIn("since", error["message"])

    def test_cursor_out_of_range_or_garbage_is_422(self):
        url = self._url("orders")
        for cursor in (sync_api.encode_cursor(2**31), sync_api.encode_cursor(10**30),
                       "bzE6LTE", "bzE6MSAx", "A" * 10000, "\x00"):
            with self.subTest(cursor=cursor[:40]):
                response = self._request("GET", url, params={"cursor": cursor})
                self.assertApiError(response, 422, "invalid_cursor")

    def test_limit_and_parameters_out_of_range_are_422(self):
        url = self._url("orders")
        for limit in ("9" * 5000, "1e2", "１０", " 5", "0x10"):
            with self.subTest(limit=limit[:20]):
                self.assertApiError(self._request("GET", url, params={"limit": limit}), 422, "invalid_limit")
        self.assertApiError(self._request("GET", url + "?limit=1&limit=2"), 422, "invalid_parameter")

    def test_store_reference_out_of_range_is_404(self):
        for ref in ("%C2%B2", "%00", "2147483648", "99999999999999999999", "x" * 300):
            with self.subTest(ref=ref[:20]):
                response = self._request("GET", f"/api/v1/stores/{ref}/orders")
                self.assertApiError(response, 404, "store_not_found")

    # ------------------------------------------------------------------ JSON values out of range
    def test_json_values_out_of_range_are_422(self):
        url = self._url("sync/inventory")
        cases = [
            ('{"items": [{"sku": "SKU-A", "quantity": NaN}]}', "invalid_json"),
            ('{"items": [{"sku": "SKU-A", "quantity": Infinity}]}', "invalid_json"),
            ('{"items": [{"sku": "SKU-A", "quantity": 1e300}]}', "invalid_quantity"),
            ('{"items": [{"sku": "SKU-A", "quantity": 9223372036854775808}]}', "invalid_quantity"),
            ('{"items": [{"sku": "SKU-A", "quantity": 2147483648}]}', "invalid_quantity"),
            ('{"skus": ["SKU-A\\u0000"]}', "invalid_sku"),
            ('{"skus": ["\\ud800"]}', "invalid_sku"),
            ('{"skus": [' + "[" * 100000 + "]" * 100000 + "]}", "invalid_json"),
            ('{"skus": [' + "1" * 5000 + "]}", "invalid_json"),
        ]
        for body, code in cases:
            with self.subTest(body=body[:60]):
                response = self._request("POST", url, data=body, headers={"Content-Type": "application/json"})
                self.assertApiError(response, 422, code)
        self.assertFalse(self._jobs())
