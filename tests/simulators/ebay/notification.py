"""Notification API (`/commerce/notification/v1`): topics, destinations (with eBay's endpoint challenge),
subscriptions, the alert config, the public keys, and signed deliveries.

Sources: eBay's Notification API reference and "Handling notifications" guide; eBay's
event-notification-nodejs-sdk (lib/validator.js: the signature header is base64 of
`{"alg":"ecdsa","kid":...,"signature":<base64 DER>,"digest":"SHA1"}` and the signature is ECDSA with SHA-1
over
`JSON.stringify(body)`, i.e. the compact JSON of the message, which is the raw body eBay sends; its
test/test.json holds a real signed MARKETPLACE_ACCOUNT_DELETION message: the simulator's test checks this
module's verifier against it); the ebay-rest models of `commerce_notification` (field names).

* Destination create/update: eBay calls `GET <endpoint>?challenge_code=<code>` and expects 200 with
  `{"challengeResponse": hex(SHA-256(challengeCode + verificationToken + endpoint))}`; anything else refuses
  the
  destination (nothing stored).
* Deliveries: `deliver(topic, data)` POSTs the envelope to the endpoint of every ENABLED subscription of the
  topic whose destination is ENABLED, with `X-EBAY-SIGNATURE`; an answer outside 2xx is retried
  (`max_attempts`, `publishAttemptCount` counts; each attempt is signed anew) and logged.
* `republish(notificationId)`: eBay sends a message it already delivered again (same id, next attempt),
  as it does when the endpoint's acknowledgement came too late.
* Faults: `tamper_next()` (the next delivery's signature does not match its body), `unknown_kid_next()`
  (the next delivery names a key id `public_key/{kid}` does not know).
"""

import base64
import hashlib
import itertools
import json
import threading
import urllib.parse
import uuid
from datetime import UTC, datetime

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .api import SimApi, SimResponse, rest_error

PREFIX = "/commerce/notification/v1"
APP_SCOPE = "https://api.ebay.com/oauth/api_scope"
SUBSCRIPTION_SCOPE = "https://api.ebay.com/oauth/api_scope/commerce.notification.subscription"
FULFILLMENT_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
TIMEOUT = 10.0
DELETION_TOPIC = "MARKETPLACE_ACCOUNT_DELETION"


def _topic(topic_id, description, scope, authorization_scopes, context, schema="1.0", filterable=False):
    return {
        "topicId": topic_id,
        "description": description,
        "status": "ENABLED",
        "context": context,
        "scope": scope,
        "authorizationScopes": list(authorization_scopes),
        "filterable": filterable,
        "supportedPayloads": [
            {"schemaVersion": schema, "format": ["JSON"], "deliveryProtocol": "HTTPS", "deprecated": False}
        ],
    }


#: The topics of the notes (3.6). APPLICATION topics are subscribed with an app token, USER topics with the
#: seller's user token carrying commerce.notification.subscription plus the topic's authorizationScopes.
TOPICS = {
    t["topicId"]: t
    for t in (
        _topic(
            DELETION_TOPIC,
            "A user requested that eBay delete their account and personal data.",
            "APPLICATION",
            [APP_SCOPE],
            "ALL",
        ),
        _topic(
            "AUTHORIZATION_REVOCATION",
            "A user revoked the authorization they gave the application.",
            "APPLICATION",
            [APP_SCOPE],
            "ALL",
        ),
        _topic(
            "ORDER_CONFIRMATION",
            "A buyer completed the checkout of an order of the seller.",
            "USER",
            [SUBSCRIPTION_SCOPE, FULFILLMENT_SCOPE],
            "SELLER",
        ),
        _topic(
            "ITEM_MARKED_SHIPPED",
            "An order line item was marked as shipped.",
            "USER",
            [SUBSCRIPTION_SCOPE, FULFILLMENT_SCOPE],
            "SELLER",
        ),
        _topic(
            "ITEM_AVAILABILITY", "The availability of an item changed.", "APPLICATION", [APP_SCOPE], "BUYER"
        ),
        _topic("ITEM_PRICE_REVISION", "The price of an item changed.", "APPLICATION", [APP_SCOPE], "BUYER"),
        _topic(
            "PRIORITY_LISTING_REVISION",
            "A listing of a priority seller was revised.",
            "APPLICATION",
            [APP_SCOPE],
            "BUYER",
            filterable=True,
        ),
    )
}


def challenge_response(challenge_code, verification_token, endpoint):
    """What an endpoint must answer to eBay's challenge (hex SHA-256 of the three, in that order)."""
    digest = hashlib.sha256()
    for part in (challenge_code, verification_token, endpoint):
        digest.update(part.encode())
    return digest.hexdigest()


def message_bytes(message):
    """The body eBay sends and signs: compact JSON (JSON.stringify), non-ASCII kept as UTF-8."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def verify_signature(public_key, header, body):
    """True when `header` (X-EBAY-SIGNATURE) signs `body` with `public_key` (the public_key/{kid} answer:
    {algorithm, digest, key} with the PEM on one line) — the check eBay's SDKs make."""
    signature = json.loads(base64.b64decode(header))
    pem = (
        public_key["key"]
        .replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\n")
        .replace("-----END PUBLIC KEY-----", "\n-----END PUBLIC KEY-----")
    )
    key = serialization.load_pem_public_key(pem.encode())
    try:
        key.verify(base64.b64decode(signature["signature"]), body, ec.ECDSA(hashes.SHA1()))  # noqa: S303
    except Exception:  # noqa: BLE001 - cryptography raises InvalidSignature (and ValueError on junk)
        return False
    return True


def _date(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class NotificationApi(SimApi):
    """Topics, destinations, subscriptions, config, public keys; signed deliveries."""

    prefix = PREFIX
    quota_name = "notification"
    scopes = ()  # per call: app token (public keys, APPLICATION topics) or user token (USER topics)

    def __init__(self, sim, max_attempts=3):
        super().__init__(sim)
        self._lock = threading.RLock()
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.kid = str(uuid.uuid4())
        self.destinations = {}
        self.subscriptions = {}
        self.config = {}
        self.max_attempts = max_attempts
        self.deliveries = []  # one entry per attempt: {topic, url, attempt, status, notificationId}
        self.challenges = []  # {endpoint, challenge_code, status, answer}
        self.key_fetches = 0
        self._ids = itertools.count(1)
        self._tamper = 0
        self._unknown_kid = 0

    # ------------------------------------------------------------------ keys and signing

    def public_key_pem(self):
        """The PEM as eBay's public_key answer carries it: one line, no newlines."""
        pem = (
            self.private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        return "".join(pem.split("\n"))

    def public_key(self):
        return {"algorithm": "ECDSA", "digest": "SHA1", "key": self.public_key_pem()}

    def sign(self, body, kid=None):
        """X-EBAY-SIGNATURE of a raw body."""
        signature = base64.b64encode(self.private_key.sign(body, ec.ECDSA(hashes.SHA1()))).decode()  # noqa: S303
        header = {"alg": "ecdsa", "kid": kid or self.kid, "signature": signature, "digest": "SHA1"}
        return base64.b64encode(json.dumps(header, separators=(",", ":")).encode()).decode()

    def tamper_next(self, count=1):
        """The next delivery (each attempt of it) carries a signature that does not match its body."""
        with self._lock:
            self._tamper += count

    def unknown_kid_next(self, count=1):
        """The next delivery names a key id that `public_key/{kid}` answers 404 for."""
        with self._lock:
            self._unknown_kid += count

    @staticmethod
    def challenge(url, token, challenge_code):
        return challenge_response(challenge_code, token, url)

    # ------------------------------------------------------------------ deliveries

    def envelope(self, topic, data, attempt=1, notification_id=None, event_date=None, schema_version="1.0"):
        now = self._now()
        return {
            "metadata": {"topic": topic, "schemaVersion": schema_version, "deprecated": False},
            "notification": {
                "notificationId": notification_id or f"{uuid.uuid4()}_{uuid.uuid4()}",
                "eventDate": _date(event_date or now),
                "publishDate": _date(now),
                "publishAttemptCount": attempt,
                "data": data,
            },
        }

    def deliver(self, topic, data, url=None, user=None, _again=None):
        """Send one notification of `topic` to `url`, or to every enabled subscription's destination (USER
        topics: only the subscriptions of `user` when given). Retries a non-2xx answer up to `max_attempts`.
        :returns: [{"url", "status", "attempts", "notificationId"}] (one per endpoint)."""
        if url is not None:
            targets = [url]
        else:
            with self._lock:
                targets = []
                for subscription in self.subscriptions.values():
                    destination = self.destinations.get(subscription["destinationId"])
                    if (
                        subscription["topicId"] != topic
                        or subscription["status"] != "ENABLED"
                        or not destination
                        or destination["status"] != "ENABLED"
                    ):
                        continue
                    if user is not None and subscription.get("_owner") not in (None, user):
                        continue
                    endpoint = destination["deliveryConfig"]["endpoint"]
                    if endpoint not in targets:
                        targets.append(endpoint)
        with self._lock:
            tamper = self._tamper > 0
            self._tamper -= 1 if tamper else 0
            unknown = self._unknown_kid > 0
            self._unknown_kid -= 1 if unknown else 0
        notification_id = f"{uuid.uuid4()}_{uuid.uuid4()}"
        event_date = self._now()
        first_attempt = 0
        if _again:  # republish: the same message, its attempts counted on
            notification_id, event_date, first_attempt = _again
        results = []
        for endpoint in targets:
            status = None
            attempt = first_attempt
            while attempt < first_attempt + self.max_attempts:
                attempt += 1
                body = message_bytes(self.envelope(topic, data, attempt, notification_id, event_date))
                signed = body + b" " if tamper else body  # a signature over other bytes
                kid = f"{uuid.uuid4()}" if unknown else None
                headers = {
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "X-EBAY-SIGNATURE": self.sign(signed, kid),
                }
                try:
                    status = requests.post(
                        endpoint, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False
                    ).status_code
                except requests.RequestException:
                    status = None
                with self._lock:
                    self.deliveries.append(
                        {
                            "topic": topic,
                            "url": endpoint,
                            "attempt": attempt,
                            "status": status,
                            "notificationId": notification_id,
                            "body": body,
                            "signature": headers["X-EBAY-SIGNATURE"],
                        }
                    )
                if status is not None and 200 <= status < 300:
                    break
            results.append(
                {"url": endpoint, "status": status, "attempts": attempt, "notificationId": notification_id}
            )
        return results

    def republish(self, notification_id):
        """eBay publishes a message again although the endpoint took it (its acknowledgement did not
        reach eBay in time): the same notificationId, eventDate and data to the same endpoint, the
        next `publishAttemptCount`, signed anew. :returns: as `deliver` (KeyError: unknown id)."""
        with self._lock:
            sent = [d for d in self.deliveries if d["notificationId"] == notification_id]
        if not sent:
            raise KeyError(f"no notification {notification_id!r} was delivered")
        last = sent[-1]
        message = json.loads(last["body"])
        notification = message["notification"]
        event_date = datetime.fromisoformat(notification["eventDate"].replace("Z", "+00:00"))
        return self.deliver(
            message["metadata"]["topic"],
            notification["data"],
            url=last["url"],
            _again=(notification_id, event_date, last["attempt"]),
        )

    def deliver_account_deletion(self, username, user_id, eias_token, url=None):
        """eBay's MARKETPLACE_ACCOUNT_DELETION notification for one user."""
        return self.deliver(
            DELETION_TOPIC, {"username": username, "userId": user_id, "eiasToken": eias_token}, url=url
        )

    def _now(self):
        clock = getattr(self.sim, "clock", None)
        return clock.now() if clock is not None else datetime.now(UTC)

    # ------------------------------------------------------------------ HTTP

    def handle(self, request):
        if not request.path.startswith(PREFIX + "/"):
            return None
        parts = request.path[len(PREFIX) + 1 :].strip("/").split("/")
        resource, rest = parts[0], parts[1:]
        handler = {
            "public_key": self._public_key_call,
            "topic": self._topic_call,
            "config": self._config_call,
            "destination": self._destination_call,
            "subscription": self._subscription_call,
        }.get(resource)
        if handler is None:
            return None
        with self._lock:
            return handler(request, rest)

    @staticmethod
    def _error(status, error_id, message, long_message=None, **parameters):
        return rest_error(
            status,
            error_id,
            message,
            long_message,
            domain="API_NOTIFICATION",
            category="REQUEST",
            parameters=parameters or None,
        )

    def _json(self, request):
        try:
            body = request.json()
        except ValueError:
            body = None
        return body if isinstance(body, dict) else None

    def _public_key_call(self, request, rest):
        if request.method != "GET" or len(rest) != 1:
            return None
        if request.auth.get("kind") != "app":
            return self._error(
                403,
                195000,
                "Insufficient permissions to fulfill the request.",
                "getPublicKey takes an application access token (client credentials grant).",
            )
        if rest[0] != self.kid:
            return self._error(404, 195001, "The public key was not found.", public_key_id=rest[0])
        self.key_fetches += 1
        return SimResponse(200, self.public_key())

    def _topic_call(self, request, rest):
        if request.method != "GET":
            return None
        if rest:
            topic = TOPICS.get(rest[0])
            if topic is None:
                return self._error(404, 195002, "Invalid or missing topic id.", topic_id=rest[0])
            return SimResponse(200, topic)
        topics = sorted(TOPICS.values(), key=lambda t: t["topicId"])
        return SimResponse(
            200, {"href": f"{PREFIX}/topic", "total": len(topics), "limit": 20, "topics": topics}
        )

    def _config_call(self, request, rest):
        if rest:
            return None
        if request.method == "GET":
            if not self.config:
                return self._error(404, 195004, "The alert config was not found.")
            return SimResponse(200, dict(self.config))
        if request.method == "PUT":
            body = self._json(request)
            if not body or not body.get("alertEmail") or "@" not in body["alertEmail"]:
                return self._error(400, 195003, "Please provide a valid alert email.", alertEmail="")
            self.config = {"alertEmail": body["alertEmail"]}
            return SimResponse(204)
        return None

    # destinations ---------------------------------------------------

    def _check_destination(self, body):
        """(values, None) or (None, error response); calls the endpoint with eBay's challenge."""
        if not body:
            return None, self._error(400, 195005, "The request has errors. Please check the request body.")
        name = body.get("name")
        status = body.get("status", "ENABLED")
        config = body.get("deliveryConfig") or {}
        endpoint, token = config.get("endpoint") or "", config.get("verificationToken") or ""
        if status not in ("ENABLED", "DISABLED"):
            return None, self._error(400, 195006, "Invalid or missing destination status.", status=status)
        if urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
            # eBay takes HTTPS only; the loopback simulator takes http too
            return None, self._error(400, 195007, "Invalid or missing endpoint.", endpoint=endpoint)
        if not (32 <= len(token) <= 80) or not all(c.isalnum() or c in "_-" for c in token):
            return None, self._error(
                400,
                195008,
                "Invalid or missing verification token for this endpoint.",
                "The verification token must be 32 to 80 characters: letters, digits, underscores and "
                "hyphens.",
                verificationToken="",
            )
        code = uuid.uuid4().hex + uuid.uuid4().hex[:8]
        separator = "&" if urllib.parse.urlsplit(endpoint).query else "?"
        expected = challenge_response(code, token, endpoint)
        answer = None
        try:
            response = requests.get(
                f"{endpoint}{separator}challenge_code={code}",
                timeout=TIMEOUT,
                headers={"Accept": "application/json"},
                allow_redirects=False,
            )
            status_code = response.status_code
            try:
                answer = (response.json() or {}).get("challengeResponse")
            except (ValueError, AttributeError):
                answer = None
        except requests.RequestException:
            status_code = None
        self.challenges.append(
            {
                "endpoint": endpoint,
                "challenge_code": code,
                "status": status_code,
                "answer": answer,
                "ok": status_code == 200 and answer == expected,
            }
        )
        if status_code != 200 or answer != expected:
            return None, self._error(
                409,
                195020,
                "Challenge verification failed for the requested endpoint.",
                f"The endpoint {endpoint} did not answer the challenge with the expected challengeResponse.",
                endpoint=endpoint,
            )
        return {
            "name": name,
            "status": status,
            "deliveryConfig": {"endpoint": endpoint, "verificationToken": token},
        }, None

    def _destination_call(self, request, rest):
        if not rest:
            if request.method == "POST":
                values, error = self._check_destination(self._json(request))
                if error:
                    return error
                destination_id = f"{next(self._ids):08d}-dest-{uuid.uuid4().hex[:12]}"
                self.destinations[destination_id] = {"destinationId": destination_id, **values}
                return SimResponse(201, b"", {"Location": f"{PREFIX}/destination/{destination_id}"})
            if request.method == "GET":
                destinations = list(self.destinations.values())
                return SimResponse(
                    200,
                    {
                        "href": f"{PREFIX}/destination",
                        "total": len(destinations),
                        "limit": 20,
                        "destinations": destinations,
                    },
                )
            return None
        destination = self.destinations.get(rest[0])
        if destination is None:
            return self._error(404, 195013, "Invalid or missing destination id.", destination_id=rest[0])
        if request.method == "GET":
            return SimResponse(200, destination)
        if request.method == "PUT":
            values, error = self._check_destination(self._json(request))
            if error:
                return error
            destination.update(values)
            return SimResponse(204)
        if request.method == "DELETE":
            if any(s["destinationId"] == rest[0] for s in self.subscriptions.values()):
                return self._error(
                    409, 195017, "The destination is in use and cannot be deleted.", destination_id=rest[0]
                )
            del self.destinations[rest[0]]
            return SimResponse(204)
        return None

    # subscriptions --------------------------------------------------

    def _authorized_for(self, request, topic):
        """None when the caller may subscribe to `topic`, else eBay's error (195011)."""
        auth = request.auth
        if topic["scope"] == "APPLICATION":
            if auth.get("kind") == "app":
                return None
        elif auth.get("kind") == "user" and set(topic["authorizationScopes"]) <= set(
            auth.get("scopes") or ()
        ):
            return None
        return self._error(
            403,
            195011,
            "Not authorized for this topic.",
            f"The access token does not carry the scopes the topic {topic['topicId']} needs "
            f"({topic['scope']} token with {', '.join(topic['authorizationScopes'])}).",
            topic_id=topic["topicId"],
        )

    def _owner(self, request, topic):
        return request.auth.get("user") if topic["scope"] == "USER" else None

    def _public(self, subscription):
        return {k: v for k, v in subscription.items() if not k.startswith("_")}

    def _check_payload(self, payload, topic):
        payload = payload or {}
        schema = payload.get("schemaVersion")
        versions = {p["schemaVersion"] for p in topic["supportedPayloads"]}
        if (
            schema not in versions
            or payload.get("format", "JSON") != "JSON"
            or payload.get("deliveryProtocol", "HTTPS") != "HTTPS"
        ):
            return None, self._error(
                400, 195016, "Invalid or missing schema version.", schemaVersion=str(schema)
            )
        return {"format": "JSON", "schemaVersion": schema, "deliveryProtocol": "HTTPS"}, None

    def _subscription_call(self, request, rest):
        if not rest:
            if request.method == "POST":
                return self._create_subscription(request)
            if request.method == "GET":
                mine = [
                    self._public(s)
                    for s in self.subscriptions.values()
                    if s["_owner"]
                    == (request.auth.get("user") if request.auth.get("kind") == "user" else None)
                ]
                return SimResponse(
                    200,
                    {
                        "href": f"{PREFIX}/subscription",
                        "total": len(mine),
                        "limit": 20,
                        "subscriptions": mine,
                    },
                )
            return None
        subscription = self.subscriptions.get(rest[0])
        if subscription is None:
            return self._error(404, 195014, "Invalid or missing subscription id.", subscription_id=rest[0])
        error = self._authorized_for(request, TOPICS[subscription["topicId"]])
        if error:
            return error
        action = rest[1] if len(rest) > 1 else ""
        if action == "" and request.method == "GET":
            return SimResponse(200, self._public(subscription))
        if action == "" and request.method == "DELETE":
            del self.subscriptions[rest[0]]
            return SimResponse(204)
        if action == "" and request.method == "PUT":
            body = self._json(request) or {}
            status = body.get("status", subscription["status"])
            if status not in ("ENABLED", "DISABLED"):
                return self._error(400, 195015, "Invalid or missing subscription status.", status=str(status))
            destination_id = body.get("destinationId", subscription["destinationId"])
            if destination_id not in self.destinations:
                return self._error(
                    400, 195013, "Invalid or missing destination id.", destinationId=destination_id
                )
            payload, error = self._check_payload(
                body.get("payload", subscription["payload"]), TOPICS[subscription["topicId"]]
            )
            if error:
                return error
            subscription.update(status=status, destinationId=destination_id, payload=payload)
            return SimResponse(204)
        if action in ("enable", "disable") and request.method == "POST":
            if action == "enable" and self.destinations[subscription["destinationId"]]["status"] != "ENABLED":
                return self._error(
                    409,
                    195018,
                    "The destination of the subscription is disabled.",
                    destination_id=subscription["destinationId"],
                )
            subscription["status"] = "ENABLED" if action == "enable" else "DISABLED"
            return SimResponse(204)
        if action == "test" and request.method == "POST":
            destination = self.destinations[subscription["destinationId"]]
            threading.Thread(
                target=self.deliver,
                args=(subscription["topicId"], {"test": True}),
                kwargs={"url": destination["deliveryConfig"]["endpoint"]},
                daemon=True,
            ).start()
            return SimResponse(202)
        return None

    def _create_subscription(self, request):
        body = self._json(request)
        if not body:
            return self._error(400, 195005, "The request has errors. Please check the request body.")
        topic = TOPICS.get(body.get("topicId") or "")
        if topic is None:
            return self._error(400, 195002, "Invalid or missing topic id.", topicId=str(body.get("topicId")))
        error = self._authorized_for(request, topic)
        if error:
            return error
        destination_id = body.get("destinationId")
        if destination_id not in self.destinations:
            return self._error(
                400, 195013, "Invalid or missing destination id.", destinationId=str(destination_id)
            )
        status = body.get("status", "ENABLED")
        if status not in ("ENABLED", "DISABLED"):
            return self._error(400, 195015, "Invalid or missing subscription status.", status=str(status))
        payload, error = self._check_payload(body.get("payload"), topic)
        if error:
            return error
        owner = self._owner(request, topic)
        duplicate = next(
            (
                s
                for s in self.subscriptions.values()
                if s["topicId"] == topic["topicId"]
                and s["payload"]["schemaVersion"] == payload["schemaVersion"]
                and s["_owner"] == owner
            ),
            None,
        )
        if duplicate:
            return self._error(
                409,
                195012,
                "The subscription for this topic and schema version already exists.",
                subscriptionId=duplicate["subscriptionId"],
            )
        subscription_id = f"{next(self._ids):08d}-sub-{uuid.uuid4().hex[:12]}"
        self.subscriptions[subscription_id] = {
            "subscriptionId": subscription_id,
            "topicId": topic["topicId"],
            "status": status,
            "creationDate": _date(self._now()),
            "destinationId": destination_id,
            "payload": payload,
            "_owner": owner,
        }
        return SimResponse(201, b"", {"Location": f"{PREFIX}/subscription/{subscription_id}"})
