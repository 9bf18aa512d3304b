import base64
import hashlib
import hmac
import json
from datetime import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.store_connector_base.exceptions import (
    PermanentJobError,
    RetryableJobError,
    StoreAuthError,
    WebhookRejected,
)
from odoo.addons.store_connector_base.services.logs import get_logger

from .. import const

_logger = get_logger(__name__)

SHOP_QUERY = """
query ShopifyConnectionTest {
  shop { id name myshopifyDomain currencyCode plan { displayName partnerDevelopment shopifyPlus } }
  currentAppInstallation { accessScopes { handle } }
}
"""

# Asked before acting on app/uninstalled or shop/redact: answered only while the app is installed.
INSTALLATION_QUERY = """
query ShopifyInstallationCheck {
  shop { id myshopifyDomain }
  currentAppInstallation { id }
}
"""

LOCATIONS_QUERY = """
query ShopifyLocations($first: Int!, $after: String) {
  locations(first: $first, after: $after) {
    nodes { id legacyResourceId name isActive }
    pageInfo { hasNextPage endCursor }
  }
}
"""

WEBHOOKS_QUERY = """
query ShopifyWebhooks($first: Int!, $after: String) {
  webhookSubscriptions(first: $first, after: $after) {
    nodes { id topic uri }
    pageInfo { hasNextPage endCursor }
  }
}
"""

WEBHOOK_CREATE = """
mutation ShopifyWebhookCreate($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
"""

WEBHOOK_DELETE = """
mutation ShopifyWebhookDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}
"""


class StoreAdapterShopify(models.AbstractModel):
    """Shopify implementation of the platform interface (see store.adapter in the base addon).

    This file: connection (Test Connection, locations) and webhooks (registration, intake,
    dispatch, app/uninstalled and the compliance topics). The syncs live in store_adapter_sync.py
    and the files it names (orders, customers, products, inventory, webhooks, bulk).
    All API traffic goes through `connector.store._shopify_client()` (models/shopify_client.py).
    """

    _name = "store.adapter.shopify"
    _inherit = "store.adapter"
    _description = "Shopify Adapter"

    # ---------------------------------------------------------------- features
    @api.model
    def _supported_features(self, store):
        """Everything the base's buttons offer (const.SHOPIFY_SUPPORTED_FEATURES)."""
        return set(const.SHOPIFY_SUPPORTED_FEATURES)

    # ---------------------------------------------------------------- credentials
    @api.model
    def _credential_keys(self, store):
        """The secrets the Shopify connector reads (const.CRED_*); the app's client id is a field
        of the store (no secret)."""
        return [
            # Required when pasted; with OAuth, Install with OAuth saves it (the client secret is
            # what the merchant enters then).
            {"key": const.CRED_ACCESS_TOKEN, "label": _("Admin API Access Token"),
             "required": store.shopify_auth_method != "oauth",
             "help": _("shpat_... of a custom app (Settings > Apps > Develop apps > API credentials); "
                       "with OAuth, Install with OAuth sets it.")},
            {"key": const.CRED_CLIENT_SECRET, "label": _("App Client Secret"),
             "required": store.shopify_auth_method == "oauth",
             "help": _("The app's client secret (Dev Dashboard > Settings): signs the webhooks of "
                       "the app and the OAuth install.")},
            {"key": const.CRED_CLIENT_SECRET_PREVIOUS, "label": _("Previous Client Secret"),
             "help": _("After rotating the client secret: the former one, with its expiry (Shopify "
                       "signs with it for up to an hour).")},
            {"key": const.CRED_REFRESH_TOKEN, "label": _("Refresh Token"),
             "help": _("Set by Install with OAuth when the shop grants expiring tokens.")},
            {"key": const.CRED_WEBHOOK_SECRET, "label": _("Notifications Webhook Key"),
             "help": _("Only for webhooks made by hand in Settings > Notifications: the key shown there.")},
        ]

    # ---------------------------------------------------------------- connection
    @api.model
    def _test_connection(self, store):
        """Read the shop and the app's granted scopes; record them on the store.

        :returns: {"Shop", "Plan", "Granted scopes", "Missing scopes"}.
        :raises UserError: what to fix.
        """
        try:
            data = store._shopify_client().query(SHOP_QUERY)
        except StoreAuthError as exc:
            raise UserError(_(
                "Shopify refused the credentials of store %(store)s: %(error)s. Enter a valid Admin API "
                "access token, or install the app again (OAuth).", store=store.name, error=exc,
            )) from None
        except (RetryableJobError, PermanentJobError) as exc:
            raise UserError(_("Cannot reach Shopify for store %(store)s: %(error)s",
                              store=store.name, error=exc)) from None
        shop = data.get("shop") or {}
        installation = data.get("currentAppInstallation") or {}
        granted = sorted(scope["handle"] for scope in installation.get("accessScopes") or [])
        missing = self._shopify_missing_scopes(granted)
        plan = (shop.get("plan") or {}).get("displayName") or ""
        store.sudo().write({
            "shopify_shop_name": shop.get("name"),
            "shopify_plan": plan,
            "shopify_granted_scopes": ",".join(granted),
            **self._shopify_shop_id_vals(store, shop),
        })
        return {
            _("Shop"): shop.get("name") or "",
            _("Address"): shop.get("myshopifyDomain") or "",
            _("Plan"): plan,
            _("Currency"): shop.get("currencyCode") or "",
            _("Granted scopes"): ", ".join(granted) or _("none"),
            _("Missing scopes"): ", ".join(missing) or _("none"),
        }

    @api.model
    def _connection_summary(self, store, facts):
        """The shop's address, plan and currency from `_test_connection`, the locations Fetch
        Locations read (those active on Shopify), and the missing scopes as what to fix; the shop's
        name below (the granted scopes are on the store form: too long for a notification)."""
        missing = facts.get(_("Missing scopes"))
        problems = []
        if missing and missing != _("none"):
            problems.append(_(
                "The app lacks these access scopes: %(scopes)s. Add them to the app's configuration "
                "and install it again, or the operations that need them fail.", scopes=missing))
        locations = store.shopify_location_ids.filtered("active_on_shopify")
        summary = {
            "shop": facts.get(_("Address")) or store.shopify_shop_domain or store.shop_url,
            "plan": facts.get(_("Plan")),
            "currency": facts.get(_("Currency")),
            "problems": problems,
            "details": {
                label: value for label, value in facts.items()
                if label == _("Shop")
            },
        }
        if locations:
            summary["locations"] = len(locations)
        return summary

    @api.model
    def _api_credentials_missing(self, store):
        """The Admin API access token: without it (and no refresh token to get one) nothing can be
        asked of Shopify, though the webhooks, signed with the client or webhook secret, still come."""
        token = store._shopify_credential_record(const.CRED_ACCESS_TOKEN)
        if token.value_encrypted or store._shopify_can_refresh():
            return []
        if store.shopify_auth_method == "oauth":
            missing = [] if store.shopify_client_id else [_("the app's Client ID")]
            return missing + [_("Admin API access token (Install with OAuth saves it)")]
        return [_("Admin API access token")]

    @api.model
    def _shopify_shop_id_vals(self, store, shop):
        """{"shopify_shop_id": the numeric id} from a `shop { id myshopifyDomain }` answer, when it
        is the store's shop (the webhook intake compares the shop ids bodies name with it)."""
        domain = (shop.get("myshopifyDomain") or "").strip().lower()
        shop_id = (shop.get("id") or "").rsplit("/", 1)[-1]
        if not shop_id.isdigit() or domain != (store.shopify_shop_domain or "").strip().lower():
            return {}
        return {"shopify_shop_id": shop_id}

    @api.model
    def _shopify_missing_scopes(self, granted):
        """Required and optional scopes not granted (a write scope also grants its read scope)."""
        granted = set(granted)
        implied = granted | {"read_" + s[len("write_"):] for s in granted if s.startswith("write_")}
        wanted = list(const.SHOPIFY_REQUIRED_SCOPES) + list(const.SHOPIFY_OPTIONAL_SCOPES)
        return [scope for scope in wanted if scope not in implied]

    @api.model
    def _shopify_sync_locations(self, store):
        """Read the shop's locations into shopify.location (added or renamed; none deleted, so
        mappings survive); the first active one becomes the default location if none is set.

        :returns: the store's shopify.location records.
        """
        Location = self.env["shopify.location"].sudo()
        existing = {loc.shopify_gid: loc for loc in store.shopify_location_ids}
        for node in store._shopify_client().paginate(LOCATIONS_QUERY, path="locations", page_size=250):
            vals = {"name": node["name"], "shopify_legacy_id": node.get("legacyResourceId"),
                    "active_on_shopify": node.get("isActive", True)}
            if node["id"] in existing:
                existing[node["id"]].write(vals)
            else:
                existing[node["id"]] = Location.create(
                    {"store_id": store.id, "shopify_gid": node["id"], **vals})
        if not store.shopify_location_id:
            default = store.shopify_location_ids.filtered("active_on_shopify")[:1]
            store.sudo().shopify_location_id = default
        return store.shopify_location_ids

    @api.model
    def _rate_limit_key(self, store):
        # One GraphQL bucket per shop and app: stores pointing at the same shop share it.
        return f"shopify:{store.env.cr.dbname}:{store._shopify_api_base_url()}"

    # ---------------------------------------------------------------- webhooks: registration
    @api.model
    def _webhook_kinds(self, store):
        return tuple(set(super()._webhook_kinds(store)) | set(const.SHOPIFY_WEBHOOK_KINDS))

    @api.model
    def _webhook_archived_store_topics(self, store):
        """The compliance topics: Shopify sends shop/redact 48 hours after the uninstall that
        archived the store, and customers' requests may still come; the law requires acting on them."""
        return {"compliance": tuple(const.SHOPIFY_COMPLIANCE_TOPICS)}

    @api.model
    def _shopify_webhook_topics(self, store):
        """Topics Register Webhooks subscribes to: {topic: intake kind}. Extend to add topics."""
        return {topic: kind for topic, (kind, _operation) in const.SHOPIFY_WEBHOOK_TOPICS.items()}

    @api.model
    def _webhook_registration_topics(self, store):
        return list(self._shopify_webhook_topics(store))

    @api.model
    def _register_webhooks(self, store, topics=None):
        """Create or repair one subscription per handled topic (or per topic of `topics`), pointing
        at the base intake route.

        Idempotent: a subscription with the right uri is kept; one with another uri (the Odoo
        address or the store code changed) is deleted and created again. Each is recorded in
        store.webhook. The compliance topics are declared in the app's configuration instead.

        :param topics: None for all, or some of `_webhook_registration_topics`; the others are
            left as they are.
        :returns: the store.webhook records.
        """
        client = store._shopify_client()
        current = {}
        for node in client.paginate(WEBHOOKS_QUERY, path="webhookSubscriptions", page_size=100):
            current.setdefault(const.enum_to_topic(node["topic"]), []).append(node)
        Webhook = self.env["store.webhook"].sudo()
        records = Webhook.browse()
        for topic, kind in self._shopify_webhook_topics(store).items():
            if topics is not None and topic not in topics:
                continue
            uri = store._webhook_url(kind)
            keep = None
            for node in current.get(topic, []):
                if node["uri"] == uri and keep is None:
                    keep = node
                elif node["uri"].startswith(store.get_base_url()) or "/api/v1/stores/" in node["uri"]:
                    # Ours but stale (another address or store code): replace it.
                    client.mutate(WEBHOOK_DELETE, {"id": node["id"]}, "webhookSubscriptionDelete")
            if keep is None:
                payload = client.mutate(
                    WEBHOOK_CREATE,
                    {"topic": const.topic_to_enum(topic), "sub": {"uri": uri, "format": "JSON"}},
                    "webhookSubscriptionCreate",
                )
                keep = payload["webhookSubscription"]
            vals = {"kind": kind, "external_id": keep["id"], "address": uri, "status": "active",
                    "last_error": False}
            record = Webhook.search([("store_id", "=", store.id), ("topic", "=", topic)], limit=1)
            if record:
                record.write(vals)
            else:
                record = Webhook.create({"store_id": store.id, "topic": topic, **vals})
            records |= record
        return records

    # ---------------------------------------------------------------- webhooks: intake
    @api.model
    def _webhook_secret_keys(self, store):
        """Shopify signs with the app's client secret (the previous one for up to an hour after a
        rotation); webhooks made by hand in Settings > Notifications use the key shown there."""
        return (const.CRED_CLIENT_SECRET, const.CRED_CLIENT_SECRET_PREVIOUS, const.CRED_WEBHOOK_SECRET)

    @api.model
    def _webhook_signature_headers(self, store):
        return (*super()._webhook_signature_headers(store), const.SHOPIFY_WEBHOOK_SIGNATURE_HEADER)

    @api.model
    def _webhook_timestamp(self, store, kind, headers):
        """X-Shopify-Triggered-At: every delivery carries it, retries keep the first one's."""
        value = (headers.get(const.SHOPIFY_WEBHOOK_TRIGGERED_AT_HEADER) or "").strip()
        if not value:
            raise WebhookRejected(400, f"no {const.SHOPIFY_WEBHOOK_TRIGGERED_AT_HEADER} header")
        match = const.SHOPIFY_TIMESTAMP_RE.match(value)
        try:
            if not match:
                raise ValueError(value)
            fraction = (match["fraction"] or "")[:6].ljust(6, "0")
            zone = "+00:00" if match["zone"] == "Z" else match["zone"]
            return datetime.fromisoformat(f"{match['base']}.{fraction}{zone}")
        except ValueError:
            raise WebhookRejected(
                400, f"unreadable {const.SHOPIFY_WEBHOOK_TRIGGERED_AT_HEADER}: {value[:40]!r}"
            ) from None

    @api.model
    def _webhook_max_age(self, store):
        return const.SHOPIFY_WEBHOOK_MAX_AGE

    @api.model
    def _verify_webhook(self, store, kind, headers, raw_body):
        """X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(secret, raw body)), compared in constant time;
        then X-Shopify-Shop-Domain must be the store's shop domain (an app's secret signs the
        webhooks of every shop that installed it: a delivery for another shop is refused)."""
        received = headers.get(const.SHOPIFY_WEBHOOK_SIGNATURE_HEADER) or ""

        def compute(secret):
            return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest())

        if not self._webhook_signature_valid(store, received.strip(), compute):
            raise WebhookRejected(401, "invalid X-Shopify-Hmac-Sha256 signature")
        shop = (headers.get("X-Shopify-Shop-Domain") or "").strip().lower()
        if not shop or shop != (store.shopify_shop_domain or "").strip().lower():
            raise WebhookRejected(401, "X-Shopify-Shop-Domain is not this store's shop domain")

    @api.model
    def _parse_webhook(self, store, kind, headers, raw_body):
        """Topic from X-Shopify-Topic; the event id from X-Shopify-Event-Id, which Shopify
        documents as the key to ignore duplicate webhooks ("Ignore duplicate webhooks": the same
        event id on more than one webhook is a duplicate). It is the same on the retries of a
        delivery and on a redelivery of the event under a new X-Shopify-Webhook-Id (which is per
        delivery); the webhook id stays in the stored headers, and serves only when a delivery
        carries no event id. Topics we do not handle are answered 200 and dropped. Order topics
        carry the identity key ``order:<order id>``: the deliveries of one order share one job."""
        topic = (headers.get("X-Shopify-Topic") or "").strip()
        if topic in const.SHOPIFY_COMPLIANCE_TOPICS:
            operation = const.SHOPIFY_COMPLIANCE_TOPICS[topic]
        elif topic in const.SHOPIFY_WEBHOOK_TOPICS or self._webhook_handler(store, topic):
            operation = const.SHOPIFY_WEBHOOK_TOPICS.get(topic, (kind, f"webhook.{kind}"))[1]
        else:
            return {"ignore": True}
        try:
            payload = json.loads(raw_body or b"{}")
        except ValueError:
            raise WebhookRejected(400, "body is not JSON") from None
        if not isinstance(payload, dict):
            raise WebhookRejected(400, "body is not a JSON object")
        event_id = (headers.get(const.SHOPIFY_WEBHOOK_EVENT_ID_HEADER) or "").strip() or (
            headers.get(const.SHOPIFY_WEBHOOK_ID_HEADER) or "").strip()
        parsed = {
            "event_id": event_id,
            "topic": topic,
            "payload": payload,
            "operation": operation,
            # Uninstall and compliance first: they change what the other jobs may do.
            "priority": 1 if operation in ("webhook.app", "webhook.compliance") else 5,
        }
        # A transaction's or a refund's body names its order by "order_id".
        order_id = payload.get("order_id") if topic in const.SHOPIFY_ORDER_CHILD_TOPICS else payload.get("id")
        handler = self._webhook_handler(store, topic)
        if (handler and handler.method == "_webhook_import_orders"
                and isinstance(order_id, (int, str)) and not isinstance(order_id, bool)
                and str(order_id).strip()):
            # A body without a usable id is refused by _webhook_check_payload; no key then.
            parsed["identity_key"] = f"order:{str(order_id).strip()[:64]}"
        return parsed

    @api.model
    def _shopify_webhook_shapes(self):
        """What the body of each handled topic must be: {topic: shape}, see
        const.SHOPIFY_WEBHOOK_SHAPES for the format. A module adding a topic to
        `_webhook_topic_handlers` declares its shape here; a topic without one is refused."""
        return dict(const.SHOPIFY_WEBHOOK_SHAPES)

    @api.model
    def _webhook_check_payload(self, store, kind, headers, parsed):
        """The body must have the shape of its topic (`_shopify_webhook_shapes`), and the shop it
        names (domain, id) must be the store's."""
        topic = parsed["topic"]
        payload = parsed["payload"]
        shape = self._shopify_webhook_shapes().get(topic)
        if shape is None:
            raise WebhookRejected(400, f"no payload shape declared for topic {topic}")
        problem = _shape_problem(payload, shape)
        if problem:
            raise WebhookRejected(400, f"body does not fit topic {topic}: {problem}")
        shop_keys = shape.get("shop") or {}
        if "domain" in shop_keys:
            domain = payload[shop_keys["domain"]].strip().lower()
            if domain != (store.shopify_shop_domain or "").strip().lower():
                raise WebhookRejected(401, f"the body of {topic} names another shop ({domain[:100]})")
        if "id" in shop_keys and store.shopify_shop_id:
            if str(payload[shop_keys["id"]]) != store.shopify_shop_id:
                raise WebhookRejected(401, f"the body of {topic} names another shop id")
        return super()._webhook_check_payload(store, kind, headers, parsed)

    # ---------------------------------------------------------------- webhooks: processing
    @api.model
    def _webhook_topic_handlers(self, store):
        """Shopify's topics: app/uninstalled and the compliance topics here, the syncs' topics in
        store_adapter_webhooks.py (see store.adapter._webhook_topic_handlers for the table's format)."""
        return {
            **super()._webhook_topic_handlers(store),
            "app/uninstalled": "_shopify_webhook_app_uninstalled",
            "customers/data_request": "_shopify_webhook_customers_data_request",
            "customers/redact": "_shopify_webhook_customers_redact",
            "shop/redact": "_shopify_webhook_shop_redact",
        }

    @api.model
    def _shopify_app_installed(self, store):
        """Ask Shopify whether the app is still installed on the store's shop, before acting on an
        event that says otherwise (app/uninstalled, shop/redact): their bodies are signed, but may
        be an old delivery posted again, and destroying a store's data on that word is too much.

        :returns: (installed, why): installed is True when Shopify answers with the store's
            token, False when it refuses the token (401/403: the app is gone), None when the store
            has no token to ask with; why is a sentence for the activity log.
        :raises RetryableJobError: Shopify cannot be reached now (the job retries later).
        :raises PermanentJobError: any other answer.
        """
        token = store._shopify_credential_record(const.CRED_ACCESS_TOKEN)
        # An expired token that cannot be refreshed would be refused by us, not by Shopify.
        usable = token.value_encrypted and (
            store._get_credential(const.CRED_ACCESS_TOKEN, required=False) or store._shopify_can_refresh()
        )
        if not usable:
            return None, _("the store has no valid access token to ask Shopify with")
        try:
            data = store._shopify_client().query(INSTALLATION_QUERY)
        except StoreAuthError:
            return False, _("Shopify refuses the store's access token")
        shop = (data or {}).get("shop") or {}
        if not store.shopify_shop_id:
            store.sudo().write(self._shopify_shop_id_vals(store, shop))
        return True, _(
            "Shopify still accepts the store's access token: the app is still installed on %(shop)s",
            shop=shop.get("myshopifyDomain") or store.shopify_shop_domain,
        )

    @api.model
    def _shopify_unconfirmed(self, store, topic, operation, why, hint=""):
        """Record that a destructive event was not acted on, and why. :returns: the job's result."""
        # Built before the translated sentence: Odoo's string extractor cannot read f-strings inside _().
        hint_text = f" {hint}" if hint else ""
        message = _("Shopify %(topic)s ignored: %(why)s. Nothing was changed.%(hint)s",
                    topic=topic, why=why, hint=hint_text)
        store._log_activity(operation, "info", message=message)
        _logger.warning("Shopify %s for store %s ignored: %s", topic, store.id, why)
        return {"ignored": topic, "reason": why}

    @api.model
    def _shopify_webhook_app_uninstalled(self, store, delivery, payload):
        """The merchant removed the app: the token is dead. Deactivate the store and say so, once
        Shopify confirms it (the token is refused); otherwise record the event as ignored."""
        installed, why = self._shopify_app_installed(store)
        if installed is not False:
            return self._shopify_unconfirmed(
                store, "app/uninstalled", "webhook.app", why,
                _("If the app was removed after all, Test Connection will say so: archive the store then."),
            )
        message = _(
            "The Shopify app was uninstalled from %(shop)s on %(date)s: the store is deactivated and its "
            "access token no longer works. Install the app again (or enter a new access token), then "
            "unarchive the store.",
            shop=payload.get("myshopify_domain") or payload.get("domain") or store.shopify_shop_domain,
            date=fields.Datetime.now(),
        )
        store.sudo().write({"active": False})
        store.webhook_ids.sudo().write({"status": "disabled"})
        store._log_activity("webhook.app", "done", message=message)
        store.sudo().message_post(body=message, message_type="notification", subtype_xmlid="mail.mt_note")
        return {"uninstalled": True}

    @api.model
    def _shopify_compliance_log(self, store, topic, message):
        store._log_activity("webhook.compliance", "done", message=f"{topic}: {message}")
        _logger.info("Shopify compliance request %s for store %s: %s", topic, store.id, message)

    @api.model
    def _shopify_webhook_customers_data_request(self, store, delivery, payload):
        """A customer asked for their data: log the request (the merchant answers it; the
        partners concerned are named in the log line)."""
        partners = self._shopify_redact_partners(store, payload)
        message = _("data request %(request)s for customer %(customer)s (Odoo partners: %(partners)s); "
                    "send the customer their data.",
                    request=(payload.get("data_request") or {}).get("id") or "",
                    customer=(payload.get("customer") or {}).get("id") or "",
                    partners=", ".join(str(pid) for pid in partners.ids) or _("none"))
        self._shopify_compliance_log(store, "customers/data_request", message)
        return {"partners": partners.ids}

    @api.model
    def _shopify_webhook_customers_redact(self, store, delivery, payload):
        """A customer asked to be forgotten: the base's redaction (`_redact_customer_data`) of the
        partners bound to that Shopify customer."""
        partners = self._shopify_redact_partners(store, payload)
        return store._redact_customer_data(partners, "customers/redact")

    @api.model
    def _shopify_webhook_shop_redact(self, store, delivery, payload):
        """Shopify asks for it 48 hours after the app was uninstalled: acted on once Shopify confirms
        the app is gone (the token is refused); otherwise recorded as ignored."""
        installed, why = self._shopify_app_installed(store)
        if installed is not False:
            return self._shopify_unconfirmed(
                store, "shop/redact", "webhook.compliance", why,
                _("Shopify asks for it 48 hours after the app is uninstalled, and only then."),
            )
        partners = self.env["store.customer.binding"].sudo().search([("store_id", "=", store.id)]).partner_id
        return store._redact_customer_data(partners, "shop/redact")

    @api.model
    def _shopify_redact_partners(self, store, payload):
        """The partners bound to this store for the customer of a compliance payload."""
        customer = payload.get("customer") or {}
        legacy_id = str(customer.get("id") or "")
        # bindings may hold the GID or the legacy id that webhooks carry
        ids = [legacy_id, f"gid://shopify/Customer/{legacy_id}"] if legacy_id else []
        found = self.env["store.customer.binding"].sudo()._find_by_external_ids(store, ids)
        return self.env["store.customer.binding"].sudo().concat(*found.values()).partner_id


_JSON_TYPES = {"int": int, "str": str, "list": list, "dict": dict}


def _shape_problem(payload, shape):
    """What keeps `payload` from having `shape` (see const.SHOPIFY_WEBHOOK_SHAPES), or None."""
    required = shape.get("fields") or {}
    for key, type_name in required.items():
        if key not in payload:
            return f"no {key!r}"
        value = payload[key]
        if type_name.endswith("?") and value is None:
            continue
        expected = _JSON_TYPES[type_name.rstrip("?")]
        # bool is an int in Python, not in JSON
        if not isinstance(value, expected) or isinstance(value, bool):
            return f"{key!r} is not {type_name.rstrip('?')}"
        if expected is str and not value.strip():
            return f"{key!r} is empty"
    if shape.get("only") and set(payload) - set(required):
        return f"unexpected keys {sorted(set(payload) - set(required))[:5]}"
    if shape.get("gid"):
        gid = payload.get("admin_graphql_api_id")
        prefix = f"gid://shopify/{shape['gid']}/"
        if not isinstance(gid, str) or not gid.startswith(prefix):
            return f"admin_graphql_api_id is not a {shape['gid']}"
    return None
