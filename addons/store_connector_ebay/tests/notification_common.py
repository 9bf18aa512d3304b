"""What the notification tests share: eBay's signing (an ECDSA P-256 key made here, as eBay signs
with its own), a loopback Notification API (public keys, destinations, subscriptions, topics) on
RecordingServer, and eBay stores pointing at it."""

import base64
import json
import re
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from odoo.addons.store_connector_base.tests.http_servers import RecordingServer
from odoo.addons.store_connector_ebay.ebay_notification import PUBLIC_KEYS

KID = "99345d7a-7f54-4c35-9cbe-e5f0f8a2a1b1"
NOTIFICATION = "/commerce/notification/v1"


def make_key():
    return ec.generate_private_key(ec.SECP256R1())


def public_key_answer(private_key):
    """getPublicKey's answer: the PEM on one line, as eBay sends it."""
    pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return {"algorithm": "ECDSA", "digest": "SHA1", "key": pem.replace("\n", "")}


def sign(private_key, raw_body, kid=KID):
    """X-EBAY-SIGNATURE of `raw_body`: base64 of {alg, kid, signature (base64 DER), digest}."""
    signature = private_key.sign(raw_body, ec.ECDSA(hashes.SHA1()))  # noqa: S303 - eBay's algorithm
    header = {"alg": "ECDSA", "kid": kid, "signature": base64.b64encode(signature).decode(), "digest": "SHA1"}
    return base64.b64encode(json.dumps(header).encode()).decode()


def message(topic, data, notification_id="nid-0001"):
    """An eBay notification envelope, serialised compactly as eBay does."""
    body = {
        "metadata": {"topic": topic, "schemaVersion": "1.0", "deprecated": False},
        "notification": {
            "notificationId": notification_id,
            "eventDate": "2026-11-20T10:00:00.000Z",
            "publishDate": "2026-11-20T10:00:01.000Z",
            "publishAttemptCount": 1,
            "data": data,
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


class FakeNotificationApi:
    """A loopback Notification API: ``/public_key/{kid}`` (404 for an unknown kid), ``/topic/{id}``,
    ``/destination`` and ``/subscription`` (list, create, update) with eBay's field names. The
    token kind of each call (app or user) is read from the stand-in client's X-Test-Token header."""

    def __init__(self, keys=None):
        self.keys = dict(keys or {})
        self.destinations = {}
        self.subscriptions = {}
        self.server = RecordingServer(self.respond)

    def start(self):
        return self.server.start()

    def stop(self):
        self.server.stop()

    @property
    def requests(self):
        return self.server.requests

    def calls(self, method=None, prefix=""):
        return [
            (request["method"], urlsplit(request["path"]).path, request["headers"].get("x-test-token"))
            for request in self.requests
            if (method is None or request["method"] == method)
            and urlsplit(request["path"]).path.startswith(NOTIFICATION + prefix)
        ]

    def respond(self, request):
        path = urlsplit(request["path"]).path
        body = json.loads(request["body"] or b"null")
        token = request["headers"].get("x-test-token")
        method = request["method"]
        match = re.fullmatch(NOTIFICATION + r"/public_key/(.+)", path)
        if match:
            if token != "app":
                return 403, {}, {"errors": [{"errorId": 1100, "message": "Access denied"}]}
            if match[1] not in self.keys:
                return 404, {}, {"errors": [{"errorId": 195004, "message": "The public key is not found."}]}
            return 200, {}, public_key_answer(self.keys[match[1]])
        match = re.fullmatch(NOTIFICATION + r"/topic/(.+)", path)
        if match:
            scope = "APPLICATION" if match[1] == "AUTHORIZATION_REVOCATION" else "USER"
            return (
                200,
                {},
                {
                    "topicId": match[1],
                    "scope": scope,
                    "status": "ENABLED",
                    "supportedPayloads": [
                        {
                            "schemaVersion": "1.0",
                            "format": ["JSON"],
                            "deliveryProtocol": "HTTPS",
                            "deprecated": True,
                        },
                        {
                            "schemaVersion": "2.0",
                            "format": ["JSON"],
                            "deliveryProtocol": "HTTPS",
                            "deprecated": False,
                        },
                    ],
                },
            )
        if path == NOTIFICATION + "/destination":
            if method == "GET":
                return (
                    200,
                    {},
                    {"total": len(self.destinations), "destinations": list(self.destinations.values())},
                )
            destination_id = f"dest-{len(self.destinations) + 1}"
            self.destinations[destination_id] = {**body, "destinationId": destination_id}
            return 201, {"Location": f"{NOTIFICATION}/destination/{destination_id}"}, b""
        match = re.fullmatch(NOTIFICATION + r"/destination/(.+)", path)
        if match and method == "PUT":
            self.destinations[match[1]] = {**body, "destinationId": match[1]}
            return 204, {}, b""
        if path == NOTIFICATION + "/subscription":
            if method == "GET":
                query = parse_qs(urlsplit(request["path"]).query)
                assert query.get("limit") == ["100"], query
                return 200, {}, {"subscriptions": list(self.subscriptions.values())}
            subscription_id = f"sub-{len(self.subscriptions) + 1}"
            self.subscriptions[subscription_id] = {**body, "subscriptionId": subscription_id, "token": token}
            return 201, {"Location": f"{NOTIFICATION}/subscription/{subscription_id}"}, b""
        match = re.fullmatch(NOTIFICATION + r"/subscription/(.+)", path)
        if match and method == "PUT":
            self.subscriptions[match[1]].update(body)
            return 204, {}, b""
        return 404, {}, {"errors": [{"errorId": 2002, "message": "Resource not found"}]}


def clear_public_keys():
    PUBLIC_KEYS.clear()


# ---------------------------------------------------------------------------- the store's client
# Until the eBay foundation's client (connector.store._ebay_client, models/ebay_client.py) is on
# main, the tests give the store a stand-in with its contract: request_json(method, path, *, api,
# params, json, headers, app) on the base's client core, the token kind said in X-Test-Token.
from odoo.addons.store_connector_base.services.api_client import ApiClient  # noqa: E402


class StandInEbayClient(ApiClient):
    platform_name = "eBay"

    def _base_url(self):
        return self.store.shop_url.rstrip("/")

    def request_json(self, method, path, *, api, params=None, json=None, headers=None, app=False):
        assert api, "every eBay call names its quota"
        headers = {**(headers or {}), "X-Test-Token": "app" if app else "user"}
        return super().request_json(method, path, params=params, json=json, headers=headers)
