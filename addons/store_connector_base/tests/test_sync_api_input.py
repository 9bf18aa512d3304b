"""The sync API's input checks (pure functions): what they accept, normalise and refuse."""

from datetime import datetime

from werkzeug.datastructures import MultiDict

from odoo.tests import BaseCase

from odoo.addons.store_connector_base.services import sync_api
from odoo.addons.store_connector_base.services.sync_api import SyncApiError


class TestSyncApiInput(BaseCase):
    def assertRefused(self, code, func, *args):
        with self.assertRaises(SyncApiError) as caught:
            func(*args)
        self.assertEqual((caught.exception.status, caught.exception.code), (422, code))

    def test_since(self):
        self.assertIsNone(sync_api.parse_since(None))
        self.assertEqual(sync_api.parse_since("2024-05-01T12:00:00Z"), datetime(2024, 5, 1, 12, 0))
        # Offsets become UTC; Odoo stores naive UTC datetimes.
        self.assertEqual(sync_api.parse_since("2024-05-01T12:00:00+02:00"), datetime(2024, 5, 1, 10, 0))
        self.assertEqual(sync_api.parse_since("2024-05-01"), datetime(2024, 5, 1))
        for bad in ("yesterday", "2024-02-30", "01/05/2024", "2024-05-01T25:00"):
            self.assertRefused("invalid_since", sync_api.parse_since, bad)

    def test_since_range(self):
        now = datetime(2030, 6, 1, 12, 0)
        self.assertEqual(sync_api.parse_since("1970-01-01", now=now), datetime(1970, 1, 1))
        self.assertEqual(sync_api.parse_since("2030-06-02T12:00:00Z", now=now), datetime(2030, 6, 2, 12, 0))
        for bad in ("1969-12-31T23:59:59Z", "2030-06-02T12:00:01Z", "0001-01-01T00:00:00+01:00",
                    "9999-12-31T23:59:59-01:00", "2030-01-01\n", "2" * 100):
            with self.subTest(since=bad):
                with self.assertRaises(SyncApiError) as caught:
                    sync_api.parse_since(bad, now=now)
                self.assertEqual((caught.exception.status, caught.exception.code), (422, "invalid_since"))

    def test_limit(self):
        self.assertEqual(sync_api.parse_limit(None), 50)
        self.assertEqual(sync_api.parse_limit("1"), 1)
        self.assertEqual(sync_api.parse_limit("100"), 100)
        for bad in ("0", "101", "-1", "x", "2.0", " 5", "1_0", "\uff11\uff10", "9" * 5000):
            self.assertRefused("invalid_limit", sync_api.parse_limit, bad)

    def test_cursor_round_trip_and_tampering(self):
        self.assertEqual(sync_api.decode_cursor(sync_api.encode_cursor(4242)), 4242)
        self.assertIsNone(sync_api.decode_cursor(""))
        self.assertEqual(sync_api.decode_cursor(sync_api.encode_cursor(sync_api.MAX_ID)), sync_api.MAX_ID)
        for bad in ("%%%", "bm9wZQ", sync_api.encode_cursor(1)[:-2] + "!!", sync_api.encode_cursor(2**31),
                    "bzE6LTE", "bzE6MV8w", "bzE6IDE", "A" * 1000):
            self.assertRefused("invalid_cursor", sync_api.decode_cursor, bad)

    def test_record_id(self):
        self.assertEqual(sync_api.parse_record_id("42"), 42)
        self.assertEqual(sync_api.parse_record_id(str(2**31 - 1)), 2**31 - 1)
        for value in ("0", "042", "2147483648", "\u00b2", "\u0661", "-1", "1 ", "", None):
            self.assertIsNone(sync_api.parse_record_id(value), value)

    def test_single_values(self):
        sync_api.check_single_values(MultiDict([("limit", "1"), ("status", "sale")]))
        with self.assertRaises(SyncApiError) as caught:
            sync_api.check_single_values(MultiDict([("limit", "1"), ("limit", "2")]))
        self.assertEqual(caught.exception.code, "invalid_parameter")
        self.assertIn("limit", caught.exception.message)

    def test_content_type(self):
        for content_type, raw in (("application/json", b"{}"), ("application/json; charset=UTF-8", b"{}"),
                                  ("Application/JSON", b""), ("", b"")):
            sync_api.check_json_content_type(content_type, raw)
        for content_type, raw in (("application/x-www-form-urlencoded", b"skus=A"), ("", b"{}"),
                                  ("text/plain", b"{}"), ("application/json; charset=utf-16", b"{}"),
                                  ("application/x-www-form-urlencoded", b"")):
            with self.subTest(content_type=content_type, raw=raw):
                with self.assertRaises(SyncApiError) as caught:
                    sync_api.check_json_content_type(content_type, raw)
                self.assertEqual((caught.exception.status, caught.exception.code),
                                 (415, "unsupported_media_type"))

    def test_status(self):
        allowed = ["draft", "sale", "cancel"]
        self.assertEqual(sync_api.parse_status("sale, cancel", allowed), ["sale", "cancel"])
        self.assertIsNone(sync_api.parse_status("", allowed))
        self.assertRefused("invalid_status", sync_api.parse_status, "sale,shipped", allowed)
        self.assertRefused("invalid_status", sync_api.parse_status, ",", allowed)

    def test_skus_and_items(self):
        self.assertIsNone(sync_api.parse_skus({}))
        self.assertEqual(sync_api.parse_skus({"skus": [" A ", "B", "A"]}), ["A", "B"])
        self.assertIsNone(sync_api.parse_inventory_items({}))
        self.assertEqual(sync_api.parse_inventory_items({"items": [{"sku": "A", "quantity": 3.0}]}),
                         [{"sku": "A", "quantity": 3}])
        self.assertEqual(sync_api.parse_inventory_items({"skus": ["A"]}), [{"sku": "A", "quantity": None}])
        too_many = {"skus": [f"S{i}" for i in range(sync_api.MAX_SYNC_ITEMS + 1)]}
        self.assertRefused("too_many_items", sync_api.parse_skus, too_many)
        self.assertRefused("invalid_sku", sync_api.parse_skus, {"skus": ["x" * 300]})
        self.assertEqual(sync_api.parse_skus({"skus": ["\tA\n"]}), ["A"])
        for bad in ("A\x00", "A\u0085B", "\ud800"):
            self.assertRefused("invalid_sku", sync_api.parse_skus, {"skus": [bad]})
        self.assertRefused("invalid_quantity", sync_api.parse_inventory_items,
                           {"items": [{"sku": "A", "quantity": sync_api.MAX_QUANTITY + 1}]})

    def test_json_body(self):
        self.assertEqual(sync_api.parse_json_body(b""), {})
        self.assertEqual(sync_api.parse_json_body(b"  \n"), {})
        self.assertEqual(sync_api.parse_json_body(b'{"skus": ["A"]}'), {"skus": ["A"]})
        self.assertRefused("invalid_json", sync_api.parse_json_body, b"\xff\xfe")
        self.assertRefused("invalid_json", sync_api.parse_json_body, b'"text"')
        self.assertRefused("invalid_json", sync_api.parse_json_body, b'{"q": NaN}')
        self.assertRefused("invalid_json", sync_api.parse_json_body, b'{"q": -Infinity}')
        nested = b'{"q": ' + b"[" * 100000 + b"]" * 100000 + b"}"
        self.assertRefused("invalid_json", sync_api.parse_json_body, nested)

    def test_error_body(self):
        error = SyncApiError(429, "rate_limited", "slow down", headers={"Retry-After": "5"})
        self.assertEqual(error.to_json(), {"error": {"code": "rate_limited", "message": "slow down"}})
        self.assertEqual(SyncApiError(422, "x", "y", details={"skus": ["A"]}).to_json()["error"]["details"],
                         {"skus": ["A"]})
