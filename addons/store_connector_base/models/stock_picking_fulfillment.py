from collections import defaultdict

from odoo import _, api, fields, models

from ..exceptions import OperationNotPermitted, PermanentJobError
from ..services.logs import get_logger
from .sale_order import _refuse_connector_fields

_logger = get_logger(__name__)


class StockPicking(models.Model):
    """A done delivery of an imported order tells the store what shipped, with which carrier and
    tracking number, then the order's new status."""

    _inherit = "stock.picking"

    store_fulfillment_ref = fields.Char(
        string="Store Fulfillment", copy=False, readonly=True,
        help="The platform's id of the fulfillment this delivery was sent as, or of the platform's "
        "own shipment it was validated for.",
    )
    store_shipped_on_platform = fields.Boolean(
        string="Shipped on the Platform",
        compute="_compute_store_shipped_on_platform",
        help="The platform already shipped goods this open delivery holds: do not ship them again.",
    )

    @api.depends("state", "sale_id.store_shipped_on_platform")
    def _compute_store_shipped_on_platform(self):
        for picking in self:
            picking.store_shipped_on_platform = (
                picking.picking_type_code == "outgoing"
                and picking.state not in ("draft", "done", "cancel")
                and bool(picking.sale_id)
                and picking.sale_id.store_shipped_on_platform
                and any(
                    move.sale_line_id in picking.sale_id.sudo()._store_platform_unshipped()
                    for move in picking.move_ids
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            _refuse_connector_fields(self, {key: value for key, value in vals.items() if value},
                                     {"store_fulfillment_ref"})
        return super().create(vals_list)

    def write(self, vals):
        # A delivery with a fulfillment reference counts as sent: its push job skips it.
        _refuse_connector_fields(self, vals, {"store_fulfillment_ref"})
        return super().write(vals)

    def _action_done(self):
        res = super()._action_done()
        self._store_enqueue_fulfillment()
        return res

    def _store_delivery_order(self):
        """The imported order this picking delivers, with its store binding; (None, None) otherwise."""
        self.ensure_one()
        if self.state != "done" or self.picking_type_code != "outgoing" or not self.sale_id:
            return None, None
        binding = self.sale_id._store_order_binding()
        if not binding:
            return None, None
        return self.sale_id, binding[:1]

    def _store_enqueue_fulfillment(self):
        """Queue the fulfillment push of the done deliveries of imported orders (job orders.fulfillment).

        A store that does not permit orders.push (or is archived) gets no job: the delivery and
        the order say so in their chatter, and a line in the store's activity log (never an error
        here: the warehouse has shipped, validating the picking must not fail). A delivery that
        already has a fulfillment reference (validated for goods the platform shipped itself) is
        not sent: the platform has it.
        """
        jobs = self.env["sync.job"]
        for picking in self:
            order, binding = picking._store_delivery_order()
            if not binding or picking.store_fulfillment_ref:
                continue
            store = binding.store_id.sudo()
            reason = None
            if not store.active:
                reason = _("The store %(store)s is archived.", store=store.name)
            elif "orders.push" not in store._platform_features():
                reason = _("The connector of store %(store)s cannot send shipments to its platform yet.",
                           store=store.name)
            else:
                try:
                    store._check_operation_allowed("orders.push")
                except OperationNotPermitted as exc:
                    reason = exc.args[0]
            if reason:
                message = _(
                    "Delivery %(picking)s of order %(order)s was not sent to the store: %(reason)s "
                    "The platform does not know it shipped and the customer gets no tracking from it: "
                    "mark it shipped on the platform by hand.",
                    picking=picking.name, order=order.name, reason=reason,
                )
                if store.active:
                    store._log_activity("orders.fulfillment", "info", message=message)
                for record in (picking.sudo(), order.sudo()):
                    record.message_post(body=message, message_type="comment", subtype_xmlid="mail.mt_note")
                continue
            jobs |= self.env["sync.job"]._enqueue(
                store, "orders.fulfillment", "_job_push_fulfillment", records=picking,
                identity_key=f"fulfillment:{picking.id}", direction="export",
            )
        return jobs

    def _store_fulfillment_values(self, store):
        """The fulfillment dict of `store.adapter._push_fulfillment` for this done delivery to
        `store`: carrier, tracking number and URL, and the lines with the quantities this picking
        actually delivered (a partial delivery sends only what shipped; its backorder goes with its
        own picking).

        The carrier is what the store's carrier mapping (store.carrier.map) calls the picking's
        shipping method; unmapped, its name in Odoo ("carrier_mapped" False), unless the platform
        only knows its own codes (`store.adapter._carrier_code_required`): then the delivery cannot
        be sent (see `_store_fulfillment_carrier`).

        Only moves of lines of the picking's own order count: a move linked to another order's line
        (added to the delivery by hand, or by merging deliveries) would otherwise report that
        order's platform line as shipped with this order's fulfillment.

        :raises PermanentJobError: the platform needs a carrier code this store does not map.
        """
        self.ensure_one()
        quantities = defaultdict(float)
        order = self.sale_id
        for move in self.move_ids.filtered(lambda m: m.state == "done" and m.quantity > 0
                                           and m.sale_line_id and m.sale_line_id.order_id == order):
            line = move.sale_line_id
            quantities[line] += move.product_uom._compute_quantity(move.quantity, line.product_uom)
        carrier = self.carrier_id
        tracking_url = ""
        if carrier and self.carrier_tracking_ref:
            try:
                tracking_url = carrier.get_tracking_link(self) or ""
            except Exception:  # noqa: BLE001 - a carrier integration's failure must not block the shipment
                _logger.warning("no tracking link for %s from carrier %s", self.name, carrier.name,
                                exc_info=True)
        platform_carrier = self._store_fulfillment_carrier(store)
        return {
            "carrier": platform_carrier or carrier.name or "",
            "carrier_name": carrier.name or "",
            "carrier_mapped": bool(platform_carrier),
            "tracking_number": self.carrier_tracking_ref or "",
            "tracking_url": tracking_url,
            "notify_customer": True,
            # The delivery's own name: a platform without fulfillment ids (a note on the order) finds
            # by it what it already received, so that a retried job never ships twice.
            "reference": self.name,
            "shipped_on": fields.Date.to_string((self.date_done or fields.Datetime.now()).date()),
            # Whether the order is now wholly delivered (a partial delivery says what it holds).
            "order_complete": order.delivery_status == "full",
            "lines": [
                {"external_line_id": line._store_external_line_id(),
                 "sku": line.product_id.default_code or "",
                 "name": (line.name or line.product_id.display_name or "").strip().split("\n")[0],
                 "quantity": quantity}
                for line, quantity in quantities.items()
            ],
        }

    def _store_fulfillment_carrier(self, store):
        """The platform's code or name of this delivery's carrier for `store` (store.carrier.map).

        :returns: the mapped value, or None when the carrier is not mapped (or there is none) and
            the platform accepts that (the fulfillment then carries the carrier's Odoo name).
        :raises PermanentJobError: the platform needs a carrier code (`_carrier_code_required`) and
            the carrier is not mapped, or the delivery has a tracking number but no carrier. The
            job fails saying what to map; retried once the mapping is filled, it sends the delivery.
        """
        self.ensure_one()
        carrier = self.carrier_id
        platform_carrier = self.env["store.carrier.map"]._platform_carrier(store, carrier)
        if platform_carrier or not store._get_adapter()._carrier_code_required(store):
            return platform_carrier
        if carrier:
            raise PermanentJobError(_(
                'Delivery %(picking)s was not sent to store %(store)s: its platform needs its own code '
                'for the carrier "%(carrier)s", which the store does not map. Add the carrier to the '
                "Carrier Mapping of the store (Orders tab) with the platform's code, then retry this job.",
                picking=self.name, store=store.name, carrier=carrier.name,
            ))
        if self.carrier_tracking_ref:
            raise PermanentJobError(_(
                "Delivery %(picking)s was not sent to store %(store)s: it has the tracking number "
                "%(tracking)s but no carrier, and the platform needs the carrier of a tracking number. "
                "Set the carrier on the delivery (and map it in the store's Carrier Mapping), then retry "
                "this job.",
                picking=self.name, store=store.name, tracking=self.carrier_tracking_ref,
            ))
        return None

    def _sync_job_store_records(self, store):
        """Jobs of a store push the deliveries, in its company, of the orders it imported (see
        sync.job._target_records)."""
        return self.filtered(lambda picking: picking.company_id.id == store.company_id.id
                             and store in picking.sale_id._store_order_binding().store_id)

    def _job_push_fulfillment(self, job):
        """Job orders.fulfillment: push this delivery to the store, then queue the order's new status
        (a separate job, so that a failure there never sends the fulfillment twice)."""
        self.ensure_one()
        store = job.store_id
        store._check_operation_allowed("orders.push")
        if self.store_fulfillment_ref:
            return {"fulfillment_id": self.store_fulfillment_ref, "skipped": "already sent"}
        order, binding = self._store_delivery_order()
        binding = binding and binding.filtered(lambda b: b.store_id == store)
        if not binding:
            raise PermanentJobError(_(
                "Delivery %(picking)s is not a done delivery of an order of store %(store)s.",
                picking=self.name, store=store.name,
            ))
        fulfillment = self._store_fulfillment_values(store)
        if not fulfillment["lines"]:
            return {"skipped": "nothing delivered"}
        fulfillment_id = store._get_adapter()._push_fulfillment(store, binding.external_id, fulfillment)
        self.store_fulfillment_ref = str(fulfillment_id or "") or _("sent")
        store._log_activity(
            "orders.fulfillment", "done", records=len(fulfillment["lines"]), job=job,
            message=_("%(picking)s of %(order)s, tracking %(tracking)s",
                      picking=self.name, order=order.name, tracking=fulfillment["tracking_number"] or "-"),
        )
        # The store's outbound status mapping says which platform status expresses the stage; a
        # stage it does not map leaves the platform's status alone (the fulfillment says it all).
        stage = "shipped" if order.delivery_status == "full" else "processing"
        status = store._map_stage_to_platform(stage)
        if status:
            self.env["sync.job"]._enqueue(
                store, "orders.status", "_job_push_order_status", records=self,
                payload={"status": status, "stage": stage}, identity_key=f"order_status:{order.id}",
                direction="export",
            )
        return {"fulfillment_id": fulfillment_id, "lines": len(fulfillment["lines"]), "status": status}

    def _job_push_order_status(self, job):
        """Job orders.status: set the platform status of this delivery's order (payload "status")."""
        self.ensure_one()
        store = job.store_id
        store._check_operation_allowed("orders.push")
        order, binding = self._store_delivery_order()
        binding = binding and binding.filtered(lambda b: b.store_id == store)
        if not binding:
            raise PermanentJobError(_("Delivery %(picking)s has no order of store %(store)s.",
                                      picking=self.name, store=store.name))
        status = (job.payload or {}).get("status")
        store._get_adapter()._update_order_status(store, binding.external_id, status)
        return {"order": order.name, "status": status}
