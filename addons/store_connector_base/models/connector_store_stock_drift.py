import time
from collections import defaultdict

from odoo import _, api, fields, models

from .. import const, labels
from ..exceptions import OperationNotPermitted, PlatformFeatureMissing
from ..services.normalized import raw_order_id

# Pages of unimported orders read by one reconciliation at most: the scheduled pull imports orders
# every few minutes, so only the last few are missing; this only explains the differences they cause
# (Shopify serves 4 orders a page).
RECONCILE_MAX_ORDER_PAGES = 50
# Platform stages of orders that hold no stock (cancelled, or sent back).
STOCK_RELEASING_STAGES = ("cancelled", "returned")


class ConnectorStore(models.Model):
    """Stock drift of a store: a reconciliation (daily, and on demand) reads the platform's
    quantities in bulk, compares them with what Odoo would publish now and keeps the differences
    (store.stock.drift) for the merchant to see and repair."""

    _inherit = "connector.store"

    stock_drift_ids = fields.One2many("store.stock.drift", "store_id", string="Stock Drift")
    stock_drift_count = fields.Integer(compute="_compute_stock_drift_count")
    stock_reconciled_at = fields.Datetime(
        string="Stock Checked On", readonly=True, copy=False,
        help="When the shop's quantities were last compared with Odoo's.",
    )

    def _compute_stock_drift_count(self):
        counts = dict(self.env["store.stock.drift"]._read_group(
            [("store_id", "in", self.ids)], ["store_id"], ["__count"]
        ))
        for store in self:
            store.stock_drift_count = counts.get(store, 0)

    # ------------------------------------------------------------------ actions
    def action_reconcile_stock(self):
        """Check Stock button: queue a reconciliation of the shop's quantities with Odoo's now.

        :raises OperationNotPermitted: the store has no stock baseline yet.
        """
        self._check_store_user()
        self.ensure_one()
        self._enqueue_stock_reconcile(priority=5)
        return self._notify_user(
            _("Stock check of %(store)s queued: the differences appear under Stock Drift once it ran.",
              store=self.name),
            None,
        )

    def action_view_stock_drift(self):
        """Stock Drift smart button: the differences found by the last reconciliation."""
        self._check_store_user()
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "store_connector_base.store_stock_drift_action"
        )
        action["domain"] = [("store_id", "=", self.id)]
        action["context"] = {"default_store_id": self.id}
        return action

    def action_repair_stock_drift(self):
        """Repair All: queue the export of every drifting SKU (Odoo's quantity wins)."""
        self._check_store_user()
        self.ensure_one()
        return self.stock_drift_ids.action_repair()

    # ------------------------------------------------------------------ scheduling
    @api.model
    def _cron_reconcile_stock(self):
        """Cron (daily): queue a reconciliation for every active store with a stock baseline that
        permits inventory sync and is not paused."""
        stores = self.search([
            ("stock_baseline", "!=", const.STOCK_BASELINE_NONE),
            ("allow_inventory_sync", "=", True),
            ("paused", "=", False),
        ])
        jobs = self.env["sync.job"]
        for store in stores.filtered(lambda s: "inventory.sync" in s._platform_features()):
            try:
                jobs |= store._enqueue_stock_reconcile()
            except OperationNotPermitted:
                continue
        return jobs

    def _enqueue_stock_reconcile(self, priority=10):
        """Queue this store's reconciliation (one pending job per store: a second request merges).

        :raises OperationNotPermitted: the store has no stock baseline yet.
        """
        self.ensure_one()
        return self.env["sync.job"]._enqueue(
            self, const.OP_STOCK_RECONCILE, "_job_reconcile_stock",
            identity_key=const.OP_STOCK_RECONCILE, priority=priority, direction="import",
        )

    def _job_reconcile_stock(self, job):
        """Job stock.reconcile: see `_reconcile_stock`."""
        self.ensure_one()
        return self._reconcile_stock(job=job)

    # ------------------------------------------------------------------ reconciliation
    def _reconcile_stock(self, job=None):
        """Compare the platform's quantities (`_read_inventory`, in bulk) with what Odoo would
        publish now (`_published_quantities`, per location entry) and store the differences.

        A difference that orders not imported into Odoo yet explain is not drift: the platform
        already took those orders from its quantity, Odoo not yet. The orders the platform updated
        since the last pull (`order_import_cursor`, else the baseline) without an order binding
        are read, and their quantities per SKU are deducted from Odoo's side first.

        :returns: {"checked", "drift", "new", "resolved", "unimported_orders"}.
        """
        self.ensure_one()
        started = time.monotonic()
        bindings = self._inventory_bindings()
        entries = (self._get_adapter()._read_inventory(self, bindings) or []) if bindings else []
        unimported, order_count = self._stock_unimported_order_quantities()
        grouped = defaultdict(list)
        for binding, entry in self._inventory_entries_by_binding(bindings, entries):
            grouped[entry.get("location_id") or False].append((binding, entry))
        differences = {}  # (binding id, location id or False) -> (platform, odoo)
        budget = dict(unimported)
        for location_id in sorted(grouped, key=lambda key: key or 0):
            pairs = grouped[location_id]
            locations = self._stock_entry_locations(location_id)
            if not locations:
                continue
            products = self.env["product.product"].browse([binding.product_id.id for binding, _e in pairs])
            published = self._published_quantities(products, locations=locations if location_id else None)
            for binding, entry in pairs:
                platform = int(entry.get("available") or 0)
                odoo = published.get(binding.product_id.id, 0)
                excess = odoo - platform
                # Unimported orders are counted by SKU: a variant without one has no budget.
                explained = min(max(0, excess), budget.get(binding.sku, 0)) if binding.sku else 0
                if explained:
                    budget[binding.sku] -= explained
                if excess - explained:
                    differences[(binding.id, location_id or False)] = (binding, platform, odoo)
        now = fields.Datetime.now()
        Drift = self.env["store.stock.drift"].sudo()
        existing = Drift.search([("store_id", "=", self.id)])
        known = {(drift.binding_id.id, drift.location_id.id or False): drift for drift in existing}
        resolved = existing.filtered(
            lambda drift: (drift.binding_id.id, drift.location_id.id or False) not in differences
        )
        resolved.unlink()
        unchanged = Drift.browse()
        new_vals = []
        for key, (binding, platform, odoo) in differences.items():
            drift = known.get(key)
            if not drift:
                new_vals.append({
                    "store_id": self.id, "binding_id": binding.id, "sku": binding._label(),
                    "location_id": key[1], "platform_quantity": platform, "odoo_quantity": odoo,
                    "first_seen_at": now, "last_checked_at": now,
                })
            elif (drift.platform_quantity, drift.odoo_quantity) == (platform, odoo):
                unchanged |= drift
            else:
                drift.write({"platform_quantity": platform, "odoo_quantity": odoo, "last_checked_at": now})
        unchanged.write({"last_checked_at": now})
        Drift.create(new_vals)
        self.sudo().write({"stock_reconciled_at": now})
        result = {
            "checked": len(entries), "drift": len(differences), "new": len(new_vals),
            "resolved": len(resolved), "unimported_orders": order_count,
        }
        # Translated first: Odoo's extractor misses a translation call nested in another's arguments.
        checked_text = labels.count_text(len(entries), _("1 quantity compared"),
                                         _("%(count)s quantities compared"), env=self.env)
        drift_text = labels.count_text(len(differences), _("1 differs"), _("%(count)s differ"), env=self.env)
        orders_text = labels.count_text(order_count, _("1 order not imported yet was taken"),
                                        _("%(count)s orders not imported yet were taken"), env=self.env)
        self._log_activity(
            const.OP_STOCK_RECONCILE, "done", records=len(entries), duration=time.monotonic() - started,
            job=job, message=_(
                "Stock checked: %(checked)s, %(drift)s from Odoo's (%(new)s new, %(resolved)s resolved); "
                "%(orders)s into account.",
                checked=checked_text, drift=drift_text, new=len(new_vals), resolved=len(resolved),
                orders=orders_text,
            ),
        )
        return result

    def _stock_unimported_order_quantities(self):
        """The quantities per SKU of the platform's orders that Odoo has not imported yet: those
        updated since the last completed pull (else since the stock baseline) that have no order
        binding, cancelled and returned ones aside.

        :returns: ({sku: quantity}, number of such orders). A platform that cannot list orders
            explains nothing ({}, 0).
        """
        self.ensure_one()
        since = self.order_import_cursor or self.stock_baseline_date
        adapter = self._get_adapter()
        orders, page_cursor = [], None
        for _page in range(RECONCILE_MAX_ORDER_PAGES):
            try:
                page = adapter._import_orders(self, since=since, cursor=page_cursor) or {}
            except PlatformFeatureMissing:
                return {}, 0
            orders += page.get("records") or []
            page_cursor = page.get("next_cursor")
            if not page_cursor:
                break
        ids = {raw_order_id(order) for order in orders} - {None}
        bound = self.env["store.order.binding"].sudo()._find_by_external_ids(self, ids)
        stages = self._get_inbound_status_map()
        quantities, counted = defaultdict(int), set()
        for order in orders:
            order_id = raw_order_id(order)
            if order_id is None or order_id in bound or order_id in counted:
                continue
            if stages.get(str(order.get("status") or "").casefold()) in STOCK_RELEASING_STAGES:
                continue
            counted.add(order_id)
            for line in order.get("lines") or []:
                if line.get("sku"):
                    try:
                        quantities[line["sku"]] += int(float(line.get("quantity") or 0))
                    except (TypeError, ValueError):
                        continue
        return dict(quantities), len(counted)

