from odoo import _, fields, models

from . import ebay_stock_mapper as sm


class ConnectorStore(models.Model):
    """eBay stores: Migrate to the Inventory API (legacy listings, see store_adapter_legacy.py)."""

    _inherit = "connector.store"

    ebay_legacy_listing_count = fields.Integer(
        string="Legacy eBay Listings", compute="_compute_ebay_legacy_listing_count",
        help="Listings made on eBay's site or by an older integration, bound to this store and revised "
             "through eBay's Trading API until they are migrated to the Inventory API.")

    def _compute_ebay_legacy_listing_count(self):
        counts = {}
        ebay_stores = self.filtered(lambda store: store.platform == "ebay" and store.id)
        if ebay_stores:
            self.env["store.product.binding"].flush_model(["store_id", "external_data"])
            self.env.cr.execute(
                """SELECT store_id, count(DISTINCT external_data->>%(listing)s)
                     FROM store_product_binding
                    WHERE store_id = ANY(%(stores)s) AND external_data->>%(api)s = %(trading)s
                      AND external_data->>%(listing)s IS NOT NULL
                 GROUP BY store_id""",
                {"listing": sm.LISTING_ID, "api": sm.LISTING_API, "trading": sm.API_TRADING,
                 "stores": ebay_stores.ids},
            )
            counts = dict(self.env.cr.fetchall())
        for store in self:
            store.ebay_legacy_listing_count = counts.get(store.id, 0)

    def action_ebay_migrate_listings(self):
        """Migrate to the Inventory API button (managers): queue the migration of the store's legacy
        listings (bound through Trading), 5 listings a job (one bulkMigrateListing call each).

        :returns: a notification saying how many listings were queued, or that there are none.
        """
        self._check_store_manager()
        self.ensure_one()
        self._check_operation_allowed("products.sync")
        bindings = self._ebay_legacy_bindings()
        by_listing = {}
        for binding in bindings:
            by_listing.setdefault(str(binding._external_ids()[sm.LISTING_ID]), []).append(binding.id)
        listings = sorted(by_listing)
        if not listings:
            return self._notify_user(
                _(
                    "Store %(store)s has no legacy eBay listing to migrate: every bound listing is already "
                    "managed through the Inventory API. Run Full Sync first to find listings made on eBay.",
                    store=self.name,
                ),
                None,
            )
        items = []
        for start in range(0, len(listings), sm.MIGRATE_LISTING_LIMIT):
            chunk = listings[start : start + sm.MIGRATE_LISTING_LIMIT]
            records = bindings.browse([binding_id for listing in chunk for binding_id in by_listing[listing]])
            items.append((records, "ebay_migrate:" + ",".join(chunk), None))
        self.env["sync.job"]._enqueue_many(
            self, "products.migrate", "_job_ebay_migrate_listings", items, direction="export"
        )
        if len(listings) == 1:
            message = _("Migration of 1 legacy eBay listing to the Inventory API queued.")
        else:
            message = _(
                "Migration of %(count)s legacy eBay listings to the Inventory API queued.",
                count=len(listings),
            )
        return self._notify_user(message, None)

    def _ebay_legacy_bindings(self):
        """The store's product bindings of legacy listings (revised through Trading)."""
        self.ensure_one()
        bindings = (
            self.env["store.product.binding"]
            .sudo()
            .search([("store_id", "=", self.id), ("external_data", "!=", False)])
        )
        return bindings.filtered(
            lambda b: (
                sm.listing_api(b._external_ids()) == sm.API_TRADING and b._external_ids().get(sm.LISTING_ID)
            )
        )
