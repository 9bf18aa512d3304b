import hmac
from datetime import timedelta

from odoo import _, api, models

from .. import const, order_const
from ..exceptions import (
    OperationNotPermitted,
    PermanentJobError,
    PlatformFeatureMissing,
    RetryableJobError,
    StoreAuthError,
    WebhookRejected,
)
from ..services import rate_limiter
from ..services.webhook_dispatch import as_handler

# A batch handler's answer for a delivery it left out (None is a valid result).
_NO_OUTCOME = object()


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
        (with the platform's message) or StoreAuthError, never as raw HTTP errors: build the
        platform's API client on the base's client core (services/api_client.py, `ApiClient`),
        which classifies them, paces the calls and keeps secrets out of every message.
    """

    _name = "store.adapter"
    _description = "Store Platform Adapter"

    def _missing(self, store, feature):
        """Refuse an operation the store's platform addon does not implement.

        :param feature: the user-facing name of the operation (translated), e.g. "Full Sync".
        :raises PlatformFeatureMissing: always, naming the platform, the feature and the store.
        """
        raise PlatformFeatureMissing(
            _(
                'The %(platform)s connector does not support "%(feature)s" yet (store "%(store)s"). '
                "Install or update the %(platform)s connector addon if a newer version provides it.",
                platform=self._platform_name(store),
                feature=feature,
                store=store.display_name,
            )
        )

    @api.model
    def _platform_name(self, store):
        """The name of the store's platform, for people (its label in the platform selection)."""
        platform = dict(store._fields["platform"]._description_selection(store.env)).get(store.platform)
        return platform or store.platform or _("unknown platform")

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
            `_parse_webhook`, and the topics it acts on in `_webhook_topic_handlers`);
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

    # ---------------------------------------------------------------- credentials
    @api.model
    def _credential_keys(self, store):
        """The credentials (integration.credential) this platform reads, for the store form: a new
        store of the platform starts with one line per key, labelled and explained, instead of
        free-text key lines; the form warns while a required one is not set. The values are stored
        encrypted as every credential, whatever their declaration.

        :returns: list of dicts, in the order the form shows them: {"key": str (what the addon
            passes to `connector.store._get_credential`), "label": str (translated), "help": str
            (where to find the value on the platform), "secret": bool (default True; False for an
            identifier that is no secret, e.g. an account id), "required": bool (default False;
            True when the store cannot work without it)}. Default: none declared (free key lines).
        """
        return []

    @api.model
    def _credential_expiries(self, store, credentials):
        """When the store's access to the platform ends unless someone acts, for the dashboard's
        warnings (shown from 30 days before, const.CREDENTIAL_EXPIRY_WARNING_DAYS).

        Default: the refresh token's expiry (an OAuth grant: after it, only a new install gives
        the store a token), and the access token's only when there is no refresh token to renew it,
        and any credential the platform declares (`_credential_keys`) that has an expiry. Tokens
        the connector renews by itself (an access token with a refresh token, a cached application
        token) are never reported. A platform whose tokens never expire (Shopify's offline tokens,
        WooCommerce's keys) has no expiry to report and needs no override.

        :param store: the connector.store (sudo).
        :param credentials: the store's integration.credential records (sudo), read at once for
            every store the dashboard shows.
        :returns: list of dicts {"label": str (what ends, for people), "expires_at": datetime}.
        """
        by_key = {credential.key: credential for credential in credentials}
        expiries = []
        refresh = by_key.get(const.CRED_OAUTH_REFRESH_TOKEN)
        if refresh and refresh.expires_at:
            expiries.append({"label": _("The authorization (refresh token)"),
                             "expires_at": refresh.expires_at})
        access = by_key.get(const.CRED_OAUTH_ACCESS_TOKEN)
        if access and access.expires_at and not refresh:
            expiries.append({"label": _("The access token"), "expires_at": access.expires_at})
        for declared in self._credential_keys(store):
            credential = by_key.get(declared["key"])
            if credential and credential.expires_at:
                expiries.append({"label": declared["label"], "expires_at": credential.expires_at})
        return expiries

    @api.model
    def _api_store_option_fields(self, store):
        """The platform's own settings on `connector.store` (fields the addon adds, e.g. an
        authentication mode) that the sync API's ``POST /api/v1/stores`` accepts in its "options",
        next to the base's (connector_store_api.API_STORE_OPTION_FIELDS). Only plain fields: boolean,
        char, integer, float or selection.

        :param store: a new record (not saved) of the platform: only its `platform` is set.
        :returns: collection of field names (default: none).
        """
        return ()

    # ---------------------------------------------------------------- connection
    @api.model
    def _test_connection(self, store):
        """Check the credentials and reach the platform.

        :returns: dict of facts to show (shop name, plan, granted and missing scopes...).
        :raises UserError: with what to fix when it fails.
        """
        self._missing(store, _("Test Connection"))

    @api.model
    def _connection_summary(self, store, facts):
        """What the platform knows about the shop, as labelled facts the base words into Test
        Connection's sentences ("Connected to demo.myshopify.com (Shopify, plan Basic, currency
        EUR). 3 locations. Webhooks: 5 of 5 in place."). The webhook count is the base's (the
        store's subscriptions against `_webhook_registration_topics`); the platform names the rest.
        No call to the platform here: `_test_connection` made them.

        :param facts: `_test_connection`'s result ({label: value}).
        :returns: dict, every key optional:
            * ``shop`` (str): the shop's address or name as the platform knows it (default: the
              store's URL, or its name);
            * ``plan`` (str): the shop's plan, or the kind of account;
            * ``environment`` (str): where the shop lives, when the platform has several (eBay's
              "Sandbox" or "Production"), shown as is;
            * ``currency`` (str): the shop's currency code;
            * ``locations`` (int): how many stock locations the shop has;
            * ``problems`` (list of str): what the merchant should fix, in sentences (an empty
              list says "nothing to fix"; no key says nothing);
            * ``details`` ({label: value}): the facts listed below the sentences, one line each
              (default: all of `facts`).
            Default: {} (the store's address and the platform's name, then every fact).
        """
        return {}

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
        """Key of the store's rate limiter bucket, shared by every worker and server through
        PostgreSQL (`_get_rate_limiter`); one bucket per store by default, stores that share a
        platform account may share one."""
        return f"{store.env.cr.dbname}:{store.id}"

    @api.model
    def _rate_limit_daily_quota(self, store, api=None):
        """Calls the platform allows this store per quota day, counted across every worker and
        server (eBay: 5,000 a day for some APIs).

        :param api: the quota's name when the platform counts a quota per API (eBay: "inventory",
            "trading"...; the client passes it with each request, see `_rate_limit_quotas`); None
            for the store's one bucket.
        :returns: int, or None for no daily quota (default)."""
        return None

    @api.model
    def _rate_limit_quotas(self, store):
        """The daily quotas the platform counts per API: a new store gets a quota line
        (store.api.quota) per API with `_rate_limit_daily_quota(store, api)` as its default, which the
        managers may change; the store form shows today's use of each
        (`connector.store._rate_limit_usage`) and the managers are warned when one is
        `const.RATE_LIMIT_QUOTA_WARNING_SHARE` spent.

        :returns: list of (api name, label) in the order to show; default none (one bucket)."""
        return []

    @api.model
    def _rate_limit_quota_timezone(self, store):
        """The time zone whose midnight starts the platform's quota day (eBay: "America/Los_Angeles").
        :returns: an IANA time zone name (default "UTC")."""
        return "UTC"

    @api.model
    def _rate_limit_bucket_key(self, store, api=None):
        """The key of the bucket of `api` (its own bucket and daily count per API), or of the store's
        one bucket (`_rate_limit_key`) when `api` is None."""
        key = self._rate_limit_key(store)
        return f"{key}:{api}" if api else key

    @api.model
    def _get_rate_limiter(self, store, capacity, restore_rate, api=None):
        """The store's rate limiter, shared by every worker and server of the database
        (services/rate_limiter.py `SharedRateLimiter`): a platform client calls ``acquire(cost)``
        before each request and ``update(...)`` with what the platform answered.

        :param capacity: the bucket's size until the platform says otherwise (units).
        :param restore_rate: units restored per second until the platform says otherwise.
        :param api: the API whose quota the request counts against (a bucket and a daily count of
            its own), or None for the store's one bucket.
        :returns: the limiter of `_rate_limit_bucket_key`, with the store's quota of `api` (its
            store.api.quota line, else `_rate_limit_daily_quota`) or `_rate_limit_daily_quota` calls
            a day, counted per quota day of `_rate_limit_quota_timezone`.
        """
        return rate_limiter.get_limiter(
            self._rate_limit_bucket_key(store, api), capacity, restore_rate,
            daily_limit=store._rate_limit_quota_of(api) if api else self._rate_limit_daily_quota(store),
            dbname=store.env.cr.dbname,
            quota_timezone=self._rate_limit_quota_timezone(store),
        )

    @api.model
    def _default_order_prefix(self, store):
        """The default of a new store's `order_prefix`, put before the platform's order number in
        the sale order's customer reference (WooCommerce: "WC-", so that "WC-12345" says where the
        order comes from). The manager may change it; existing stores keep theirs.

        :returns: str, "" for none (default).
        """
        return ""

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
        :returns: {"records": [normalized order dict], "next_cursor": cursor or None (last page)},
            and optionally "total": how many records the whole import has, when the platform says it
            with its pages (WooCommerce's X-WP-Total, eBay's total): a Full Sync shows "120 / 250".
        """
        self._missing(store, _("Import Orders"))

    @api.model
    def _fetch_order_by_number(self, store, number):
        """One order read from the platform by the number the merchant sees in the platform's
        admin, for Recover an Order (`connector.store._recover_order`): the order is then imported
        by the normal pipeline, as it is now on the platform, even if Odoo holds the same update.

        Search the platform the way its admin does (Shopify: the order name ``#1042``; WooCommerce:
        the order number, which is the order id unless a plugin numbers orders; eBay: the order id
        Seller Hub shows), and return only an exact match: never the first of several candidates.

        :param number: the number as the merchant typed it, stripped, not empty.
        :returns: a normalized order dict (as `_import_orders` returns them), or None when the
            platform has no order of that number.
        :raises RetryableJobError, StoreAuthError, PermanentJobError: as any platform call.
        :raises PlatformFeatureMissing: (default) the platform addon cannot look an order up.
        """
        self._missing(store, _("Recover an Order"))

    @api.model
    def _fetch_payouts(self, store, since):
        """The platform's payouts to the merchant's bank (issue #14, Payouts and fees), for the payout
        import (job payouts.import, `connector.store._job_import_payouts`), which books each as a bank
        statement on the store's payout journal and matches its lines with the orders' payments.

        Return the NEWEST state of every payout dated on or after `since`, each with ALL its lines
        (the balance transactions it settles), in the PAYOUT shape of services/normalized.py
        (`normalize_payout`; raw: the base normalizes and validates it). A payout the platform
        reports again (its status changed) is updated by its id, never doubled; lines are keyed by
        their id. A line's ``transaction_id`` must be the id of the order TRANSACTION it settles, as
        the order import reports it: that is how the line finds the Odoo payment.

        :param since: a datetime (the import asks from the last payout's date minus a margin), or
            None for the platform's default window (e.g. the last 60 days).
        :returns: a list of payout dicts, or None (default) when the platform has no payouts (the
            payment provider pays the merchant, as with WooCommerce): the import then does nothing.
        :raises RetryableJobError, StoreAuthError, PermanentJobError: as any platform call.
        """
        return None

    @api.model
    def _order_pull_statuses(self, store):
        """The platform statuses `_import_orders(status=[...])` filters on, for the sync API's
        order pull (``{"status": [...]}``), which refuses any other value before calling the platform.

        :returns: list of status names, or None (default) when the addon's pull takes no status filter.
        """
        return None

    @api.model
    def _update_order_status(self, store, external_order_id, status, **kwargs):
        """Set the platform status of one order (already mapped to the platform's vocabulary).

        Called by the orders.status job that follows a fulfillment push, with the status the
        store's outbound mapping gives the order's stage (`connector.store._map_stage_to_platform`).

        :param external_order_id: the platform's order id (the order binding's external_id).
        :param status: the platform status to set (str).
        :returns: ignored.
        """
        self._missing(store, _("Update Order Status"))

    @api.model
    def _push_fulfillment(self, store, external_order_id, fulfillment):
        """Tell the platform an order (or part of it) shipped.

        :param fulfillment: {"carrier": str (the platform's code or name of the carrier from the
            store's carrier mapping, else the carrier's name in Odoo; empty: no carrier),
            "carrier_name": str (the carrier's name in Odoo), "carrier_mapped": bool (whether
            "carrier" comes from the mapping), "tracking_number": str, "tracking_url": str,
            "notify_customer": bool, "reference": str (the Odoo delivery's name, e.g. WH/OUT/00012:
            a platform without fulfillment ids of its own, such as a note on the order, finds by it
            what a retried job already sent), "shipped_on": "YYYY-MM-DD", "order_complete": bool
            (the whole order is delivered with this delivery; False for a partial delivery),
            "lines": [{"external_line_id": str, "sku": str, "name": str (the line's first line of
            description), "quantity": float}]}
        :returns: the platform's fulfillment id (str). A job that failed after the platform received
            the fulfillment runs again: where the platform allows it, look for what was already sent
            (by reference or tracking number) and return its id instead of sending it twice.
        """
        self._missing(store, _("Push Fulfillment"))

    @api.model
    def _carrier_code_required(self, store):
        """Whether the platform only accepts its own carrier codes with a tracking number (eBay's
        shipping carrier codes), rather than any name. (WooCommerce's Shipment Tracking extension
        takes an unmapped carrier as a custom provider with its tracking link: False there.)

        True: a delivery whose carrier the store's carrier mapping (store.carrier.map) does not map,
        or that has a tracking number without a carrier, is not sent; its orders.fulfillment job
        fails saying which carrier to map, and sends it once retried. False (the default): an
        unmapped carrier is sent under its name in Odoo (Shopify shows it as the tracking company).

        :returns: bool.
        """
        return False

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
    def _full_sync_order_days(self, store):
        """How many days of orders a Full Sync pulls (order_const.FULL_SYNC_ORDER_DAYS, 60; eBay
        keeps 90 days of orders in its order API)."""
        return order_const.FULL_SYNC_ORDER_DAYS

    @api.model
    def _full_sync_total(self, store, entity, since=None):
        """How many records a Full Sync of `entity` will import, for its progress ("Products 120 /
        250"), when the first page did not say it (its "total", see `_import_orders`). Called once per
        entity and run, on its first page; an error here is logged and ignored.

        :param entity: "products", "customers" or "orders" (const.FULL_SYNC_ENTITIES).
        :param since: the import's lower bound of update time (orders: the Full Sync's days), or None.
        :returns: an int, or None (default) when the platform does not tell (the progress then shows
            the records done so far).
        """
        return None

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
    def _listing_fields(self, store):
        """The extra listing fields this platform asks of a published product (eBay: the item's
        condition; a marketplace: its shipping profile...). The merchant fills them per product and
        store where the product is published (the binding's Listing Fields), and the export carries
        them in the normalized product's "listing" dict (see services/product_mapper.py).

        :returns: list of {"name": key in "listing" (str), "label": str, "help": str (shown on the
            store form), "type": "char" | "selection" | "boolean" | "integer" | "float",
            "selection": [(value, label)] (selection only), "default": value (optional),
            "required": bool (optional: an export without a value fails for that product, with a
            message naming the field)}. Default: none.
        """
        return []

    @api.model
    def _identifies_variants_by_id(self, store):
        """Whether the platform identifies every variant by an id of its own, so that a variant
        the merchant left without SKU can still be imported and bound by that id (WooCommerce:
        a product's or a variation's SKU is optional, its id is not).

        When True, a platform variant without SKU but with ``external_ids["variant_id"]`` is
        matched through the bindings by that id, else created in Odoo with an empty Internal
        Reference (the connector never invents a SKU) and bound by its id; the binding's stock
        goes out through `_update_inventory` by its platform ids (the items' "sku" is None, their
        "ref" tells them apart), and the order lines naming that id become lines of its product.
        Such products are not exported from Odoo (their prices and data stay the platform's
        until they get a SKU), and the sync API cannot address them by SKU.

        :returns: bool. Default: False (every bound variant needs a SKU; a platform variant
            without one is refused by the import with a message).
        """
        return False

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
    def _inventory_batch_group(self, store, binding):
        """Which platform call a binding's stock goes through, for a platform that publishes
        different records through different endpoints (WooCommerce: simple products through
        ``products/batch``, the variations of each variable product through that product's own
        ``products/<id>/variations/batch``).

        The stock jobs (`connector.store._enqueue_inventory_sync`) keep the bindings of one group
        together: a group is cut in pieces of `_inventory_batch_size` items only when it is larger
        than that, and the pieces are packed into jobs of at most `_inventory_batch_size` items,
        so that the `_update_inventory` calls made (one per group and job) are as few as the
        platform allows: the sum over the groups of ceil(items / batch size).

        :param binding: a store.product.binding of `store` whose stock is published.
        :returns: a hashable key; every binding returning the same key goes through the same
            call. Default: None, one group (the bindings are cut in order, as they come).
        """
        return None

    @api.model
    def _update_inventory(self, store, items):
        """Publish quantities.

        :param items: list of {"sku": str, "quantity": int, "external_ids": dict}, at most
            `_inventory_batch_size` of them. An item of a variant bound by its platform id without
            SKU (see `_identifies_variants_by_id`) has "sku" None and two more keys: "ref" (its
            binding's id, which names it) and "label" (how messages name it: the product's name
            and platform id).
        :returns: list of {"sku": str, "error": str or None} (per-item failures do not raise), with
            "ref" copied from the items that have one: a result is matched to its item by "ref"
            when it has one, else by "sku".
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
            locations) returns one entry per SKU and mapped Odoo location. An entry may carry
            "ref": the binding's id, which names it instead of "sku" (required for bindings
            without SKU, see `_identifies_variants_by_id`).
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
    # Intake (store.webhook.delivery._receive) calls, in this order: _webhook_kinds,
    # _webhook_archived_store_topics (an archived store only: its kinds), _webhook_is_ping,
    # _verify_webhook, _webhook_timestamp (against _webhook_max_age and _webhook_clock_skew),
    # _parse_webhook, _webhook_archived_store_topics again (an archived store: the topic),
    # _webhook_check_payload, then the store's permission for the parsed "operation"
    # (connector.store._check_operation_allowed: a forbidden one is answered 200, dropped), then
    # _webhook_is_echo; it stores the headers but _webhook_signature_headers. Later, in the queue,
    # _process_webhook (or _process_webhook_batch), on the delivery _webhook_latest_delivery picks
    # when a job holds several, calls the handler of its topic in _webhook_topic_handlers.

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
    def _register_webhooks(self, store, topics=None):
        """Create or repair the platform's webhook subscriptions pointing at this Odoo.

        Idempotent. Records each subscription in `store.webhook`.

        :param topics: None for every topic the addon handles (Register Webhooks); or a subset of
            `_webhook_registration_topics(store)` (the sync API's ``{"topics": [...]}``), checked by
            the caller: register or repair those only, leave the others as they are.
        :returns: the store.webhook records registered or repaired.
        """
        self._missing(store, _("Register Webhooks"))

    @api.model
    def _webhook_health_interval(self, store):
        """How often the scheduled order pull's cron asks the platform how the store's webhook
        subscriptions are (`_check_webhook_health`), for platforms that stop delivering on their
        own (WooCommerce disables a webhook after repeated failed deliveries, and tells nobody).

        :returns: a timedelta, or None (the default): the platform is never asked.
        """
        return None

    @api.model
    def _check_webhook_health(self, store):
        """The state of the store's webhook subscriptions on the platform, as the platform reports
        it now (runs in a job, see `connector.store._job_check_webhook_health`, which compares it
        with the registry `store.webhook`, records it, and tells the merchant of any subscription
        that stopped delivering).

        Report only the subscriptions that are the store's (those its registry names, or that
        deliver to its intake URL), every one of them: a registered one missing from the report is
        taken as deleted on the platform.

        :returns: a list of {"external_id": str, "topic": str, "status": "active", "paused" or
            "disabled", "address": the delivery URL, "reason": optional sentence saying why it is
            not active}; or None (the default) when the platform reports nothing.
        :raises RetryableJobError, PermanentJobError, StoreAuthError: as any job.
        """
        return None

    @api.model
    def _webhook_registration_topics(self, store):
        """The topics `_register_webhooks` subscribes to, for a caller that names some of them (the
        sync API's ``POST .../webhooks`` with ``{"topics": [...]}``). An addon that declares them
        accepts `_register_webhooks(store, topics=[...])`.

        :returns: collection of topic names (default: empty, registration of a subset refused).
        """
        return ()

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

        :returns: {"event_id": str (see above; a delivery without one is refused with 400), "topic":
            str (default: the kind), "payload": parsed body, "operation": job operation name
            (default ``webhook.<kind>``; a permission key of const.STORE_PERMISSIONS the store
            switched off drops the delivery with a 200), "method": a ``_job_*`` handler on
            store.webhook.delivery (default "_job_process"), "priority": int (default 5),
            "identity_key": str or None (deliveries with the same
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

    # ---------------------------------------------------------------- webhooks: platform endpoint
    # One URL per platform (per app), /store_connector/webhook/<platform>, besides the per-store
    # intake route: for platforms that register one address for all the stores of an app (eBay's
    # account deletion endpoint and Notification API). See controllers/main.py.

    @api.model
    def _webhook_challenge_response(self, params, endpoint):
        """Answer the platform's verification challenge: a GET on the platform endpoint, with
        which the platform checks that the address is ours before sending anything to it (eBay:
        ``GET ?challenge_code=X`` answered ``{"challengeResponse": hex(sha256(challengeCode +
        verificationToken + endpoint))}``). Runs as superuser, outside any store.

        :param params: the query's parameters (dict of str).
        :param endpoint: the endpoint's URL as registered with the platform
            (``<web.base.url>/store_connector/webhook/<platform>``).
        :returns: the JSON answer (a dict, answered 200), or None when the platform uses no
            challenge (the default: answered 404).
        :raises WebhookRejected(400): a malformed challenge.
        """
        return None

    @api.model
    def _webhook_resolve_store(self, platform, headers, raw_body):
        """Which store a delivery posted to the platform endpoint is for, read from the delivery
        itself (an account or shop id in a header or the body), before its signature is checked:
        the delivery then goes through the same intake as at the store's own address
        (`store.webhook.delivery._receive`: signature, duplicates, storage, job).

        Cheap and read-only: it runs on every delivery, for anyone who posts. Find stores with
        ``sudo()`` and ``active_test=False`` (archived stores receive what
        `_webhook_archived_store_topics` declares).

        :param headers: the request headers (case-insensitive mapping).
        :param raw_body: bytes, exactly as received (not verified yet).
        :returns: (connector.store, kind): the store (empty: no store of this database, answered
            404 and nothing stored) and the intake kind of the delivery; or None when the
            platform has no platform endpoint (the default: answered 404).
        :raises WebhookRejected: a delivery that names no store (400), or another answer the
            platform requires (eBay sends every user's account deletion to every app, and an
            error makes it retry and alert: ``WebhookRejected(200, ...)`` acknowledges it).
        """
        return None

    # ---------------------------------------------------------------- webhooks: processing
    @api.model
    def _webhook_topic_handlers(self, store):
        """The topics this platform acts on, and how: {topic: handler}, read by `_process_webhook`
        and `_process_webhook_batch` (and by an addon's `_parse_webhook`, to keep only the topics
        it acts on). A handler is either the name of a private method of the adapter, called as
        ``method(store, delivery, payload)`` for one delivery and returning the job's result, or a
        ``WebhookHandler(method, batch=True)`` (services/webhook_dispatch.py), called as
        ``method(store, deliveries)`` and returning {delivery id: outcome} (see
        `_process_webhook_batch`). Orders need no handler of their own: map their topics to
        ``WebhookHandler("_webhook_import_orders", batch=True)`` and implement
        `_webhook_normalized_order`.

        Handlers raise job errors as any job (RetryableJobError, PermanentJobError,
        StoreAuthError). Other addons extend the table with ``super()``::

            def _webhook_topic_handlers(self, store):
                handlers = super()._webhook_topic_handlers(store)
                handlers["products/delete"] = "_myplatform_webhook_product_delete"
                return handlers

        :returns: dict (default: empty: the platform addon processes no webhook yet, and its
            deliveries' jobs fail saying so, to run again once an update brings handlers).
        """
        return {}

    @api.model
    def _webhook_handler(self, store, topic):
        """The handler of `topic` in `_webhook_topic_handlers`, as a WebhookHandler, or None."""
        return as_handler(self._webhook_topic_handlers(store).get(topic))

    @api.model
    def _webhook_ignored(self, store, delivery, reason):
        """The result of a delivery acted on by nothing (a topic without a handler, an event that
        changes nothing): the job is done, its result and the store's activity log say why, and
        the delivery stays stored (until the retention purge) for whoever wants to look.

        :param reason: a sentence for people.
        :returns: {"ignored": topic, "reason": reason}.
        """
        store._log_activity(
            "webhook", "info", message=_("Webhook %(topic)s (delivery %(event)s) ignored: %(reason)s",
                                         topic=delivery.topic, event=delivery.event_id, reason=reason))
        return {"ignored": delivery.topic, "reason": reason}

    @api.model
    def _process_webhook(self, store, delivery):
        """Act on a stored delivery (runs in the queue): call the handler its topic has in
        `_webhook_topic_handlers`. A topic without one is acknowledged and ignored with a reason
        (`_webhook_ignored`), never failed and never lost. A batch handler is called with this
        delivery alone and its outcome mapped as in `_process_webhook_batch`: an error is raised
        (the job fails with it, retryable or not as the handler classified it).

        Handlers only translate; the generic pipelines do the work. For an order event:
        normalize the platform's order (`_webhook_normalized_order`) and let
        `_webhook_import_orders` import it (or queue it with ``store._enqueue_order_import``).

        :param delivery: the store.webhook.delivery; `delivery._payload()` is its parsed body.
        :returns: a JSON-serialisable result kept on the job, or None.
        :raises PlatformFeatureMissing: the platform addon declares no handler at all.
        :raises RetryableJobError, PermanentJobError, StoreAuthError: as any job.
        """
        if not self._webhook_topic_handlers(store):
            self._missing(store, _("Process Webhook %(topic)s", topic=delivery.topic))
        handler = self._webhook_handler(store, delivery.topic)
        if handler is None:
            return self._webhook_ignored(store, delivery, _(
                "the %(platform)s connector does not act on this topic; nothing was changed.",
                platform=self._platform_name(store)))
        method = getattr(self, handler.method)
        if not handler.batch:
            return method(store, delivery, delivery._payload())
        outcome = (method(store, delivery) or {}).get(delivery.id, _NO_OUTCOME)
        if outcome is _NO_OUTCOME:
            raise PermanentJobError(_(
                "The webhook handler %(handler)s gave no outcome for delivery %(event)s (%(topic)s).",
                handler=handler.method, event=delivery.event_id, topic=delivery.topic))
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    @api.model
    def _process_webhook_batch(self, store, deliveries):
        """Act on several stored deliveries of `store` at once (runs in the queue, when several are
        due together): the deliveries whose topic has a batch handler (`_webhook_topic_handlers`)
        go to it, one call per handler; the others are left out and run one by one through
        `_process_webhook`.

        A batch handler returns {delivery id: outcome} for the deliveries it was given:
          * a result (JSON-serialisable, e.g. `_webhook_ignored`'s): the delivery is done;
          * an exception (a RetryableJobError, PermanentJobError...): the delivery failed with it.
            What the batch did may have served that delivery too (a partner made for its order),
            so nothing of the batch is kept: this raises, the queue undoes the batch and runs
            every delivery alone, each then recording its own outcome and error;
          * no entry: the delivery had no effect; it runs alone.

        :returns: {delivery id: result} for the deliveries done.
        :raises PermanentJobError: a delivery of the batch failed (naming each and its error).
        """
        by_method = {}
        for delivery in deliveries:
            handler = self._webhook_handler(store, delivery.topic)
            if handler is not None and handler.batch:
                by_method.setdefault(handler.method, []).append(delivery.id)
        results, failed = {}, []
        for method, ids in by_method.items():
            outcomes = getattr(self, method)(store, deliveries.browse(ids)) or {}
            for delivery_id in ids:
                outcome = outcomes.get(delivery_id, _NO_OUTCOME)
                if isinstance(outcome, Exception):
                    failed.append((delivery_id, outcome))
                elif outcome is not _NO_OUTCOME:
                    results[delivery_id] = outcome
        if failed:
            errors = "; ".join(f"{delivery_id}: {error}" for delivery_id, error in failed)
            raise PermanentJobError(_(
                "1 webhook delivery of the batch failed, it runs again alone: %(errors)s", errors=errors,
            ) if len(failed) == 1 else _(
                "%(count)s webhook deliveries of the batch failed, each runs again alone: %(errors)s",
                count=len(failed), errors=errors))
        return results

    # ---------------------------------------------------------------- webhooks: orders
    @api.model
    def _webhook_normalized_order(self, store, delivery, payload):
        """Translate an order delivery's body into a normalized order (services/normalized.py,
        as `_import_orders` returns them), for `_webhook_import_orders`. Pure: no call to the
        platform, no write.

        :param delivery: the store.webhook.delivery (None when called on a bare payload).
        :returns: a normalized order dict.
        :raises PermanentJobError: the body is not an order this connector can read.
        """
        self._missing(store, _("Process Webhook %(topic)s", topic=delivery.topic if delivery else ""))

    @api.model
    def _webhook_import_orders(self, store, deliveries):
        """Batch handler of order topics: the orders of `deliveries` (`_webhook_normalized_order`)
        go through the order pipeline in one call of the importer. Each delivery's outcome is its
        order's: {"created": [sale.order id], "updated": [], "ignored": []}, the same with
        "updated", or with "ignored": [platform order id] for an order older than the one already
        imported; a failed order is its delivery's error.

        Left out (they run alone): a second delivery of an order already in the batch, and a
        body that cannot be read as an order (alone, its reading error fails its job).

        :returns: {delivery id: outcome} (see `_process_webhook_batch`).
        """
        single = len(deliveries) == 1
        orders, delivery_of = [], {}
        for delivery in deliveries:
            try:
                order = self._webhook_normalized_order(store, delivery, delivery._payload())
            except Exception as exc:  # noqa: BLE001 - alone, it is this delivery's error
                if single:
                    return {delivery.id: exc}
                continue
            order_id = str((order or {}).get("id") or "")
            if not order_id or order_id in delivery_of:
                continue
            delivery_of[order_id] = delivery.id
            orders.append(order)
        if not orders:
            return {}
        if single:
            try:
                result = store._import_order(orders[0])
            except (PermanentJobError, RetryableJobError, StoreAuthError, OperationNotPermitted) as exc:
                return {delivery_of[str(orders[0]["id"])]: exc}
            return {delivery_of[str(orders[0]["id"])]: result}
        result = self.env["store.order.importer"]._import_orders(store, orders)
        outcomes = {}
        for failure in result["failed"]:
            delivery_id = delivery_of.get(str(failure.get("id") or ""))
            if delivery_id:
                outcomes[delivery_id] = PermanentJobError(failure.get("error") or _("The order failed."))
        if result["failed"] and not outcomes:
            failed = len(result["failed"])
            raise PermanentJobError(_("1 order of the batch failed.") if failed == 1
                                    else _("%(count)s orders of the batch failed.", count=failed))
        created, updated = set(result["created"]), set(result["updated"])
        ignored = {str(order_id) for order_id in result["ignored"]}
        bindings = {
            binding.external_id: binding.order_id.id
            for binding in self.env["store.order.binding"].sudo().search(
                [("store_id", "=", store.id), ("external_id", "in", list(delivery_of))])
        }
        for order_id, delivery_id in delivery_of.items():
            if delivery_id in outcomes:
                continue
            sale_id = bindings.get(order_id)
            if order_id in ignored:
                outcomes[delivery_id] = {"created": [], "updated": [], "ignored": [order_id]}
            elif sale_id in created:
                outcomes[delivery_id] = {"created": [sale_id], "updated": [], "ignored": []}
            elif sale_id in updated:
                outcomes[delivery_id] = {"created": [], "updated": [sale_id], "ignored": []}
            else:
                outcomes[delivery_id] = PermanentJobError(
                    _("Order %(order)s of the batch has no outcome.", order=order_id))
        return outcomes

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
