import hmac
from datetime import timedelta

from odoo import _, api, models

from .. import const, order_const
from ..exceptions import PlatformFeatureMissing, WebhookRejected
from ..services import rate_limiter


class StoreAdapter(models.AbstractModel):
    """The platform interface: what the base asks of every platform addon.

    A platform addon defines `store.adapter.<platform>` with `_inherit = "store.adapter"` and
    overrides what its platform supports. Every method takes the `connector.store` record it works
    for. The defaults refuse clearly (`PlatformFeatureMissing`) so that a button on a store whose
    addon lacks a feature says so instead of doing nothing. A platform addon declares what it
    implements in `_supported_features`: the store form shows only those buttons, and a platform
    that declares nothing cannot have a store at all.

    Every method is private (a leading underscore), and must stay so in platform addons: an abstract
    model has no access rules, so any logged-in user, portal included, may call its public methods
    over RPC (test_attack_abstract_methods checks every abstract model of the suite).

    The interface is shaped for three very different APIs:
      * pages are opaque to the base: `_import_*` take a `cursor` and return ``{"records": [...],
        "next_cursor": cursor_or_None}``; the cursor must be keyset-based (it names the last
        record returned, by update time and id, as Shopify's GraphQL cursors do), never a page
        number or an offset, which skip records when the shop changes one during the pull (see
        `_import_orders` and services/paging.py, whose helpers build such cursors over an API
        that pages by number or offset);
      * products are addressed by SKU in the normalized form; the platform ids (GIDs, product and
        variation ids, offer and listing ids) live in the bindings the platform addon maintains;
      * inventory is exported in batches of `_inventory_batch_size` items;
      * errors are raised as RetryableJobError (with the platform's Retry-After), PermanentJobError
        (with the platform's message) or StoreAuthError, never as raw HTTP errors.
    """

    _name = "store.adapter"
    _description = "Store Platform Adapter"

    def _missing(self, store, feature):
        """Refuse an operation the store's platform addon does not implement.

        :param feature: the user-facing name of the operation (translated), e.g. "Full Sync".
        :raises PlatformFeatureMissing: always, naming the platform, the feature and the store.
        """
        platform = dict(store._fields["platform"]._description_selection(store.env)).get(store.platform)
        raise PlatformFeatureMissing(
            _(
                'The %(platform)s connector does not support "%(feature)s" yet (store "%(store)s"). '
                "Install or update the %(platform)s connector addon if a newer version provides it.",
                platform=platform or store.platform or _("unknown platform"),
                feature=feature,
                store=store.display_name,
            )
        )

    # ---------------------------------------------------------------- features
    @api.model
    def _supported_features(self, store):
        """What this platform addon implements for `store`: the store form shows the buttons of
        these features only, their actions refuse the others (`PlatformFeatureMissing`), Full Sync
        queues only the supported pipelines, and a store cannot be created or activated for a
        platform that supports none (an addon that is only a skeleton yet).

        Declare a feature only once every adapter method it needs is implemented:
          * ``test_connection``: `_test_connection`;
          * ``register_webhooks``: `_register_webhooks` (and the intake's `_verify_webhook`,
            `_parse_webhook`, `_process_webhook`);
          * ``full_sync``: `_full_sync` (the default queues the supported imports below);
          * ``orders.pull``: `_import_orders`;
          * ``orders.push``: `_push_fulfillment` (and `_update_order_status` if the store's
            outbound status mapping sets statuses);
          * ``products.export``: `_export_products`; ``products.import``: `_import_products`;
          * ``inventory.sync``: `_update_inventory`;
          * ``customers.import``: `_import_customers`; ``customers.export``: `_export_customer`.

        :returns: a set of keys of const.PLATFORM_FEATURES (default: empty, nothing implemented).
        """
        return set()

    # ---------------------------------------------------------------- connection
    @api.model
    def _test_connection(self, store):
        """Check the credentials and reach the platform.

        :returns: dict of facts to show (shop name, plan, granted and missing scopes...).
        :raises UserError: with what to fix when it fails.
        """
        self._missing(store, _("Test Connection"))

    @api.model
    def _api_credentials_missing(self, store):
        """What the store lacks to call the platform's API at all, for the scheduled pulls: a store
        that only receives webhooks (its webhook secret set, no API token) is not pulled, and says
        why, rather than fail (or be paused) at every run. Cheap: no call to the platform.

        :returns: list of the missing credentials' names, for people (default: none known).
        """
        return []

    @api.model
    def _rate_limit_key(self, store):
        """Key of the client-side rate limiter bucket for this store (one bucket per store by default)."""
        return f"{store.env.cr.dbname}:{store.id}"

    @api.model
    def _rate_limit_daily_quota(self, store):
        """Calls the platform allows this store per quota day, counted across every worker and
        server (eBay: 5,000 a day for some APIs). :returns: int, or None for no daily quota (default)."""
        return None

    @api.model
    def _rate_limit_quota_timezone(self, store):
        """The time zone whose midnight starts the platform's quota day (eBay: "America/Los_Angeles").
        :returns: an IANA time zone name (default "UTC")."""
        return "UTC"

    @api.model
    def _get_rate_limiter(self, store, capacity, restore_rate):
        """The store's rate limiter, shared by every worker and server of the database
        (services/rate_limiter.py `SharedRateLimiter`): a platform client calls ``acquire(cost)``
        before each request and ``update(...)`` with what the platform answered.

        :param capacity: the bucket's size until the platform says otherwise (units).
        :param restore_rate: units restored per second until the platform says otherwise.
        :returns: the limiter of `_rate_limit_key`, with `_rate_limit_daily_quota` calls a day
            counted per quota day of `_rate_limit_quota_timezone`.
        """
        return rate_limiter.get_limiter(
            self._rate_limit_key(store), capacity, restore_rate,
            daily_limit=self._rate_limit_daily_quota(store),
            dbname=store.env.cr.dbname,
            quota_timezone=self._rate_limit_quota_timezone(store),
        )

    @api.model
    def _default_max_parallel_jobs(self, store):
        """The default of a new store's `max_parallel_jobs`: how many of its jobs may run at once
        across all workers (the queue's claim holds the others back, see `sync.job`). A platform
        whose shops run on small hosts returns a small number (WooCommerce: 2).

        :returns: int, 0 for no limit (default).
        """
        return 0

    # ---------------------------------------------------------------- orders
    @api.model
    def _import_orders(self, store, since=None, status=None, limit=None, cursor=None):
        """One page of orders, newest changes included.

        Paging contract (also of `_import_products` and `_import_customers`): the records come
        oldest change first, sorted by (update time, id); `since` is inclusive; the cursor names
        the last record of the page (keyset: its update time and id) and the next page starts
        strictly after it. The shop goes on while a pull reads its pages: an order updated between
        two pages moves to the end and is read again later, harmlessly (the importers are
        idempotent), and no other order shifts past the cursor unread, as one would with a page
        number or an offset. The pull advances the store's `order_import_cursor` to the newest
        update time it saw, so a skipped order would be lost for good. Over an API that pages by
        number or offset, build keyset cursors with services/paging.py (the test platform addon
        shows how). A platform whose update times can be older than their commit should ask for a
        margin before `since` as well: re-reading is harmless, missing is not.

        :param since: datetime (naive UTC); only orders updated at or after it.
        :param status: platform status filter (list of str) or None.
        :param limit: page size wanted (the adapter caps it at the platform's maximum).
        :param cursor: the keyset cursor returned with the previous page, None for the first.
        :returns: {"records": [normalized order dict], "next_cursor": cursor or None (last page)}
        """
        self._missing(store, _("Import Orders"))

    @api.model
    def _update_order_status(self, store, external_order_id, status, **kwargs):
        """Set the platform status of one order (already mapped to the platform's vocabulary)."""
        self._missing(store, _("Update Order Status"))

    @api.model
    def _push_fulfillment(self, store, external_order_id, fulfillment):
        """Tell the platform an order (or part of it) shipped.

        :param fulfillment: {"carrier": str, "tracking_number": str, "tracking_url": str,
            "notify_customer": bool, "lines": [{"external_line_id": str, "sku": str, "quantity": float}]}
        :returns: the platform's fulfillment id (str).
        """
        self._missing(store, _("Push Fulfillment"))

    @api.model
    def _default_status_mapping(self, store):
        """The order status mapping a new store starts with (store.order.status.map); the
        merchant edits it afterwards. Inbound lines say what a platform status means; outbound
        lines which platform status to set when an order reaches a stage in Odoo (the fulfillment
        push sets the "processing" and "shipped" stages' statuses).

        The base knows no platform: its default reads platform statuses named like our stages
        (``processing`` means processing). A platform addon returns its own table.

        :returns: {"inbound": [(platform status, stage)], "outbound": [(stage, platform status)]},
            stages being keys of order_const.ORDER_STAGES.
        """
        stages = [code for code, _label in order_const.ORDER_STAGES]
        return {
            "inbound": [(stage, stage) for stage in stages],
            "outbound": [(stage, stage) for stage in stages],
        }

    @api.model
    def _order_page_size(self, store):
        """How many orders one `_import_orders` page asks for (the adapter caps it anyway)."""
        return order_const.DEFAULT_ORDER_PAGE_SIZE

    # ---------------------------------------------------------------- customers
    @api.model
    def _import_customers(self, store, since=None, cursor=None, limit=None):
        """One page of platform customers, normalized (see services/normalized.py, customer);
        same paging contract as `_import_orders`: {"records": [...], "next_cursor": ...}."""
        self._missing(store, _("Import Customers"))

    @api.model
    def _export_customer(self, store, customer):
        """Create or update one customer on the platform.

        :param customer: normalized customer dict; "id" is the platform id (None: create it).
        :returns: {"id": platform customer id} or None.
        """
        self._missing(store, _("Export Customer"))

    # ---------------------------------------------------------------- products and stock
    @api.model
    def _default_field_mappings(self, store):
        """The product field mappings a new store starts with (editable afterwards).

        :returns: list of {"field": product.product field name, "platform_field": str,
            "transform": a key of product_mapper.TRANSFORMS (optional), "format_string": str (optional)}.
            The default maps name, SKU, barcode, price (through the store's pricelist), weight and
            the sales description; a platform addon may add its own (e.g. item specifics).
        """
        return [
            {"field": "name", "platform_field": "title"},
            {"field": "default_code", "platform_field": "sku"},
            {"field": "barcode", "platform_field": "barcode"},
            {"field": "lst_price", "platform_field": "price"},
            {"field": "weight", "platform_field": "weight"},
            {"field": "description_sale", "platform_field": "description"},
        ]

    @api.model
    def _export_products(self, store, products):
        """Create or update products on the platform.

        :param products: list of normalized product dicts (template with its variants).
        :returns: list of {"sku": str, "external_ids": dict, "error": str or None}
        """
        self._missing(store, _("Export Products"))

    @api.model
    def _import_products(self, store, since=None, cursor=None, limit=None):
        """One page of platform products, normalized; same paging contract as `_import_orders`."""
        self._missing(store, _("Import Products"))

    @api.model
    def _inventory_batch_size(self, store):
        """How many items one `_update_inventory` call may carry (Shopify 250, WooCommerce 100, eBay 25)."""
        return 100

    @api.model
    def _update_inventory(self, store, items):
        """Publish quantities.

        :param items: list of {"sku": str, "quantity": int, "external_ids": dict}, at most
            `_inventory_batch_size` of them.
        :returns: list of {"sku": str, "error": str or None} (per-item failures do not raise).
        """
        self._missing(store, _("Update Inventory"))

    @api.model
    def _read_inventory(self, store, bindings):
        """Read the platform's stock of the bound variants, in bulk (the adapter pages as its
        platform requires). Used by the stock baseline (what the shop holds when it is connected)
        and by the stock reconciliation (drift).

        :param bindings: store.product.binding records of `store`; variants the platform does not
            know yet (not exported) are left out of the result.
        :returns: list of {"sku": str, "available": int (what the shop can sell), "on_hand": int
            or None (the physical quantity, when the platform has the notion), "location_id": id of
            the stock.location the quantity stands for, or False for the store's default inventory
            location}. A platform with per-location stock (e.g. Shopify locations mapped to Odoo
            locations) returns one entry per SKU and mapped Odoo location.
        :raises PlatformFeatureMissing: the platform addon cannot read stock.
        """
        self._missing(store, _("Read Inventory"))

    # ---------------------------------------------------------------- sync entry points
    @api.model
    def _full_sync(self, store):
        """Queue everything a first synchronisation needs: the first page of the orders of the
        last 60 days, of all products and of all customers (each page queues the next), through
        the generic pipelines (`connector.store._enqueue_full_sync`). What the store does not
        permit is skipped; what the platform addon lacks (`_import_products`...) fails its job
        with a clear message.

        A platform addon overrides this only when its first synchronisation needs more.
        :returns: the queued sync.job records.
        """
        return store._enqueue_full_sync()

    # ---------------------------------------------------------------- webhooks
    # Intake (store.webhook.delivery._receive) calls, in this order: _webhook_kinds, _webhook_is_ping,
    # _verify_webhook, _webhook_timestamp (against _webhook_max_age and _webhook_clock_skew),
    # _parse_webhook, _webhook_check_payload, _webhook_is_echo; it stores the headers but
    # _webhook_signature_headers. Later, in the queue, _process_webhook (or _process_webhook_batch),
    # on the delivery _webhook_latest_delivery picks when a job holds several.

    @api.model
    def _webhook_kinds(self, store):
        """Webhook kinds accepted at /api/v1/stores/<store>/webhooks/<kind> for this platform.

        :returns: a collection of kind names; extend the base kinds (``super()``) to add some.
        """
        return const.BASE_WEBHOOK_KINDS

    @api.model
    def _webhook_archived_store_topics(self, store):
        """What an archived store still receives: the deliveries its platform keeps sending after
        the store was archived (an uninstalled app), and that must still be acted on, such as the
        requests to erase customers' data the law requires. Their jobs run although the store is
        archived (or paused): their handlers must work without a usable token. Everything else
        sent to an archived store is answered 404, as for no store at all.

        :returns: {kind: collection of topics} (default: nothing).
        """
        return {}

    @api.model
    def _register_webhooks(self, store):
        """Create or repair the platform's webhook subscriptions pointing at this Odoo.

        Idempotent. Records each subscription in `store.webhook`. :returns: the store.webhook records.
        """
        self._missing(store, _("Register Webhooks"))

    @api.model
    def _webhook_is_ping(self, store, kind, headers, raw_body):
        """Whether a delivery is the platform's unsigned handshake, answered 200 and otherwise dropped.

        Some platforms check a new subscription with an unsigned request (WooCommerce posts the
        form ``webhook_id=<id>``) and disable it unless it gets a 200. This runs *before* the
        signature check, so it must return True only for a body that is exactly such a ping and
        carries nothing to act on: a ping is neither stored nor queued.

        :param headers: the request headers (case-insensitive mapping).
        :param raw_body: bytes, exactly as received.
        :returns: bool (default False: every delivery must be signed).
        """
        return False

    @api.model
    def _verify_webhook(self, store, kind, headers, raw_body):
        """Check the delivery's signature over the raw body (constant-time).

        Accept a signature made with any of `_webhook_secrets` (see `_webhook_signature_valid`), so
        that deliveries signed with the previous secret still pass for a while after a rotation.

        :param headers: the request headers (case-insensitive mapping).
        :param raw_body: bytes, exactly as received.
        :raises WebhookRejected(401): missing or bad signature.
        """
        raise WebhookRejected(401, "webhook verification is not implemented for this platform")

    @api.model
    def _webhook_signature_headers(self, store):
        """Names of the request headers that carry a delivery's signature.

        They are never stored with the delivery: a body and its signature are all it takes to post
        the delivery again, and deliveries are read by people. Headers whose name contains "hmac"
        or "signature" are never stored either (const.WEBHOOK_SIGNATURE_HEADER_PATTERN); declare
        the platform's header here all the same, whatever its name.

        :returns: a collection of header names, compared case-insensitively (default: none).
        """
        return ()

    @api.model
    def _webhook_timestamp(self, store, kind, headers):
        """When the platform says it sent the delivery (the moment of the event, kept on retries),
        for the freshness check of the intake (see `_webhook_max_age`).

        Runs after `_verify_webhook`. A platform whose deliveries always carry a timestamp must
        refuse one without: the header is not signed, dropping it must not skip the check.

        :param headers: the request headers (case-insensitive mapping).
        :returns: a timezone-aware datetime, or None when the platform sends no timestamp (no check).
        :raises WebhookRejected(400): the timestamp is missing or unreadable.
        """
        return None

    @api.model
    def _webhook_max_age(self, store):
        """How old a delivery's `_webhook_timestamp` may be: the platform's own retry window (it
        resends a failed delivery, with its first timestamp, for that long). An older delivery is
        not the platform's retry but someone posting it again: it is answered 200 ("stale") and
        neither stored nor queued (an error would only make the platform retry it, then drop the
        subscription).

        :returns: a timedelta, or None for no limit (the default).
        """
        return None

    @api.model
    def _webhook_clock_skew(self, store):
        """How far in the future a delivery's `_webhook_timestamp` may be (the two clocks differ a
        little); later ones are refused with 400, so that the platform retries them.

        :returns: a timedelta (default const.WEBHOOK_CLOCK_SKEW_SECONDS).
        """
        return timedelta(seconds=const.WEBHOOK_CLOCK_SKEW_SECONDS)

    @api.model
    def _parse_webhook(self, store, kind, headers, raw_body):
        """Read a verified delivery.

        The "event_id" is the key the intake drops duplicates on (unique per store): a second
        delivery with an id already received is answered 200 and neither stored nor queued. Return
        the platform's id of the *event* whenever the platform gives one (Shopify's
        X-Shopify-Event-Id): it is the same on every delivery of the event (the platform's retries,
        a redelivery under a new delivery id, the deliveries of several subscriptions), as the
        platforms document for ignoring duplicates. Only a platform that identifies deliveries
        alone returns the delivery's id (the same on its retries). Never a value that two distinct
        events may share (a resource id): the second event would be lost.

        :returns: {"event_id": str (see above), "topic": str, "payload": parsed body, "operation":
            job operation name, "method": handler on store.webhook.delivery (default
            "_job_process"), "priority": int, "identity_key": str or None (deliveries with the same
            key share one job: the events of one order, ``order:<platform order id>``; the job acts
            on the newest, see `_webhook_latest_delivery`, and a failure is one failed job of the
            key, which the next delivery of the key runs again), "ignore": bool (answer 200, store
            nothing: events the platform sends that we do not act on)}.
        :raises WebhookRejected(400): malformed body.
        """
        raise WebhookRejected(400, "webhook parsing is not implemented for this platform")

    @api.model
    def _webhook_check_payload(self, store, kind, headers, parsed):
        """Check that a verified delivery's body is what its topic sends, for this store's shop.

        Platforms sign the body, rarely the headers that name the topic and the shop: without this
        check a body signed for one event (an order) could be posted again as another (an uninstall,
        a redaction request) or for another shop of the same app. Check the parsed payload's shape
        against the topic, and that every shop the body names is the store's.

        :param parsed: what `_parse_webhook` returned (topic, payload...).
        :raises WebhookRejected(400): the body does not fit its topic.
        :raises WebhookRejected(401): the body names another shop.
        """
        return None

    @api.model
    def _webhook_is_echo(self, store, kind, topic, headers, parsed):
        """Whether a verified, parsed delivery is the echo of the connector's own export: what the
        platform sends back after Odoo published a quantity or a product (the platform's inventory
        or product webhook caused by our update). An echo is answered 200 and neither stored nor
        queued: its job would only find that nothing changed.

        Runs on every delivery, in the webhook request: it must be cheap (a lookup on an indexed
        column, no call to the platform), and it must never take a change made by a person on the
        platform for an echo. Answer True only when the delivery says exactly what Odoo last sent
        (the same quantity at the same place; the product as Odoo's export left it, same update
        time); when in doubt, False: the delivery is stored and its job decides.

        :param topic: the topic `_parse_webhook` returned (or the kind).
        :param parsed: what `_parse_webhook` returned (its "payload" is the parsed body).
        :returns: bool (default False: nothing is an echo).
        """
        return False

    @api.model
    def _webhook_latest_delivery(self, store, deliveries):
        """The delivery a job of several deliveries of one identity key acts on (see
        `_parse_webhook`, "identity_key"); the others are older news of the same thing.

        Platforms deliver out of order: a platform addon returns the newest by the platform's own
        account (an update time in the body). The default is the last received.

        :param deliveries: store.webhook.delivery records (two or more) of one job.
        :returns: one of them.
        """
        return deliveries.sorted("id")[-1:]

    @api.model
    def _process_webhook(self, store, delivery):
        """Act on a stored delivery (runs in the queue). The platform addon dispatches on the topic.

        The addon only translates; the generic pipelines do the work. For an order event:
        normalize the platform's order (services/normalized.py, as `_import_orders` does) and
        return ``store._import_order(order)`` (imports it in this job; an order that cannot be
        imported fails the job with the reason), or queue it with
        ``store._enqueue_order_import(order)``.

        :param delivery: the store.webhook.delivery; `delivery._payload()` is its parsed body.
        :returns: a JSON-serialisable result kept on the job, or None.
        :raises RetryableJobError, PermanentJobError, StoreAuthError: as any job.
        """
        self._missing(store, _("Process Webhook %(topic)s", topic=delivery.topic))

    @api.model
    def _process_webhook_batch(self, store, deliveries):
        """Act on several stored deliveries of `store` at once (runs in the queue, when several are
        due together). Optional: a platform addon may process the deliveries it can batch (orders:
        ``self.env["store.order.importer"]._import_orders(store, orders)`` in one call) and leave
        the others, which then run one by one through `_process_webhook`.

        :returns: {delivery id: result} for the deliveries processed; a delivery left out must
            have had no effect (its failure, too, is recorded by running it alone).
        """
        return {}

    # ---------------------------------------------------------------- helpers for platform addons
    @api.model
    def _webhook_secret_keys(self, store):
        """Credential keys of the secrets webhook signatures may be made with, current one first.

        The previous secret stays valid after a rotation until its credential expires (set its
        expiry to when the platform stops signing with it; Shopify: up to one hour).
        """
        return ("webhook_secret", "webhook_secret_previous")

    @api.model
    def _webhook_secrets(self, store):
        """The decrypted, unexpired webhook secrets of `store` (list of str, possibly empty)."""
        # One query for all the keys: this runs on every delivery. A secret not set, or expired,
        # just signs nothing valid.
        keys = self._webhook_secret_keys(store)
        values = self.env["integration.credential"].sudo()._get_values(store, keys)
        return [values[key] for key in keys if values.get(key)]

    @api.model
    def _webhook_signature_valid(self, store, received, compute):
        """Whether `received` is the signature of the delivery under one of the store's secrets.

        :param received: the signature the request carries (str or bytes; empty: invalid).
        :param compute: function secret -> expected signature (str or bytes) over the raw body.
        :returns: bool. Every secret is compared, in constant time, so the answer's timing says
            neither how much of a signature matched nor which secret did.
        """
        if not received:
            return False
        valid = False
        for secret in self._webhook_secrets(store):
            valid |= self._hmac_equals(compute(secret), received)
        return valid

    @api.model
    def _hmac_equals(self, expected, received):
        """Constant-time comparison of two signatures (str or bytes); empty or missing never matches."""
        if not expected or not received:
            return False
        if isinstance(expected, str):
            expected = expected.encode()
        if isinstance(received, str):
            received = received.encode()
        return hmac.compare_digest(expected, received)
