from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class StoreOrderRoute(models.Model):
    """Per store, in order: which warehouse ships an imported order.

    The order importer (`store.order.importer._order_values`) gives a new order (and a quotation
    whose lines the platform changed) the warehouse of the first active rule that matches it:

    * **Shipping country / state**: the order ships to one of the rule's countries, or states;
    * **Stock availability**: the rule's warehouse can ship every line now: for each product that
      keeps stock (storable, or a kit whose components do), the free quantity (on hand minus
      reserved) of the warehouse's stock location, children included, covers the order's
      quantity. Services and consumables that keep no stock count as available. Countries or
      states set on such a rule restrict it to orders shipping there.

    An ordered list of warehouses "the first one that can ship everything" is a list of
    availability rules, one per warehouse, in that order. When no rule matches, the order keeps the
    store's warehouse. The reason (e.g. "Routed to WH2: shipping to Texas") is noted on the order.
    """

    _name = "store.order.route"
    _inherit = ["store.owned.mixin"]
    _description = "Store Order Routing Rule"
    _order = "store_id, sequence, id"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    rule_type = fields.Selection(
        [("country_state", "Shipping Country / State"), ("availability", "Stock Availability")],
        string="Rule", required=True, default="country_state",
        help="Shipping Country / State: orders shipping to one of the countries or states. Stock "
        "Availability: orders the warehouse can ship whole from its free stock now (limited to the "
        "countries or states, when some are set).",
    )
    country_ids = fields.Many2many(
        "res.country", "store_order_route_country_rel", "route_id", "country_id", string="Countries",
        help="Orders shipping to one of these countries (the delivery address) match.",
    )
    state_ids = fields.Many2many(
        "res.country.state", "store_order_route_state_rel", "route_id", "state_id", string="States",
        help="Orders shipping to one of these states or provinces match.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", string="Warehouse", required=True, ondelete="cascade", check_company=True,
        help="The warehouse that ships the orders this rule matches.",
    )

    # ------------------------------------------------------------------ computes
    @api.depends("rule_type", "warehouse_id", "country_ids", "state_ids")
    def _compute_display_name(self):
        for route in self:
            places = ", ".join((route.state_ids.mapped("name") + route.country_ids.mapped("name"))[:3])
            if route.rule_type == "availability":
                name = _("%(warehouse)s if it has everything in stock", warehouse=route.warehouse_id.name)
                if places:
                    name = _("%(rule)s (shipping to %(places)s)", rule=name, places=places)
            else:
                name = _("%(warehouse)s for orders shipping to %(places)s",
                         warehouse=route.warehouse_id.name, places=places or "-")
            route.display_name = name

    # ------------------------------------------------------------------ constraints
    @api.constrains("rule_type", "country_ids", "state_ids")
    def _check_destination(self):
        for route in self:
            if route.rule_type == "country_state" and not (route.country_ids or route.state_ids):
                raise ValidationError(_(
                    "A routing rule by shipping country or state of store %(store)s names no country "
                    "and no state: add the countries or states whose orders %(warehouse)s ships.",
                    store=route.store_id.name, warehouse=route.warehouse_id.name,
                ))

    # ------------------------------------------------------------------ business
    def _ships_to(self, delivery):
        """Whether `delivery` (res.partner, the order's delivery address) is in this rule's
        countries or states (True when the rule names none)."""
        self.ensure_one()
        if not (self.country_ids or self.state_ids):
            return True
        return bool(delivery.state_id and delivery.state_id in self.state_ids) or bool(
            delivery.country_id and delivery.country_id in self.country_ids)

    def _destination_label(self, delivery):
        """Where `delivery` ships, as this rule matched it: the state when the rule names it."""
        self.ensure_one()
        if delivery.state_id and delivery.state_id in self.state_ids:
            return delivery.state_id.name
        return delivery.country_id.name or "-"

    @api.model
    def _route(self, store, routes, delivery, demand, free_quantities):
        """The warehouse of an order, by the first of `routes` that matches it.

        :param routes: the store's active rules, in order (store.order.route records).
        :param delivery: res.partner the order ships to.
        :param demand: {product.product: quantity in its unit} of the products that keep stock.
        :param free_quantities: callable(warehouse) -> {product id: free quantity} of the products.
        :returns: (stock.warehouse, the rule that matched or an empty record, reason sentence);
            without a match, the store's warehouse (maybe empty) and why.
        """
        lacking = []
        for route in routes:
            if not route._ships_to(delivery):
                continue
            warehouse = route.warehouse_id
            if route.rule_type == "country_state":
                return warehouse, route, _(
                    "Routed to %(warehouse)s: shipping to %(place)s.",
                    warehouse=warehouse.name, place=route._destination_label(delivery),
                )
            free = free_quantities(warehouse)
            short = [product for product, quantity in demand.items() if free.get(product.id, 0.0) < quantity]
            if not short:
                return warehouse, route, _(
                    "Routed to %(warehouse)s: it has every item of the order in stock.",
                    warehouse=warehouse.name,
                )
            lacking.append(_("%(warehouse)s lacks %(products)s", warehouse=warehouse.name,
                             products=", ".join(product.display_name for product in short[:3])))
        warehouse = store.warehouse_id
        why = _(" (%(lacking)s)", lacking="; ".join(lacking)) if lacking else ""
        if warehouse:
            reason = _("Routed to the store's warehouse %(warehouse)s: no routing rule matched%(why)s.",
                       warehouse=warehouse.name, why=why)
        else:
            reason = _("No routing rule matched%(why)s: the order keeps the default warehouse.", why=why)
        return warehouse, self.browse(), reason
