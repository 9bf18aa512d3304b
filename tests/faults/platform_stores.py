"""Real platform stores against their simulators, for the faults of the platform's side (4 platform outage,
5 credentials revoked): a Shopify store and a WooCommerce store with bound SKUs whose stock they export,
products their orders name, and the checks that compare Odoo with what the simulators hold.

Every stock job exports ONE SKU (`_enqueue_inventory_sync(bindings=<one binding>)`), so that a job's platform
side effect is one SKU's quantity on the simulator: "done" can be checked against the platform, SKU by SKU.
The SKUs start at `SIM_START_QUANTITY` on the platform and at other quantities in Odoo.
"""

import secrets
from dataclasses import dataclass, field

SHOPIFY_TOKEN = "shpat_fault_token_4f1e9a0c"
SHOPIFY_CLIENT_ID = "fault-client-id"
SHOPIFY_SECRET = "fault-client-secret-77d2"
WOO_KEY = "ck_fault_key_0a1b2c3d4e5f"
WOO_SECRET = "cs_fault_secret_6a7b8c9d0e"
SIM_START_QUANTITY = 1000
PLATFORMS = ("shopify", "woocommerce")
ORDER_SKUS = 3


def start_simulator(ctx, platform, **kwargs):
    if platform == "shopify":
        return ctx.simulator("shopify", shop="fault-shop.myshopify.com", access_token=SHOPIFY_TOKEN,
                             client_id=SHOPIFY_CLIENT_ID, client_secret=SHOPIFY_SECRET, **kwargs)
    return ctx.simulator("woocommerce", seed="none", consumer_key=WOO_KEY, consumer_secret=WOO_SECRET,
                         **kwargs)


@dataclass
class PlatformStore:
    """A committed store of `platform` on `sim`, its SKUs ({sku: binding id}) and order SKUs."""

    platform: str
    sim: object
    store_id: int
    location_id: int
    skus: dict = field(default_factory=dict)
    product_ids: dict = field(default_factory=dict)
    order_skus: list = field(default_factory=list)
    orders_placed: int = 0

    # ------------------------------------------------------------------ the platform's side
    def platform_quantity(self, sku):
        if self.platform == "shopify":
            return self.sim.inventory(sku)
        return self.sim.stock(sku)

    def place_order(self):
        """An order on the platform (of the order SKUs, not exported stock)."""
        sku = self.order_skus[self.orders_placed % len(self.order_skus)]
        with self.sim.quiet():
            if self.platform == "shopify":
                self.sim.add_order([{"sku": sku, "quantity": 1}], financial_status="PAID", webhooks=False)
            else:
                self.sim.add_order([{"sku": sku, "quantity": 1}], status="processing")
        self.orders_placed += 1

    def stock_set_calls(self):
        """{sku: calls that reached the platform's stock setter} (401s never do)."""
        counts = {}
        if self.platform == "shopify":
            items = {}
            with self.sim.store.lock:
                for variant in self.sim.store.variants.values():
                    items[f"gid://shopify/InventoryItem/{variant.inventory_item_id}"] = variant.sku
            for call in list(self.sim.calls):
                if call.get("operation_name") != "ConnectorInventorySet":
                    continue
                for quantity in ((call.get("variables") or {}).get("input") or {}).get("quantities") or []:
                    sku = items.get(quantity.get("inventoryItemId"))
                    counts[sku] = counts.get(sku, 0) + 1
            return counts
        by_id = {}
        for sku in self.skus:
            record = self.sim.product(sku)
            by_id[record["id"]] = sku
        for request in list(self.sim.requests):
            if (request["method"] != "POST" or not request["path"].endswith("/batch")
                    or request["status"] >= 300):
                continue
            for item in (request.get("json") or {}).get("update") or []:
                sku = by_id.get(item.get("id"))
                counts[sku] = counts.get(sku, 0) + 1
        return counts

    # ------------------------------------------------------------------ Odoo's side
    def set_quantities(self, oe, quantities):
        """Odoo's on-hand quantity of SKUs ({sku: quantity}), committed (what the next export publishes)."""
        for sku, quantity in quantities.items():
            oe.sql("UPDATE stock_quant SET quantity = %s WHERE product_id = %s AND location_id = %s",
                   [quantity, self.product_ids[sku], self.location_id])

    def odoo_quantities(self, oe):
        rows = oe.sql("""SELECT p.default_code, COALESCE(sum(q.quantity), 0) FROM product_product p
                           LEFT JOIN stock_quant q ON q.product_id = p.id AND q.location_id = %s
                          WHERE p.id = ANY(%s) GROUP BY p.default_code""",
                      [self.location_id, list(self.product_ids.values())])
        return {sku: int(quantity) for sku, quantity in rows}

    def enqueue_exports(self, oe, skus):
        """One stock job per SKU; returns their ids."""
        ids = []
        with oe.env() as env:
            store = env["connector.store"].browse(self.store_id)
            Binding = env["store.product.binding"]
            for sku in skus:
                ids += store._enqueue_inventory_sync(bindings=Binding.browse(self.skus[sku])).ids
        return ids

    def enqueue_order_pull(self, oe):
        with oe.env() as env:
            return env["connector.store"].browse(self.store_id)._enqueue_order_pull().ids

    def imported_orders(self, oe):
        """(orders imported, platform orders imported more than once)."""
        rows = oe.sql("""SELECT external_id, count(*) FROM store_order_binding WHERE store_id = %s
                          GROUP BY external_id""", [self.store_id])
        return len(rows), sum(1 for _ref, count in rows if count > 1)


def create_store(ctx, oe, platform, sku_count, odoo_quantity, sim_kwargs=None):
    """A store of `platform` on a new simulator (built with `sim_kwargs`) with `sku_count` bound SKUs
    (platform quantity SIM_START_QUANTITY, Odoo's `odoo_quantity(n)`) and ORDER_SKUS products for orders;
    committed."""
    sim = start_simulator(ctx, platform, **(sim_kwargs or {}))
    tag = "SH" if platform == "shopify" else "WC"
    skus = [f"{tag}-{n:05d}" for n in range(sku_count)]
    order_skus = [f"{tag}-ORDER-{n}" for n in range(ORDER_SKUS)]
    external = {}
    with sim.quiet():
        if platform == "shopify":
            for start in range(0, sku_count, 100):
                sim.add_product(f"Fault {tag} {start}", variants=[
                    {"sku": sku, "price": "5.00", "options": {"N": sku}, "inventory": SIM_START_QUANTITY}
                    for sku in skus[start:start + 100]], webhooks=False)
            sim.add_product("Fault order product", variants=[
                {"sku": sku, "price": "9.00", "options": {"N": sku}, "inventory": 100000}
                for sku in order_skus], webhooks=False)
            with sim.store.lock:
                for variant in sim.store.variants.values():
                    external[variant.sku] = (f"gid://shopify/Product/{variant.product_id}",
                                             f"gid://shopify/ProductVariant/{variant.id}",
                                             {"inventory_item_id":
                                              f"gid://shopify/InventoryItem/{variant.inventory_item_id}"})
                primary = sim.store.primary_location()
        else:
            for sku in skus:
                record = sim.add_product(f"Fault {sku}", sku=sku, regular_price="5.00",
                                         stock_quantity=SIM_START_QUANTITY, emit=False)
                external[sku] = (str(record["id"]), None, None)
            for sku in order_skus:
                sim.add_product(f"Fault {sku}", sku=sku, regular_price="9.00", stock_quantity=100000,
                                emit=False)
    with oe.env() as env:
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        vals = {
            "name": f"Fault {platform}", "code": f"fault-{platform}-{secrets.token_hex(4)}",
            "platform": platform,
            "company_id": env.company.id, "warehouse_id": warehouse.id, "shop_url": sim.base_url,
            "stock_baseline": "odoo", "auto_sync_products": False, "auto_sync_inventory": False,
        }
        if platform == "shopify":
            vals.update(shopify_shop_domain=sim.shop, shopify_client_id=sim.client_id)
        store = env["connector.store"].create(vals)
        Credential = env["integration.credential"]
        if platform == "shopify":
            Credential._set_value(store, "access_token", SHOPIFY_TOKEN)
            Credential._set_value(store, "client_secret", SHOPIFY_SECRET)
            store.shopify_location_id = env["shopify.location"].create({
                "store_id": store.id, "name": primary.name,
                "shopify_gid": f"gid://shopify/Location/{primary.id}", "shopify_legacy_id": str(primary.id)})
        else:
            Credential._set_value(store, "consumer_key", WOO_KEY)
            Credential._set_value(store, "consumer_secret", WOO_SECRET)
        templates = env["product.template"].with_context(tracking_disable=True).create(
            [{"name": f"Fault {sku}", "is_storable": True, "default_code": sku} for sku in skus]
            + [{"name": f"Fault {sku}", "type": "consu", "default_code": sku, "list_price": 9.0}
               for sku in order_skus])
        products = {p.default_code: p for p in templates.product_variant_ids}
        bindings = env["store.product.binding"].create([
            {"store_id": store.id, "product_id": products[sku].id, "sync_state": "synced",
             "external_product_id": external[sku][0], "external_variant_id": external[sku][1],
             **({"external_data": external[sku][2]} if external[sku][2] else {})}
            for sku in skus])
        location = warehouse.lot_stock_id
        env.cr.execute(
            """INSERT INTO stock_quant (product_id, location_id, company_id, quantity, reserved_quantity,
                                        in_date, create_date, write_date, create_uid, write_uid)
               SELECT p.id, %s, %s, q.quantity, 0, now(), now(), now(), 1, 1
                 FROM unnest(%s::int[], %s::numeric[]) AS q(product_id, quantity)
                 JOIN product_product p ON p.id = q.product_id""",
            [location.id, env.company.id, [products[sku].id for sku in skus],
             [odoo_quantity(n) for n in range(sku_count)]])
        env["sync.job"].search([("store_id", "=", store.id)]).unlink()
        return PlatformStore(
            platform=platform, sim=sim, store_id=store.id, location_id=location.id,
            skus={binding.product_id.default_code: binding.id for binding in bindings},
            product_ids={sku: products[sku].id for sku in skus}, order_skus=order_skus)


def job_states(oe, store_id, job_ids=None):
    """{state: count} of the store's jobs (of `job_ids`)."""
    return dict(oe.sql("""SELECT state, count(*) FROM sync_job WHERE store_id = %s
                           AND (%s::int[] IS NULL OR id = ANY(%s::int[])) GROUP BY state""",
                       [store_id, job_ids, job_ids]))


def jobs_of(oe, store_id):
    """[(id, state, retry_count, error_kind, last_error, operation)] of the store's jobs."""
    return oe.sql("""SELECT id, state, COALESCE(retry_count, 0), error_kind, last_error, operation
                       FROM sync_job WHERE store_id = %s ORDER BY id""", [store_id])


def wait_for_runner_idle(ctx, oe, store_ids, timeout):
    """Seconds until no job of `store_ids` is pending or processing; TimeoutError after `timeout`."""
    def idle():
        """every job of the stores done or failed"""
        return not oe.sql("""SELECT count(*) FROM sync_job WHERE store_id = ANY(%s)
                              AND state IN ('pending', 'processing')""", [list(store_ids)])[0][0]
    return ctx.wait_until(idle, timeout, interval=1.0)
