"""The simulator's Notification API: topics, destinations with eBay's challenge (the simulator calls the
endpoint), subscriptions and their token rules, public keys, and deliveries signed as eBay signs them
(checked against a real eBay-signed message from eBay's SDK test data)."""

import base64
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .notification import (
    APP_SCOPE,
    DELETION_TOPIC,
    FULFILLMENT_SCOPE,
    SUBSCRIPTION_SCOPE,
    NotificationApi,
    challenge_response,
    message_bytes,
    verify_signature,
)
from .simx_testing import StandInSim, sim_request

N = "/commerce/notification/v1"
TOKEN = "verification_token_0123456789_abcdefghij"
APP = {"kind": "app", "scopes": {APP_SCOPE}}
SELLER = {"kind": "user", "user": "sim_seller", "scopes": {SUBSCRIPTION_SCOPE, FULFILLMENT_SCOPE}}

# A message eBay signed, its public key and signature header: the "VALID" vector of eBay's
# event-notification-nodejs-sdk (test/test.json, Apache-2.0), used as test data.
EBAY_SIGNED = {
    "header": "eyJhbGciOiJlY2RzYSIsImtpZCI6Ijk5MzYyNjFhLTdkN2ItNDYyMS1hMGYxLTk2Y2NiNDI4YWY0OSIsInNp"
    "Z25hdHVyZSI6Ik1FWUNJUUNmeGZJV3V4bVdjSUJRSjljNS9YN2lHREpxczJSQ0dzQkVhQWppbnlycmZBSWhBSVY2d0dj"
    "VGlCdVY1S0pVaWYyaG9reXJM"
    "K1E5c3NIa2FkK214Mm5FRTI1dyIsImRpZ2VzdCI6IlNIQTEifQ==",
    "key": {
        "algorithm": "ECDSA",
        "digest": "SHA1",
        "key": "-----BEGIN PUBLIC KEY-----MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZhhxXKtR+TOvtDbgTPCkSof0"
        "2qgBB7Is"
        "YOyf76ilExJ/upAa/vKIKheOoCyOpcLmi4t0b4uepb7LLjmMr90FUg==-----END PUBLIC KEY-----",
    },
    "message": {
        "metadata": {"topic": "MARKETPLACE_ACCOUNT_DELETION", "schemaVersion": "1.0", "deprecated": False},
        "notification": {
            "notificationId": "49feeaeb-4982-42d9-a377-9645b8479411_33f7e043-fed8-442b-9d44-791923bd9a6d",
            "eventDate": "2021-03-19T20:43:59.462Z",
            "publishDate": "2021-03-19T20:43:59.679Z",
            "publishAttemptCount": 1,
            "data": {
                "username": "test_user",
                "userId": "ma8vp1jySJC",
                "eiasToken": "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6wJnY+gAZGEpwmdj6x9nY+seQ==",
            },
        },
    },
}


class Endpoint:
    """A notification endpoint: answers eBay's challenge for `token` (or a wrong answer), records POSTs and
    answers them with the statuses queued in `statuses` (then 204)."""

    def __init__(self, token=TOKEN, path="/ebay/notify"):
        self.token = token
        self.wrong = False
        self.posts = []
        self.statuses = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                code = query["challenge_code"][0]
                answer = challenge_response(code, endpoint.token, endpoint.url)
                body = json.dumps({"challengeResponse": "0" * 64 if endpoint.wrong else answer}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.posts.append((body, dict(self.headers)))
                self.send_response(endpoint.statuses.pop(0) if endpoint.statuses else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    server = Endpoint()
    yield server
    server.close()


@pytest.fixture
def api():
    return NotificationApi(StandInSim())


def call(api, method, path, auth=APP, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    return api.handle(
        sim_request(method, N + path, headers={"Content-Type": "application/json"}, body=data, auth=auth)
    )


def make_destination(api, endpoint, auth=APP):
    answer = call(
        api,
        "POST",
        "/destination",
        auth,
        {
            "name": "odoo",
            "status": "ENABLED",
            "deliveryConfig": {"endpoint": endpoint.url, "verificationToken": TOKEN},
        },
    )
    assert answer.status == 201, answer.body
    return answer.headers["Location"].rsplit("/", 1)[1]


def subscribe(api, topic, destination_id, auth):
    return call(
        api,
        "POST",
        "/subscription",
        auth,
        {
            "topicId": topic,
            "status": "ENABLED",
            "destinationId": destination_id,
            "payload": {"format": "JSON", "schemaVersion": "1.0", "deliveryProtocol": "HTTPS"},
        },
    )


def test_our_verifier_accepts_a_message_ebay_signed():
    body = message_bytes(EBAY_SIGNED["message"])
    assert verify_signature(EBAY_SIGNED["key"], EBAY_SIGNED["header"], body)
    assert not verify_signature(
        EBAY_SIGNED["key"], EBAY_SIGNED["header"], body.replace(b"test_user", b"test_usex")
    )
    header = json.loads(base64.b64decode(EBAY_SIGNED["header"]))
    assert set(header) == {"alg", "kid", "signature", "digest"} and header["alg"] == "ecdsa"


def test_public_key_shape_and_app_token(api):
    answer = call(api, "GET", f"/public_key/{api.kid}")
    assert answer.status == 200
    assert answer.body["algorithm"] == "ECDSA" and answer.body["digest"] == "SHA1"
    key = answer.body["key"]
    assert key.startswith("-----BEGIN PUBLIC KEY-----MFkw") and key.endswith("-----END PUBLIC KEY-----")
    assert "\n" not in key
    assert call(api, "GET", "/public_key/not-a-key").status == 404
    assert call(api, "GET", f"/public_key/{api.kid}", auth=SELLER).status == 403


def test_challenge_is_sha256_of_code_token_endpoint():
    # eBay's documented order: challengeCode + verificationToken + endpoint
    # (SHA-256("abc") is the FIPS 180-2 test vector)
    abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert challenge_response("a", "b", "c") == abc
    assert challenge_response("c", "b", "a") != abc


def test_destination_created_only_when_the_endpoint_answers_the_challenge(api, endpoint):
    destination_id = make_destination(api, endpoint)
    assert api.challenges[-1]["ok"] is True
    got = call(api, "GET", f"/destination/{destination_id}").body
    assert got["deliveryConfig"] == {"endpoint": endpoint.url, "verificationToken": TOKEN}
    endpoint.wrong = True
    refused = call(
        api,
        "POST",
        "/destination",
        APP,
        {
            "name": "bad",
            "status": "ENABLED",
            "deliveryConfig": {"endpoint": endpoint.url, "verificationToken": TOKEN},
        },
    )
    assert refused.status == 409 and refused.body["errors"][0]["errorId"] == 195020
    assert len(api.destinations) == 1
    update = call(
        api,
        "PUT",
        f"/destination/{destination_id}",
        APP,
        {
            "name": "odoo",
            "status": "ENABLED",
            "deliveryConfig": {"endpoint": endpoint.url, "verificationToken": TOKEN},
        },
    )
    assert update.status == 409
    short = call(
        api,
        "POST",
        "/destination",
        APP,
        {"name": "x", "deliveryConfig": {"endpoint": endpoint.url, "verificationToken": "short"}},
    )
    assert short.status == 400


def test_subscriptions_follow_the_topic_scope(api, endpoint):
    destination_id = make_destination(api, endpoint)
    topics = call(api, "GET", "/topic").body["topics"]
    deletion = next(t for t in topics if t["topicId"] == DELETION_TOPIC)
    assert deletion["scope"] == "APPLICATION" and deletion["supportedPayloads"][0]["schemaVersion"] == "1.0"
    assert subscribe(api, DELETION_TOPIC, destination_id, SELLER).status == 403
    assert subscribe(api, DELETION_TOPIC, destination_id, APP).status == 201
    assert subscribe(api, DELETION_TOPIC, destination_id, APP).status == 409  # one per topic and schema
    assert subscribe(api, "ORDER_CONFIRMATION", destination_id, APP).status == 403
    no_scope = {"kind": "user", "user": "sim_seller", "scopes": {FULFILLMENT_SCOPE}}
    assert (
        subscribe(api, "ORDER_CONFIRMATION", destination_id, no_scope).body["errors"][0]["errorId"] == 195011
    )
    created = subscribe(api, "ORDER_CONFIRMATION", destination_id, SELLER)
    assert created.status == 201
    subscription_id = created.headers["Location"].rsplit("/", 1)[1]
    mine = call(api, "GET", "/subscription", SELLER).body["subscriptions"]
    assert [s["topicId"] for s in mine] == ["ORDER_CONFIRMATION"]
    assert "_owner" not in mine[0]
    assert call(api, "POST", f"/subscription/{subscription_id}/disable", SELLER).status == 204
    assert call(api, "GET", f"/subscription/{subscription_id}", SELLER).body["status"] == "DISABLED"
    assert call(api, "POST", f"/subscription/{subscription_id}/enable", SELLER).status == 204
    assert call(api, "DELETE", f"/destination/{destination_id}").status == 409  # in use
    assert call(api, "PUT", "/config", APP, {"alertEmail": "ops@example.com"}).status == 204
    assert call(api, "GET", "/config").body == {"alertEmail": "ops@example.com"}


def test_signed_deletion_delivery_verifies_with_the_public_key(api, endpoint):
    destination_id = make_destination(api, endpoint)
    assert subscribe(api, DELETION_TOPIC, destination_id, APP).status == 201
    results = api.deliver_account_deletion("jane_doe", "ma8vp1jySJC", "nY+sHZ2PrBmd==")
    assert results[0]["status"] == 204 and results[0]["attempts"] == 1
    ((body, headers),) = endpoint.posts
    message = json.loads(body)
    assert message["metadata"] == {"topic": DELETION_TOPIC, "schemaVersion": "1.0", "deprecated": False}
    assert message["notification"]["data"] == {
        "username": "jane_doe",
        "userId": "ma8vp1jySJC",
        "eiasToken": "nY+sHZ2PrBmd==",
    }
    assert message["notification"]["publishAttemptCount"] == 1
    assert body == message_bytes(message)  # the raw body is the compact JSON eBay's SDKs re-serialise
    signature = json.loads(base64.b64decode(headers["X-EBAY-SIGNATURE"]))
    assert signature["kid"] == api.kid and signature["digest"] == "SHA1"
    public_key = call(api, "GET", f"/public_key/{signature['kid']}").body
    assert verify_signature(public_key, headers["X-EBAY-SIGNATURE"], body)


def test_retries_until_2xx_and_disabled_subscriptions_get_nothing(api, endpoint):
    destination_id = make_destination(api, endpoint)
    created = subscribe(api, DELETION_TOPIC, destination_id, APP)
    endpoint.statuses = [500, 503]
    (result,) = api.deliver_account_deletion("u", "id1", "e1")
    assert (result["status"], result["attempts"]) == (204, 3)
    counts = [json.loads(body)["notification"]["publishAttemptCount"] for body, _h in endpoint.posts]
    assert counts == [1, 2, 3]
    ids = {json.loads(body)["notification"]["notificationId"] for body, _h in endpoint.posts}
    assert len(ids) == 1  # one notification, three attempts
    subscription_id = created.headers["Location"].rsplit("/", 1)[1]
    call(api, "POST", f"/subscription/{subscription_id}/disable", APP)
    assert api.deliver_account_deletion("u", "id2", "e2") == []
    assert len(endpoint.posts) == 3


def test_republished_message_keeps_its_id_and_date_and_counts_the_attempt(api, endpoint):
    (first,) = api.deliver("ORDER_CONFIRMATION", {"orderId": "01-10001-20001"}, url=endpoint.url)
    (again,) = api.republish(first["notificationId"])
    assert (again["url"], again["status"]) == (endpoint.url, 204)
    assert again["notificationId"] == first["notificationId"]
    (one, _h1), (two, headers) = endpoint.posts
    one, parsed = json.loads(one), json.loads(two)
    assert parsed["metadata"] == one["metadata"]
    assert parsed["notification"]["data"] == one["notification"]["data"] == {"orderId": "01-10001-20001"}
    assert parsed["notification"]["eventDate"] == one["notification"]["eventDate"]
    assert one["notification"]["publishAttemptCount"] == 1
    assert parsed["notification"]["publishAttemptCount"] == 2
    assert verify_signature(api.public_key(), headers["X-EBAY-SIGNATURE"], two)
    with pytest.raises(KeyError):
        api.republish("no-such-id")


def test_faults_bad_signature_and_unknown_kid(api, endpoint):
    public_key = api.public_key()
    api.tamper_next()
    api.deliver(DELETION_TOPIC, {"username": "u", "userId": "1", "eiasToken": "e"}, url=endpoint.url)
    body, headers = endpoint.posts[-1]
    assert not verify_signature(public_key, headers["X-EBAY-SIGNATURE"], body)
    api.unknown_kid_next()
    api.deliver(DELETION_TOPIC, {"username": "u", "userId": "1", "eiasToken": "e"}, url=endpoint.url)
    body, headers = endpoint.posts[-1]
    kid = json.loads(base64.b64decode(headers["X-EBAY-SIGNATURE"]))["kid"]
    assert kid != api.kid and call(api, "GET", f"/public_key/{kid}").status == 404
    api.deliver(DELETION_TOPIC, {"username": "u", "userId": "1", "eiasToken": "e"}, url=endpoint.url)
    body, headers = endpoint.posts[-1]
    assert verify_signature(public_key, headers["X-EBAY-SIGNATURE"], body)  # faults are one-shot


def test_field_names_are_ebays(api, endpoint):
    from .test_taxonomy import _model_fields

    destination_id = make_destination(api, endpoint)
    subscribe(api, DELETION_TOPIC, destination_id, APP)
    assert set(call(api, "GET", f"/public_key/{api.kid}").body) <= _model_fields(
        "commerce_notification", "public_key"
    )
    destination = call(api, "GET", f"/destination/{destination_id}").body
    assert set(destination) <= _model_fields("commerce_notification", "destination")
    assert set(destination["deliveryConfig"]) <= _model_fields("commerce_notification", "delivery_config")
    subscription = call(api, "GET", "/subscription").body
    assert set(subscription) <= _model_fields("commerce_notification", "subscription_search_response")
    assert set(subscription["subscriptions"][0]) <= _model_fields("commerce_notification", "subscription")
    topic = call(api, "GET", f"/topic/{DELETION_TOPIC}").body
    assert set(topic) <= _model_fields("commerce_notification", "topic")
    assert set(topic["supportedPayloads"][0]) <= _model_fields("commerce_notification", "payload_detail")
