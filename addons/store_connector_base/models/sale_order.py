from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError


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

    @api.depends("store_binding_ids.store_id")
    def _compute_store_id(self):
        for order in self:
            order.store_id = order.store_binding_ids[:1].store_id

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


class SaleOrderLine(models.Model):
    """Lines of imported orders keep the platform's line id."""

    _inherit = "sale.order.line"

    store_external_line_id = fields.Char(
        string="Platform Line ID",
        copy=False,
        readonly=True,
        help="The platform's id of the order line this line was imported from.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # The fulfillment push ships the platform line this names, as superuser.
            _refuse_connector_fields(self, {key: value for key, value in vals.items() if value},
                                     {"store_external_line_id"})
        return super().create(vals_list)

    def write(self, vals):
        _refuse_connector_fields(self, vals, {"store_external_line_id"})
        return super().write(vals)

    def _store_external_line_id(self):
        """The platform's id of this order line, sent with each shipped line of a fulfillment.

        Extension point. Default: the id the order import stored, or "" for a line added in Odoo
        (the platform then identifies the line by its SKU).
        """
        self.ensure_one()
        return self.store_external_line_id or ""
