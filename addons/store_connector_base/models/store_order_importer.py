import hashlib
from collections import defaultdict
from decimal import Decimal

from odoo import SUPERUSER_ID, Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import email_normalize

from .. import order_const
from ..exceptions import PermanentJobError
from ..services import order_mapper
from ..services.logs import get_logger
from ..services.normalized import normalize_customer, normalize_order, order_to_json, raw_order_id

_logger = get_logger(__name__)

# Errors that concern one order (bad data, configuration): the order fails, the page goes on.
ORDER_ERRORS = (PermanentJobError, UserError, ValidationError)

PRODUCT_XMLIDS = {
    "shipping": "store_connector_base.product_store_shipping",
    "discount": "store_connector_base.product_store_discount",
    "fee": "store_connector_base.product_store_fee",
    "placeholder": "store_connector_base.product_store_placeholder",
    "rounding": "store_connector_base.product_store_rounding",
}


class StoreOrderImporter(models.AbstractModel):
    """Turns normalized orders into sale orders: the one order pipeline of the suite.

    Pulls, webhooks and full syncs all end here (`_import_orders`). The steps:

    1. validate (services/normalized.py) and keep the newest payload of each order;
    2. lock the orders' platform ids (advisory locks) and read their bindings: an order already
       imported with the same or a newer updated-at is ignored;
    3. look up in batches what the orders need (`_prepare_context`): products by SKU, taxes per
       rate, pricelists per currency, customers by platform id and email, their addresses;
    4. create the new sale orders in one batch (services/order_mapper.py computes the values),
       then check each total against the platform's to the cent;
    5. update the orders seen before (`_update_order`), apply the mapped status
       (`_apply_stage`), call the store's `_event_order_received_from_store`.

    An order that cannot be imported (unknown SKU, bad data, a total that does not add up) is
    reported in the result and nothing of it is written; the other orders of the page go on.
    """

    _name = "store.order.importer"
    _description = "Store Order Importer"

    # ================================================================ entry point
    @api.model
    def _import_orders(self, store, orders, raise_on_error=False):
        """Import a batch (a page) of normalized orders for `store`.

        :param orders: list of normalized order dicts (validated here).
        :param raise_on_error: raise the first order's error instead of reporting it (single
            order jobs, so that the job fails with the message).
        :returns: {"created": [sale.order ids], "updated": [ids], "ignored": [platform ids],
            "failed": [{"id", "error", "order" (JSON-safe payload)}], "max_updated_at": datetime}
        :raises OperationNotPermitted: the store does not permit pulling orders.
        :raises PermanentJobError: with `raise_on_error`, the reason the order failed.
        """
        store.ensure_one()
        store._check_operation_allowed("orders.pull")
        result = {"created": [], "updated": [], "ignored": [], "failed": [], "max_updated_at": None}
        normalized = {}
        for raw in orders:
            try:
                order = normalize_order(raw)
            except PermanentJobError as exc:
                self._record_failure(result, raw, exc, raise_on_error)
                continue
            previous = normalized.get(order["id"])
            if previous is None or order["updated_at"] > previous["updated_at"]:
                normalized[order["id"]] = order
        if not normalized:
            return result
        result["max_updated_at"] = max(order["updated_at"] for order in normalized.values())
        self._lock_external_ids(store, list(normalized))
        bindings = self.env["store.order.binding"]._find_by_external_ids(store, normalized)
        todo = []
        for order in normalized.values():
            binding = bindings.get(order["id"])
            if binding and binding.platform_updated_at and (
                    order["updated_at"] < binding.platform_updated_at or (
                        order["updated_at"] == binding.platform_updated_at
                        and self._same_order_state(order, binding))):
                # Older than what we hold (webhooks and pulls arrive out of order), or the same again.
                result["ignored"].append(order["id"])
            else:
                todo.append((order, binding))
        if todo:
            self._import_batch(store, todo, result, raise_on_error)
        return result

    @api.model
    def _same_order_state(self, order, binding):
        """Whether a normalized order of the same update time as `binding`'s says nothing new:
        same status, total, lines, transactions and refunds. Platforms date changes to the second,
        so a different state of the same second is a second change within it (an order paid just
        after it was placed), imported; were it the older of the two arriving last, the next pull
        reads the order as it is now. Other differences (how a webhook and a pull word an address,
        or write an amount: "10.00" or "10.0") are not news."""
        return (order["status"] == binding.platform_status
                and Decimal(str(order["total"])) == Decimal(str(binding.platform_total))
                and order_mapper.lines_fingerprint(order) == binding.lines_fingerprint
                and self._same_transactions(order, binding)
                and self._same_refunds(order, binding))

    @api.model
    def _same_transactions(self, order, binding):
        """Whether `order` lists the same transactions, in the same states, as the payload `binding`
        holds: a capture reported within the second of the order's last change is news (the payment
        workflow must see it)."""
        def states(transactions):
            return sorted((str(t.get("id")), t.get("kind"), t.get("status"),
                           order_mapper.canonical_number(t.get("amount") or 0)) for t in transactions or [])
        held = (binding.sudo().last_payload or {}).get("transactions")
        return states(order.get("transactions")) == states(held)

    @api.model
    def _same_refunds(self, order, binding):
        """Whether `order` lists the same refunds as the payload `binding` holds: a refund listed
        within the second of the order's last change is news (it is recorded, or credited by the
        payment workflow, from the imported payload), even one that moved no money through the
        platform (no refund transaction: refunded in cash, or goods only). Refunds are compared by
        id: a platform never changes a refund it made."""
        held = (binding.sudo().last_payload or {}).get("refunds")
        return (sorted(str(refund.get("id")) for refund in order.get("refunds") or [])
                == sorted(str(refund.get("id")) for refund in held or []))

    @api.model
    def _record_failure(self, result, order, exc, raise_on_error):
        if raise_on_error:
            if isinstance(exc, PermanentJobError):
                raise exc
            raise PermanentJobError(self._error_text(exc)) from exc
        result["failed"].append(
            {
                "id": raw_order_id(order),
                "error": self._error_text(exc),
                "order": order_to_json(order),
            }
        )

    @api.model
    def _error_text(self, exc):
        if isinstance(exc, (UserError, ValidationError)) and exc.args:
            return str(exc.args[0])
        return str(exc)

    @api.model
    def _lock_external_ids(self, store, external_ids):
        """Transaction-level advisory locks on the orders' platform ids, taken in a fixed order
        (no deadlock): a webhook and a pull importing the same order wait for each other instead
        of both creating it."""
        keys = sorted(
            {
                int.from_bytes(
                    hashlib.sha1(f"store_connector:order:{store.id}:{ext}".encode()).digest()[:8],
                    "big",
                    signed=True,
                )
                for ext in external_ids
            }
        )
        self.env.cr.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", [keys])

    # ================================================================ batch
    @api.model
    def _import_batch(self, store, todo, result, raise_on_error):
        """Prepare and import [(order, binding or None)]; isolate the orders that fail."""
        orders = [order for order, _binding in todo]
        try:
            with self.env.cr.savepoint():
                ctx = self._prepare_context(store, orders)
        except ORDER_ERRORS as exc:
            if len(todo) == 1:
                self._record_failure(result, orders[0], exc, raise_on_error)
                return
            # Something shared (a partner, a tax) could not be made: find the orders it concerns.
            for item in todo:
                self._import_batch(store, [item], result, raise_on_error)
            return
        new, updates = [], []
        for order, binding in todo:
            error = ctx["errors"].get(order["id"])
            if error:
                self._record_failure(result, order, PermanentJobError(error), raise_on_error)
            elif binding:
                updates.append((order, binding))
            else:
                new.append(order)
        if new:
            try:
                with self.env.cr.savepoint():
                    created = self._create_orders(store, new, ctx)
                result["created"] += created.ids
            except ORDER_ERRORS as exc:
                if len(new) == 1:
                    self._record_failure(result, new[0], exc, raise_on_error)
                else:
                    for order in new:
                        try:
                            with self.env.cr.savepoint():
                                created = self._create_orders(store, [order], ctx)
                            result["created"] += created.ids
                        except ORDER_ERRORS as exc_one:
                            self._record_failure(result, order, exc_one, raise_on_error)
        for order, binding in updates:
            try:
                with self.env.cr.savepoint():
                    self._update_order(store, order, binding, ctx)
                result["updated"].append(binding.order_id.id)
            except ORDER_ERRORS as exc:
                self._record_failure(result, order, exc, raise_on_error)

    # ================================================================ lookups
    @api.model
    def _prepare_context(self, store, orders):
        """Everything the orders need, looked up (or created) in batches.

        :returns: dict with the mapper's keys (see order_mapper.build_order_lines) plus
            "errors" {order id: message}, "placeholders" {order id: [SKUs]}, "pricelists"
            {currency code: pricelist or empty}, "currencies" {code: res.currency},
            "partners" {order id: (customer, invoice address, delivery address)},
            "status_map" {platform status: stage}, "payment_map" {gateway: mapping record}.
        """
        dp = self.env["decimal.precision"]
        ctx = {
            "errors": {},
            "placeholders": {},
            "price_digits": dp.precision_get("Product Price"),
            "discount_digits": dp.precision_get("Discount"),
            "discount_label": _("Discount on %(name)s", name="{name}") + "{codes}",
            "placeholder_label": _("[%(sku)s] %(name)s (unknown SKU)", sku="{sku}", name="{name}"),
            "status_map": store._get_inbound_status_map(),
            # A gateway seen for the first time gets its mapping line (defaults of the common case).
            "payment_map": store._payment_mappings(
                {order["payment_method"] for order in orders}
                | {t["gateway"] for order in orders for t in order.get("transactions") or []}),
            # Warehouse routing (store.order.route): the rules, and the free stock the availability
            # rules read, once per warehouse for the batch.
            "routes": store._order_routes(),
            "route_free": {},
            "route_notes": {},
        }
        products = self._special_products(store)
        ctx.update(
            {
                "shipping_product_id": products["shipping"].id,
                "discount_product_id": products["discount"].id,
                "fee_product_id": products["fee"].id,
                "rounding_product_id": products["rounding"].id,
                "placeholder_product_id": products["placeholder"].id,
            }
        )
        self._prepare_products(store, orders, ctx)
        self._prepare_currencies(store, orders, ctx)
        valid = [order for order in orders if order["id"] not in ctx["errors"]]
        keys = set()
        for order in valid:
            keys |= order_mapper.all_tax_keys(order)
        ctx["tax_ids"] = self._get_taxes(store, keys)
        ctx["partners"] = self._resolve_partners(store, valid)
        ctx["salesperson"] = self._responsible_user(store)
        if any(line["discount"] for order in valid for line in order["lines"]):
            self._show_discounts()
        return ctx

    @api.model
    def _prepare_products(self, store, orders, ctx):
        """The products of the orders' lines by SKU, in one lookup for the whole batch: fills `ctx`
        "products" {sku: product id} with the SKUs of one product, "errors" with the orders whose
        SKUs several products share or (unless the store uses a placeholder) no product has, and
        "placeholders" {order id: [SKUs or line names]} with the lines a placeholder stands for."""
        self._match_lines_by_platform_ids(store, orders)
        skus = {
            line["sku"] for order in orders for line in order["lines"]
            if line["sku"] and not line.get("bound_product_id")
        }
        matches = self._match_products(store, skus) if skus else {}
        ctx["products"] = {sku: found.id for sku, found in matches.items() if len(found) == 1}
        for order in orders:
            ambiguous = sorted(
                {
                    line["sku"]
                    for line in order["lines"]
                    if line["sku"] and not line.get("bound_product_id")
                    and len(matches.get(line["sku"], ())) > 1
                }
            )
            missing = sorted(
                {
                    # self.env._: a comprehension's frame has no `self` for `_` to find a language in.
                    line["sku"] or self.env._("(no SKU: %(name)s)", name=line["name"] or "?")
                    for line in order["lines"]
                    if not line.get("bound_product_id") and (not line["sku"] or line["sku"] not in matches)
                }
            )
            if ambiguous:
                ctx["errors"][order["id"]] = _(
                    "Order %(number)s: several products have the SKU %(skus)s. Give each product its "
                    "own internal reference.",
                    number=order["number"],
                    skus=", ".join(ambiguous),
                )
            elif missing and store.order_unknown_sku_policy != "placeholder":
                ctx["errors"][order["id"]] = _(
                    "Order %(number)s: unknown SKU %(skus)s. Create products with these internal "
                    "references (or bind them), or let the store use a placeholder product.",
                    number=order["number"],
                    skus=", ".join(missing),
                )
            elif missing:
                ctx["placeholders"][order["id"]] = missing

    @api.model
    def _match_lines_by_platform_ids(self, store, orders):
        """Give the lines that name the platform's variant or product (normalized line
        "external_ids") the SKU of the store's product binding of it, in one lookup per id column
        for the whole batch.

        The binding is the product the store sells there, whatever SKU the line shows: a variant
        without its own SKU shows none or its parent's (WooCommerce), a SKU may have changed on the
        platform since. A variant id is looked up among the bindings' platform variant ids; a line
        with a product id alone (a simple product) among their product ids, when exactly one
        binding has it. Lines whose ids no binding has keep their SKU.

        A binding without SKU (a variant the platform identifies by its id, imported without one:
        store.product.binding._bound_by_platform_id) gives its line "bound_product_id", the id of
        its Odoo variant, which the line mapper takes instead of a match by SKU."""
        variant_ids, product_ids = set(), set()
        for order in orders:
            for line in order["lines"]:
                ids = line.get("external_ids") or {}
                if ids.get("variant_id"):
                    variant_ids.add(ids["variant_id"])
                elif ids.get("product_id"):
                    product_ids.add(ids["product_id"])
        if not variant_ids and not product_ids:
            return
        Binding = self.env["store.product.binding"].sudo()
        by_variant = Binding._find_by_external_ids(store, variant_ids, field="external_variant_id")
        by_product = Binding._find_by_external_ids(store, product_ids, field="external_product_id")
        for order in orders:
            for line in order["lines"]:
                ids = line.get("external_ids") or {}
                if ids.get("variant_id"):
                    bound = by_variant.get(ids["variant_id"], Binding)
                else:
                    bound = by_product.get(ids.get("product_id") or "", Binding)
                bound = bound.filtered(lambda binding: binding.product_id.active)
                if len(bound) == 1 and bound.sku:
                    line["sku"] = bound.sku
                elif len(bound) == 1:
                    line["bound_product_id"] = bound.product_id.id

    @api.model
    def _prepare_currencies(self, store, orders, ctx):
        """The currency and pricelist of each currency of the orders: fills `ctx` "currencies"
        {code: res.currency} and "pricelists" {code: pricelist or empty}; an order in a currency
        that cannot be used gets its error in "errors" (see `_get_pricelist`)."""
        ctx["pricelists"], ctx["currencies"] = {}, {}
        for code in {order["currency"] for order in orders}:
            try:
                ctx["currencies"][code], ctx["pricelists"][code] = self._get_pricelist(store, code)
            except PermanentJobError as exc:
                for order in orders:
                    if order["currency"] == code:
                        ctx["errors"].setdefault(order["id"], str(exc))

    @api.model
    def _special_products(self, store):
        """The products of shipping, discount, fee, placeholder and rounding lines: the store's
        choice when it made one, the company's discount product, else the addon's own."""
        company = store.company_id
        result = {key: self.env.ref(xmlid) for key, xmlid in PRODUCT_XMLIDS.items()}
        if store.order_shipping_product_id:
            result["shipping"] = store.order_shipping_product_id
        if store.order_placeholder_product_id:
            result["placeholder"] = store.order_placeholder_product_id
        if company.sale_discount_product_id:
            result["discount"] = company.sale_discount_product_id
        return result

    @api.model
    def _match_products(self, store, skus):
        """The Odoo products of platform SKUs, for the store's company.

        The one place where order lines meet products. A product bound to this store
        (store.product.binding) with the SKU comes first: it is the product the store sells under
        it, even when other products share the reference. The other SKUs are matched by internal
        reference among the products of the store's company and the shared ones.

        :param skus: set of SKUs.
        :returns: {sku: product.product recordset}; more than one product means the SKU is
            ambiguous; missing SKUs are absent.
        """
        found = defaultdict(lambda: self.env["product.product"])
        bindings = self.env["store.product.binding"].sudo().search(
            [("store_id", "=", store.id), ("sku", "in", list(skus)), ("product_id.active", "=", True)]
        )
        for binding in bindings:
            found[binding.sku] |= binding.product_id.with_env(self.env)
        rest = set(skus) - set(found)
        if rest:
            products = self.env["product.product"].search(
                [
                    ("default_code", "in", list(rest)),
                    ("company_id", "in", [False, store.company_id.id]),
                ]
            )
            for product in products:
                found[product.default_code] |= product
        return dict(found)

    @api.model
    def _get_pricelist(self, store, code):
        """(currency, pricelist) for orders in currency `code`.

        The store's pricelist when its currency matches, else a pricelist of the company in that
        currency, else no pricelist when the currency is the company's own.
        :raises PermanentJobError: unknown or inactive currency, or no pricelist for it.
        """
        company = store.company_id
        currency = (
            self.env["res.currency"].with_context(active_test=False).search([("name", "=", code)], limit=1)
        )
        if not currency:
            raise PermanentJobError(_("The currency %(code)s is unknown to Odoo.", code=code))
        if not currency.active:
            raise PermanentJobError(
                _(
                    "The currency %(code)s is not active: activate it in Accounting settings to import "
                    "orders in it.",
                    code=code,
                )
            )
        if store.pricelist_id.currency_id == currency:
            return currency, store.pricelist_id
        pricelist = self.env["product.pricelist"].search(
            [
                ("currency_id", "=", currency.id),
                ("company_id", "in", [False, company.id]),
            ],
            order="company_id, sequence, id",
            limit=1,
        )
        if pricelist or currency == company.currency_id:
            return currency, pricelist
        raise PermanentJobError(
            _(
                "No pricelist in %(code)s for %(company)s: create one, or set a pricelist in %(code)s on "
                "the store.",
                code=code,
                company=company.name,
            )
        )

    @api.model
    def _get_taxes(self, store, keys):
        """Sale taxes of the store's company for tax keys (rate, tax included), found or created.

        An existing plain percentage tax of the rate and mode is reused (the merchant's own VAT);
        otherwise a tax is created so that Odoo charges what the platform charged.
        :returns: {key: account.tax id}
        """
        if not keys:
            return {}
        company = store.company_id
        Tax = self.env["account.tax"].with_company(company)
        rates = {float(rate) for rate, _included in keys}
        existing = Tax.search(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", "percent"),
                ("amount", "in", list(rates)),
                ("include_base_amount", "=", False),
            ],
            order="sequence, id",
        )
        result = {}
        for tax in existing:
            key = order_mapper.tax_key(Decimal(str(tax.amount)), tax.price_include)
            if key in keys and key not in result:
                result[key] = tax.id
        missing = [key for key in sorted(keys) if key not in result]
        if missing:
            for key, tax in zip(missing, self._create_taxes(company, missing), strict=True):
                result[key] = tax.id
        return result

    @api.model
    def _create_taxes(self, company, keys):
        """New sale taxes of `company` for tax keys (rate, tax included), each with a name no other
        tax of the company has, in the group of its rate, copied from the company's default sale
        tax when it has one (so that they post to the same accounts).

        :returns: account.tax records, in the order of `keys`
        :raises PermanentJobError: the company has no country (Odoo needs one for taxes)
        """
        if not (company.account_fiscal_country_id or company.country_id):
            raise PermanentJobError(
                _(
                    "The company %(company)s has no country: set it so that the taxes of store orders "
                    "can be created.",
                    company=company.name,
                )
            )
        Tax = self.env["account.tax"].with_company(company)
        names = set(
            Tax.with_context(active_test=False).search([("company_id", "=", company.id)]).mapped("name")
        )
        vals_list = []
        for rate, included in keys:
            name = (
                _("%(rate)s%% (store, tax included)", rate=rate)
                if included
                else _("%(rate)s%% (store)", rate=rate)
            )
            suffix = 2
            base_name = name
            while name in names:
                name = f"{base_name} {suffix}"
                suffix += 1
            names.add(name)
            vals_list.append(
                {
                    "name": name,
                    "company_id": company.id,
                    "type_tax_use": "sale",
                    "amount_type": "percent",
                    "amount": float(rate),
                    "price_include_override": "tax_included" if included else "tax_excluded",
                    "include_base_amount": False,
                }
            )
        template = self._tax_template(company)
        for (rate, _included), vals in zip(keys, vals_list, strict=True):
            # Quotations and invoices print taxes by group: the group says the rate.
            vals["tax_group_id"] = self._rate_tax_group(company, rate, template).id
        if not template:
            return Tax.create(vals_list)
        # The company's default sale tax knows its accounts: a copy posts where the merchant's own
        # taxes post.
        created = Tax.browse()
        for vals in vals_list:
            created |= template.copy(dict(vals, description=False, invoice_label=False))
        return created

    @api.model
    def _tax_template(self, company):
        """The tax to copy for new taxes: the company's default sale tax when it is a plain
        percentage tax, else nothing (the new taxes are then created without accounts)."""
        tax = company.account_sale_tax_id
        if (
            tax
            and tax.amount_type == "percent"
            and not tax.include_base_amount
            and tax.type_tax_use == "sale"
        ):
            return tax
        return self.env["account.tax"]

    @api.model
    def _rate_tax_group(self, company, rate, template=None):
        """The tax group of the company named for `rate` ("Tax 20%"), found or created.

        Odoo prints taxes by group on quotations and invoices: a 20% tax in the default tax's
        "Tax 15%" group would print as 15%. A new group takes the accounts and country of the
        template tax's group (where the merchant's own taxes post) and its country, else the
        accounts of the company's first group; a company without a chart of accounts gets a
        group without accounts.

        :param rate: the percentage (str or Decimal, e.g. "20" or "5.5").
        :param template: the tax the new taxes copy (see `_tax_template`), or None.
        :returns: account.tax.group
        """
        Group = self.env["account.tax.group"].with_company(company)
        name = _("Tax %(rate)s%%", rate=order_mapper.tax_key(rate, False)[0])
        group = Group.search([("company_id", "=", company.id), ("name", "=", name)], limit=1)
        if group:
            return group
        model = (template and template.tax_group_id) or Group.search(
            [("company_id", "=", company.id)], order="sequence, id", limit=1
        )
        vals = {"name": name, "company_id": company.id}
        if model:
            vals.update(
                {
                    "tax_payable_account_id": model.tax_payable_account_id.id,
                    "tax_receivable_account_id": model.tax_receivable_account_id.id,
                    "advance_tax_payment_account_id": model.advance_tax_payment_account_id.id,
                    "sequence": model.sequence,
                }
            )
        if template:
            # A tax's group must be of the tax's country; the copies keep the template's.
            vals["country_id"] = template.country_id.id
        return Group.create(vals)

    # ================================================================ partners
    @api.model
    def _geo_maps(self, addresses):
        """({country code: id}, {(country id, state code or lower name): id}) for these addresses."""
        codes = {a["country_code"] for a in addresses if a and a.get("country_code")}
        if not codes:
            return {}, {}
        countries = {c.code: c.id for c in self.env["res.country"].search([("code", "in", list(codes))])}
        states = {}
        if countries:
            for state in self.env["res.country.state"].search(
                [("country_id", "in", list(countries.values()))]
            ):
                states[(state.country_id.id, state.code.upper())] = state.id
                states[(state.country_id.id, state.name.lower())] = state.id
        return countries, states

    @api.model
    def _find_customers(self, store, customers):
        """Existing contacts of normalized customers, in two batched lookups.

        A customer is found through its binding (platform id), else by email among the contacts
        of the store's company and the shared ones (a contact of another company never matches).
        :returns: {index in `customers`: res.partner}
        """
        company = store.company_id
        Partner = self.env["res.partner"]
        found = {}
        by_ext = {
            external_id: binding.partner_id
            for external_id, binding in self.env["store.customer.binding"]._find_by_external_ids(
                store, [c.get("id") for c in customers if c]
            ).items()
        }
        emails = {c["email"] for c in customers if c and c.get("email")}
        by_email = {}
        if emails:
            candidates = Partner.search(
                [
                    ("email_normalized", "in", list(emails)),
                    ("company_id", "in", [False, company.id]),
                ]
            )
            # The company's own contact before a shared one, a person before a contact of a company.
            for partner in candidates.sorted(lambda p: (p.company_id != company, bool(p.parent_id), p.id)):
                by_email.setdefault(partner.email_normalized, partner)
        for index, customer in enumerate(customers):
            if not customer:
                continue
            partner = by_ext.get(customer.get("id")) if customer.get("id") else None
            if not partner and customer.get("email"):
                partner = by_email.get(customer["email"])
            if partner:
                found[index] = partner
        return found

    @api.model
    def _resolve_partners(self, store, orders):
        """Customer, invoice address and delivery address of each order; creates what is missing.

        Customers: see `_find_customers`; a new one is a contact of the store's company with the
        billing address (`_create_customers`), bound to its platform id (`_bind_customers`). Guests
        without email reuse a contact of the same name and address.
        Addresses: the customer itself when its address is the same, else a child contact
        (type invoice / delivery) with the same address, else a new one (`_resolve_addresses`).
        :returns: {order id: (customer, invoice, delivery)} (res.partner records)
        """
        if not orders:
            return {}
        geo = self._geo_maps([address for order in orders
                              for address in (order["billing_address"], order["shipping_address"])])
        customers = self._order_customers(orders)
        found = self._find_customers(store, customers)
        self._create_customers(store, orders, customers, found, geo)
        self._bind_customers(store, customers, found)
        return self._resolve_addresses(store, orders, found, geo)

    @api.model
    def _order_customers(self, orders):
        """The normalized customer of each order (a copy), its email taken from the billing address
        when the customer has none. :returns: [dict], one per order, in order."""
        customers = []
        for order in orders:
            customer = dict(order["customer"] or {})
            if not customer.get("email"):
                email = (order["billing_address"] or {}).get("email")
                customer["email"] = email_normalize(email) if email else None
            customers.append(customer)
        return customers

    @api.model
    def _create_customers(self, store, orders, customers, found, geo):
        """Create the customers `_find_customers` did not find: one contact per platform id, email or
        guest identity (name and address) in the batch; a guest without email first reuses an
        existing contact (`_find_guest`). Fills `found` ({order index: res.partner}) in place.

        :param geo: (countries, states) of `_geo_maps`
        """
        company = store.company_id
        countries, states = geo
        to_create, create_keys, identity = [], {}, {}
        for index, (order, customer) in enumerate(zip(orders, customers, strict=True)):
            if index in found:
                continue
            main_address = order["billing_address"] or order["shipping_address"]
            vals = order_mapper.customer_values(customer, main_address, countries, states)
            # Odoo contacts need a name; an anonymous order still needs a customer.
            vals["name"] = vals["name"] or _(
                "%(store)s customer of order %(number)s", store=store.name, number=order["number"]
            )
            # One contact per platform id or email in the batch, as a later batch would find it
            # (by binding, else by email): two ids with one email (a buyer renamed on eBay, whose
            # relay address stays) are one contact.
            keys = [key for key in (("id", customer.get("id")), ("email", customer.get("email"))) if key[1]]
            if not keys:
                keys = [("guest", order_mapper.address_key(vals))]
                guest = self._find_guest(company, vals)
                if guest:
                    found[index] = guest
                    continue
            position = next((create_keys[key] for key in keys if key in create_keys), None)
            if position is None:
                position = len(to_create)
                vals.update({"company_id": company.id, "type": "contact"})
                to_create.append(vals)
            for key in keys:
                create_keys.setdefault(key, position)
            identity[index] = position
        if to_create:
            created = self._importing_partners().create(to_create)
            for index, position in identity.items():
                found[index] = created[position]

    @api.model
    def _bind_customers(self, store, customers, found):
        """Customer bindings for the platform ids of `customers` seen for the first time, each to the
        contact `found` for it ({index in `customers`: res.partner})."""
        Binding = self.env["store.customer.binding"]
        bound = Binding._find_by_external_ids(store, [c.get("id") for c in customers])
        binding_vals = {}
        for index, customer in enumerate(customers):
            ext = customer.get("id")
            username = customer.get("username") or False
            if ext and ext in bound:
                # The platform id stays, the login name may change (eBay): keep the latest.
                if username and bound[ext].external_username != username:
                    bound[ext].external_username = username
            elif ext and ext not in binding_vals:
                binding_vals[ext] = {"store_id": store.id, "partner_id": found[index].id, "external_id": ext,
                                     "external_username": username}
        if binding_vals:
            Binding.create(list(binding_vals.values()))

    @api.model
    def _resolve_addresses(self, store, orders, found, geo):
        """Invoice and delivery address of each order, given its customer (`found`: {order index:
        res.partner}): the customer itself when the address is its own, else its child contact of
        that type with the same address, else a new child (one per customer, type and address).

        :param geo: (countries, states) of `_geo_maps`
        :returns: {order id: (customer, invoice, delivery)} (res.partner records)
        """
        countries, states = geo
        own, existing = self._address_book([found[index].id for index in range(len(orders))])
        # (index, kind) -> partner id, or the position in `new_children` while (index, kind, "new").
        wanted, pending, new_children = {}, {}, []
        for index, order in enumerate(orders):
            partner = found[index]
            for kind, address in (
                ("invoice", order["billing_address"]),
                ("delivery", order["shipping_address"]),
            ):
                if not address:
                    wanted[(index, kind)] = partner.id
                    continue
                vals = order_mapper.address_values(address, countries, states)
                vals["name"] = vals["name"] or partner.name
                key = order_mapper.address_lookup_key(vals)
                child_key = (partner.id, kind, key)
                if key in own[partner.id]:
                    wanted[(index, kind)] = partner.id
                elif child_key in existing:
                    wanted[(index, kind)] = existing[child_key]
                else:
                    if child_key not in pending:
                        pending[child_key] = len(new_children)
                        new_children.append(
                            dict(vals, parent_id=partner.id, type=kind, company_id=store.company_id.id)
                        )
                    wanted[(index, kind)] = pending[child_key]
                    wanted[(index, kind, "new")] = True
        Partner = self._importing_partners()
        if new_children:
            created_children = Partner.create(new_children)
            for index in range(len(orders)):
                for kind in ("invoice", "delivery"):
                    if wanted.pop((index, kind, "new"), False):
                        wanted[(index, kind)] = created_children[wanted[(index, kind)]].id
        return {
            order["id"]: (
                found[index],
                Partner.browse(wanted[(index, "invoice")]),
                Partner.browse(wanted[(index, "delivery")]),
            )
            for index, order in enumerate(orders)
        }

    @api.model
    def _address_book(self, customer_ids):
        """The addresses the customers already have, read once.

        :returns: ({customer id: its own address keys}, {(customer id, "invoice"|"delivery", address
            key): id of the first child contact of that type with that address})
        """
        customer_ids = list(set(customer_ids))
        Partner = self._importing_partners()
        own = {
            row["id"]: order_mapper.contact_keys(row)
            for row in Partner.browse(customer_ids).read(list(order_mapper.ADDRESS_FIELDS))
        }
        existing = {}
        for row in Partner.search_read(
            [("parent_id", "in", customer_ids), ("type", "in", ["invoice", "delivery"])],
            ["parent_id", "type", *order_mapper.ADDRESS_FIELDS],
            order="id",
        ):
            for key in order_mapper.contact_keys(row):
                existing.setdefault((row["parent_id"][0], row["type"], key), row["id"])
        return own, existing

    def _importing_partners(self):
        """res.partner in the importer's context (`store_connector_importing`: what the import writes
        on contacts came from the platform, so res.partner.write does not export it back)."""
        return self.env["res.partner"].with_context(store_connector_importing=True)

    @api.model
    def _find_guest(self, company, vals):
        """A top-level contact of the company without email, with the same name and address.

        Every namesake in the same country and state is compared (no limit: with a common name, a
        cut-off list could leave out the one that matches, and the import would create a duplicate
        contact), read in one go."""
        if not vals.get("name"):
            return None
        candidates = self.env["res.partner"].search(
            [
                ("name", "=", vals["name"]),
                ("email", "=", False),
                ("parent_id", "=", False),
                ("company_id", "=", company.id),
                ("country_id", "=", vals.get("country_id") or False),
                ("state_id", "=", vals.get("state_id") or False),
            ],
            order="id",
        )
        key = order_mapper.address_lookup_key(vals)
        for values in candidates.read(list(order_mapper.ADDRESS_FIELDS)):
            if key in order_mapper.contact_keys(values):
                return candidates.browse(values["id"])
        return None

    # ================================================================ create / update
    @api.model
    def _order_values(self, store, order, ctx):
        """sale.order values (with lines) of one order; the mapper does the arithmetic.

        :returns: (values, rounding tolerance)
        """
        currency = ctx["currencies"][order["currency"]]
        line_ctx = dict(ctx, currency_digits=currency.decimal_places)
        codes = ", ".join(d["code"] for d in order["discounts"] if d.get("code"))
        line_ctx["discount_label"] = ctx["discount_label"].replace("{codes}", f" ({codes})" if codes else "")
        lines, tolerance = order_mapper.build_order_lines(order, line_ctx)
        customer, invoice, delivery = ctx["partners"][order["id"]]
        vals = {
            "company_id": store.company_id.id,
            "partner_id": customer.id,
            "partner_invoice_id": invoice.id,
            "partner_shipping_id": delivery.id,
            "client_order_ref": f"{store.order_prefix or ''}{order['number']}",
            "date_order": order["created_at"],
            "pricelist_id": ctx["pricelists"][order["currency"]].id or False,
            "order_line": [Command.create(line) for line in lines],
        }
        warehouse = self._route_warehouse(store, order, lines, delivery, ctx)
        if warehouse:
            vals["warehouse_id"] = warehouse.id
        if store.team_id:
            vals["team_id"] = store.team_id.id
        # Always set: the import runs as superuser, whom Odoo would make the salesperson (OdooBot).
        vals["user_id"] = ctx["salesperson"].id if "salesperson" in ctx else self._responsible_user(store).id
        payment = ctx["payment_map"].get(order["payment_method"] or "")
        if payment and payment.payment_term_id:
            vals["payment_term_id"] = payment.payment_term_id.id
        return vals, tolerance

    @api.model
    def _route_warehouse(self, store, order, lines, delivery, ctx):
        """The warehouse of a new order (or of a quotation whose lines changed): the store's
        routing rules (store.order.route) in order, else the store's warehouse. The reason goes in
        ctx["route_notes"] (posted on the order) when the store has rules.

        Free quantities are read once per warehouse for every product of the batch
        (ctx["route_free"]); an order routed to a warehouse takes its quantities off them, so that
        the next orders of the batch do not count the same units.

        :param lines: the order's sale.order.line values (product_id, product_uom_qty).
        :param delivery: res.partner the order ships to.
        :returns: stock.warehouse (empty: Odoo's default warehouse).
        """
        routes = ctx.get("routes")
        if not routes:
            return store.warehouse_id
        Product = self.env["product.product"].sudo()
        demand = {}
        for line in lines:
            product = Product.browse(line["product_id"])
            demand[product] = demand.get(product, 0.0) + line["product_uom_qty"]
        stocked = self._route_stocked_products(Product.union(*demand))
        demand = {product: quantity for product, quantity in demand.items() if product in stocked}
        batch_products = Product.browse(sorted(set(ctx["products"].values()) | {p.id for p in demand}))

        def free_quantities(warehouse):
            if warehouse.id not in ctx["route_free"]:
                rows = batch_products.with_context(location=warehouse.lot_stock_id.id).read(["free_qty"])
                ctx["route_free"][warehouse.id] = {row["id"]: row["free_qty"] for row in rows}
            return ctx["route_free"][warehouse.id]

        warehouse, _rule, reason = self.env["store.order.route"]._route(
            store, routes, delivery, demand, free_quantities)
        if warehouse and warehouse.id in ctx["route_free"]:
            free = ctx["route_free"][warehouse.id]
            for product, quantity in demand.items():
                free[product.id] = free.get(product.id, 0.0) - quantity
        ctx["route_notes"][order["id"]] = reason
        return warehouse

    @api.model
    def _route_stocked_products(self, products):
        """The products whose stock decides availability: storable ones, and kits (with the
        Manufacturing app, a kit's free quantity is computed from its components'). Services and
        consumables that keep no stock never hold an order back."""
        stocked = products.filtered("is_storable")
        if "mrp.bom" in self.env:
            kits = self.env["mrp.bom"].sudo()._bom_find(products - stocked, bom_type="phantom")
            stocked |= (products - stocked).filtered(lambda product: kits.get(product))
        return stocked

    @api.model
    def _binding_values(self, store, order, ctx):
        payment = ctx["payment_map"].get(order["payment_method"] or "")
        return {
            "external_number": order["number"],
            "platform_status": order["status"],
            "platform_stage": ctx["status_map"].get(order["status"].casefold()) or False,
            "platform_created_at": order["created_at"],
            "platform_updated_at": order["updated_at"],
            "platform_total": float(order["total"]),
            "marketplace_tax": float(order.get("marketplace_tax") or 0),
            "currency_id": ctx["currencies"][order["currency"]].id,
            "payment_method": order["payment_method"] or False,
            "payment_journal_id": payment.journal_id.id if payment else False,
            "lines_fingerprint": order_mapper.lines_fingerprint(order),
            "last_payload": order_to_json(order),
            "last_import_at": fields.Datetime.now(),
        }

    @api.model
    def _create_orders(self, store, orders, ctx):
        """Create the sale orders and bindings of new platform orders; returns the sale orders."""
        prepared = [self._order_values(store, order, ctx) for order in orders]
        # The salesperson follows each imported order but is not sent "You have been assigned to
        # S00042" for every order a shop sends (Odoo's bulk assignments do the same): a busy shop
        # would flood their inbox, and that message was a fifth of the import's time.
        sales = (
            self.env["sale.order"]
            .with_context(store_connector_importing=True, mail_auto_subscribe_no_notify=True)
            .create([vals for vals, _tolerance in prepared])
        )
        bindings = self.env["store.order.binding"].create(
            [
                dict(
                    self._binding_values(store, order, ctx),
                    store_id=store.id,
                    external_id=order["id"],
                    order_id=sale.id,
                )
                for order, sale in zip(orders, sales, strict=True)
            ]
        )
        notes = self._reconcile_totals(orders, sales, [t for _v, t in prepared], ctx)
        for order, sale in zip(orders, sales, strict=True):
            self._post_import_notes(order, sale, ctx, notes.get(sale.id))
        self._apply_stage(store, list(zip(orders, sales, bindings, strict=True)), previous_stages={})
        # Quotations awaiting payment count as demand for the stores that publish what can be sold
        # (confirmed ones made their deliveries, which said so already).
        quotations = sales.filtered(lambda sale: sale.state in ("draft", "sent"))
        self.env["store.product.binding"]._on_demand_changed(
            quotations.order_line.product_id, quotations.warehouse_id
        )
        for sale, binding in zip(sales, bindings, strict=True):
            store._event_order_received_from_store(sale, binding)
        for order in orders:
            self._record_refunds(store, order)
        self._enqueue_payment_workflow(orders, bindings)
        return sales

    @api.model
    def _enqueue_payment_workflow(self, orders, bindings):
        """Queue the payment workflow (job orders.payments, store.order.binding._job_order_payments)
        of the orders that bring transactions (or refunds, in a store that credits them); it runs apart
        so that the import keeps its speed."""
        with_transactions = self.env["store.order.binding"].browse([
            binding.id for order, binding in zip(orders, bindings, strict=True)
            if order.get("transactions") or (order.get("refunds") and binding.store_id._credits_refunds())
        ])
        if with_transactions:
            with_transactions._enqueue_order_payments()

    @api.model
    def _record_refunds(self, store, order):
        """Record on the sale order the refunds a normalized order lists ("refunds"), each once
        (connector.store._event_order_refunded keeps the refund ids it recorded). A store that credits
        refunds (refund policy "credit note") leaves them to the payment workflow job instead
        (store_order_binding_refunds.py), which the import queues."""
        if store._credits_refunds():
            return
        for refund in order.get("refunds") or []:
            store._event_order_refunded({
                "order_id": order["id"], "refund_id": refund["id"],
                "amount": str(refund["amount"] if refund["amount"] is not None else ""),
                "note": refund["note"],
                "lines": [{"line_id": line["line_id"], "sku": line["sku"],
                           "quantity": format(line["quantity"].normalize(), "f")}
                          for line in refund.get("lines") or []],
            })

    @api.model
    def _reconcile_totals(self, orders, sales, tolerances, ctx):
        """Make each sale order's total the platform's, to the cent.

        A difference within the rounding tolerance goes on a rounding line (no tax); a larger one
        means the taxes or amounts were not understood, and the order fails.
        :returns: {sale id: note for the chatter}
        :raises PermanentJobError: naming the order and both totals.
        """
        notes, rounding_lines = {}, []
        for order, sale, tolerance in zip(orders, sales, tolerances, strict=True):
            currency = sale.currency_id
            target = order_mapper.quantize(order["total"], currency.decimal_places)
            odoo_total = order_mapper.quantize(Decimal(repr(sale.amount_total)), currency.decimal_places)
            diff = target - odoo_total
            if not diff:
                continue
            if abs(diff) > tolerance:
                raise PermanentJobError(
                    _(
                        "Order %(number)s: Odoo computes a total of %(odoo)s but the platform states "
                        "%(platform)s. Check the taxes of the order's lines.",
                        number=order["number"],
                        odoo=odoo_total,
                        platform=target,
                    )
                )
            rounding_lines.append(
                {
                    "order_id": sale.id,
                    "sequence": 99999,
                    "product_id": ctx["rounding_product_id"],
                    "name": _("Rounding difference with the platform"),
                    "product_uom_qty": 1.0,
                    "price_unit": float(diff),
                    "discount": 0.0,
                    "tax_id": [Command.clear()],
                }
            )
            notes[sale.id] = _(
                "A rounding line of %(amount)s makes the total equal to the platform's (%(total)s).",
                amount=diff,
                total=target,
            )
        if rounding_lines:
            self.env["sale.order.line"].create(rounding_lines)
        return notes

    @api.model
    def _post_import_notes(self, order, sale, ctx, rounding_note=None):
        messages = []
        placeholders = ctx["placeholders"].get(order["id"])
        if placeholders:
            messages.append(
                _(
                    "Unknown SKU %(skus)s: the lines use a placeholder product. Replace it before "
                    "delivering.",
                    skus=", ".join(placeholders),
                )
            )
        if rounding_note:
            messages.append(rounding_note)
        if ctx.get("route_notes", {}).get(order["id"]):
            messages.append(ctx["route_notes"][order["id"]])
        if order["note"]:
            messages.append(_("Customer note: %(note)s", note=order["note"]))
        if messages:
            sale.message_post(body="\n".join(messages), message_type="comment", subtype_xmlid="mail.mt_note")

    @api.model
    def _is_shipped(self, sale):
        """Whether anything of the order left the warehouse (or was marked delivered)."""
        if any(line.qty_delivered for line in sale.order_line):
            return True
        return any(
            picking.state == "done" and picking.picking_type_code == "outgoing"
            for picking in sale.picking_ids
        )

    @api.model
    def _update_order(self, store, order, binding, ctx):
        """Apply a newer payload of an order imported before.

        Lines are replaced while the order is a quotation and nothing shipped; afterwards only the
        status moves on, and a changed content becomes an activity for the salesperson.
        """
        sale = binding.order_id
        fingerprint = order_mapper.lines_fingerprint(order)
        notes = {}
        if fingerprint != binding.lines_fingerprint:
            if sale.state in ("draft", "sent") and not self._is_shipped(sale):
                vals, tolerance = self._order_values(store, order, ctx)
                for key in ("company_id", "partner_id", "date_order", "pricelist_id", "user_id"):
                    vals.pop(key, None)
                vals["order_line"] = [Command.delete(line.id) for line in sale.order_line] + vals[
                    "order_line"
                ]
                sale.with_context(store_connector_importing=True).write(vals)
                notes = self._reconcile_totals([order], sale, [tolerance], ctx)
                self._post_import_notes(order, sale, ctx, notes.get(sale.id))
            else:
                self._schedule_activity(
                    store,
                    sale,
                    _("Order changed on the platform"),
                    _(
                        "The platform changed the lines of %(number)s after the order was confirmed. "
                        "Update the order by hand if needed.",
                        number=order["number"],
                    ),
                )
        previous = {binding.id: binding.platform_stage}
        binding.write(self._binding_values(store, order, ctx))
        self._update_shipped_quantities(order, sale, ctx)
        self._apply_stage(store, [(order, sale, binding)], previous_stages=previous)
        # Goods the platform shipped since the last import (confirming above applied them already).
        sale._store_apply_platform_shipments()
        store._event_order_received_from_store(sale, binding)
        self._record_refunds(store, order)
        self._enqueue_payment_workflow([order], binding)
        return sale

    @api.model
    def _update_shipped_quantities(self, order, sale, ctx):
        """Copy the platform's shipped quantity of each line onto the sale order's line: by the
        platform's line id, else by product for lines without one."""
        lines = sale.order_line.filtered(lambda line: line.display_type is False)
        by_id = {line.store_external_line_id: line for line in lines if line.store_external_line_id}
        wanted = defaultdict(float)
        for platform_line in order["lines"]:
            line = by_id.get(platform_line["id"]) if platform_line["id"] else None
            if line is None:
                product_id = platform_line.get("bound_product_id") or (
                    ctx["products"].get(platform_line["sku"]) if platform_line["sku"] else None)
                line = lines.filtered(
                    lambda sol, pid=product_id: not sol.store_external_line_id and sol.product_id.id == pid
                )[:1]
            if line:
                wanted[line] += float(platform_line["shipped_quantity"])
        for line, quantity in wanted.items():
            if line.store_platform_shipped_qty != quantity:
                line.store_platform_shipped_qty = quantity

    # ================================================================ status
    @api.model
    def _apply_stage(self, store, items, previous_stages):
        """Act on the mapped stage of each (order, sale, binding) whose stage changed.

        * confirming stages confirm quotations when the store auto-confirms;
        * cancelled cancels the order, unless something shipped: then an activity asks the
          salesperson to handle it and the order is left as is;
        * returned leaves the order as is with an activity (returns are handled by hand), unless
          the store credits the refunds the order lists (the payment workflow handles them).
        """
        to_confirm = self.env["sale.order"]
        for order, sale, binding in items:
            stage = binding.platform_stage
            if previous_stages.get(binding.id) == stage:
                continue
            if not stage:
                self._note_unmapped_status(store, order, sale)
                continue
            if stage in order_const.CONFIRMED_STAGES:
                if store.order_auto_confirm and sale.state in ("draft", "sent"):
                    to_confirm |= sale
            elif stage in order_const.CANCELLED_STAGES:
                self._cancel_from_platform(store, order, sale)
            elif stage in order_const.RETURNED_STAGES:
                if store._credits_refunds() and order.get("refunds"):
                    # The payment workflow credits the refunds the order lists (credit notes, refund
                    # payments, the restocked units returned): a to-do to refund the customer would
                    # have the money given back twice.
                    continue
                self._schedule_activity(
                    store,
                    sale,
                    _("Order returned on the platform"),
                    _(
                        "The platform marks %(number)s as returned (%(status)s). Receive the return and "
                        "refund the customer.",
                        number=order["number"],
                        status=order["status"],
                    ),
                )
        if to_confirm:
            # The order keeps the platform's date, not the time of the import.
            # What the platform said is not sent back to it (sale_order_status_push.py).
            to_confirm.with_context(store_connector_keep_date_order=True,
                                    store_connector_from_platform=True).action_confirm()

    @api.model
    def _note_unmapped_status(self, store, order, sale):
        """Say on the order and in the store's activity log that the platform status of `order`
        is not in the store's status mapping (a custom status of the shop, say): the order was
        left as it is. Called when an order arrives with, or moves to, such a status."""
        message = _(
            'The platform status "%(status)s" of order %(number)s is not in the status mapping of store '
            "%(store)s: the order was left as it is. Add the status to the store's Status Mapping "
            "(Orders tab) with the stage it means, so that the order's next update acts on it.",
            status=order["status"], number=order["number"], store=store.name,
        )
        sale.message_post(body=message, message_type="comment", subtype_xmlid="mail.mt_note")
        store._log_activity(order_const.OP_ORDERS_IMPORT, "info", records=1, message=message)

    @api.model
    def _cancel_from_platform(self, store, order, sale):
        if sale.state == "cancel":
            return
        if self._is_shipped(sale):
            self._schedule_activity(
                store,
                sale,
                _("Cancelled on the platform after shipping"),
                _(
                    "The platform cancelled %(number)s (%(status)s) but goods already shipped. The order is "
                    "left as is: arrange the return or refund with the customer.",
                    number=order["number"],
                    status=order["status"],
                ),
            )
            return
        if sale.locked:
            sale.action_unlock()
        sale.with_context(store_connector_from_platform=True)._action_cancel()
        sale.message_post(
            body=_("Cancelled because the platform cancelled %(number)s.", number=order["number"]),
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )

    @api.model
    def _schedule_activity(self, store, sale, summary, note):
        """A to-do for a person: the order's salesperson, else the store's chain
        (`_responsible_user`). With nobody at all, the note goes to the order's chatter only.

        :returns: the mail.activity, or an empty recordset.
        """
        user = sale.user_id if self._is_person(sale.user_id, store) else self._responsible_user(store)
        if not user:
            sale.message_post(body=f"{summary}: {note}", message_type="comment", subtype_xmlid="mail.mt_note")
            return self.env["mail.activity"]
        return sale.activity_schedule(
            "mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id
        )

    @api.model
    def _is_person(self, user, store):
        """Whether `user` is someone who can act on the store's orders: an active internal user of
        the store's company, not the superuser (OdooBot)."""
        return bool(
            user
            and user.id != SUPERUSER_ID
            and user.active
            and not user.share
            and store.company_id in user.company_ids
        )

    @api.model
    def _responsible_user(self, store):
        """Who answers for the store's imported orders and their follow-ups (salesperson and
        activities): the store's salesperson, else the leader of the store's sales team, else the
        leader of the company's default sales team, else a Store Connector manager of the store's
        company (the first by id). Never the superuser (OdooBot), an archived or a portal user.

        :returns: res.users (empty when nobody qualifies).
        """
        Team = self.env["crm.team"].sudo()
        team = store.team_id or Team.search(
            [("company_id", "in", [False, store.company_id.id])], order="sequence, id", limit=1
        )
        candidates = [store.order_salesperson_id, store.team_id.user_id, team.user_id]
        candidates += list(store._get_managers().sorted("id"))
        for user in candidates:
            user = user.sudo()
            if self._is_person(user, store):
                return user.with_env(self.env)
        return self.env["res.users"]

    @api.model
    def _show_discounts(self):
        """Show the Discount column on sale order lines to internal users (Odoo's "Discounts"
        setting: the group sale.group_discount_per_so_line implied by the internal user group).
        Done the first time an imported order carries a discount: an order whose lines say 10%
        off must show it, while a shop that never discounts keeps Odoo's simpler lines."""
        group = self.env.ref("sale.group_discount_per_so_line", raise_if_not_found=False)
        internal = self.env.ref("base.group_user")
        if group and group not in internal.implied_ids:
            internal.sudo().write({"implied_ids": [Command.link(group.id)]})

    # ================================================================ customers
    @api.model
    def _import_customers(self, store, records):
        """Create or update contacts from normalized platform customers (customer import page).

        Matching as for orders. Existing contacts are updated only when the store syncs
        customers, and only with what the platform says; a customer payload older than the one
        seen before is ignored.
        :returns: {"created": n, "updated": n, "ignored": n, "failed": [{"id", "error"}]}
        """
        result = {"created": 0, "updated": 0, "ignored": 0, "failed": []}
        customers = []
        for index, raw in enumerate(records):
            try:
                customer = normalize_customer(raw, f"customers[{index}]")
            except PermanentJobError as exc:
                result["failed"].append({"id": raw_order_id(raw), "error": str(exc)})
                continue
            if customer:
                customers.append(customer)
        if not customers:
            return result
        found = self._find_customers(store, customers)
        addresses = [c["billing_address"] for c in customers] + [c["shipping_address"] for c in customers]
        geo = self._geo_maps(addresses)
        bindings = self.env["store.customer.binding"]._find_by_external_ids(
            store, [customer["id"] for customer in customers]
        )
        for index, customer in enumerate(customers):
            try:
                with self.env.cr.savepoint():
                    binding = bindings.get(customer["id"])
                    if (
                        binding
                        and customer["updated_at"]
                        and binding.platform_updated_at
                        and customer["updated_at"] <= binding.platform_updated_at
                    ):
                        result["ignored"] += 1
                        continue
                    partner, outcome = self._import_customer_contact(store, customer, found.get(index), geo)
                    result[outcome] += 1
                    if customer["id"]:
                        binding = self._bind_imported_customer(store, customer, partner, binding)
                        bindings[customer["id"]] = binding
            except ORDER_ERRORS as exc:
                result["failed"].append({"id": customer["id"], "error": self._error_text(exc)})
        return result

    @api.model
    def _import_customer_contact(self, store, customer, partner, geo):
        """The contact of an imported customer: `partner` (the one found for it, or None) updated
        with what the platform says when the store syncs customers, else a new contact.

        :param geo: (countries, states) of `_geo_maps`
        :returns: (res.partner, "created" | "updated" | "ignored")
        """
        countries, states = geo
        vals = order_mapper.customer_values(
            customer, customer["billing_address"] or customer["shipping_address"], countries, states
        )
        if not partner:
            vals.update(company_id=store.company_id.id, type="contact")
            return self._importing_partners().create(vals), "created"
        if not store.auto_sync_customers:
            return partner, "ignored"
        changes = self._partner_changes(partner, vals)
        if not changes:
            return partner, "ignored"
        partner.with_context(store_connector_importing=True).write(changes)
        return partner, "updated"

    @api.model
    def _bind_imported_customer(self, store, customer, partner, binding):
        """Point the customer's binding (`binding`, or a new one) at `partner`, with the customer's
        platform update time. :returns: the binding."""
        if binding:
            binding.write({"partner_id": partner.id, "platform_updated_at": customer["updated_at"]})
            return binding
        return self.env["store.customer.binding"].create({
            "store_id": store.id,
            "partner_id": partner.id,
            "external_id": customer["id"],
            "platform_updated_at": customer["updated_at"],
        })

    @api.model
    def _partner_changes(self, partner, vals):
        """The values that differ from the contact's; empty platform values never blank a field."""
        current = partner.read(list(vals))[0]
        changes = {}
        for field, value in vals.items():
            now = current[field]
            if isinstance(now, (list, tuple)):
                now = now[0] if now else False
            if value and value != now:
                changes[field] = value
        return changes

    @api.model
    def _partner_to_customer(self, partner, external_id=None):
        """A normalized customer dict of an Odoo contact (for `adapter._export_customer`)."""

        def address(p):
            return {
                "name": p.name or None,
                "company": p.commercial_company_name or None,
                "street": p.street or None,
                "street2": p.street2 or None,
                "city": p.city or None,
                "zip": p.zip or None,
                "state_code": p.state_id.code or None,
                "state": p.state_id.name or None,
                "country_code": p.country_id.code or None,
                "phone": p.phone or None,
                "email": p.email or None,
            }

        names = (partner.name or "").split(" ", 1)
        delivery = partner.child_ids.filtered(lambda c: c.type == "delivery")[:1] or partner
        invoice = partner.child_ids.filtered(lambda c: c.type == "invoice")[:1] or partner
        return {
            "id": external_id or None,
            "email": partner.email_normalized or partner.email or None,
            "name": partner.name or None,
            "first_name": names[0] or None,
            "last_name": names[1] if len(names) > 1 else None,
            "phone": partner.phone or partner.mobile or None,
            "company": partner.commercial_company_name or None,
            "billing_address": address(invoice),
            "shipping_address": address(delivery),
        }
