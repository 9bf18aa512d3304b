"""eBay listings through the Sell Inventory API: the product export (inventory items by SKU, item
groups for products with variants, offers, publication), unpublishing and archiving (the offer is
withdrawn), and the checks done before anything changes on eBay (category, item specifics,
condition, business policies), with what eBay says of each category kept in `ebay.category.info`.

The payloads are built by the pure functions of ebay_listing_mapper.py.
"""

from urllib.parse import quote

from odoo import _, api, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services.logs import get_logger

from .. import const
from . import ebay_listing_mapper as lm
from .store_adapter_connect import POLICY_KINDS

_logger = get_logger(__name__)

INVENTORY = "/sell/inventory/v1"
TAXONOMY = "/commerce/taxonomy/v1"
METADATA = "/sell/metadata/v1"
# eBay's answer to GET /offer?sku= for a SKU that has no offer (or no inventory item) yet.
NO_OFFER_ERRORS = ("25713", "25702")
# How many suggestions Suggest eBay Categories shows.
SUGGESTION_LIMIT = 10


class StoreAdapterEbayListings(models.AbstractModel):
    """eBay listings: `_export_products` through the Inventory API, `_listing_fields`, and the
    Taxonomy and Metadata reads (category tree, suggestions, required item specifics, conditions)."""

    _inherit = "store.adapter.ebay"

    @api.model
    def _supported_features(self, store):
        return super()._supported_features(store) | {"products.export"}

    @api.model
    def _listing_fields(self, store):
        """The listing duration, per store listing: the Inventory API lists fixed-price offers Good
        'Til Cancelled only, so it is the one choice (shown so that the merchant knows)."""
        return super()._listing_fields(store) + [{
            "name": "listing_duration", "label": _("eBay Listing Duration"), "type": "selection",
            "selection": lm.LISTING_DURATIONS, "default": lm.DEFAULT_LISTING_DURATION,
            "help": _("eBay's Inventory API lists fixed-price items Good 'Til Cancelled only: the "
                      "listing runs until the product is unpublished, archived or sold out."),
        }]

    # ------------------------------------------------------------------ export
    @api.model
    def _export_products(self, store, products):
        """List, revise or end `products` (normalized) on eBay.

        A published product is checked first (business policies and location on the store, an eBay
        category, the category's required item specifics and allowed conditions): one that fails
        gets the list of what is missing and nothing of it is sent. The others go as inventory
        items (bulkCreateOrReplaceInventoryItem, 25 a call; per-item errors on their SKUs), parts
        compatibility, an inventory item group for products with variants, offers created
        (bulkCreateOffer) or replaced (PUT /offer/{id}), then published: bulkPublishOffer, or
        publishByInventoryItemGroup for a group. An unpublished or archived product's listing is
        withdrawn (its offers and items stay, so that publishing again lists the same SKUs).

        A variant bound to a legacy listing (Trading API) is never sent through the Inventory API:
        it goes to `_ebay_export_legacy_products`.

        :returns: [{"sku", "external_ids", "error"}], one per variant.
        """
        client = store._ebay_client()
        results, plans = [], []
        for product in products:
            if any((v.get("external_ids") or {}).get(lm.KEY_API) == lm.API_TRADING
                   for v in product.get("variants") or ()):
                results += self._ebay_export_legacy_products(store, product) or []
            elif product.get("status") != "active":
                results += self._ebay_withdraw_product(client, store, product)
            else:
                plans.append(self._ebay_listing_plan(store, product))
        live = [plan for plan in plans if not plan["error"]]
        if live:
            self._ebay_check_store_settings(store, live)
        live = [plan for plan in live if not plan["error"]]
        if live:
            self._ebay_check_categories(client, store, live)
            live = [plan for plan in live if not plan["error"]]
        if live:
            self._ebay_fill_quantities(client, store, live)
            self._ebay_put_items(client, store, live)
            self._ebay_put_compatibility(client, live)
            self._ebay_put_groups(client, live)
            self._ebay_put_offers(client, store, live)
            self._ebay_publish(client, store, live)
        for plan in plans:
            results += self._ebay_plan_results(plan)
        return results

    @api.model
    def _ebay_export_legacy_products(self, store, product):
        """Variants of a listing made on eBay's site or through the Trading API. This part sends
        nothing through the Inventory API for them (eBay refuses to mix the two APIs on a listing);
        the legacy listings part revises them through Trading.

        :returns: [{"sku", "external_ids", "error"}]
        """
        return [{"sku": v.get("sku"), "external_ids": {}, "error": _(
            "SKU %(sku)s is a legacy eBay listing (made on eBay or through the Trading API): it cannot "
            "be revised through the Inventory API. Migrate it to the Inventory API first.",
            sku=v.get("sku"))} for v in product.get("variants") or ()]

    @api.model
    def _ebay_listing_plan(self, store, product):
        """What to send for one published product: per variant its SKU, condition, known offer and
        listing ids; the product's eBay category (its own, else the category mapping's)."""
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        variants = []
        for variant in product.get("variants") or ():
            ids = variant.get("external_ids") or {}
            record = Product.browse(variant["odoo_id"])
            variants.append({
                "variant": variant, "sku": variant.get("sku"), "error": None,
                "condition": record.ebay_effective_condition or lm.DEFAULT_CONDITION,
                "offer_id": ids.get(lm.KEY_OFFER), "listing_id": ids.get(lm.KEY_LISTING),
                "compatibility": ids.get(lm.KEY_COMPATIBILITY),
                "quantity": 0, "name": record.display_name,
            })
        template = Product.browse(product["variants"][0]["odoo_id"]).product_tmpl_id if variants else None
        category_id = (template.ebay_category_id or "").strip() if template else ""
        category_name = template.ebay_category_name if category_id else None
        if not category_id and product.get("categories"):
            category_id = str(product["categories"][0]["id"]).strip()
            category_name = product["categories"][0].get("name")
        group = lm.is_group(product)
        return {
            "product": product, "variants": variants, "error": None, "template": template,
            "category_id": category_id, "category_name": category_name,
            "group_key": lm.group_key(product) if group else None,
            "compatibility": [
                {"year": row.year, "make": row.make, "model": row.model, "engine": row.engine,
                 "notes": row.notes}
                for row in (template.ebay_compatibility_ids if template else [])
            ],
        }

    @api.model
    def _ebay_fail(self, plan, message, variants=None):
        """Record `message` on a plan (all its variants) or on some of its variants."""
        if variants is None:
            plan["error"] = message
            variants = plan["variants"]
        for entry in variants:
            entry["error"] = entry["error"] or message

    # ------------------------------------------------------------------ checks before sending
    @api.model
    def _ebay_check_store_settings(self, store, plans):
        """The store's business policies and merchant location, which every offer names, and its
        currency: eBay takes prices in the marketplace's currency only (USD on eBay US, EUR on eBay
        Germany)."""
        if not all((store.ebay_fulfillment_policy_id, store.ebay_payment_policy_id,
                    store.ebay_return_policy_id, store.ebay_merchant_location_key)):
            self._ebay_fill_store_settings(store)
        missing = [label for label, value in (
            (_("fulfillment (shipping) policy"), store.ebay_fulfillment_policy_id),
            (_("payment policy"), store.ebay_payment_policy_id),
            (_("return policy"), store.ebay_return_policy_id),
            (_("merchant location"), store.ebay_merchant_location_key),
        ) if not value]
        problems = []
        if missing:
            problems.append(_(
                "Store %(store)s has no eBay %(missing)s: eBay needs them on every listing. Set them on "
                "the store's eBay tab (Test Connection fills each one the account has only one of, and "
                "lists the others), then export again.",
                store=store.name, missing=", ".join(missing),
            ))
        wanted = const.MARKETPLACE_CURRENCY.get(store.ebay_marketplace_id)
        currencies = sorted({plan["product"].get("currency") for plan in plans} - {None, wanted})
        if wanted and currencies:
            problems.append(_(
                "Store %(store)s prices in %(currency)s, but %(marketplace)s sells in %(wanted)s only: give "
                "the store a pricelist in %(wanted)s, then export again.",
                store=store.name, currency=", ".join(currencies), wanted=wanted,
                marketplace=dict(const.MARKETPLACE_SELECTION).get(store.ebay_marketplace_id),
            ))
        if not problems:
            return
        message = " ".join(problems)
        for plan in plans:
            self._ebay_fail(plan, message)

    @api.model
    def _ebay_fill_store_settings(self, store):
        """Fill the store's empty business policies and merchant location as Test Connection does
        (each one the account has exactly one of, see store_adapter_connect.py), so that a store
        whose merchant never ran Test Connection lists all the same. Reads only; what eBay cannot
        answer now is left empty (the check then names it)."""
        client = store._ebay_client()
        for kind, path, key, id_key, field in POLICY_KINDS:
            if not store[field]:
                self._ebay_policies_fact(store, client, kind, path, key, id_key, field, [])
        if not store.ebay_merchant_location_key:
            self._ebay_locations_fact(store, client, [])

    @api.model
    def _ebay_check_categories(self, client, store, plans):
        """Check each product against its category: one is set, the required item specifics are
        there on every variant, the variants' conditions are allowed. What eBay says of a category
        comes from `_ebay_category_requirements` (kept for days: one call per category, not per
        product). A product that fails gets every problem in one message."""
        for plan in plans:
            if not plan["category_id"]:
                self._ebay_fail(plan, self._ebay_not_listed(plan, [*self._ebay_product_problems(plan), _(
                    "Product %(product)s has no eBay category: set one on the product's eBay tab, or "
                    "map its product category (%(category)s) to an eBay category on store %(store)s "
                    "(Suggest eBay Categories finds it).",
                    product=plan["product"].get("title") or plan["variants"][0]["sku"],
                    category=plan["template"].categ_id.display_name if plan["template"] else "-",
                    store=store.name,
                )]))
        wanted = {plan["category_id"] for plan in plans if not plan["error"]}
        requirements, refusals = self._ebay_category_requirements(client, store, wanted)
        for plan in plans:
            if plan["error"]:
                continue
            if plan["category_id"] in refusals:
                self._ebay_fail(plan, _(
                    "eBay could not tell what category %(category)s needs: %(error)s Check the product's "
                    "eBay category (an id of marketplace %(marketplace)s).",
                    category=plan["category_id"], error=refusals[plan["category_id"]],
                    marketplace=store.ebay_marketplace_id))
                continue
            info = requirements[plan["category_id"]]
            if plan["category_name"] and not info.category_name:
                info.sudo().category_name = plan["category_name"]  # shown in the store's requirements
            name = plan["category_name"] or info.category_name
            label = f"{name} ({info.category_id})" if name else info.category_id
            problems = self._ebay_product_problems(plan)
            missing, wrong = {}, {}
            for entry in plan["variants"]:
                aspects = lm.variant_aspects(plan["product"], entry["variant"])
                for name in lm.missing_aspects(info.required_aspects or [], aspects):
                    missing.setdefault(name, []).append(entry["sku"])
                for name, values in lm.refused_aspect_values(info.selection_aspects, aspects).items():
                    for value in values:
                        wrong.setdefault(name, {}).setdefault(value, []).append(entry["sku"])
            if missing:
                problems.append(_(
                    "eBay category %(category)s requires these item specifics, which the product lacks: "
                    "%(names)s. Map a product field to each in the store's Field Mappings (the platform "
                    "field is the item specific's name, e.g. Brand) and fill it on the product.",
                    category=label, names=", ".join(
                        name if len(skus) == len(plan["variants"]) else f"{name} ({', '.join(skus)})"
                        for name, skus in missing.items()),
                ))
            for name, values in wrong.items():
                problems.append(_(
                    "eBay category %(category)s takes only these values of %(name)s: %(allowed)s; the "
                    "product has %(values)s. Change the value on the product (or the attribute value of "
                    "the variant) to one of eBay's.",
                    category=label, name=name, allowed=", ".join(info.selection_aspects[name]),
                    values=", ".join(f"{value} ({', '.join(skus)})" for value, skus in values.items()),
                ))
            allowed = info.allowed_conditions
            refused = [entry for entry in plan["variants"] if allowed and entry["condition"] not in allowed]
            if refused:
                problems.append(_(
                    "eBay category %(category)s does not allow the condition %(conditions)s; it takes: "
                    "%(allowed)s. Change the product's eBay condition (or its category).",
                    category=label,
                    conditions=", ".join(sorted({lm.condition_name(e["condition"]) for e in refused})),
                    allowed=", ".join(lm.condition_name(enum) for enum in allowed),
                ))
            if problems:
                self._ebay_fail(plan, self._ebay_not_listed(plan, problems))

    @api.model
    def _ebay_not_listed(self, plan, problems):
        """The one message of a product that cannot list: every problem found, in sentences."""
        return _("Not listed on eBay: %(problems)s", problems=" ".join(problems))

    @api.model
    def _ebay_product_problems(self, plan):
        """What eBay refuses in any category, found without asking it (so that nothing is created on
        eBay for a product that cannot list): a picture (eBay lists nothing without one) and a price
        above zero, per variant.

        :returns: [sentence]
        """
        product = plan["product"]
        problems = []
        without_picture = [entry["sku"] for entry in plan["variants"]
                           if not lm.image_urls(product, entry["variant"])]
        if without_picture:
            problems.append(_(
                "eBay lists nothing without a picture, and %(skus)s has none: add an image to the product.",
                skus=", ".join(without_picture)) if len(without_picture) == 1 else _(
                "eBay lists nothing without a picture, and %(skus)s have none: add an image to the product "
                "(or to each variant).", skus=", ".join(without_picture)))
        without_price = [entry["sku"] for entry in plan["variants"]
                         if not float(entry["variant"].get("price") or 0.0) > 0]
        if without_price:
            problems.append(_(
                "eBay needs a price above zero, and %(skus)s has none in the store's pricelist: set a "
                "sales price.", skus=", ".join(without_price)) if len(without_price) == 1 else _(
                "eBay needs a price above zero, and %(skus)s have none in the store's pricelist: set a "
                "sales price.", skus=", ".join(without_price)))
        return problems

    @api.model
    def _ebay_category_requirements(self, client, store, category_ids):
        """What eBay says of `category_ids`, asked only for those not known or older than a week:
        the Taxonomy API's getItemAspectsForCategory (the required item specifics) and the Metadata
        API's getItemConditionPolicies (the allowed conditions).

        :returns: ({category id: ebay.category.info}, {category id: eBay's refusal, in words})
        """
        Info = self.env["ebay.category.info"]
        known = Info._fresh(store, category_ids) if category_ids else {}
        missing = sorted(set(category_ids) - set(known))
        refusals = {}
        if not missing:
            return known, refusals
        tree_id = self._ebay_category_tree_id(client, store)
        for category_id in missing:
            try:
                aspects = client.request_json(
                    "GET", f"{TAXONOMY}/category_tree/{quote(tree_id)}/get_item_aspects_for_category",
                    api="taxonomy", params={"category_id": category_id}, app=True,
                )
                conditions = client.request_json(
                    "GET", f"{METADATA}/marketplace/{quote(store.ebay_marketplace_id)}"
                    "/get_item_condition_policies",
                    api="metadata", params={"filter": f"categoryIds:{{{category_id}}}"},
                )
            except PermanentJobError as exc:
                refusals[category_id] = str(exc)
                continue
            aspect_facts = lm.category_aspect_facts(aspects)
            condition_facts = lm.category_condition_facts(conditions, category_id)
            known[category_id] = Info._store(store, category_id, {
                "required_aspects": aspect_facts["required"],
                "aspect_names": aspect_facts["names"],
                "selection_aspects": aspect_facts["selection"],
                "allowed_conditions": condition_facts["allowed"],
            })
        return known, refusals

    @api.model
    def _ebay_category_tree_id(self, client, store):
        """The category tree of the store's marketplace (Taxonomy API, app token), kept on the store."""
        if store.ebay_category_tree_id:
            return store.ebay_category_tree_id
        body = client.request_json(
            "GET", f"{TAXONOMY}/get_default_category_tree_id", api="taxonomy",
            params={"marketplace_id": store.ebay_marketplace_id}, app=True,
        )
        tree_id = str((body or {}).get("categoryTreeId") or "")
        if not tree_id:
            raise PermanentJobError(_(
                "eBay named no category tree for marketplace %(marketplace)s.",
                marketplace=store.ebay_marketplace_id))
        store.sudo().ebay_category_tree_id = tree_id
        return tree_id

    @api.model
    def _ebay_category_suggestions(self, store, query):
        """eBay's category suggestions for `query` (Taxonomy API getCategorySuggestions, app token).

        :returns: [{"id", "name", "path"}], the most relevant first.
        """
        client = store._ebay_client()
        tree_id = self._ebay_category_tree_id(client, store)
        body = client.request_json(
            "GET", f"{TAXONOMY}/category_tree/{quote(tree_id)}/get_category_suggestions",
            api="taxonomy", params={"q": query}, app=True,
        )
        suggestions = []
        for suggestion in (body or {}).get("categorySuggestions") or ():
            category = suggestion.get("category") or {}
            if not category.get("categoryId"):
                continue
            # The ancestors run up to the tree's root (level 0), whose name eBay says carries no
            # meaning ("Root"): the path starts below it.
            ancestors = sorted((node for node in suggestion.get("categoryTreeNodeAncestors") or ()
                                if (node.get("categoryTreeNodeLevel") or 0) > 0),
                               key=lambda node: node["categoryTreeNodeLevel"])
            path = [node.get("categoryName") for node in ancestors if node.get("categoryName")]
            suggestions.append({
                "id": str(category["categoryId"]), "name": category.get("categoryName") or "",
                "path": " > ".join([*path, category.get("categoryName") or ""]),
            })
        return suggestions[:SUGGESTION_LIMIT]

    # ------------------------------------------------------------------ items
    @api.model
    def _ebay_fill_quantities(self, client, store, plans):
        """The quantity each item carries (a full replacement of the item sets it too): the base's
        published quantity (store locations, safety stock). Until the store's stock baseline is
        chosen no Odoo stock replaces eBay's: an item already on eBay keeps its quantity there (read
        with bulkGetInventoryItem); a new one starts with Odoo's."""
        entries = [entry for plan in plans for entry in plan["variants"]]
        Product = self.env["product.product"].sudo().with_context(active_test=False)
        products = Product.browse([entry["variant"]["odoo_id"] for entry in entries])
        quantities = store._published_quantities(products)
        for entry in entries:
            entry["quantity"] = quantities.get(entry["variant"]["odoo_id"], 0)
        if store.stock_baseline != "none":
            return
        known = [entry for entry in entries if entry["offer_id"]]
        for start in range(0, len(known), lm.BULK_LIMIT):
            chunk = known[start:start + lm.BULK_LIMIT]
            body = client.request_json("POST", f"{INVENTORY}/bulk_get_inventory_item", api="inventory",
                                       json={"requests": [{"sku": entry["sku"]} for entry in chunk]})
            found = {}
            for response in (body or {}).get("responses") or ():
                item = response.get("inventoryItem") or {}
                availability = (item.get("availability") or {}).get("shipToLocationAvailability") or {}
                if "quantity" in availability:
                    found[response.get("sku")] = availability["quantity"]
            for entry in chunk:
                entry["quantity"] = found.get(entry["sku"], 0)

    @api.model
    def _ebay_put_items(self, client, store, plans):
        """bulkCreateOrReplaceInventoryItem, 25 items a call; eBay's per-item refusal lands on its
        SKU, and a product with a refused item goes no further (no offer, no publication)."""
        pending = []
        for plan in plans:
            for entry in plan["variants"]:
                item = lm.inventory_item(plan["product"], entry["variant"], condition=entry["condition"],
                                         quantity=entry["quantity"], locale=self._ebay_locale(store))
                pending.append((plan, entry, item))
        for start in range(0, len(pending), lm.BULK_LIMIT):
            chunk = pending[start:start + lm.BULK_LIMIT]
            body = client.request_json(
                "POST", f"{INVENTORY}/bulk_create_or_replace_inventory_item", api="inventory",
                json={"requests": [item for _plan, _entry, item in chunk]},
            )
            by_sku = {response.get("sku"): response for response in (body or {}).get("responses") or ()}
            for plan, entry, _item in chunk:
                response = by_sku.get(entry["sku"])
                error = client.bulk_errors(response) if response else _("eBay did not answer for this SKU.")
                if error:
                    self._ebay_fail(plan, _("eBay refused inventory item %(sku)s: %(error)s",
                                            sku=entry["sku"], error=error), [entry])
                    plan["error"] = plan["error"] or entry["error"]
        for plan in plans:
            if plan["error"]:
                blocked = [entry for entry in plan["variants"] if not entry["error"]]
                self._ebay_fail(plan, _(
                    "Not listed: another variant of this product was refused (%(error)s).",
                    error=plan["error"]), blocked)

    @api.model
    def _ebay_locale(self, store):
        """The item's locale (en_US) from the store's content language (en-US)."""
        return (store.ebay_content_language or "en-US").replace("-", "_")

    @api.model
    def _ebay_put_compatibility(self, client, plans):
        """Parts compatibility of the products that have some (PUT .../product_compatibility); the
        compatibility sent before and since removed in Odoo is deleted."""
        for plan in plans:
            if plan["error"]:
                continue
            body = lm.compatibility(plan["compatibility"])
            for entry in plan["variants"]:
                path = f"{INVENTORY}/inventory_item/{quote(entry['sku'], safe='')}/product_compatibility"
                if body["compatibleProducts"]:
                    client.request_json("PUT", path, api="inventory", json=body)
                    entry["compatibility"] = str(len(body["compatibleProducts"]))
                elif entry["compatibility"]:
                    client.request_json("DELETE", path, api="inventory")
                    entry["compatibility"] = None

    @api.model
    def _ebay_put_groups(self, client, plans):
        """The inventory item group of each product with variants (PUT, a full replacement)."""
        for plan in plans:
            if plan["error"] or not plan["group_key"]:
                continue
            client.request_json(
                "PUT", f"{INVENTORY}/inventory_item_group/{quote(plan['group_key'], safe='')}",
                api="inventory", json=lm.inventory_item_group(plan["product"], plan["group_key"]),
            )

    # ------------------------------------------------------------------ offers
    @api.model
    def _ebay_offer_body(self, store, plan, entry, new):
        return lm.offer(
            entry["variant"], currency=plan["product"].get("currency"), category_id=plan["category_id"],
            policies={"fulfillment": store.ebay_fulfillment_policy_id,
                      "payment": store.ebay_payment_policy_id, "return": store.ebay_return_policy_id},
            location_key=store.ebay_merchant_location_key,
            marketplace_id=store.ebay_marketplace_id if new else None,
            listing_duration=(plan["product"].get("listing") or {}).get("listing_duration"),
        )

    @api.model
    def _ebay_find_offer(self, client, store, sku):
        """The offer eBay already has for `sku` on the store's marketplace (an earlier export that
        did not get to record its id), or None."""
        try:
            body = client.request_json("GET", f"{INVENTORY}/offer", api="inventory", params={
                "sku": sku, "marketplace_id": store.ebay_marketplace_id, "format": lm.LISTING_FORMAT,
            })
        except PermanentJobError as exc:
            if any(code in str(exc) for code in NO_OFFER_ERRORS):
                return None
            raise
        for found in (body or {}).get("offers") or ():
            if found.get("marketplaceId", store.ebay_marketplace_id) == store.ebay_marketplace_id:
                return found
        return None

    @api.model
    def _ebay_put_offers(self, client, store, plans):
        """Replace the known offers (PUT /offer/{id}: every field is sent) and create the others
        (bulkCreateOffer, 25 a call, after looking for one an interrupted export left)."""
        creates = []
        for plan in plans:
            if plan["error"]:
                continue
            for entry in plan["variants"]:
                if not entry["offer_id"]:
                    found = self._ebay_find_offer(client, store, entry["sku"])
                    if found:
                        entry["offer_id"] = str(found.get("offerId"))
                        entry["listing_id"] = ((found.get("listing") or {}).get("listingId")
                                               if found.get("status") == "PUBLISHED" else None)
                if entry["offer_id"]:
                    client.request_json(
                        "PUT", f"{INVENTORY}/offer/{quote(entry['offer_id'], safe='')}", api="inventory",
                        json=self._ebay_offer_body(store, plan, entry, new=False),
                    )
                else:
                    creates.append((plan, entry))
        for start in range(0, len(creates), lm.BULK_LIMIT):
            chunk = creates[start:start + lm.BULK_LIMIT]
            body = client.request_json(
                "POST", f"{INVENTORY}/bulk_create_offer", api="inventory",
                json={"requests": [self._ebay_offer_body(store, plan, entry, new=True)
                                   for plan, entry in chunk]},
            )
            by_sku = {response.get("sku"): response for response in (body or {}).get("responses") or ()}
            for plan, entry in chunk:
                response = by_sku.get(entry["sku"])
                error = client.bulk_errors(response) if response else _("eBay did not answer for this SKU.")
                if error or not response.get("offerId"):
                    self._ebay_fail(plan, _("eBay refused the offer of %(sku)s: %(error)s",
                                            sku=entry["sku"], error=error or "-"), [entry])
                    plan["error"] = plan["error"] or entry["error"]
                else:
                    entry["offer_id"] = str(response["offerId"])

    @api.model
    def _ebay_publish(self, client, store, plans):
        """Publish what is not live yet: a product without variants by its offer (bulkPublishOffer,
        25 a call), a product with variants by its group (publishByInventoryItemGroup: one listing
        for all the variants; asked again when a variant joins the group). A live listing needs no
        publication: replacing its items and offers revises it."""
        singles = []
        for plan in plans:
            if plan["error"]:
                continue
            if plan["group_key"]:
                if all(entry["listing_id"] for entry in plan["variants"]):
                    continue
                body = client.request_json(
                    "POST", f"{INVENTORY}/offer/publish_by_inventory_item_group", api="inventory",
                    json={"inventoryItemGroupKey": plan["group_key"],
                          "marketplaceId": store.ebay_marketplace_id},
                )
                listing_id = str((body or {}).get("listingId") or "")
                for entry in plan["variants"]:
                    entry["listing_id"] = listing_id or entry["listing_id"]
            else:
                singles += [(plan, entry) for entry in plan["variants"] if not entry["listing_id"]]
        for start in range(0, len(singles), lm.BULK_LIMIT):
            chunk = singles[start:start + lm.BULK_LIMIT]
            body = client.request_json(
                "POST", f"{INVENTORY}/bulk_publish_offer", api="inventory",
                json={"requests": [{"offerId": entry["offer_id"]} for _plan, entry in chunk]},
            )
            by_offer = {str(response.get("offerId")): response
                        for response in (body or {}).get("responses") or ()}
            for _plan, entry in chunk:
                response = by_offer.get(entry["offer_id"])
                error = client.bulk_errors(response) if response else _("eBay did not answer for this offer.")
                if error or not response.get("listingId"):
                    # The item and the offer exist: their ids are kept, the next export publishes.
                    entry["error"] = _("eBay did not publish the offer of %(sku)s: %(error)s",
                                       sku=entry["sku"], error=error or "-")
                else:
                    entry["listing_id"] = str(response["listingId"])

    # ------------------------------------------------------------------ ending listings
    @api.model
    def _ebay_withdraw_product(self, client, store, product):
        """End the listing of an unpublished or archived product: withdraw its offers (a group by
        its key, withdrawByInventoryItemGroup). Withdrawing, not deleting the items: the items and
        offers stay on eBay with their ids, so that publishing again relists the same SKUs without
        creating anything, and eBay's order history keeps its SKUs. The listing id is forgotten."""
        variants = product.get("variants") or []
        live = [v for v in variants if (v.get("external_ids") or {}).get(lm.KEY_LISTING)]
        results = []
        error = None
        if live and lm.is_group(product):
            key = lm.group_key(product)
            try:
                client.request_json(
                    "POST", f"{INVENTORY}/offer/withdraw_by_inventory_item_group", api="inventory",
                    json={"inventoryItemGroupKey": key, "marketplaceId": store.ebay_marketplace_id},
                )
            except PermanentJobError as exc:
                error = str(exc)
        errors = {}
        if not lm.is_group(product):
            for variant in live:
                offer_id = variant["external_ids"].get(lm.KEY_OFFER)
                if not offer_id:
                    continue
                try:
                    client.request_json("POST", f"{INVENTORY}/offer/{quote(str(offer_id), safe='')}/withdraw",
                                        api="inventory")
                except PermanentJobError as exc:
                    errors[variant.get("sku")] = str(exc)
        for variant in variants:
            failure = error or errors.get(variant.get("sku"))
            results.append({
                "sku": variant.get("sku"),
                "external_ids": {} if failure else {lm.KEY_LISTING: None},
                "error": _("eBay did not end the listing: %(error)s", error=failure) if failure else None,
            })
        return results

    # ------------------------------------------------------------------ results
    @api.model
    def _ebay_plan_results(self, plan):
        """One export result per variant of a plan: its ids, or its error."""
        results = []
        for entry in plan["variants"]:
            ids = {}
            if entry["offer_id"] or entry["listing_id"]:
                ids = {lm.KEY_API: lm.API_INVENTORY, lm.KEY_OFFER: entry["offer_id"],
                       lm.KEY_LISTING: entry["listing_id"], lm.KEY_GROUP: plan["group_key"],
                       lm.KEY_COMPATIBILITY: entry["compatibility"]}
            results.append({"sku": entry["sku"], "external_ids": ids, "error": entry["error"]})
        return results
