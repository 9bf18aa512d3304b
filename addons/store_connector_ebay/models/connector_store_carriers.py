from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class ConnectorStore(models.Model):
    """eBay stores: the shipping carrier codes eBay knows, offered for the Carrier Mapping."""

    _inherit = "connector.store"

    ebay_carrier_codes = fields.Json(
        string="eBay Carrier Codes",
        readonly=True,
        copy=False,
        help="eBay's shipping carriers of the store's site ({code: name}), as last loaded with Load "
        "eBay Carrier Codes.",
    )
    ebay_carrier_codes_text = fields.Text(
        string="eBay Carriers",
        compute="_compute_ebay_carrier_codes_text",
        help="The codes to enter as Platform Carrier in the Carrier Mapping: eBay accepts only these "
        "with a tracking number.",
    )

    @api.depends("ebay_carrier_codes")
    def _compute_ebay_carrier_codes_text(self):
        for store in self:
            codes = store.ebay_carrier_codes or {}
            store.ebay_carrier_codes_text = (
                "\n".join(
                    f"{code}: {name}" if name and name != code else code
                    for code, name in sorted(codes.items())
                )
                or False
            )

    def action_ebay_load_carrier_codes(self):
        """Load eBay Carrier Codes button (managers): read eBay's carriers (Trading GeteBayDetails)
        and keep them on the store, so that the Carrier Mapping offers and checks them."""
        self._check_store_manager()
        self.ensure_one()
        if self.platform != "ebay":
            raise UserError(_("Store %(store)s is not an eBay store.", store=self.name))
        carriers = self.sudo()._get_adapter()._ebay_shipping_carriers(self.sudo())
        if not carriers:
            raise UserError(
                _(
                    "eBay listed no shipping carrier for store %(store)s: check the store's marketplace, "
                    "then "
                    "try again.",
                    store=self.name,
                )
            )
        self.sudo().ebay_carrier_codes = {carrier["code"]: carrier["name"] for carrier in carriers}
        return self._notify_user(
            _("1 eBay carrier code loaded: map your Odoo carriers to it in the Carrier Mapping.")
            if len(carriers) == 1 else _(
                "%(count)s eBay carrier codes loaded: map your Odoo carriers to them in the Carrier Mapping.",
                count=len(carriers),
            ),
            reload=True,
        )


class StoreCarrierMap(models.Model):
    """eBay stores: the Platform Carrier must be one of eBay's carrier codes once they are loaded."""

    _inherit = "store.carrier.map"

    @api.constrains("platform_carrier", "store_id")
    def _check_ebay_carrier_code(self):
        for mapping in self:
            store = mapping.store_id.sudo()
            codes = (store.ebay_carrier_codes or {}) if store.platform == "ebay" else {}
            code = (mapping.platform_carrier or "").strip()
            if not codes or code in codes:
                continue
            close = [
                c
                for c in sorted(codes)
                if code.casefold() in c.casefold() or code.casefold() in (codes[c] or "").casefold()
            ][:10]
            raise ValidationError(
                _(
                    '"%(code)s" is not one of eBay\'s carrier codes for store %(store)s, and eBay refuses a '
                    "tracking number with an unknown carrier. %(hint)s",
                    code=code,
                    store=store.name,
                    hint=_("Did you mean: %(codes)s?", codes=", ".join(close))
                    if close
                    else _("The codes eBay knows are listed on the store's eBay tab (eBay Carriers)."),
                )
            )
