import datetime
from collections import defaultdict

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from .. import const, labels
from ..exceptions import OperationNotPermitted, PermanentJobError
from .store_product_binding import LOCK_INVENTORY


class ConnectorStore(models.Model):
    """Stock baseline of a store: how Odoo's stock and the shop's were lined up when the store was
    connected, and the one way the connector writes a platform's quantity into Odoo's stock.

    A new store has no baseline ("Not chosen"): its Odoo may not hold the shop's stock yet (a Full
    Sync imports products, not their quantities), so publishing would set every SKU on the shop to
    zero. Until a Store Connector Manager chooses one in the Stock Baseline window, no stock is
    exported by anything (Sync Inventory, stock moves, the sync API) and no drift is checked. The
    window shows the platform's quantities next to Odoo's and offers to import the platform's
    quantities into Odoo (an inventory adjustment in the mapped locations) or to publish Odoo's.
    """

    _inherit = "connector.store"

    stock_baseline = fields.Selection(
        const.STOCK_BASELINES,
        required=True,
        default=const.STOCK_BASELINE_NONE,
        copy=False,
        tracking=True,
        help="How Odoo's stock and the shop's were lined up when the store was connected. Until it is "
        "chosen (Choose Stock Baseline), no stock is sent to the store, so that an Odoo that does not "
        "hold the shop's stock yet never sets it to zero.",
    )
    stock_baseline_date = fields.Datetime(string="Stock Baseline Chosen On", readonly=True, copy=False)
    stock_baseline_user_id = fields.Many2one(
        "res.users", string="Stock Baseline Chosen By", readonly=True, copy=False, check_company=True
    )

    # ------------------------------------------------------------------ permissions
    def _check_operation_allowed(self, operation):
        """Also refuse the stock operations (const.STOCK_BASELINE_OPERATIONS) of a store whose
        stock baseline is not chosen: enqueueing them and running their jobs both pass here.

        :raises OperationNotPermitted: saying why no stock is sent and what to do.
        """
        super()._check_operation_allowed(operation)
        if operation not in const.STOCK_BASELINE_OPERATIONS:
            return
        for store in self:
            if store.stock_baseline == const.STOCK_BASELINE_NONE:
                raise OperationNotPermitted(_(
                    'Store "%(store)s" sends no stock yet: its stock baseline is not chosen. A Store '
                    "Connector manager clicks Choose Stock Baseline on the store, then imports the "
                    "shop's quantities into Odoo or publishes Odoo's. Until then the shop's stock is "
                    "left as it is, so that it is never set to zero by an Odoo that does not hold it.",
                    store=store.name,
                ))

    # ------------------------------------------------------------------ actions
    def action_choose_stock_baseline(self):
        """Choose Stock Baseline button: open the window that reads the shop's quantities and
        shows them next to Odoo's (Managers: the choice may adjust Odoo's stock)."""
        self._check_store_manager()
        self.ensure_one()
        return self.env["store.stock.baseline.wizard"]._open_for(self)

    # ------------------------------------------------------------------ baseline
    def _stock_default_locations(self):
        """Where a platform quantity without a location of its own stands: the store's published
        locations (counted with their children); what the platform has more goes to the first."""
        self.ensure_one()
        return self._inventory_locations()

    def _stock_entry_locations(self, location_id):
        """The Odoo locations of one `_read_inventory` entry (its location, else the default ones),
        or an empty recordset when the platform names a location that is not this store's to use."""
        if not location_id:
            return self._stock_default_locations()
        location = self.env["stock.location"].sudo().browse(int(location_id)).exists()
        if not location or location.usage != "internal" or location.company_id not in (
                self.company_id, self.env["res.company"]):
            return self.env["stock.location"]
        return location

    def _stock_on_hand(self, products, locations):
        """{product id: on hand quantity} in `locations` (with their children), one grouped query."""
        result = dict.fromkeys(products.ids, 0.0)
        if products and locations:
            result.update(self._inventory_basis_quantities(products, locations, "on_hand"))
        return result

    def _stock_baseline_rows(self):
        """Read the platform's quantities of the store's published storable variants and set them
        beside Odoo's: one row per SKU and location the platform reports.

        :returns: list of {"binding": store.product.binding, "sku", "locations": stock.location
            records, "platform_available", "platform_on_hand" (or None), "odoo_on_hand",
            "odoo_published", "import_quantity" (Odoo's on hand after an import), "plan" (the
            adjustment, see `_plan_platform_stock_change`) and "error" (why the SKU cannot be
            imported, or False)}.
        """
        self.ensure_one()
        bindings = self._inventory_bindings().filtered(lambda b: b.product_id.is_storable)
        if not bindings:
            return []
        entries = self._get_adapter()._read_inventory(self, bindings) or []
        grouped = defaultdict(list)
        for binding, entry in self._inventory_entries_by_binding(bindings, entries):
            grouped[entry.get("location_id") or False].append((binding, entry))
        rows = []
        for location_id, pairs in grouped.items():
            locations = self._stock_entry_locations(location_id)
            if not locations:
                continue
            products = self.env["product.product"].browse([binding.product_id.id for binding, _e in pairs])
            on_hand = self._stock_on_hand(products, locations)
            published = self._published_quantities(products, locations=locations if location_id else None)
            for binding, entry in pairs:
                product = binding.product_id
                available = int(entry.get("available") or 0)
                platform_on_hand = entry.get("on_hand")
                platform_on_hand = None if platform_on_hand is None else int(platform_on_hand)
                target = available if platform_on_hand is None else platform_on_hand
                row = {
                    "binding": binding,
                    "sku": binding._label(),
                    "locations": locations,
                    "platform_available": available,
                    "platform_on_hand": platform_on_hand,
                    "odoo_on_hand": on_hand.get(product.id, 0.0),
                    "odoo_published": published.get(product.id, 0),
                    "import_quantity": max(0, target),
                    "plan": [],
                    "error": False,
                }
                try:
                    row["plan"] = self._plan_platform_stock_change(
                        product, locations, row["import_quantity"] - row["odoo_on_hand"], sku=binding._label()
                    )
                except UserError as exc:
                    row["error"] = exc.args[0]
                rows.append(row)
        rows.sort(key=lambda row: (row["sku"], row["locations"][:1].id))
        return rows

    def _stock_baseline_order_jobs(self):
        """The store's order imports still waiting or running (pulls, single orders, order webhooks,
        a platform's Full Sync): the platform's quantities already count what their orders shipped,
        so importing the quantities before them would count those shipments twice."""
        self.ensure_one()
        return self.env["sync.job"].sudo().search([
            ("store_id", "=", self.id),
            ("state", "in", ("pending", "processing")),
            "|", "|", "|",
            ("operation", "=like", "orders.import%"),
            ("operation", "=", "orders.pull"),
            ("operation", "=", "webhook.orders"),
            ("operation", "=like", "full_sync%"),
        ])

    def _import_stock_baseline(self):
        """Import the platform's quantities into Odoo (baseline "platform"): read them again now
        (what a window showed may be old, and it is not what decides an adjustment) and set
        Odoo's on hand of each published storable variant in each reported location to the
        platform's on hand (else its available quantity), as one inventory adjustment.

        All or nothing: when one SKU cannot be set (a lot- or serial-tracked product that would
        need new lots), nothing is written and the error lists them.

        :returns: the number of quantities changed.
        :raises UserError: naming the SKUs that cannot be imported and what to do.
        """
        self.ensure_one()
        importing = self._stock_baseline_order_jobs()
        if importing:
            if len(importing) == 1:
                raise UserError(_(
                    "Nothing was imported: 1 order import of %(store)s is still waiting or running "
                    "(e.g. the Full Sync's). The orders it brings may validate deliveries of goods the shop "
                    "already shipped, which lowers Odoo's stock once more after the import set it to the "
                    "shop's. Wait until it is done (Store Connector › Queue › Jobs), then import again.",
                    store=self.name,
                ))
            raise UserError(_(
                "Nothing was imported: %(count)s order imports of %(store)s are still waiting or running "
                "(e.g. the Full Sync's). The orders they bring may validate deliveries of goods the shop "
                "already shipped, which lowers Odoo's stock once more after the import set it to the "
                "shop's. Wait until they are done (Store Connector › Queue › Jobs), then import again.",
                count=len(importing), store=self.name,
            ))
        rows = self._stock_baseline_rows()
        refused = [row for row in rows if row["error"]]
        if refused:
            errors = "\n".join(row["error"] for row in refused)
            if len(refused) == 1:
                raise UserError(_(
                    "Nothing was imported: 1 SKU cannot be set from the platform's quantities.\n"
                    "%(errors)s\nReceive its lots or serial numbers in Odoo first, or publish Odoo's "
                    "quantities instead.",
                    errors=errors,
                ))
            raise UserError(_(
                "Nothing was imported: %(count)s SKUs cannot be set from the platform's quantities.\n"
                "%(errors)s\nReceive their lots or serial numbers in Odoo first, or publish Odoo's "
                "quantities instead.",
                count=len(refused), errors=errors,
            ))
        changed = [row for row in rows if row["plan"]]
        named = self.with_context(inventory_name=_("%(store)s: stock imported from the platform",
                                                  store=self.name))
        named._apply_platform_stock_plans([row["plan"] for row in changed])
        self._set_stock_baseline("platform")
        self._log_activity("stock.baseline", "done", records=len(changed), message=_(
            "Stock baseline: the platform's quantities were imported into Odoo (1 quantity changed).",
        ) if len(changed) == 1 else _(
            "Stock baseline: the platform's quantities were imported into Odoo (%(count)s quantities "
            "changed).",
            count=len(changed),
        ))
        return len(changed)

    def _publish_stock_baseline(self):
        """Publish Odoo's quantities (baseline "odoo"): from now on Odoo's stock is sent, starting
        with a Sync Inventory of every published SKU (when the store permits inventory sync).

        :returns: the queued sync.job records (none when the store does not permit inventory sync).
        """
        self.ensure_one()
        self._set_stock_baseline("odoo")
        jobs = self.env["sync.job"]
        if self.allow_inventory_sync:
            jobs = self._enqueue_inventory_sync()
        self._log_activity("stock.baseline", "done", records=len(jobs), message=_(
            "Stock baseline: Odoo's quantities are published to the store."
        ))
        return jobs

    def _set_stock_baseline(self, baseline):
        self.sudo().write({
            "stock_baseline": baseline,
            "stock_baseline_date": fields.Datetime.now(),
            "stock_baseline_user_id": self.env.uid,
        })

    # ------------------------------------------------------------------ writing platform quantities
    def _apply_platform_quantity(self, binding, locations, quantity):
        """Make Odoo publish the platform's `quantity` of a bound variant in `locations`: its on
        hand there changes by `_platform_stock_change` (the platform's quantity plus the safety
        stock minus what the store's publish basis counts now, so that reservations and open
        demand stay on hand on top of it), as an applied inventory adjustment named after the
        store and its platform (`_set_platform_stock`: lots, packages and owners kept).

        For the platforms' stock webhooks when the store imports stock changes (Shopify's
        inventory_levels/update, WooCommerce's product.updated); the caller has ruled out the echo
        of our own export and older events. The binding is locked first (the stock jobs' lock),
        so that no export of the same variant reads the stock while it changes.

        :param binding: store.product.binding of this store (a storable variant).
        :param locations: stock.location records the quantity stands for (internal).
        :param quantity: the platform's quantity (int).
        :returns: {"sku", "location" (name of the first location), "change", "quantity" (Odoo's
            on hand there afterwards)}.
        :raises PermanentJobError: the change needs lots or serial numbers Odoo cannot choose
            (the message names the SKU); nothing is written.
        """
        self.ensure_one()
        binding._sync_lock(LOCK_INVENTORY)
        product = binding.product_id
        change = self._platform_stock_change(product, locations, int(quantity))
        named = self.with_context(inventory_name=_(
            "%(store)s: stock changed on %(platform)s",
            store=self.name, platform=self._get_adapter()._platform_name(self),
        ))
        try:
            named._set_platform_stock(product, locations, change, sku=binding.sku)
        except UserError as exc:
            raise PermanentJobError(exc.args[0]) from None
        return {
            "sku": binding.sku,
            "location": locations[:1].complete_name,
            "change": change,
            "quantity": self._stock_on_hand(product, locations)[product.id],
        }

    def _set_platform_stock(self, product, locations, change, sku=None):
        """Change Odoo's on hand quantity of `product` in `locations` by `change` units, as an
        applied inventory adjustment: how a platform's quantity is written into Odoo (the stock
        baseline import, a platform's stock webhook).

        Lowering takes from the quants that hold the product there (free quantities first), so
        lots, packages and owners are kept and no lot-less quant appears next to the lots; the
        quantity never goes below zero. Raising an untracked product adds to its plain quant in
        the first location; a lot-tracked product whose location holds one lot only gets it
        added to that lot; any other tracked product is refused, since Odoo cannot tell which
        lots or serial numbers the units are.

        :param product: a product.product (storable).
        :param locations: stock.location records (internal); counted with their children.
        :param change: units to add (> 0) or remove (< 0).
        :param sku: the SKU to name in messages (default: the product's Internal Reference).
        :returns: the stock.quant records adjusted (empty when `change` is zero).
        :raises UserError: the change cannot be made without choosing lots; nothing is written.
        """
        self.ensure_one()
        plan = self._plan_platform_stock_change(product, locations, change, sku=sku)
        return self._apply_platform_stock_plans([plan])

    def _plan_platform_stock_change(self, product, locations, change, sku=None):
        """What `_set_platform_stock` would write, without writing it.

        :returns: list of (stock.quant or None, product, stock.location, new quantity of that quant).
        :raises UserError: as `_set_platform_stock`.
        """
        rounding = product.uom_id.rounding
        if float_is_zero(change, precision_rounding=rounding) or not locations:
            return []
        target = locations[0]
        quants = self.env["stock.quant"].sudo().search([
            ("product_id", "=", product.id),
            ("location_id", "child_of", locations.ids),
            ("location_id.usage", "=", "internal"),
        ])
        plain = quants.filtered(
            lambda q: q.location_id == target and not (q.lot_id or q.package_id or q.owner_id)
        )[:1]
        if change > 0:
            if product.tracking == "none":
                return [(plain or None, product, target, (plain.quantity if plain else 0.0) + change)]
            stocked = quants.filtered(lambda q: q.lot_id and q.quantity > 0)
            if product.tracking == "lot" and len(stocked.lot_id) == 1:
                quant = stocked.sorted(lambda q: (-q.quantity, q.id))[0]
                return [(quant, product, quant.location_id, quant.quantity + change)]
            raise UserError(self._platform_stock_refusal(product, locations, change, sku, stocked.lot_id))
        # Lowering: the plain quant of the first location first, then the others, oldest first;
        # free quantities before reserved ones.
        remaining = -change
        ordered = quants.filtered(lambda q: q.quantity > 0).sorted(
            lambda q: (q != plain, q.in_date or datetime.datetime.min, q.id)
        )
        taken = defaultdict(float)
        for reserved_too in (False, True):
            for quant in ordered:
                if float_compare(remaining, 0, precision_rounding=rounding) <= 0:
                    break
                usable = quant.quantity - taken[quant.id]
                if not reserved_too:
                    usable -= max(0.0, quant.reserved_quantity)
                take = min(max(0.0, usable), remaining)
                taken[quant.id] += take
                remaining -= take
        return [
            (quant, product, quant.location_id, quant.quantity - taken[quant.id])
            for quant in ordered if not float_is_zero(taken[quant.id], precision_rounding=rounding)
        ]

    def _platform_stock_refusal(self, product, locations, change, sku, lots):
        """The message refusing to add `change` units of a tracked product (see
        `_plan_platform_stock_change`)."""
        what = _("serial numbers") if product.tracking == "serial" else _("lots")
        if product.tracking == "lot" and lots:
            reason = _("it holds several lots there (%(lots)s) and the platform does not say which one "
                       "the units belong to", lots=", ".join(lots.mapped("name")))
        else:
            reason = _("Odoo would have to invent their %(what)s", what=what)
        units = labels.count_text(round(change, 6), _("1 more unit"), _("%(count)s more units"), env=self.env)
        return _(
            "SKU %(sku)s: the platform has %(units)s than Odoo in %(location)s, but the "
            "product is tracked by %(what)s and %(reason)s. Receive the units in Odoo with their "
            "%(what)s (an inventory adjustment per lot), then synchronise again.",
            sku=sku or product.default_code or product.display_name,
            units=units, location=", ".join(locations.mapped("complete_name")),
            what=what, reason=reason,
        )

    def _apply_platform_stock_plans(self, plans):
        """Write plans of `_plan_platform_stock_change` as one applied inventory adjustment (the
        moves are named after the context's ``inventory_name`` when given).

        :returns: the stock.quant records adjusted.
        """
        Quant = self.env["stock.quant"].sudo().with_context(inventory_mode=True)
        quants = Quant.browse()
        for plan in plans:
            for quant, product, location, quantity in plan:
                if quant:
                    quant = quant.with_context(inventory_mode=True)
                    quant.write({"inventory_quantity": quantity})
                else:
                    # In inventory mode, create() finds the plain quant of that location if one
                    # appeared meanwhile and sets its counted quantity.
                    quant = Quant.create({
                        "product_id": product.id, "location_id": location.id, "inventory_quantity": quantity,
                    })
                quants |= quant
        if quants:
            quants._apply_inventory()
        return quants
