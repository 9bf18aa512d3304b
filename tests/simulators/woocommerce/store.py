"""The shop's state and its REST representations (wc/v3), with WooCommerce's rules for prices,
stock, order totals and statuses. Every method expects `Store.lock` to be held by the caller.

Representations follow the REST API docs' examples and the v3 controllers
(woocommerce/woocommerce plugins/woocommerce/includes/rest-api/Controllers/Version3): money as
2-decimal strings, line-item `price` a number, dates in the site's timezone with `_gmt` twins,
names as stored (HTML entities kept), `variations` an id list on the parent.
"""

import copy
import itertools
import secrets
import threading
from datetime import timedelta
from decimal import Decimal

from .util import (
    RestError,
    decimal_or_none,
    gmt_time,
    money,
    money_str,
    number,
    site_time,
    slugify,
)

ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "trash",
    "checkout-draft",
)
#: wc_maybe_reduce_stock_levels runs on these (payment complete, processing, completed, on-hold) ...
#: The payment gateways of the simulated shop: id -> (title, supports refunds through its API). Core
#: WooCommerce's BACS, cheque and COD support no refunds (`supports` = products only); WooCommerce Stripe
#: and PayPal Payments do. [src] includes/gateways/*/class-wc-gateway-*.php; woocommerce-gateway-stripe.
PAYMENT_GATEWAYS = {
    "stripe": ("Credit Card (Stripe)", True),
    "ppcp-gateway": ("PayPal", True),
    "bacs": ("Direct bank transfer", False),
    "cheque": ("Check payments", False),
    "cod": ("Cash on delivery", False),
}
#: Gateways whose "payment complete" status is completed, not processing (WC_Gateway_COD::
#: change_payment_complete_order_status): their orders get `date_paid` only once completed.
PAID_WHEN_COMPLETED_GATEWAYS = ("cod",)
STOCK_REDUCING_STATUSES = ("processing", "completed", "on-hold")
#: ... and wc_maybe_increase_stock_levels on these.
STOCK_RESTORING_STATUSES = ("cancelled", "pending")
PRODUCT_STATUSES = ("draft", "pending", "private", "publish", "future", "trash")
PRODUCT_TYPES = ("simple", "grouped", "external", "variable")
STOCK_STATUSES = ("instock", "outofstock", "onbackorder")

ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address_1",
    "address_2",
    "city",
    "state",
    "postcode",
    "country",
)


def _address(data, with_contact):
    data = data or {}
    out = {name: str(data.get(name) or "") for name in ADDRESS_FIELDS}
    if with_contact:
        out["email"] = str(data.get("email") or "")
        out["phone"] = str(data.get("phone") or "")
    return out


class Store:
    """Products (and their variations), orders, refunds, notes, customers, webhooks, settings."""

    def __init__(
        self,
        clock,
        base_url_getter,
        currency="USD",
        prices_include_tax=False,
        site_utc_offset=timedelta(hours=-3),
        manage_stock=True,
        emit=None,
    ):
        self.lock = threading.RLock()
        self.clock = clock
        self.base_url = base_url_getter
        self.currency = currency
        self.prices_include_tax = prices_include_tax
        self.site_utc_offset = site_utc_offset
        self.manage_stock = manage_stock
        self.calc_taxes = True
        self.emit = emit or (lambda topic, resource_id: None)
        self.posts = itertools.count(10)  # products, variations, orders and refunds share post ids
        self.users = itertools.count(2)  # 1 is the administrator owning the API keys
        self.meta_ids = itertools.count(1000)
        self.item_ids = itertools.count(1)
        self.comment_ids = itertools.count(100)
        self.term_ids = itertools.count(15)
        self.webhook_ids = itertools.count(1)
        self.products = {}  # id -> dict, variations included (type "variation")
        self.orders = {}
        self.refunds = {}
        self.notes = {}  # order id -> [note dicts]
        self.customers = {}
        self.webhooks = {}
        self.categories = {}  # name -> {"id", "name", "slug"}
        self.trackings = {}  # order id -> [tracking dicts]

    # ------------------------------------------------------------------ helpers

    def now(self):
        return self.clock.now()

    def _dates(self, record, prefix, value):
        record[prefix] = value

    def date_pair(self, out, name, dt):
        out[name] = site_time(dt, self.site_utc_offset)
        out[name + "_gmt"] = gmt_time(dt)

    def links(self, path, collection, up=None):
        base = self.base_url() + "/wp-json/wc/v3"
        links = {"self": [{"href": f"{base}{path}"}], "collection": [{"href": f"{base}{collection}"}]}
        if up:
            links["up"] = [{"href": f"{base}{up}"}]
        return links

    def meta(self, entries):
        out = []
        for entry in entries or []:
            out.append(
                {
                    "id": entry.get("id") or next(self.meta_ids),
                    "key": entry["key"],
                    "value": entry.get("value"),
                }
            )
        return out

    def merge_meta(self, current, entries):
        """update_meta_data: by id when given, else by key (first match), else appended."""
        current = [dict(m) for m in current]
        for entry in entries or []:
            if not isinstance(entry, dict) or "key" not in entry:
                continue
            target = None
            if entry.get("id"):
                target = next((m for m in current if m["id"] == entry["id"]), None)
            if target is None:
                target = next((m for m in current if m["key"] == entry["key"]), None)
            if target is None:
                current.append({"id": next(self.meta_ids), "key": entry["key"], "value": entry.get("value")})
            else:
                target["key"], target["value"] = entry["key"], entry.get("value")
        return current

    def category(self, value):
        if isinstance(value, dict) and value.get("id"):
            for cat in self.categories.values():
                if cat["id"] == int(value["id"]):
                    return dict(cat)
            raise RestError(400, "woocommerce_rest_invalid_product_cat", "Invalid product category ID.")
        name = value.get("name") if isinstance(value, dict) else str(value)
        if name not in self.categories:
            self.categories[name] = {"id": next(self.term_ids), "name": name, "slug": slugify(name)}
        return dict(self.categories[name])

    # ------------------------------------------------------------------ products

    def sku_taken(self, sku, exclude=None):
        if not sku:
            return False
        return any(
            p["sku"] == sku and p["id"] != exclude and p["status"] != "trash" for p in self.products.values()
        )

    def new_product(self, values, parent=None):
        """Create a product (or, with `parent`, a variation) from REST-shaped `values`."""
        now = self.now()
        pid = next(self.posts)
        product = {
            "id": pid,
            "type": "variation" if parent else values.get("type", "simple"),
            "parent_id": parent["id"] if parent else 0,
            "name": values.get("name", "Product") if not parent else "",
            "slug": "",
            "status": values.get("status", "publish"),
            "featured": bool(values.get("featured", False)),
            "catalog_visibility": values.get("catalog_visibility", "visible"),
            "description": values.get("description", ""),
            "short_description": values.get("short_description", ""),
            "sku": "",
            "regular_price": "",
            "sale_price": "",
            "tax_status": values.get("tax_status", "taxable"),
            "tax_class": values.get("tax_class", ""),
            "manage_stock": False,
            "stock_quantity": None,
            "stock_status": "instock",
            "backorders": "no",
            "low_stock_amount": None,
            "weight": "",
            "dimensions": {"length": "", "width": "", "height": ""},
            "categories": [],
            "tags": [],
            "images": [],
            "image": None,
            "attributes": [],
            "default_attributes": [],
            "variations": [],
            "meta_data": [],
            "menu_order": 0,
            "virtual": False,
            "downloadable": False,
            "total_sales": 0,
            "date_created": now,
            "date_modified": now,
        }
        if product["type"] not in (*PRODUCT_TYPES, "variation"):
            raise RestError(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): type",
                params={"type": "type is not one of simple, grouped, external and variable."},
            )
        self.apply_product(product, values, creating=True)
        self.products[pid] = product
        if parent:
            parent["variations"].append(pid)
            parent["date_modified"] = now
        return product

    def apply_product(self, product, values, creating=False):
        """prepare_object_for_database: only the given fields change; stock only when managed."""
        is_variation = product["type"] == "variation"
        if "sku" in values:
            sku = str(values.get("sku") or "").strip()
            if self.sku_taken(sku, exclude=product["id"]):
                raise RestError(
                    400,
                    "product_invalid_sku",
                    "Invalid or duplicated SKU.",
                    resource_id=product["id"],
                    unique_sku=sku,
                )
            product["sku"] = sku
        for field in (
            "name",
            "description",
            "short_description",
            "tax_status",
            "tax_class",
            "weight",
            "catalog_visibility",
        ):
            if field in values and not (is_variation and field == "name"):
                product[field] = str(values[field] if values[field] is not None else "")
        if "status" in values:
            status = values["status"]
            product["status"] = status if status in PRODUCT_STATUSES else "draft"
        if "type" in values and not is_variation and not creating:
            product["type"] = values["type"]
        for field in ("regular_price", "sale_price"):
            if field in values:
                value = values[field]
                product[field] = "" if value in (None, "") else str(value)
        if "dimensions" in values and isinstance(values["dimensions"], dict):
            product["dimensions"] = {
                k: str(values["dimensions"].get(k, product["dimensions"][k]) or "")
                for k in ("length", "width", "height")
            }
        if "categories" in values and not is_variation:
            product["categories"] = [self.category(c) for c in values["categories"] or []]
        if "images" in values and not is_variation:
            product["images"] = [self.image(img) for img in values["images"] or []]
        if "image" in values and is_variation:
            product["image"] = self.image(values["image"]) if values["image"] else None
        if "attributes" in values:
            if is_variation:
                product["attributes"] = [
                    {
                        "id": int(a.get("id") or 0),
                        "name": a.get("name", ""),
                        "option": str(a.get("option", "")),
                    }
                    for a in values["attributes"] or []
                ]
            else:
                product["attributes"] = [
                    {
                        "id": int(a.get("id") or 0),
                        "name": a.get("name", ""),
                        "slug": slugify(a.get("name", "")),
                        "position": int(a.get("position", i)),
                        "visible": bool(a.get("visible", True)),
                        "variation": bool(a.get("variation", False)),
                        "options": [str(o) for o in a.get("options", [])],
                    }
                    for i, a in enumerate(values["attributes"] or [])
                ]
        if "meta_data" in values and isinstance(values["meta_data"], list):
            product["meta_data"] = self.merge_meta(product["meta_data"], values["meta_data"])
        if "manage_stock" in values:
            product["manage_stock"] = values["manage_stock"] in (True, "true", "yes", 1, "1")
        if "stock_status" in values and values["stock_status"] in STOCK_STATUSES:
            product["stock_status"] = values["stock_status"]
        if "backorders" in values and values["backorders"] in ("no", "notify", "yes"):
            product["backorders"] = values["backorders"]
        if product["manage_stock"]:
            if values.get("stock_quantity") is not None:
                product["stock_quantity"] = int(Decimal(str(values["stock_quantity"])))
            elif values.get("inventory_delta") is not None:
                product["stock_quantity"] = (product["stock_quantity"] or 0) + int(values["inventory_delta"])
            if "low_stock_amount" in values:
                amount = values["low_stock_amount"]
                product["low_stock_amount"] = None if amount is None else int(amount)
            product["stock_status"] = self._stock_status_from_quantity(product)
        elif not is_variation or "manage_stock" in values or creating:
            product["stock_quantity"] = None
            product["low_stock_amount"] = None
        if not creating:
            product["date_modified"] = self.now()

    def image(self, value):
        value = value or {}
        return {
            "id": int(value.get("id") or next(self.posts)),
            "src": value.get("src", ""),
            "name": value.get("name", ""),
            "alt": value.get("alt", ""),
            "date": self.now(),
        }

    @staticmethod
    def _stock_status_from_quantity(product):
        quantity = product["stock_quantity"] or 0
        if quantity > 0:
            return "instock"
        return "onbackorder" if product["backorders"] != "no" else "outofstock"

    def stock_owner(self, product):
        """The product whose stock a sale of `product` changes: a variation not managing its own
        stock uses its parent's when the parent manages stock (manage_stock "parent")."""
        if not self.manage_stock:
            return None
        if product["manage_stock"]:
            return product
        if product["type"] == "variation":
            parent = self.products.get(product["parent_id"])
            if parent and parent["manage_stock"]:
                return parent
        return None

    def price(self, product):
        if product["type"] == "variable":
            prices = [
                decimal_or_none(self.price(v)) for v in self.children(product) if v["status"] == "publish"
            ]
            prices = [p for p in prices if p is not None]
            return f"{min(prices):f}" if prices else ""
        return product["sale_price"] or product["regular_price"]

    def children(self, product):
        return [self.products[vid] for vid in product["variations"] if vid in self.products]

    def product_by_sku(self, sku):
        for product in self.products.values():
            if sku and product["sku"] == sku and product["status"] != "trash":
                return product
        return None

    def render_image(self, img, position=None):
        out = {"id": img["id"]}
        self.date_pair(out, "date_created", img["date"])
        self.date_pair(out, "date_modified", img["date"])
        out.update({"src": img["src"], "name": img["name"], "alt": img["alt"]})
        if position is not None:
            out["position"] = position
        return out

    def _stock_view(self, product):
        """(manage_stock, stock_quantity, stock_status) as the REST API shows them."""
        if product["type"] == "variation" and not product["manage_stock"]:
            parent = self.products.get(product["parent_id"])
            if self.manage_stock and parent and parent["manage_stock"]:
                return "parent", parent["stock_quantity"], parent["stock_status"]
        if product["type"] == "variable" and not product["manage_stock"]:
            statuses = {
                v["stock_status"] if v["manage_stock"] or not self.manage_stock else self._stock_view(v)[2]
                for v in self.children(product)
            }
            status = (
                "instock"
                if "instock" in statuses
                else (
                    "onbackorder" if "onbackorder" in statuses else ("outofstock" if statuses else "instock")
                )
            )
            return False, None, status
        managing = bool(product["manage_stock"]) and self.manage_stock
        return managing, product["stock_quantity"], product["stock_status"]

    def render_product(self, product):
        """GET /products/<id> (a variation id gives the variation through the products controller)."""
        is_variation = product["type"] == "variation"
        parent = self.products.get(product["parent_id"]) if is_variation else None
        manage, quantity, stock_status = self._stock_view(product)
        price = self.price(product)
        name = product["name"]
        if is_variation and parent:
            options = ", ".join(a["option"] for a in product["attributes"] if a["option"])
            name = f"{parent['name']} - {options}" if options else parent["name"]
        slug = product["slug"] or slugify(name)
        out = {
            "id": product["id"],
            "name": name,
            "slug": slug,
            "permalink": f"{self.base_url()}/product/{slug}/",
        }
        self.date_pair(out, "date_created", product["date_created"])
        self.date_pair(out, "date_modified", product["date_modified"])
        on_sale = bool(product["sale_price"]) and product["sale_price"] != product["regular_price"]
        out.update(
            {
                "type": product["type"],
                "status": product["status"],
                "featured": product["featured"],
                "catalog_visibility": product["catalog_visibility"],
                "description": product["description"],
                "short_description": product["short_description"],
                "sku": product["sku"],
                "price": price,
                "regular_price": product["regular_price"],
                "sale_price": product["sale_price"],
                "date_on_sale_from": None,
                "date_on_sale_from_gmt": None,
                "date_on_sale_to": None,
                "date_on_sale_to_gmt": None,
                "price_html": f'<span class="woocommerce-Price-amount amount">{price}</span>'
                if price
                else "",
                "on_sale": on_sale,
                "purchasable": price != "" and product["status"] == "publish",
                "total_sales": product["total_sales"],
                "virtual": product["virtual"],
                "downloadable": product["downloadable"],
                "downloads": [],
                "download_limit": -1,
                "download_expiry": -1,
                "external_url": "",
                "button_text": "",
                "tax_status": product["tax_status"],
                "tax_class": product["tax_class"],
                "manage_stock": manage,
                "stock_quantity": quantity,
                "stock_status": stock_status,
                "backorders": product["backorders"],
                "backorders_allowed": product["backorders"] != "no",
                "backordered": False,
                "low_stock_amount": product["low_stock_amount"],
                "sold_individually": False,
                "weight": product["weight"],
                "dimensions": dict(product["dimensions"]),
                "shipping_required": not product["virtual"],
                "shipping_taxable": product["tax_status"] == "taxable",
                "shipping_class": "",
                "shipping_class_id": 0,
                "reviews_allowed": True,
                "average_rating": "0.00",
                "rating_count": 0,
                "upsell_ids": [],
                "cross_sell_ids": [],
                "parent_id": product["parent_id"],
                "purchase_note": "",
                "categories": [dict(c) for c in (parent or product)["categories"]],
                "tags": [],
                "images": [
                    self.render_image(img, i)
                    for i, img in enumerate(
                        ([product["image"]] if product["image"] else [])
                        if is_variation
                        else product["images"]
                    )
                ],
                "attributes": copy.deepcopy(product["attributes"])
                if not is_variation
                else [
                    {"id": a["id"], "name": a["name"], "option": a["option"]} for a in product["attributes"]
                ],
                "default_attributes": [],
                "variations": list(product["variations"]),
                "grouped_products": [],
                "menu_order": product["menu_order"],
                "price_html_raw": None,
                "related_ids": [],
                "meta_data": copy.deepcopy(product["meta_data"]),
            }
        )
        del out["price_html_raw"]
        out["stock_status"] = stock_status
        out["_links"] = self.links(f"/products/{product['id']}", "/products")
        return out

    def render_variation(self, variation):
        """GET /products/<id>/variations/<vid> (the variations controller's shape)."""
        parent = self.products.get(variation["parent_id"])
        manage, quantity, stock_status = self._stock_view(variation)
        price = self.price(variation)
        options = ", ".join(a["option"] for a in variation["attributes"] if a["option"])
        out = {"id": variation["id"], "type": "variation"}
        self.date_pair(out, "date_created", variation["date_created"])
        self.date_pair(out, "date_modified", variation["date_modified"])
        slug = slugify(parent["name"]) if parent else "product"
        out.update(
            {
                "description": variation["description"],
                "permalink": f"{self.base_url()}/product/{slug}/?variation_id={variation['id']}",
                "sku": variation["sku"],
                "price": price,
                "regular_price": variation["regular_price"],
                "sale_price": variation["sale_price"],
                "date_on_sale_from": None,
                "date_on_sale_from_gmt": None,
                "date_on_sale_to": None,
                "date_on_sale_to_gmt": None,
                "on_sale": bool(variation["sale_price"])
                and variation["sale_price"] != variation["regular_price"],
                "status": variation["status"],
                "purchasable": price != "" and variation["status"] == "publish",
                "virtual": variation["virtual"],
                "downloadable": variation["downloadable"],
                "downloads": [],
                "download_limit": -1,
                "download_expiry": -1,
                "tax_status": variation["tax_status"],
                "tax_class": variation["tax_class"],
                "manage_stock": manage,
                "stock_quantity": quantity,
                "stock_status": stock_status,
                "backorders": variation["backorders"],
                "backorders_allowed": variation["backorders"] != "no",
                "backordered": False,
                "low_stock_amount": variation["low_stock_amount"],
                "weight": variation["weight"],
                "dimensions": dict(variation["dimensions"]),
                "shipping_class": "",
                "shipping_class_id": 0,
                "image": self.render_image(variation["image"]) if variation["image"] else None,
                "attributes": [
                    {"id": a["id"], "name": a["name"], "option": a["option"]} for a in variation["attributes"]
                ],
                "menu_order": variation["menu_order"],
                "meta_data": copy.deepcopy(variation["meta_data"]),
                "name": f"{parent['name']} - {options}"
                if parent and options
                else (parent or {}).get("name", ""),
                "parent_id": variation["parent_id"],
            }
        )
        out["_links"] = self.links(
            f"/products/{variation['parent_id']}/variations/{variation['id']}",
            f"/products/{variation['parent_id']}/variations",
            up=f"/products/{variation['parent_id']}",
        )
        return out

    # ------------------------------------------------------------------ customers

    def new_customer(self, values):
        email = str(values.get("email") or "").strip().lower()
        if not email or "@" not in email:
            raise RestError(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): email",
                params={"email": "Invalid email address."},
            )
        if any(c["email"] == email for c in self.customers.values()):
            raise RestError(
                400,
                "registration-error-email-exists",
                "An account is already registered with your email address. "
                '<a href="#" class="showlogin">Please log in.</a>',
            )
        now = self.now()
        customer = {
            "id": next(self.users),
            "email": email,
            "first_name": "",
            "last_name": "",
            "role": "customer",
            "username": values.get("username") or email.split("@")[0],
            "billing": _address({}, True),
            "shipping": _address({}, False),
            "meta_data": [],
            "is_paying_customer": False,
            "date_created": now,
            "date_modified": now,
        }
        self.apply_customer(customer, values)
        customer["date_modified"] = now
        self.customers[customer["id"]] = customer
        return customer

    def apply_customer(self, customer, values):
        if "email" in values and values["email"]:
            email = str(values["email"]).strip().lower()
            if any(c["email"] == email and c["id"] != customer["id"] for c in self.customers.values()):
                raise RestError(400, "woocommerce_rest_customer_invalid_email", "Email address is invalid.")
            customer["email"] = email
        for field in ("first_name", "last_name"):
            if field in values:
                customer[field] = str(values[field] or "")
        if isinstance(values.get("billing"), dict):
            customer["billing"] = _address({**customer["billing"], **values["billing"]}, True)
        if isinstance(values.get("shipping"), dict):
            customer["shipping"] = _address({**customer["shipping"], **values["shipping"]}, False)
        if isinstance(values.get("meta_data"), list):
            customer["meta_data"] = self.merge_meta(customer["meta_data"], values["meta_data"])
        customer["date_modified"] = self.now()

    def render_customer(self, customer):
        out = {"id": customer["id"]}
        self.date_pair(out, "date_created", customer["date_created"])
        self.date_pair(out, "date_modified", customer["date_modified"])
        out.update(
            {
                "email": customer["email"],
                "first_name": customer["first_name"],
                "last_name": customer["last_name"],
                "role": customer["role"],
                "username": customer["username"],
                "billing": dict(customer["billing"]),
                "shipping": dict(customer["shipping"]),
                "is_paying_customer": customer["is_paying_customer"],
                "avatar_url": "https://secure.gravatar.com/avatar/00000000000000000000000000000000?s=96&d=mm&r=g",
                "meta_data": copy.deepcopy(customer["meta_data"]),
            }
        )
        out["_links"] = self.links(f"/customers/{customer['id']}", "/customers")
        return out

    # ------------------------------------------------------------------ orders

    def new_order(self, values, created_via="rest-api"):
        """An order from REST-shaped values (line_items with product_id/variation_id/sku, quantity,
        optional subtotal/total), with WooCommerce's totals; extra simulator keys: `tax_rate`
        (e.g. "0.2"), `coupons` ([{"code", "percent"|"amount"}]), `date_created` (datetime)."""
        now = values.get("date_created") or self.now()
        oid = next(self.posts)
        order = {
            "id": oid,
            "parent_id": int(values.get("parent_id") or 0),
            "number": str(oid),
            "order_key": "wc_order_" + secrets.token_hex(6)[:13],
            "created_via": created_via,
            "version": "9.4.1",
            "status": "pending",
            "currency": values.get("currency") or self.currency,
            "date_created": now,
            "date_modified": now,
            "date_paid": None,
            "date_completed": None,
            "prices_include_tax": bool(values.get("prices_include_tax", self.prices_include_tax)),
            "customer_id": int(values.get("customer_id") or 0),
            "customer_ip_address": "",
            "customer_user_agent": "",
            "customer_note": str(values.get("customer_note") or ""),
            "billing": _address(values.get("billing"), True),
            "shipping": _address(values.get("shipping"), False),
            "payment_method": str(values.get("payment_method") or ""),
            "payment_method_title": str(values.get("payment_method_title") or ""),
            "transaction_id": str(values.get("transaction_id") or ""),
            "cart_hash": "",
            "meta_data": self.meta(values.get("meta_data")),
            "line_items": [],
            "shipping_lines": [],
            "fee_lines": [],
            "coupon_lines": [],
            "tax_lines": [],
            "refund_ids": [],
            "stock_reduced": False,
            "tax_rate": decimal_or_none(values.get("tax_rate")) or Decimal(0),
            "tax_label": values.get("tax_label") or "Tax",
            "payment_url": "",
        }
        if order["customer_id"] and order["customer_id"] not in self.customers:
            raise RestError(400, "woocommerce_rest_invalid_customer_id", "Customer ID is invalid.")
        self._set_items(order, values)
        self.orders[oid] = order
        status = values.get("status") or ("processing" if values.get("set_paid") else "pending")
        if values.get("set_paid"):
            order["date_paid"] = now
        self.set_order_status(order, status, touch=False)
        return order

    def _set_items(self, order, values):
        for raw in values.get("line_items") or []:
            order["line_items"].append(self._line_item(order, raw))
        for raw in values.get("shipping_lines") or []:
            order["shipping_lines"].append(
                {
                    "id": next(self.item_ids),
                    "method_title": str(raw.get("method_title", "")),
                    "method_id": str(raw.get("method_id", "")),
                    "instance_id": str(raw.get("instance_id", "")),
                    "total": money(raw.get("total", 0)),
                    "taxable": raw.get("taxable", True),
                    "meta_data": self.meta(raw.get("meta_data")),
                }
            )
        for raw in values.get("fee_lines") or []:
            order["fee_lines"].append(
                {
                    "id": next(self.item_ids),
                    "name": str(raw.get("name", "")),
                    "tax_class": raw.get("tax_class", ""),
                    "tax_status": raw.get("tax_status", "taxable"),
                    "amount": str(raw.get("total", "0")),
                    "total": money(raw.get("total", 0)),
                    "meta_data": self.meta(raw.get("meta_data")),
                }
            )
        coupons = list(values.get("coupons") or [])
        for raw in values.get("coupon_lines") or []:
            coupons.append(
                {"code": raw.get("code", ""), "amount": raw.get("amount", "0"), "percent": raw.get("percent")}
            )
        order["coupons"] = [
            {
                "code": str(c.get("code", "")).lower(),
                "percent": decimal_or_none(c.get("percent")),
                "amount": decimal_or_none(c.get("amount")),
            }
            for c in coupons
        ]
        self.calculate_totals(order)

    def _line_item(self, order, raw):
        product = None
        if raw.get("variation_id"):
            product = self.products.get(int(raw["variation_id"]))
        elif raw.get("product_id"):
            product = self.products.get(int(raw["product_id"]))
        elif raw.get("sku"):
            product = self.product_by_sku(raw["sku"])
            if product is None:
                raise RestError(
                    400,
                    "woocommerce_rest_invalid_product_id",
                    f"Product with SKU {raw['sku']!r} does not exist.",
                )
        if (raw.get("product_id") or raw.get("variation_id")) and product is None:
            raise RestError(400, "woocommerce_rest_invalid_product_id", "Product ID provided is invalid.")
        quantity = int(raw.get("quantity") or 1)
        if quantity <= 0:
            raise RestError(
                400, "woocommerce_rest_invalid_product_quantity", "Product quantity must be a positive float."
            )
        if product is not None and product["type"] == "variable":
            raise RestError(
                400,
                "woocommerce_rest_invalid_product_id",
                "A variable product cannot be added: give the variation_id.",
            )
        unit = decimal_or_none(raw.get("price"))
        if unit is None and product is not None:
            unit = decimal_or_none(self.price(product)) or Decimal(0)
        if unit is None:
            unit = Decimal(0)
        name = raw.get("name")
        if name is None and product is not None:
            name = self.render_product(product)["name"]
        parent_id = (
            product["parent_id"]
            if product and product["type"] == "variation"
            else (product["id"] if product else 0)
        )
        item = {
            "id": next(self.item_ids),
            "name": name or "",
            "product_id": parent_id,
            "variation_id": product["id"] if product and product["type"] == "variation" else 0,
            "quantity": quantity,
            "tax_class": (product or {}).get("tax_class", ""),
            "unit_price": unit,
            "sku": (product or {}).get("sku", "") or "",
            "taxable": (product or {}).get("tax_status", "taxable") == "taxable",
            "subtotal_given": decimal_or_none(raw.get("subtotal")),
            "total_given": decimal_or_none(raw.get("total")),
            "meta_data": self.meta(
                raw.get("meta_data")
                or (
                    [{"key": slugify(a["name"]), "value": a["option"]} for a in product["attributes"]]
                    if product and product["type"] == "variation"
                    else []
                )
            ),
            "image": {"id": "", "src": ""},
            "parent_name": None,
        }
        if product and product["type"] == "variation":
            item["parent_name"] = self.products[product["parent_id"]]["name"]
        return item

    def calculate_totals(self, order):
        """WC_Abstract_Order::calculate_totals with one tax rate (`tax_rate`, 0 = no tax): per-line
        rounding to cents; prices entered with tax (`prices_include_tax`) are split into net + tax;
        coupons spread over the lines in proportion; taxable fees and shipping taxed at the rate."""
        rate = order["tax_rate"] if self.calc_taxes else Decimal(0)
        inclusive = order["prices_include_tax"]
        lines = order["line_items"]
        for item in lines:
            line_rate = rate if item["taxable"] else Decimal(0)
            gross = item["unit_price"] * item["quantity"]
            if item["subtotal_given"] is not None:
                subtotal = money(item["subtotal_given"])
            elif inclusive and line_rate:
                subtotal = money(gross / (1 + line_rate))
            else:
                subtotal = money(gross)
            item["subtotal"] = subtotal
            item["subtotal_tax"] = (
                (money(gross) - subtotal)
                if inclusive and line_rate and item["subtotal_given"] is None
                else money(subtotal * line_rate)
            )
            item["line_rate"] = line_rate
        base = sum((item["subtotal"] for item in lines), Decimal(0))
        coupon_lines = []
        discounts = {item["id"]: Decimal(0) for item in lines}
        for coupon in order.get("coupons", []):
            if coupon["percent"] is not None:
                total_discount = money(base * coupon["percent"] / 100)
            else:
                total_discount = min(money(coupon["amount"] or 0), base)
            spread, discount_tax = Decimal(0), Decimal(0)
            for index, item in enumerate(lines):
                share = (
                    total_discount - spread
                    if index == len(lines) - 1
                    else (money(total_discount * item["subtotal"] / base) if base else Decimal(0))
                )
                spread += share
                discounts[item["id"]] += share
                discount_tax += money(share * item["line_rate"])
            coupon_lines.append(
                {"code": coupon["code"], "discount": total_discount, "discount_tax": discount_tax}
            )
        order["coupon_lines"] = [
            {"id": existing.get("id") if existing else next(self.item_ids), **line}
            for existing, line in itertools.zip_longest(order.get("coupon_lines_ids", []), coupon_lines)
            if line
        ]
        for item in lines:
            total = (
                money(item["total_given"])
                if item["total_given"] is not None
                else item["subtotal"] - discounts[item["id"]]
            )
            item["total"] = total
            item["total_tax"] = money(total * item["line_rate"])
        for fee in order["fee_lines"]:
            fee["total_tax"] = money(fee["total"] * rate) if fee["tax_status"] == "taxable" else Decimal(0)
        for ship in order["shipping_lines"]:
            ship["total_tax"] = money(ship["total"] * rate) if ship["taxable"] else Decimal(0)
        cart_tax = sum((i["total_tax"] for i in lines), Decimal(0)) + sum(
            (f["total_tax"] for f in order["fee_lines"]), Decimal(0)
        )
        shipping_tax = sum((s["total_tax"] for s in order["shipping_lines"]), Decimal(0))
        order["discount_total"] = sum((c["discount"] for c in coupon_lines), Decimal(0))
        order["discount_tax"] = sum((c["discount_tax"] for c in coupon_lines), Decimal(0))
        order["shipping_total"] = sum((s["total"] for s in order["shipping_lines"]), Decimal(0))
        order["shipping_tax"] = shipping_tax
        order["cart_tax"] = cart_tax
        order["total_tax"] = cart_tax + shipping_tax
        order["total"] = (
            sum((i["total"] for i in lines), Decimal(0))
            + sum((f["total"] for f in order["fee_lines"]), Decimal(0))
            + order["shipping_total"]
            + order["total_tax"]
        )
        if rate and (cart_tax or shipping_tax):
            order["tax_lines"] = [
                {
                    "id": order["tax_lines"][0]["id"] if order["tax_lines"] else next(self.item_ids),
                    "rate_code": f"{order['tax_label'].upper()}-1",
                    "rate_id": 1,
                    "label": order["tax_label"],
                    "compound": False,
                    "tax_total": cart_tax,
                    "shipping_tax_total": shipping_tax,
                    "rate_percent": number(rate * 100),
                    "meta_data": [],
                }
            ]
        else:
            order["tax_lines"] = []

    def set_order_status(self, order, status, touch=True, note=True):
        """Change the status with WooCommerce's side effects: stock reduced when the order becomes
        processing/completed/on-hold, restored when it becomes cancelled/pending; date_paid and
        date_completed set; a system note "Order status changed from X to Y."."""
        if status not in ORDER_STATUSES:
            raise RestError(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): status",
                params={"status": f"status is not one of {', '.join(ORDER_STATUSES[:8])}."},
            )
        old = order["status"]
        order["status"] = status
        now = self.now()
        # WC_Order::maybe_set_date_paid: paid once the gateway's payment-complete status is reached
        # (processing, or completed for cash on delivery), or completed in any case
        paid_statuses = (
            ("completed",)
            if order["payment_method"] in PAID_WHEN_COMPLETED_GATEWAYS
            else ("processing", "completed")
        )
        if status in paid_statuses and order["date_paid"] is None:
            order["date_paid"] = now
        if status == "completed" and order["date_completed"] is None:
            order["date_completed"] = now
        if status in STOCK_REDUCING_STATUSES and not order["stock_reduced"]:
            self._move_stock(order, -1)
            order["stock_reduced"] = True
        elif status in STOCK_RESTORING_STATUSES and order["stock_reduced"]:
            self._move_stock(order, +1)
            order["stock_reduced"] = False
        if note and old != status and touch:
            self.add_note(
                order,
                f"Order status changed from {_label(old)} to {_label(status)}.",
                customer_note=False,
                added_by_user=False,
            )
        if touch:
            order["date_modified"] = now

    def _move_stock(self, order, sign):
        for item in order["line_items"]:
            product = self.products.get(item["variation_id"] or item["product_id"])
            if product is None:
                continue
            owner = self.stock_owner(product)
            if sign < 0:
                product["total_sales"] += item["quantity"]
            if owner is None:
                continue
            owner["stock_quantity"] = (owner["stock_quantity"] or 0) + sign * item["quantity"]
            owner["stock_status"] = self._stock_status_from_quantity(owner)
            owner["date_modified"] = self.now()
            self.emit("product.updated", owner["id"])

    def add_note(self, order, text, customer_note=False, added_by_user=True, author="system"):
        note = {
            "id": next(self.comment_ids),
            "author": "WooCommerce" if not added_by_user else author,
            "date_created": self.now(),
            "note": text,
            "customer_note": bool(customer_note),
        }
        self.notes.setdefault(order["id"], []).insert(0, note)
        return note

    def render_note(self, order, note):
        out = {"id": note["id"], "author": note["author"]}
        self.date_pair(out, "date_created", note["date_created"])
        out.update({"note": note["note"], "customer_note": note["customer_note"]})
        out["_links"] = self.links(
            f"/orders/{order['id']}/notes/{note['id']}",
            f"/orders/{order['id']}/notes",
            up=f"/orders/{order['id']}",
        )
        return out

    def add_refund(self, order, amount=None, reason="", line_items=None, restock=False, api_refund=False):
        """wc_create_refund: `line_items` in the REST shape `[{"id" (the order's product or shipping
        line), "quantity", "refund_total" (without tax), "refund_tax": [{"id" (rate id),
        "refund_total"}]}]`; `amount` defaults to what the lines add up to, else to what is left to
        refund; `restock` puts the refunded quantities back in stock (the whole order when no line is
        given); `api_refund` asks the order's payment gateway to refund the money: refused (nothing
        made) when the gateway is missing or cannot refund, else `refunded_payment` is true. A refund
        reaching the order total makes it refunded."""
        refund_lines = self._refund_lines(order, line_items or [])
        if amount in (None, ""):
            amount = (
                sum((line["total"] + line["total_tax"] for line in refund_lines), Decimal(0))
                if refund_lines
                else order["total"] - self.refunded_total(order)
            )
        amount = money(amount)
        refunded = self.refunded_total(order)
        if amount < 0:
            raise RestError(
                400, "woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero."
            )
        if amount <= 0 or amount > order["total"] - refunded:
            raise RestError(500, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.")
        if api_refund:
            gateway = PAYMENT_GATEWAYS.get(order["payment_method"])
            if gateway is None:
                raise RestError(
                    500,
                    "woocommerce_rest_cannot_create_order_refund",
                    "The payment gateway for this order does not exist.",
                )
            if not gateway[1]:
                raise RestError(
                    500,
                    "woocommerce_rest_cannot_create_order_refund",
                    "The payment gateway for this order does not support automatic refunds.",
                )
        refund = {
            "id": next(self.posts),
            "order_id": order["id"],
            "amount": amount,
            "reason": reason or "",
            "date_created": self.now(),
            "refunded_by": 1,
            "line_items": [line for line in refund_lines if "item" in line],
            "shipping_lines": [line for line in refund_lines if "shipping" in line],
            "refunded_payment": bool(api_refund),
        }
        self.refunds[refund["id"]] = refund
        order["refund_ids"].append(refund["id"])
        if restock and refund_lines:
            for line in refund["line_items"]:
                self._restock_line(order, line)
        elif restock and order["stock_reduced"]:
            self._move_stock(order, +1)
            order["stock_reduced"] = False
        if api_refund:
            self.add_note(
                order,
                f"Refunded {money_str(amount)} – Refund ID: re_{secrets.token_hex(12)}"
                + (f" – Reason: {reason}" if reason else ""),
                added_by_user=False,
            )
        if refunded + amount >= order["total"]:
            self.set_order_status(order, "refunded")
        order["date_modified"] = self.now()
        return refund

    def refunded_total(self, order):
        return sum((self.refunds[r]["amount"] for r in order["refund_ids"]), Decimal(0))

    def _refund_lines(self, order, raw_lines):
        """The refund's own items (negative quantities and totals, `_refunded_item_id` meta) from the
        request's [{"id", "quantity", "refund_total", "refund_tax": [{"id", "refund_total"}]}]: product
        lines {"item", ...}, and shipping lines {"shipping", ...} for the ids of the order's shipping
        lines (wc_create_refund takes the order's line, fee and shipping items alike; a shipping item
        has no quantity)."""
        by_id = {item["id"]: item for item in order["line_items"]}
        shipping_by_id = {ship["id"]: ship for ship in order["shipping_lines"]}
        lines = []
        for raw in raw_lines:
            if not isinstance(raw, dict):
                raise RestError(
                    400,
                    "rest_invalid_param",
                    "Invalid parameter(s): line_items",
                    params={"line_items": "line_items[0] is not of type object."},
                )
            item = by_id.get(int(raw.get("id") or 0))
            ship = shipping_by_id.get(int(raw.get("id") or 0)) if item is None else None
            if ship is not None:
                total = money(raw.get("refund_total") or 0)
                tax = sum(
                    (money(t.get("refund_total") or 0) for t in raw.get("refund_tax") or []), Decimal(0)
                )
                if total > ship["total"] or tax > ship["total_tax"]:
                    raise RestError(
                        500, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount."
                    )
                lines.append({"shipping": ship, "total": total, "total_tax": tax, "id": next(self.posts)})
                continue
            if item is None:
                raise RestError(500, "woocommerce_rest_cannot_create_order_refund", "Invalid line item ID.")
            quantity = int(raw.get("quantity") or 0)
            if quantity < 0 or quantity > item["quantity"]:
                raise RestError(
                    500, "woocommerce_rest_cannot_create_order_refund", "Invalid refund quantity."
                )
            total = money(raw.get("refund_total") or 0)
            tax = sum((money(t.get("refund_total") or 0) for t in raw.get("refund_tax") or []), Decimal(0))
            if total > item["total"] or tax > item["total_tax"]:
                raise RestError(500, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.")
            lines.append(
                {"item": item, "quantity": quantity, "total": total, "total_tax": tax, "id": next(self.posts)}
            )
        return lines

    def _restock_line(self, order, line):
        """wc_restock_refunded_items for one refunded line: its units back in stock, and their running
        total in the order line's `_restock_refunded_items` meta (what the REST API tells of it)."""
        item = line["item"]
        product = self.products.get(item["variation_id"] or item["product_id"])
        owner = self.stock_owner(product) if product is not None else None
        if owner is None or not line["quantity"] or not order["stock_reduced"]:
            return
        key = "_restock_refunded_items"
        restocked = next((int(m["value"]) for m in item["meta_data"] if m["key"] == key), 0)
        item["meta_data"] = self.merge_meta(
            item["meta_data"], [{"key": key, "value": str(restocked + line["quantity"])}]
        )
        owner["stock_quantity"] = (owner["stock_quantity"] or 0) + line["quantity"]
        owner["stock_status"] = self._stock_status_from_quantity(owner)
        owner["date_modified"] = self.now()
        self.emit("product.updated", owner["id"])
        self.add_note(
            order, f"Item #{item['product_id']} stock increased by {line['quantity']}.", added_by_user=False
        )

    def delete_refund(self, order, refund):
        """wc_delete_order_refund: the refund is gone; the order keeps its status (WooCommerce does not
        reopen a refunded order) and restocked items stay in stock."""
        del self.refunds[refund["id"]]
        order["refund_ids"].remove(refund["id"])
        order["date_modified"] = self.now()

    def render_refund(self, refund):
        out = {"id": refund["id"]}
        self.date_pair(out, "date_created", refund["date_created"])
        out.update(
            {
                "amount": money_str(refund["amount"]),
                "reason": refund["reason"],
                "refunded_by": refund["refunded_by"],
                "refunded_payment": refund["refunded_payment"],
                "meta_data": [],
                "line_items": [self._render_refund_line(refund, line) for line in refund["line_items"]],
                "shipping_lines": [
                    self._render_refund_shipping(refund, line) for line in refund.get("shipping_lines", [])
                ],
                "tax_lines": [],
                "fee_lines": [],
            }
        )
        out["_links"] = self.links(
            f"/orders/{refund['order_id']}/refunds/{refund['id']}",
            f"/orders/{refund['order_id']}/refunds",
            up=f"/orders/{refund['order_id']}",
        )
        return out

    def _render_refund_line(self, refund, line):
        item = line["item"]
        order = self.orders[refund["order_id"]]
        tax_id = order["tax_lines"][0]["rate_id"] if order["tax_lines"] else None
        tax = _php_float_str(-line["total_tax"])
        taxes = [{"id": tax_id, "total": tax, "subtotal": tax}]
        return {
            "id": line["id"],
            "name": item["name"],
            "product_id": item["product_id"],
            "variation_id": item["variation_id"],
            "quantity": -line["quantity"],
            "tax_class": item["tax_class"],
            "subtotal": money_str(-line["total"]),
            "subtotal_tax": money_str(-line["total_tax"]),
            "total": money_str(-line["total"]),
            "total_tax": money_str(-line["total_tax"]),
            "taxes": taxes if tax_id and line["total_tax"] else [],
            "meta_data": [{"id": line["id"] + 1, "key": "_refunded_item_id", "value": str(item["id"])}],
            "sku": item["sku"],
            "price": number(-line["total"] / line["quantity"]) if line["quantity"] else 0,
        }

    def _render_refund_shipping(self, refund, line):
        """A refunded shipping item as WC_REST_Orders_V2_Controller::get_order_item_data gives it: the
        order's shipping line copied with negative totals and its `_refunded_item_id`."""
        ship = line["shipping"]
        order = self.orders[refund["order_id"]]
        tax_id = order["tax_lines"][0]["rate_id"] if order["tax_lines"] else None
        tax = money_str(-line["total_tax"])
        return {
            "id": line["id"],
            "method_title": ship["method_title"],
            "method_id": ship["method_id"],
            "instance_id": ship["instance_id"],
            "total": money_str(-line["total"]),
            "total_tax": tax,
            "taxes": [{"id": tax_id, "total": tax, "subtotal": ""}] if tax_id and line["total_tax"] else [],
            "tax_status": "taxable" if ship["taxable"] else "none",
            "meta_data": [{"id": line["id"] + 1, "key": "_refunded_item_id", "value": str(ship["id"])}],
        }

    def render_order(self, order):
        out = {
            key: order[key]
            for key in ("id", "parent_id", "status", "currency", "version", "prices_include_tax")
        }
        out.update(
            {"number": order["number"], "order_key": order["order_key"], "created_via": order["created_via"]}
        )
        self.date_pair(out, "date_created", order["date_created"])
        self.date_pair(out, "date_modified", order["date_modified"])
        for field in (
            "discount_total",
            "discount_tax",
            "shipping_total",
            "shipping_tax",
            "cart_tax",
            "total",
            "total_tax",
        ):
            out[field] = money_str(order[field])
        out.update(
            {
                "customer_id": order["customer_id"],
                "order_key": order["order_key"],
                "billing": dict(order["billing"]),
                "shipping": dict(order["shipping"]),
                "payment_method": order["payment_method"],
                "payment_method_title": order["payment_method_title"],
                "transaction_id": order["transaction_id"],
                "customer_ip_address": order["customer_ip_address"],
                "customer_user_agent": order["customer_user_agent"],
                "created_via": order["created_via"],
                "customer_note": order["customer_note"],
            }
        )
        self.date_pair(out, "date_completed", order["date_completed"])
        self.date_pair(out, "date_paid", order["date_paid"])
        out["cart_hash"] = order["cart_hash"]
        out["number"] = order["number"]
        out["meta_data"] = copy.deepcopy(order["meta_data"])
        out["line_items"] = [self._render_line(order, item) for item in order["line_items"]]
        out["tax_lines"] = [
            {
                **{k: v for k, v in t.items() if k not in ("tax_total", "shipping_tax_total")},
                "tax_total": money_str(t["tax_total"]),
                "shipping_tax_total": money_str(t["shipping_tax_total"]),
            }
            for t in order["tax_lines"]
        ]
        tax_id = order["tax_lines"][0]["rate_id"] if order["tax_lines"] else None
        out["shipping_lines"] = [
            {
                "id": s["id"],
                "method_title": s["method_title"],
                "method_id": s["method_id"],
                "instance_id": s["instance_id"],
                "total": money_str(s["total"]),
                "total_tax": money_str(s["total_tax"]),
                "taxes": [{"id": tax_id, "total": money_str(s["total_tax"]), "subtotal": ""}]
                if s["total_tax"] and tax_id
                else [],
                "tax_status": "taxable" if s["taxable"] else "none",
                "meta_data": copy.deepcopy(s["meta_data"]),
            }
            for s in order["shipping_lines"]
        ]
        out["fee_lines"] = [
            {
                "id": f["id"],
                "name": f["name"],
                "tax_class": f["tax_class"],
                "tax_status": f["tax_status"],
                "amount": f["amount"],
                "total": money_str(f["total"]),
                "total_tax": money_str(f["total_tax"]),
                "taxes": [{"id": tax_id, "total": money_str(f["total_tax"]), "subtotal": ""}]
                if f["total_tax"] and tax_id
                else [],
                "meta_data": copy.deepcopy(f["meta_data"]),
            }
            for f in order["fee_lines"]
        ]
        out["coupon_lines"] = [
            {
                "id": c.get("id"),
                "code": c["code"],
                "discount": money_str(c["discount"]),
                "discount_tax": money_str(c["discount_tax"]),
                "meta_data": [],
            }
            for c in order["coupon_lines"]
        ]
        out["refunds"] = [
            {"id": r, "reason": self.refunds[r]["reason"], "total": money_str(-self.refunds[r]["amount"])}
            for r in reversed(order["refund_ids"])
        ]
        out["payment_url"] = (
            f"{self.base_url()}/checkout/order-pay/{order['id']}/?pay_for_order=true&key={order['order_key']}"
        )
        out["is_editable"] = order["status"] in ("pending", "on-hold", "auto-draft")
        out["needs_payment"] = order["status"] in ("pending", "failed") and order["total"] > 0
        out["needs_processing"] = True
        out["date_created_gmt"] = gmt_time(order["date_created"])
        out["currency_symbol"] = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "$"}.get(
            order["currency"], order["currency"]
        )
        out["_links"] = self.links(f"/orders/{order['id']}", "/orders")
        if order["customer_id"]:
            out["_links"]["customer"] = [
                {"href": f"{self.base_url()}/wp-json/wc/v3/customers/{order['customer_id']}"}
            ]
        return out

    def _render_line(self, order, item):
        tax_id = order["tax_lines"][0]["rate_id"] if order["tax_lines"] else None
        taxes = []
        if tax_id and (item["total_tax"] or item["subtotal_tax"]):
            taxes = [
                {
                    "id": tax_id,
                    "total": _php_float_str(item["total_tax"]),
                    "subtotal": _php_float_str(item["subtotal_tax"]),
                }
            ]
        return {
            "id": item["id"],
            "name": item["name"],
            "product_id": item["product_id"],
            "variation_id": item["variation_id"],
            "quantity": item["quantity"],
            "tax_class": item["tax_class"],
            "subtotal": money_str(item["subtotal"]),
            "subtotal_tax": money_str(item["subtotal_tax"]),
            "total": money_str(item["total"]),
            "total_tax": money_str(item["total_tax"]),
            "taxes": taxes,
            "meta_data": copy.deepcopy(item["meta_data"]),
            "sku": item["sku"],
            "price": number(item["total"] / item["quantity"]) if item["quantity"] else 0,
            "image": dict(item["image"]),
            "parent_name": item["parent_name"],
        }

    def update_order(self, order, values):
        """PUT /orders/<id>: scalar fields, addresses, meta, status (with its side effects); line
        items given are added, or changed when they carry an existing `id` (quantity 0 removes)."""
        if "customer_id" in values:
            customer_id = int(values["customer_id"] or 0)
            if customer_id and customer_id not in self.customers:
                raise RestError(400, "woocommerce_rest_invalid_customer_id", "Customer ID is invalid.")
            order["customer_id"] = customer_id
        for field in (
            "customer_note",
            "payment_method",
            "payment_method_title",
            "transaction_id",
            "currency",
        ):
            if field in values:
                order[field] = str(values[field] or "")
        for field in ("billing", "shipping"):
            if isinstance(values.get(field), dict):
                order[field] = _address({**order[field], **values[field]}, field == "billing")
        if isinstance(values.get("meta_data"), list):
            order["meta_data"] = self.merge_meta(order["meta_data"], values["meta_data"])
        if values.get("line_items"):
            for raw in values["line_items"]:
                existing = next(
                    (i for i in order["line_items"] if raw.get("id") and i["id"] == raw["id"]), None
                )
                if existing is None:
                    order["line_items"].append(self._line_item(order, raw))
                elif int(raw.get("quantity", existing["quantity"]) or 0) == 0:
                    order["line_items"].remove(existing)
                else:
                    existing["quantity"] = int(raw.get("quantity", existing["quantity"]))
            self.calculate_totals(order)
        if values.get("set_paid") and order["date_paid"] is None:
            order["date_paid"] = self.now()
            if "status" not in values:
                values = {**values, "status": "processing"}
        if "status" in values and values["status"] != order["status"]:
            self.set_order_status(order, values["status"])
        order["date_modified"] = self.now()


def _label(status):
    return {
        "pending": "Pending payment",
        "processing": "Processing",
        "on-hold": "On hold",
        "completed": "Completed",
        "cancelled": "Cancelled",
        "refunded": "Refunded",
        "failed": "Failed",
        "trash": "Trash",
        "checkout-draft": "Draft",
    }.get(status, status)


def _php_float_str(value):
    """wc_format_decimal without trimming to 2 places: "0.9" rather than "0.90" (docs' taxes[].total)."""
    text = f"{Decimal(value).normalize():f}"
    return text if text != "-0" else "0"
