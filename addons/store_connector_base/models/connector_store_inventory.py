import hashlib
import json
import math
from collections import defaultdict

from odoo import _, fields, models
from odoo.tools import SQL

from .. import const
from ..labels import number as lang_number
from .store_product_binding import STOCK_ADDRESSABLE_DOMAIN

# States of the stock moves Odoo counts in its forecast (stock's product._compute_quantities_dict):
# confirmed, not done nor cancelled; drafts are not demand yet.
OPEN_MOVE_STATES = ("waiting", "confirmed", "assigned", "partially_available")


class ConnectorStore(models.Model):
    """Stock of a store: which locations it publishes, the quantity it publishes, Sync Inventory."""

    _inherit = "connector.store"

    inventory_publish_basis = fields.Selection(
        const.INVENTORY_PUBLISH_BASES,
        string="Published Quantity",
        required=True,
        default=const.DEFAULT_INVENTORY_PUBLISH_BASIS,
        help="The quantity of each SKU published to the store, in its published locations, before the "
        "safety stock is held back (never below zero). "
        "Free minus open demand (recommended): on hand, minus what is reserved, minus what confirmed "
        "deliveries still need but have not reserved yet; e.g. 25 on hand and a confirmed order of 8 "
        "not reserved yet publish 17. "
        "Free: on hand minus reserved. "
        "On hand: everything on the shelf, even what confirmed orders will take. "
        "Forecasted: Odoo's forecast, on hand plus incoming minus outgoing transfers.",
    )

    def action_sync_inventory(self):
        """Sync Inventory button: queue the stock of every published SKU, in platform-sized batches.

        When the sync would lower many SKUs from a positive quantity on the platform to 0 (see
        `_inventory_zeroing_needs_confirmation`), it opens a confirmation window listing them
        instead, whose Confirm queues the sync.
        """
        self._check_store_user()
        self.ensure_one()
        self._check_platform_feature("inventory.sync", _("Sync Inventory"))
        self._check_operation_allowed("inventory.sync")
        zeroing, published = self._inventory_zeroing_bindings()
        if self._inventory_zeroing_needs_confirmation(len(zeroing), published):
            return self.env["store.inventory.sync.wizard"]._open_for(self, zeroing, published)
        return self._queue_inventory_sync()

    def _queue_inventory_sync(self):
        """Queue the stock of every published SKU (Sync Inventory) and say so.

        :returns: a notification action.
        """
        self.ensure_one()
        jobs = self._enqueue_inventory_sync()
        count = sum(len(job.res_ids or ()) for job in jobs)
        if not jobs:
            message = _(
                "No SKU is published to %(store)s: there is no stock to sync. Publish products first.",
                store=self.name,
            )
        elif count == 1:
            message = _("Stock of 1 SKU queued.")
        elif len(jobs) == 1:
            message = _("Stock of %(count)s SKUs queued in 1 job.", count=lang_number(self.env, count))
        else:
            message = _("Stock of %(count)s SKUs queued in %(jobs)s jobs.",
                        count=lang_number(self.env, count), jobs=lang_number(self.env, len(jobs)))
        if jobs:
            message = self._test_mode_queued_note(message)
        return self._notify_user(message, None)

    def _inventory_zeroing_bindings(self):
        """The published SKUs that Sync Inventory would lower from a positive quantity to 0: their
        last known platform quantity (the binding's `inventory_quantity`, once stock was sent) is
        above zero and the quantity they would get now is 0.

        :returns: (store.product.binding records, number of SKUs the store publishes).
        """
        self.ensure_one()
        bindings = self._inventory_bindings()
        stocked = bindings.filtered(lambda b: b.inventory_synced_at and b.inventory_quantity > 0)
        if not stocked:
            return stocked, len(bindings)
        quantities = self._published_quantities(stocked.product_id)
        return stocked.filtered(lambda b: quantities.get(b.product_id.id, 0) <= 0), len(bindings)

    def _inventory_zeroing_needs_confirmation(self, zeroing_count, published_count):
        """Whether lowering `zeroing_count` of the `published_count` SKUs to 0 is "many", so that
        Sync Inventory asks first: at least const.INVENTORY_ZEROING_CONFIRM_MIN_SKUS SKUs, or more
        than const.INVENTORY_ZEROING_CONFIRM_SHARE of the published SKUs.
        """
        if zeroing_count <= 0:
            return False
        return (
            zeroing_count >= const.INVENTORY_ZEROING_CONFIRM_MIN_SKUS
            or zeroing_count > const.INVENTORY_ZEROING_CONFIRM_SHARE * published_count
        )

    def _inventory_bindings(self):
        """The bindings whose stock this store publishes: published, with an SKU (or bound by the
        platform's variant id, see store.product.binding._bound_by_platform_id), of active variants."""
        self.ensure_one()
        bindings = self.env["store.product.binding"].sudo().search([
            ("store_id", "=", self.id),
            ("platform_status", "=", "active"),
            *STOCK_ADDRESSABLE_DOMAIN,
        ], order="id")
        # Filtered here rather than joined in SQL: right after a bulk publication the tables have no
        # statistics yet, and PostgreSQL then picks a nested loop that takes seconds for 10,000 rows.
        return bindings.filtered(lambda b: b.product_id.active)

    def _inventory_entries_by_binding(self, bindings, entries):
        """Pair the adapter's `_read_inventory` entries with `bindings`: by the entry's "ref" (a
        binding id) when it has one, else by its "sku". Entries naming no binding are left out.

        :returns: list of (store.product.binding, entry).
        """
        by_id = {binding.id: binding for binding in bindings}
        by_sku = {binding.sku: binding for binding in bindings if binding.sku}
        pairs = []
        for entry in entries or ():
            ref = entry.get("ref")
            binding = by_id.get(ref) if ref else by_sku.get(entry.get("sku") or None)
            if binding:
                pairs.append((binding, entry))
        return pairs

    def _enqueue_inventory_sync(self, bindings=None, quantities=None):
        """Queue the stock of `bindings` (default: all published) in jobs of
        `adapter._inventory_batch_size(store)` bindings; each job makes one `_update_inventory` call.

        The jobs of all published bindings merge with the pending jobs of an earlier Sync Inventory
        (identity "inventory:all:<batch number>"), so pressing the button twice queues the batches
        once; the jobs of a given set of bindings (and quantities) merge with the pending jobs of
        the same set.

        :param bindings: store.product.binding records of this store, or None for all published.
        :param quantities: {sku: quantity} to send as given instead of computing them when the job
            runs (the sync API's items); SKUs not in it are computed.
        :returns: the sync.job records.
        :raises OperationNotPermitted: the store does not permit inventory.sync.
        """
        self.ensure_one()
        if bindings is None:
            bindings, prefix = self._inventory_bindings(), "inventory:all"
        else:
            wanted = {"skus": sorted(b.sku for b in bindings if b.sku), "quantities": quantities or {}}
            if not all(bindings.mapped("sku")):
                # Bindings without SKU (bound by their platform id) by their id: never equal to a SKU.
                wanted["bindings"] = sorted(b.id for b in bindings if not b.sku)
            digest = hashlib.sha1(json.dumps(wanted, sort_keys=True).encode()).hexdigest()[:16]
            prefix = f"inventory:set:{digest}"
        items = []
        for number, batch in enumerate(self._inventory_batches(bindings)):
            given = {b.sku: quantities[b.sku] for b in batch if quantities and b.sku and b.sku in quantities}
            items.append((batch, f"{prefix}:{number}", {"quantities": given} if given else None))
        return self.env["sync.job"]._enqueue_many(
            self, "inventory.sync", "_job_export_inventory", items, direction="export"
        )

    def _inventory_batches(self, bindings):
        """`bindings` cut into the batches of the stock jobs: at most
        `adapter._inventory_batch_size` bindings each, the bindings of one platform call
        (`adapter._inventory_batch_group`) kept together.

        Each group, in the order its first binding comes, is cut in pieces of the batch size; the
        pieces fill the batches one after the other, a piece that does not fit in the current
        batch starting the next one. Every piece is then one platform call of the job that holds
        it, so the calls made are the sum over the groups of ceil(bindings / batch size). With
        one group (the default) the batches are the bindings cut in order.

        :returns: list of store.product.binding recordsets.
        """
        self.ensure_one()
        adapter = self._get_adapter()
        size = max(1, adapter._inventory_batch_size(self))
        groups = defaultdict(list)
        for binding in bindings:
            groups[adapter._inventory_batch_group(self, binding)].append(binding.id)
        batches, current = [], []
        for ids in groups.values():
            for start in range(0, len(ids), size):
                piece = ids[start:start + size]
                if current and len(current) + len(piece) > size:
                    batches.append(bindings.browse(current))
                    current = []
                current += piece
        if current:
            batches.append(bindings.browse(current))
        return batches

    def _inventory_locations(self):
        """The internal locations whose stock the store publishes (with their children): the store's
        published locations, else the stock location of its warehouse (else of its company's first
        warehouse)."""
        self.ensure_one()
        if self.location_ids:
            return self.location_ids
        warehouse = self.warehouse_id or self.env["stock.warehouse"].sudo().search(
            [("company_id", "=", self.company_id.id)], limit=1
        )
        return warehouse.lot_stock_id

    def _published_quantities(self, products, locations=None):
        """{product id: quantity to publish} for `products` in `locations`.

        The store's publish basis (`inventory_publish_basis`, see `_inventory_basis_quantities`),
        minus the store's safety stock, rounded down, never below zero.

        A few grouped queries for all `products` (quants, open stock moves), however many there are.

        :param products: product.product records.
        :param locations: stock.location records whose stock (with their children's) is published;
            default: the store's (`_inventory_locations`). Platforms that publish per location call
            it with one location at a time.
        :returns: a dict with every id of `products`.
        """
        self.ensure_one()
        result = dict.fromkeys(products.ids, 0)
        if locations is None:
            locations = self._inventory_locations()
        if not products or not locations:
            return result
        safety = self.safety_stock or 0.0
        basis = self.inventory_publish_basis or const.DEFAULT_INVENTORY_PUBLISH_BASIS
        for product_id, quantity in self._inventory_basis_quantities(products, locations, basis).items():
            # round first: 2.9999999 of float noise is 3, not 2
            result[product_id] = max(0, math.floor(round(quantity - safety, 6)))
        return result

    def _platform_stock_change(self, product, locations, platform_quantity):
        """How much Odoo's on hand of `product` in `locations` must change so that the store
        publishes `platform_quantity` there: the platform's quantity plus the safety stock minus
        what the store's publish basis counts now (not clamped at zero, unlike
        `_published_quantities`). For platforms that import a platform quantity into Odoo (apply it
        with `_set_platform_stock`): whatever the basis holds back (reservations, open demand)
        stays on hand on top of it.

        :returns: float (negative: Odoo holds more than the platform).
        """
        self.ensure_one()
        basis = self.inventory_publish_basis or const.DEFAULT_INVENTORY_PUBLISH_BASIS
        counted = self._inventory_basis_quantities(product, locations, basis).get(product.id, 0.0)
        return platform_quantity + (self.safety_stock or 0.0) - counted

    def _inventory_basis_quantities(self, products, locations, basis):
        """{product id: quantity} of `products` in `locations` (and their children), by `basis`:

        * "on_hand": the quantity on hand;
        * "free": on hand minus reserved;
        * "sellable": free minus the demand of the open outgoing moves (confirmed, not done nor
          cancelled, leaving the locations: deliveries of confirmed sale orders, transfers out)
          that is not reserved yet: what is free now minus what confirmed orders still need;
        * "forecast": Odoo's forecasted quantity: on hand plus the incoming minus the outgoing
          demand of the open moves (= free + incoming - the outgoing demand not reserved yet, when
          what is reserved is reserved for moves leaving the locations).

        Moves are counted as Odoo's forecast counts them (product._get_domain_locations_new): a
        move between two of the locations is neither incoming nor outgoing.
        """
        Quant = self.env["stock.quant"].sudo()
        on_hand, reserved = defaultdict(float), defaultdict(float)
        for product, quantity, reserved_quantity in Quant._read_group(
            [
                ("product_id", "in", products.ids),
                ("location_id", "child_of", locations.ids),
                ("location_id.usage", "=", "internal"),
            ],
            ["product_id"],
            ["quantity:sum", "reserved_quantity:sum"],
        ):
            on_hand[product.id] = quantity or 0.0
            reserved[product.id] = reserved_quantity or 0.0
        if basis == "on_hand":
            return dict(on_hand)
        if basis == "free":
            return {product_id: on_hand[product_id] - reserved[product_id] for product_id in on_hand}
        _quants, moves_in, moves_out = self.env["product.product"].sudo()._get_domain_locations_new(
            locations.ids
        )
        open_moves = [("product_id", "in", products.ids), ("state", "in", OPEN_MOVE_STATES)]
        outgoing, unreserved = self._inventory_outgoing_demand(open_moves + moves_out)
        if basis == "forecast":
            incoming = {
                product.id: quantity or 0.0
                for product, quantity in self.env["stock.move"].sudo()._read_group(
                    open_moves + moves_in, ["product_id"], ["product_qty:sum"]
                )
            }
            return {
                pid: on_hand[pid] + incoming.get(pid, 0.0) - outgoing.get(pid, 0.0)
                for pid in set(on_hand) | set(incoming) | set(outgoing)
            }
        awaiting = self._inventory_platform_quotation_demand(products, locations)
        return {
            product_id: on_hand[product_id] - reserved[product_id] - unreserved.get(product_id, 0.0)
            - awaiting.get(product_id, 0.0)
            for product_id in set(on_hand) | set(unreserved) | set(awaiting)
        }

    def _inventory_platform_quotation_demand(self, products, locations):
        """{product id: quantity} of the platform orders imported as quotations (awaiting payment or
        confirmation) that ship from the warehouses of `locations`: a platform already takes their
        goods out of what it sells (Shopify commits them), and they may be paid any moment, so what
        can be sold leaves them out too, although Odoo has no delivery for them yet."""
        warehouses = locations.warehouse_id
        if not warehouses:
            return {}
        groups = self.env["sale.order.line"].sudo()._read_group(
            [
                ("product_id", "in", products.ids),
                ("order_id.state", "in", ("draft", "sent")),
                ("order_id.store_id", "!=", False),
                ("order_id.warehouse_id", "in", warehouses.ids),
            ],
            ["product_id", "product_uom"],
            ["product_uom_qty:sum"],
        )
        result = defaultdict(float)
        for product, uom, quantity in groups:
            result[product.id] += uom._compute_quantity(quantity or 0.0, product.uom_id, round=False)
        return result

    def _inventory_outgoing_demand(self, domain):
        """The demand of the stock moves of `domain`, per product, in the products' units.

        :returns: ({product id: demand}, {product id: demand not reserved yet}); a move's part not
            reserved yet is its demand minus the quantity of its move lines (reserved or picked),
            never below zero (a move picked beyond its demand takes nothing from the others).
        """
        Move = self.env["stock.move"].sudo()
        Move.flush_model(["product_id", "product_qty", "state", "location_id", "location_dest_id"])
        self.env["stock.move.line"].flush_model(["move_id", "quantity_product_uom"])
        query = Move._where_calc(domain)
        product = Move._field_to_sql(Move._table, "product_id", query)
        demand = Move._field_to_sql(Move._table, "product_qty", query)
        query.groupby = product
        rows = self.env.execute_query(query.select(
            product,
            SQL("SUM(%s)", demand),
            SQL(
                "SUM(GREATEST(%s - COALESCE((SELECT SUM(line.quantity_product_uom) FROM stock_move_line line"
                " WHERE line.move_id = %s), 0), 0))",
                demand, SQL.identifier(Move._table, "id"),
            ),
        ))
        outgoing = {product_id: total or 0.0 for product_id, total, _unreserved in rows}
        unreserved = {product_id: rest or 0.0 for product_id, _total, rest in rows}
        return outgoing, unreserved
