
from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, float_is_zero
from odoo.tools.sql import create_index

from ..services.logs import get_logger

_logger = get_logger(__name__)


def _refuse_connector_fields(records, vals, fnames):
    """Refuse `vals` that set one of `fnames`, fields only the connector's own code (running as
    superuser) writes: their "readonly" holds in the web client only, and what they say decides
    what the connector's jobs do.

    :raises AccessError: naming the fields.
    """
    refused = sorted(fnames.intersection(vals))
    if refused and not records.env.su:
        raise AccessError(_(
            "Only the Store Connector sets %(fields)s on %(model)s.",
            fields=", ".join(records._fields[name].string for name in refused),
            model=records._description,
        ))


class SaleOrder(models.Model):
    """Sale orders made from platform orders: their store binding, and the store they came from."""

    _inherit = "sale.order"

    store_binding_ids = fields.One2many(
        "store.order.binding",
        "order_id",
        string="Store Orders",
        groups="store_connector_base.group_store_connector_user",
    )
    # Kept by the order's binding (the one source of truth): the sync API's order list and the
    # dashboards filter and group on it. A store's deletion deletes its bindings, which empties it.
    store_id = fields.Many2one(
        "connector.store",
        string="Store",
        compute="_compute_store_id",
        store=True,
        index="btree_not_null",
        check_company=True,
        help="The connected store this order was imported from.",
    )

    store_shipped_on_platform = fields.Boolean(
        string="Shipped on the Platform",
        compute="_compute_store_shipped_on_platform",
        help="The platform already shipped goods of this order that its open deliveries still hold: "
        "do not ship them again.",
    )

    @api.depends("store_binding_ids.store_id")
    def _compute_store_id(self):
        for order in self:
            order.store_id = order.store_binding_ids[:1].store_id

    @api.depends("state", "order_line.store_platform_shipped_qty", "order_line.move_ids.state",
                 "order_line.move_ids.quantity")
    def _compute_store_shipped_on_platform(self):
        for order in self:
            order.store_shipped_on_platform = order.state == "sale" and bool(
                order.sudo()._store_platform_unshipped()
            )

    def _auto_init(self):
        """Index a store's orders newest first: the sync API's order list reads a page of them
        (`connector.store._api_list_orders`: store_id = X [AND id < cursor] ORDER BY id DESC). Without
        it PostgreSQL walks the primary key backwards and skips every order of other stores and of
        no store (POS, website, older than the connector), a walk that grows with the database."""
        result = super()._auto_init()
        create_index(self.env.cr, "sale_order_store_connector_store_id_id_index", self._table,
                     ["store_id", "id"], where="store_id IS NOT NULL")
        return result

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            _refuse_connector_fields(self, {key: value for key, value in vals.items() if value}, {"store_id"})
        return super().create(vals_list)

    def write(self, vals):
        # A computed field without inverse is still writable over RPC: the binding is the one source.
        _refuse_connector_fields(self, vals, {"store_id"})
        # Superuser code neither: an order would then join another store's order list (the sync
        # API's) without being that store's.
        if "store_id" in vals:
            Store = self.env["connector.store"]
            moved = self.filtered(lambda order: order.store_id != Store.browse(vals["store_id"] or ()))
            if moved:
                raise UserError(_(
                    "The store of order %(order)s is the store it was imported from; it cannot be changed.",
                    order=moved[0].name,
                ))
        return super().write(vals)

    def _action_cancel(self):
        # An imported quotation counted as demand (see connector.store._inventory_basis_quantities);
        # a confirmed order's cancelled deliveries say so themselves.
        quotations = self.filtered(lambda order: order.store_id and order.state in ("draft", "sent"))
        products, warehouses = quotations.order_line.product_id, quotations.warehouse_id
        res = super()._action_cancel()
        self.env["store.product.binding"]._on_demand_changed(products, warehouses)
        return res

    def _action_confirm(self):
        res = super()._action_confirm()
        # The deliveries exist now: goods the platform already shipped are validated or held.
        self.filtered("store_id")._store_apply_platform_shipments()
        return res

    def _prepare_confirmation_values(self):
        values = super()._prepare_confirmation_values()
        # Only the order import (superuser) may keep the date: from an RPC caller the key would
        # confirm a quotation with a back-dated order date.
        if self.env.su and self.env.context.get("store_connector_keep_date_order"):
            # A platform order was placed at its platform date, not when Odoo confirmed it.
            values.pop("date_order", None)
        return values

    def _sync_job_store_records(self, store):
        """Jobs of a store work on orders of its company that it imported, or that no store did
        (an Odoo order the store may create on its platform); see sync.job._target_records."""
        def of_store(order):
            stores = order._store_order_binding().store_id
            return order.company_id.id == store.company_id.id and (not stores or store in stores)

        return self.filtered(of_store)

    def _store_order_binding(self):
        """The store order bindings of these orders (`store.order.binding`), read as superuser:
        the fulfillment push recognises an imported order by them, whoever validates the delivery.
        """
        return self.sudo().store_binding_ids

    # ------------------------------------------------------------------ shipped on the platform
    def _store_platform_unshipped(self):
        """{sale.order.line: quantity (line unit)} the platform shipped itself and Odoo has not
        delivered yet. Odoo's own deliveries count (done moves to the customer, returns aside):
        a delivery Odoo validated and pushed comes back in the platform's shipped quantity and
        must not be validated a second time."""
        self.ensure_one()
        result = {}
        for line in self.order_line.filtered(lambda line: line.store_platform_shipped_qty > 0):
            if line.product_id.type != "consu":
                continue
            rounding = line.product_uom.rounding
            missing = line.store_platform_shipped_qty - line._store_shipped_out_qty()
            if float_compare(missing, 0, precision_rounding=rounding) > 0:
                result[line] = missing
        return result

    def _store_apply_platform_shipments(self):
        """Act on what the platform already shipped of these confirmed imported orders, as the
        store says (`order_platform_shipped_policy`): validate the open delivery for it (its
        tracking kept, a backorder for the rest, nothing pushed back), or hold it (the delivery
        and the order show "Shipped on the platform" and the salesperson gets an activity).

        Runs at confirmation and after each import of a newer payload; what Odoo already
        delivered is never validated again (see `_store_platform_unshipped`). Runs as superuser:
        the quantities are the connector's own (only it writes them), whoever confirms the order.
        """
        for order in self.sudo():
            if order.state != "sale":
                continue
            # Cheap first: most orders have nothing shipped on the platform.
            todo = order._store_platform_unshipped()
            if not todo:
                continue
            binding = order._store_order_binding()[:1]
            if not binding:
                continue
            store = binding.store_id
            error = None
            if store.order_platform_shipped_policy == "done":
                try:
                    with self.env.cr.savepoint():
                        order._store_validate_platform_shipped(todo, binding)
                except (UserError, ValidationError) as exc:
                    error = exc.args[0] if exc.args else str(exc)
                    _logger.info("order %s: the goods shipped on the platform could not be validated: %s",
                                 order.name, error)
                todo = order._store_platform_unshipped()
                if not todo:
                    continue
            order._store_hold_platform_shipped(store, binding, todo, error)

    def _store_platform_tracking(self, binding):
        """The platform's fulfillments of the order not yet on one of its deliveries:
        (ids, tracking numbers, carriers, URLs), each a list without duplicates."""
        self.ensure_one()
        payload = binding.sudo().last_payload or {}
        known_refs, known_numbers = set(), set()
        for picking in self.picking_ids:
            known_refs.update(filter(None, (picking.store_fulfillment_ref or "").split(", ")))
            known_numbers.update(filter(None, (picking.carrier_tracking_ref or "").split(", ")))
        ids, numbers, companies, urls = [], [], [], []
        for fulfillment in payload.get("fulfillments") or []:
            if fulfillment.get("id") and fulfillment["id"] in known_refs:
                continue
            number = fulfillment.get("tracking_number")
            if number and number in known_numbers:
                continue
            for values, value in ((ids, fulfillment.get("id")), (numbers, number),
                                  (companies, fulfillment.get("tracking_company")),
                                  (urls, fulfillment.get("tracking_url"))):
                if value and value not in values:
                    values.append(value)
        return ids, numbers, companies, urls

    def _store_validate_platform_shipped(self, todo, binding):
        """Validate the open deliveries for `todo` ({line: quantity}); the rest of each delivery
        goes to a backorder. The validated delivery carries the platform's tracking and a
        fulfillment reference, so that no fulfillment is pushed for it."""
        self.ensure_one()
        remaining = dict(todo)
        pickings = self.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state not in ("draft", "done", "cancel")
        ).sorted("id")
        ids, numbers, companies, urls = self._store_platform_tracking(binding)
        for picking in pickings:
            shipping = False
            # Only the moves of shipped lines are picked; the others go to the backorder as they are.
            for move in picking.move_ids.filtered(
                lambda m: m.state not in ("done", "cancel") and m.sale_line_id in remaining
            ):
                line = move.sale_line_id
                wanted = line.product_uom._compute_quantity(remaining[line], move.product_uom)
                quantity = min(move.product_uom_qty, wanted)
                if float_compare(quantity, 0, precision_rounding=move.product_uom.rounding) <= 0:
                    continue
                remaining[line] -= move.product_uom._compute_quantity(quantity, line.product_uom)
                move.quantity = quantity
                move.picked = True
                shipping = True
            if not shipping:
                continue
            picking.write({
                "store_fulfillment_ref": ", ".join(ids) or _("shipped on the platform"),
                "carrier_tracking_ref": ", ".join(numbers) or picking.carrier_tracking_ref,
            })
            picking.with_context(skip_backorder=True, skip_sms=True,
                                 picking_ids_not_to_backorder=[]).button_validate()
            # Built before the translated sentence: Odoo's string extractor cannot read f-strings inside _().
            carriers = f", {', '.join(companies)}" if companies else ""
            picking.message_post(
                body=_(
                    "Validated by the Store Connector: the platform already shipped these goods "
                    "(tracking %(tracking)s%(carrier)s). Nothing is sent back to the platform for this "
                    "delivery.",
                    tracking=", ".join(numbers) or _("none given"),
                    carrier=carriers,
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
            # The order says it too: its Delivered column moved without anyone validating anything.
            self.message_post(
                body=_(
                    "Delivery %(picking)s validated by the Store Connector for the goods the platform "
                    "already shipped (tracking %(tracking)s).",
                    picking=picking.name, tracking=", ".join(numbers) or _("none given"),
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
            ids, numbers, companies = [], [], []
            if all(float_is_zero(qty, precision_rounding=line.product_uom.rounding)
                   for line, qty in remaining.items()):
                break

    def _store_hold_platform_shipped(self, store, binding, todo, error=None):
        """Flag the goods the platform shipped (the order and delivery compute it) and give the
        salesperson an activity, once while one is open."""
        self.ensure_one()
        summary = _("Shipped on the platform: do not ship")
        if self.activity_ids.filtered(lambda activity: activity.summary == summary):
            return
        goods = ", ".join(
            f"{line.product_id.display_name} x {qty:g}" for line, qty in todo.items()
        )
        if error:
            reason = _("Odoo could not validate the delivery for them (%(error)s).", error=error)
        else:
            reason = _("The store holds such goods on the delivery (option 'Shipped on the Platform').")
        note = _(
            "The platform already shipped %(goods)s of order %(number)s. %(reason)s Do not ship them "
            "again: validate the delivery for these quantities (or remove them from it) once checked.",
            goods=goods,
            number=binding.external_number or binding.external_id,
            reason=reason,
        )
        self.env["store.order.importer"]._schedule_activity(store, self, summary, note)


class SaleOrderLine(models.Model):
    """Lines of imported orders keep the platform's line id."""

    _inherit = "sale.order.line"

    store_external_line_id = fields.Char(
        string="Platform Line ID",
        copy=False,
        readonly=True,
        help="The platform's id of the order line this line was imported from.",
    )
    store_platform_shipped_qty = fields.Float(
        string="Shipped on Platform",
        digits="Product Unit of Measure",
        copy=False,
        readonly=True,
        help="Units the platform says it shipped itself, as of the last import of the order.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # The fulfillment push ships the platform line this names, as superuser; the shipped
            # quantity validates deliveries as superuser.
            _refuse_connector_fields(self, {key: value for key, value in vals.items() if value},
                                     {"store_external_line_id", "store_platform_shipped_qty"})
        return super().create(vals_list)

    def write(self, vals):
        _refuse_connector_fields(self, vals, {"store_external_line_id", "store_platform_shipped_qty"})
        return super().write(vals)

    def _store_shipped_out_qty(self):
        """Units of this line Odoo delivered (done moves to a customer location, in the line's
        unit); returns received back are not deducted: those goods did leave."""
        self.ensure_one()
        quantity = 0.0
        for move in self.move_ids.filtered(
            lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
            and not m.origin_returned_move_id
        ):
            quantity += move.product_uom._compute_quantity(move.quantity, self.product_uom)
        return quantity

    def _store_external_line_id(self):
        """The platform's id of this order line, sent with each shipped line of a fulfillment.

        Extension point. Default: the id the order import stored, or "" for a line added in Odoo
        (the platform then identifies the line by its SKU).
        """
        self.ensure_one()
        return self.store_external_line_id or ""
