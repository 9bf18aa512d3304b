"""Benchmark: cost flat as the database grows (issue #12, "Cost flat as the database grows").

A merchant's database holds years of history: 300,000 contacts, 100,000 products and 500,000 past
orders (with their lines, order bindings, jobs and webhook deliveries). This benchmark measures, in
the same run, the same work on two databases:

* fresh: the benchmark database itself (the suite installed, no history);
* large: `<database>_history` (`_history_smoke` for --smoke), a copy of it filled once with the
  history (SQL `INSERT ... SELECT generate_series`, then `VACUUM ANALYZE`: minutes). The filled
  database is kept between runs (the benchmark says so) and `scripts/bench` updates its addons like
  the benchmark database's; `--scale-refill` fills it again.

Figures, each fresh vs large with their ratio (target <= 1.2x):

* order import: orders arriving by webhook (the test platform's intake, `_receive`) then imported by
  the queue runner through the real importer, whose customers MATCH existing contacts (by customer
  binding, by email, or as guests by name and address) and whose lines match existing products (by
  the store's product bindings, else by internal reference): the lookups search the big tables;
* queue claim: claiming and running N trivial jobs of the store with its 500,000 done and failed
  jobs in the table;
* webhook intake: storing a delivery (and its job) with the store's 500,000 past deliveries;
* sync API order list: GET .../orders, first page and a page deep in the cursor, as an API user.

And the plans: on the large side, every part runs once more with `auto_explain` (plans as notices
to this client): no sequential scan of a big table may appear (a count, judged in --smoke too,
where timing is not). Every measured run happens in a savepoint rolled back: both databases stay
as they were.
"""

import collections
import json
import os
import re
import secrets
import shutil
import time
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta

from tests.benchmarks.bench_common import Figure, median, say, section

#: The history of a store's years (full run) and of the smoke run.
FULL_HISTORY = {"contacts": 300_000, "products": 100_000, "orders": 500_000, "jobs": 500_000,
                "deliveries": 500_000}
SMOKE_HISTORY = {"contacts": 20_000, "products": 5_000, "orders": 20_000, "jobs": 20_000,
                 "deliveries": 20_000}
#: The tables the history makes big: a sequential scan of one of them grows with the database.
BIG_TABLES = ("res_partner", "product_template", "product_product", "sale_order", "sale_order_line",
              "store_order_binding", "store_customer_binding", "store_product_binding", "sync_job",
              "store_webhook_delivery")
HISTORY_PARAM = "store_connector.bench_scale_history"
WEBHOOK_SECRET = "bench-scale-secret"
LINES_PER_ORDER = 3
CITY, ZIP = "Springfield", "12345"
#: Orders imported (untimed) before the order list is read, so that the fresh store has pages too.
LIST_ORDERS = 150


def add_arguments(parser):
    g = parser.add_argument_group("scale (issue 12; --only scale, not part of the default run)")
    g.add_argument("--scale-orders", type=int, default=200, help="orders imported on each side")
    g.add_argument("--scale-jobs", type=int, default=500, help="trivial jobs claimed and run on each side")
    g.add_argument("--scale-deliveries", type=int, default=300, help="deliveries stored on each side")
    g.add_argument("--scale-pages", type=int, default=30, help="order list requests of each kind")
    g.add_argument("--scale-repeat", type=int, default=3, help="runs of each side, best kept")
    g.add_argument("--scale-ratio-limit", type=float, default=1.2)
    g.add_argument("--scale-refill", action="store_true", help="fill the history database again")


#: What --smoke sets (bench_main.SMOKE_SIZES takes these too).
SMOKE_SIZES = {"scale_orders": 30, "scale_jobs": 100, "scale_deliveries": 50, "scale_pages": 5,
               "scale_repeat": 1}


# ---------------------------------------------------------------------------- databases
class Side:
    """One database of the comparison: its registry, its store and what the orders need there."""

    def __init__(self, label, registry):
        self.label = label
        self.registry = registry

    @contextmanager
    def env(self):
        from odoo import SUPERUSER_ID, api

        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})


def history_database(oe, args):
    return f"{oe.database}_history{'_smoke' if args.smoke else ''}"


def ensure_history(oe, args, sizes):
    """The filled history database: kept when it holds `sizes` already, else made (a copy of the
    benchmark database) and filled. :returns: its Registry."""
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    name = history_database(oe, args)
    exists = oe.sql("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    if exists and not args.scale_refill:
        registry = Registry(name)
        with registry.cursor() as cr:
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [HISTORY_PARAM])
            row = cr.fetchone()
        if row and json.loads(row[0]).get("sizes") == sizes:
            say(f"history database {name}: kept from an earlier run ({describe(sizes)}); "
                f"--scale-refill fills it again")
            return registry
        say(f"history database {name}: not filled with {describe(sizes)}: filled again")
        Registry.delete(name)
        odoo.sql_db.close_db(name)
    if exists:
        odoo.sql_db.close_db(name)
        oe.sql(f'DROP DATABASE "{name}"', autocommit=True)
    # A copy of the benchmark database: the same addons, up to date (scripts/bench updates both).
    odoo.sql_db.close_db(oe.database)
    oe.sql(f'CREATE DATABASE "{name}" TEMPLATE "{oe.database}"', autocommit=True)
    source, target = config.filestore(oe.database), config.filestore(name)
    shutil.rmtree(target, ignore_errors=True)
    if os.path.isdir(source):
        shutil.copytree(source, target)
    registry = Registry(name)
    started = time.monotonic()
    fill_history(Side("large", registry), sizes)
    say(f"history database {name}: filled with {describe(sizes)} in {time.monotonic() - started:.0f} s")
    return registry


def describe(sizes):
    return (f"{sizes['contacts']:,} contacts, {sizes['products']:,} products, {sizes['orders']:,} orders "
            f"x 2 lines with their bindings, {sizes['jobs']:,} done/failed jobs, "
            f"{sizes['deliveries']:,} webhook deliveries")


# ---------------------------------------------------------------------------- the history
def reserve_ids(cr, table, count):
    """The first of `count` consecutive ids of `table` taken from its sequence (ids computed in SQL
    then, no RETURNING of 500,000 rows)."""
    cr.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    [sequence] = cr.fetchone()
    cr.execute("SELECT nextval(%s)", [sequence])
    [first] = cr.fetchone()
    cr.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def clone(cr, table, template_id, overrides, source, params):
    """Insert copies of row `template_id` of `table`, one per row of `source` (a FROM item, e.g.
    ``generate_series(1, 100) n``), the columns of `overrides` computed ({column: SQL}), the others
    copied: every column a future version adds is filled like the real row."""
    cr.execute("""SELECT column_name FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = %s""", [table])
    # The id comes from the table's sequence unless `overrides` computes it (reserve_ids).
    columns = [row[0] for row in cr.fetchall() if row[0] != "id" or "id" in overrides]
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    cr.execute(f'INSERT INTO "{table}" ({names}) SELECT {values} FROM "{table}" t, {source} '
               f'WHERE t.id = %(template)s', dict(params, template=template_id))
    return cr.rowcount


def fill_history(side, sizes):
    """A store's years: one real record of each kind made through the ORM, cloned in SQL."""
    with side.env() as env:
        company = env.company
        us = env.ref("base.us")
        warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        store = env["connector.store"].create({
            "name": "Scale history", "platform": "test", "code": secrets.token_urlsafe(12),
            "company_id": company.id, "order_prefix": "H-", "warehouse_id": warehouse.id,
        })
        env["integration.credential"]._set_value(store, "webhook_secret", WEBHOOK_SECRET)
        partner = env["res.partner"].create({
            "name": "Scale Customer 0", "email": "scale-customer-0@example.com", "street": "0 Scale Street",
            "city": CITY, "zip": ZIP, "country_id": us.id, "company_id": company.id,
        })
        product = env["product.product"].create({
            "name": "Scale product 0", "default_code": "SCALE-SKU-0", "type": "consu", "list_price": 10})
        order = env["sale.order"].create({
            "partner_id": partner.id, "company_id": company.id, "client_order_ref": "H-0",
            "warehouse_id": warehouse.id,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1, "price_unit": 10})],
        })
        order_binding = env["store.order.binding"].create({
            "store_id": store.id, "order_id": order.id, "external_id": "hist-o-0", "external_number": "0",
            "platform_status": "completed", "platform_updated_at": datetime(2020, 1, 1)})
        customer_binding = env["store.customer.binding"].create({
            "store_id": store.id, "partner_id": partner.id, "external_id": "hist-c-0"})
        product_binding = env["store.product.binding"].create({"store_id": store.id, "product_id": product.id})
        job = env["sync.job"]._enqueue(store, "bench.noop", "_job_noop")
        delivery = env["store.webhook.delivery"].create({
            "store_id": store.id, "kind": "orders", "topic": "orders/create", "event_id": "hist-e-0",
            "headers": {}, "body": json.dumps({"order": {"id": "hist-o-0"}})})
        env.flush_all()
        env.cr.execute("UPDATE sync_job SET state = 'done', finished_at = now() AT TIME ZONE 'UTC' "
                       "WHERE id = %s", [job.id])
        templates = {"store": store.id, "partner": partner.id, "template": product.product_tmpl_id.id,
                     "product": product.id, "order": order.id, "line": order.order_line.id,
                     "order_binding": order_binding.id, "customer_binding": customer_binding.id,
                     "product_binding": product_binding.id, "job": job.id, "delivery": delivery.id}
        env.cr.commit()

    def step(title, fn):
        started = time.monotonic()
        with side.env() as env:
            rows = fn(env.cr)
            env.cr.commit()
        say(f"  {title}: {rows:,} rows in {time.monotonic() - started:.0f} s")

    n_contacts, n_products, n_orders = sizes["contacts"], sizes["products"], sizes["orders"]
    ids = {}
    store_id = templates["store"]
    now = "(now() AT TIME ZONE 'UTC')"

    def contacts(cr):
        # One in ten is a guest: no e-mail, found by name and address.
        first = ids["partner"] = reserve_ids(cr, "res_partner", n_contacts)
        name = ("CASE WHEN n %% 10 = 0 THEN 'Scale Guest ' || n ELSE 'Scale Customer ' || n END")
        email = "CASE WHEN n %% 10 = 0 THEN NULL ELSE 'scale-customer-' || n || '@example.com' END"
        return clone(cr, "res_partner", templates["partner"], {
            "id": "%(first)s + n - 1", "commercial_partner_id": "%(first)s + n - 1", "name": name,
            "complete_name": name, "email": email, "email_normalized": email,
            "street": "n || ' Scale Street'", "partner_gid": "NULL", "barcode": "NULL", "ref": "NULL",
            "create_date": f"{now} - n * interval '1 minute'", "write_date": f"{now} - n * interval '1 minute'",
        }, "generate_series(1, %(count)s) n", {"first": first, "count": n_contacts})

    def products(cr):
        first_tmpl = reserve_ids(cr, "product_template", n_products)
        rows = clone(cr, "product_template", templates["template"], {
            "id": "%(first)s + n - 1", "name": "jsonb_build_object('en_US', 'Scale product ' || n)",
            "default_code": "'SCALE-SKU-' || n",
        }, "generate_series(1, %(count)s) n", {"first": first_tmpl, "count": n_products})
        first = ids["product"] = reserve_ids(cr, "product_product", n_products)
        rows += clone(cr, "product_product", templates["product"], {
            "id": "%(first)s + n - 1", "product_tmpl_id": "%(tmpl)s + n - 1", "default_code": "'SCALE-SKU-' || n",
            "barcode": "'2' || lpad(n::text, 12, '0')",
        }, "generate_series(1, %(count)s) n", {"first": first, "tmpl": first_tmpl, "count": n_products})
        # The odd products are bound to the store (found by the binding's SKU), the even ones are
        # found by internal reference.
        rows += clone(cr, "store_product_binding", templates["product_binding"], {
            "product_id": "%(first)s + n - 1", "product_tmpl_id": "%(tmpl)s + n - 1", "sku": "'SCALE-SKU-' || n",
            "external_product_id": "'hp-' || n", "external_variant_id": "'hv-' || n",
            "external_data": "jsonb_build_object('inventory_item_id', 'hi-' || n)",
        }, "generate_series(1, %(count)s, 2) n", {"first": first, "tmpl": first_tmpl, "count": n_products})
        return rows

    def customer_bindings(cr):
        # Half the customers with an e-mail have an account on the platform (a binding).
        return clone(cr, "store_customer_binding", templates["customer_binding"], {
            "partner_id": "%(first)s + n - 1", "external_id": "'hist-c-' || n",
        }, "(SELECT n FROM generate_series(1, %(count)s) n WHERE n %% 10 BETWEEN 1 AND 5) n",
            {"first": ids["partner"], "count": n_contacts})

    def orders(cr):
        first = ids["order"] = reserve_ids(cr, "sale_order", n_orders)
        partner = "%(partners)s + (n - 1) %% %(contacts)s"
        moment = f"{now} - n * interval '2 minute'"
        rows = clone(cr, "sale_order", templates["order"], {
            "id": "%(first)s + n - 1", "name": "'H' || lpad(n::text, 7, '0')", "partner_id": partner,
            "partner_invoice_id": partner, "partner_shipping_id": partner, "client_order_ref": "'H-' || n",
            "state": "CASE WHEN n %% 20 = 0 THEN 'cancel' ELSE 'sale' END", "store_id": "%(store)s",
            "date_order": moment, "create_date": moment, "write_date": moment, "access_token": "NULL",
            "procurement_group_id": "NULL", "origin": "NULL",
        }, "generate_series(1, %(count)s) n",
            {"first": first, "count": n_orders, "partners": ids["partner"], "contacts": n_contacts,
             "store": store_id})
        first_line = reserve_ids(cr, "sale_order_line", 2 * n_orders)
        rows += clone(cr, "sale_order_line", templates["line"], {
            "id": "%(first)s + 2 * (n - 1) + k - 1", "order_id": "%(orders)s + n - 1",
            "order_partner_id": "%(partners)s + (n - 1) %% %(contacts)s",
            "product_id": "%(products)s + (n * 7 + k * 13) %% %(product_count)s",
            "name": "'Scale product ' || ((n * 7 + k * 13) %% %(product_count)s + 1)",
            "create_date": f"{now} - n * interval '2 minute'", "write_date": f"{now} - n * interval '2 minute'",
        }, "generate_series(1, %(count)s) n, generate_series(1, 2) k",
            {"first": first_line, "orders": first, "count": n_orders, "partners": ids["partner"],
             "contacts": n_contacts, "products": ids["product"], "product_count": n_products})
        rows += clone(cr, "store_order_binding", templates["order_binding"], {
            "order_id": "%(orders)s + n - 1", "external_id": "'hist-o-' || n", "external_number": "n::text",
            "platform_updated_at": f"{now} - n * interval '2 minute'",
            "platform_created_at": f"{now} - n * interval '2 minute'",
        }, "generate_series(1, %(count)s) n", {"orders": first, "count": n_orders})
        return rows

    def jobs(cr):
        first = ids["job"] = reserve_ids(cr, "sync_job", sizes["jobs"])
        ago = f"{now} - n * interval '1 minute'"
        return clone(cr, "sync_job", templates["job"], {
            "id": "%(first)s + n - 1", "state": "CASE WHEN n %% 10 = 0 THEN 'failed' ELSE 'done' END",
            "operation": "'webhook.orders'", "identity_key": "'webhook:order:hist-o-' || n",
            "last_error": "CASE WHEN n %% 10 = 0 THEN 'The platform refused the order.' END",
            "next_attempt_at": ago, "started_at": ago, "finished_at": ago, "create_date": ago,
            "write_date": ago,
        }, "generate_series(1, %(count)s) n", {"first": first, "count": sizes["jobs"]})

    def deliveries(cr):
        ago = f"{now} - n * interval '1 minute'"
        return clone(cr, "store_webhook_delivery", templates["delivery"], {
            "event_id": "'hist-e-' || n", "received_at": ago, "create_date": ago, "write_date": ago,
            "job_id": "CASE WHEN n <= %(jobs)s THEN %(first_job)s + n - 1 END",
            "body": "'{\"order\": {\"id\": \"hist-o-' || n || '\"}}'",
        }, "generate_series(1, %(count)s) n",
            {"count": sizes["deliveries"], "jobs": sizes["jobs"], "first_job": ids["job"]})

    say(f"filling the history: {describe(sizes)}")
    step("contacts", contacts)
    step("products, product bindings", products)
    step("customer bindings", customer_bindings)
    step("orders, lines, order bindings", orders)
    step("jobs", jobs)
    step("webhook deliveries", deliveries)
    started = time.monotonic()
    with side.registry.cursor() as cr:
        cr._cnx.autocommit = True
        for table in BIG_TABLES:
            cr.execute(f'VACUUM ANALYZE "{table}"')
        cr._cnx.autocommit = False
    say(f"  VACUUM ANALYZE: {time.monotonic() - started:.0f} s")
    with side.env() as env:
        env["ir.config_parameter"].set_param(HISTORY_PARAM, json.dumps({"sizes": sizes, "store_id": store_id}))


# ---------------------------------------------------------------------------- the orders
def customer_index(i, contacts):
    """The history contact the i-th order's customer is (spread over the whole table)."""
    return 1 + (i * 7919) % contacts


def product_index(i, line, products):
    return 1 + ((i * LINES_PER_ORDER + line) * 104729) % products


def make_orders(count, sizes, prefix):
    """Normalized orders whose customers are history contacts: a bound customer (by its platform id),
    a known e-mail under a new platform id, or a guest (no e-mail) with a known name and address."""
    start = datetime(2031, 5, 1, 8, 0, 0)
    orders = []
    for i in range(count):
        c = customer_index(i, sizes["contacts"])
        guest = c % 10 == 0
        name = f"Scale {'Guest' if guest else 'Customer'} {c}"
        address = {"name": name, "street": f"{c} Scale Street", "city": CITY, "zip": ZIP, "country_code": "US"}
        if guest:
            customer = {"name": name}
        else:
            customer = {"id": f"hist-c-{c}" if c % 10 <= 5 else f"{prefix}-c-{c}",
                        "email": f"scale-customer-{c}@example.com", "name": name}
        lines, total = [], 0
        for line in range(LINES_PER_ORDER):
            price = 10 + (i + line) % 40
            lines.append({"id": f"{prefix}-{i}-{line}", "sku": f"SCALE-SKU-{product_index(i, line, sizes['products'])}",
                          "name": "Scale product", "quantity": 1, "unit_price": str(price), "taxes": []})
            total += price
        moment = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        orders.append({
            "id": f"{prefix}-{i}", "number": f"{prefix.upper()}{i}", "created_at": moment, "updated_at": moment,
            "currency": "USD", "status": "pending", "customer": customer, "billing_address": address,
            "shipping_address": address, "lines": lines, "payment_method": "stripe", "total": str(total),
        })
    return orders


def fresh_store(env, orders, sizes):
    """On the fresh database: a store with exactly the contacts, customer bindings, products and
    product bindings the orders find on the large one (made in this transaction, rolled back)."""
    company = env.company
    us = env.ref("base.us")
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    store = env["connector.store"].create({
        "name": "Scale fresh", "platform": "test", "code": secrets.token_urlsafe(12), "company_id": company.id,
        "order_prefix": "H-", "warehouse_id": warehouse.id})
    env["integration.credential"]._set_value(store, "webhook_secret", WEBHOOK_SECRET)
    contacts = sorted({customer_index(i, sizes["contacts"]) for i in range(len(orders))})
    partners = env["res.partner"].create([{
        "name": f"Scale {'Guest' if c % 10 == 0 else 'Customer'} {c}",
        "email": False if c % 10 == 0 else f"scale-customer-{c}@example.com",
        "street": f"{c} Scale Street", "city": CITY, "zip": ZIP, "country_id": us.id, "company_id": company.id,
    } for c in contacts])
    env["store.customer.binding"].create([
        {"store_id": store.id, "partner_id": partner.id, "external_id": f"hist-c-{c}"}
        for c, partner in zip(contacts, partners, strict=True) if 1 <= c % 10 <= 5])
    skus = sorted({product_index(i, line, sizes["products"]) for i in range(len(orders))
                   for line in range(LINES_PER_ORDER)})
    products = env["product.product"].create([
        {"name": f"Scale product {p}", "default_code": f"SCALE-SKU-{p}", "type": "consu", "list_price": 10}
        for p in skus])
    env["store.product.binding"].create([
        {"store_id": store.id, "product_id": product.id}
        for p, product in zip(skus, products, strict=True) if p % 2])
    env.flush_all()
    return store


# ---------------------------------------------------------------------------- the measured parts
def deliver(env, store, orders, prefix):
    """Each order posted by the platform's webhook, stored by the intake as the controller does."""
    from odoo.addons.store_connector_test_platform.models.store_adapter import (
        EVENT_HEADER,
        SIGNATURE_HEADER,
        TOPIC_HEADER,
        sign,
    )

    Delivery = env["store.webhook.delivery"].sudo()
    for n, order in enumerate(orders):
        raw = json.dumps({"order": order}).encode()
        headers = {SIGNATURE_HEADER: sign(WEBHOOK_SECRET, raw), EVENT_HEADER: f"{prefix}-e-{n}",
                   TOPIC_HEADER: "orders/create", "Content-Type": "application/json"}
        status = Delivery._receive(store, "orders", headers, raw)
        if status != (200, "queued"):
            raise RuntimeError(f"delivery {n} was answered {status}")


def import_orders(env, store, orders, prefix):
    """The orders' webhooks stored, then their jobs run by the queue runner (one transaction).
    :returns: sale orders created."""
    from tests.benchmarks.bench_common import drain_store_queue

    before = env["store.order.binding"].search_count([("store_id", "=", store.id)])
    deliver(env, store, orders, prefix)
    drain_store_queue(env, store)
    failed = env["sync.job"].search([("store_id", "=", store.id), ("state", "=", "failed"),
                                     ("operation", "=", "webhook.orders"), ("create_date", ">=", env.cr.now())])
    if failed:
        raise RuntimeError(f"order jobs failed: {failed[:3].mapped('last_error')}")
    return env["store.order.binding"].search_count([("store_id", "=", store.id)]) - before


def run_trivial_jobs(env, store, count):
    """`count` trivial jobs of the store queued, then claimed and run by the queue runner."""
    Job = env["sync.job"]
    Job._enqueue_many(store, "bench.noop", "_job_noop", [(store, None, None)] * count)
    env.flush_all()
    started = time.perf_counter()
    ran = Job._process_queue(store_ids=store.ids, commit=False)
    elapsed = time.perf_counter() - started
    if ran != count:
        raise RuntimeError(f"the runner ran {ran} of {count} jobs")
    return elapsed


def api_user(env):
    """A user as the sync API's key holders are (Store Connector User, sales)."""
    groups = ("base.group_user", "store_connector_base.group_store_connector_user",
              "sales_team.group_sale_salesman_all_leads")
    login = f"bench_scale_{secrets.token_hex(4)}"
    return env["res.users"].with_context(no_reset_password=True).create({
        "name": login, "login": login, "groups_id": [(6, 0, [env.ref(xmlid).id for xmlid in groups])]})


def list_pages(env, store, user, requests, deep_cursor):
    """(first page seconds, deep page seconds), medians of `requests` GET .../orders each, as the API's
    user; the first page's size checked."""
    from odoo.addons.store_connector_base.services import sync_api

    api_store = store.with_user(user)
    first, deep = [], []
    for _n in range(requests):
        api_store.invalidate_recordset()
        env.invalidate_all()
        started = time.perf_counter()
        status, data = api_store._api_request_orders({"limit": "50"})
        first.append(time.perf_counter() - started)
        if status != 200 or len(data["data"]) != 50:
            raise RuntimeError(f"first page: {status}, {len(data['data'])} orders")
        env.invalidate_all()
        started = time.perf_counter()
        status, data = api_store._api_request_orders({"limit": "50", "cursor": sync_api.encode_cursor(deep_cursor)})
        deep.append(time.perf_counter() - started)
        if status != 200 or len(data["data"]) != 50:
            raise RuntimeError(f"deep page: {status}, {len(data['data'])} orders")
    return median(first), median(deep)


@contextmanager
def rolled_back(env):
    savepoint = env.cr.savepoint()
    try:
        yield
    finally:
        savepoint.close(rollback=True)
        env.invalidate_all()


def measure(sides, args, sizes):
    """Every part on each database, each run rolled back; rounds alternate which database goes
    first, so that the load of a shared machine weighs on both alike; each side's best of
    --scale-repeat runs counts.

    :param sides: [(Side, function(env) -> its store, order id prefix)]
    :returns: {side label: {part: seconds}}
    """
    result = {side.label: collections.defaultdict(list) for side, _getter, _prefix in sides}
    with ExitStack() as stack:
        opened = []
        for side, getter, prefix in sides:
            env = stack.enter_context(side.env())
            stack.callback(env.cr.rollback)
            store = getter(env)
            with rolled_back(env):  # warm-up: code paths, caches, the store's settings
                import_orders(env, store, make_orders(5, sizes, f"{prefix}w"), f"{prefix}w")
                run_trivial_jobs(env, store, 10)
            opened.append((side, env, store, prefix))
        for round_ in range(args.scale_repeat):
            for side, env, store, prefix in (opened if round_ % 2 == 0 else reversed(opened)):
                times = result[side.label]
                tag = f"{prefix}{round_}"
                orders = make_orders(args.scale_orders, sizes, tag)
                with rolled_back(env):
                    started = time.perf_counter()
                    created = import_orders(env, store, orders, tag)
                    times["import"].append(time.perf_counter() - started)
                    if created != len(orders):
                        raise RuntimeError(f"{side.label}: {created} of {len(orders)} orders imported")
                with rolled_back(env):
                    times["claim"].append(run_trivial_jobs(env, store, args.scale_jobs))
                with rolled_back(env):
                    delivered = make_orders(args.scale_deliveries, sizes, f"{tag}d")
                    started = time.perf_counter()
                    deliver(env, store, delivered, f"{tag}d")
                    times["intake"].append(time.perf_counter() - started)
                with rolled_back(env):
                    # The fresh store's orders to list (the large one has its history too).
                    import_orders(env, store, make_orders(LIST_ORDERS, sizes, f"{tag}l"), f"{tag}l")
                    first, deep = list_pages(env, store, api_user(env), args.scale_pages,
                                             deep_cursor(env, store))
                    times["list_first"].append(first)
                    times["list_deep"].append(deep)
    return {label: {part: min(values) for part, values in parts.items()} for label, parts in result.items()}


def deep_cursor(env, store):
    """An order id half-way down the store's orders (newest first): a page deep in the cursor."""
    env.cr.execute("SELECT count(*) FROM sale_order WHERE store_id = %s", [store.id])
    [count] = env.cr.fetchone()
    if count < 120:
        raise RuntimeError(f"store {store.id} has {count} orders: too few for a deep page")
    env.cr.execute("SELECT id FROM sale_order WHERE store_id = %s ORDER BY id DESC OFFSET %s LIMIT 1",
                   [store.id, count // 2])
    return env.cr.fetchone()[0]


# ---------------------------------------------------------------------------- the plans
SCAN_NODE = re.compile(r"(Seq Scan|Index Scan(?: Backward)?|Index Only Scan(?: Backward)?)(?: using \S+)? on (\w+)")
#: The planner steered as on a large database: without sequential scans, hash or merge joins (which
#: read whole tables), a query that no index serves still scans its table. So the check says the
#: same at the smoke run's size, where a sequential scan of a few thousand rows is cheaper.
STEERED_PLANNER = (("enable_seqscan", "off"), ("enable_hashjoin", "off"), ("enable_mergejoin", "off"))


def full_scans(plan, partial_indexes=()):
    """[(table, node)] of the scans of big tables in an auto_explain plan that read the whole table:
    a sequential scan, or an index scan without an index condition outside a LIMIT (reading an
    index end to end), unless the index is partial (`partial_indexes`: it holds only the rows its
    WHERE names, e.g. the jobs in progress). An index walk under a LIMIT stops at the limit: the
    planner takes it when the rows it looks for are dense there (a store's newest orders walked by
    id when they are most of the table; with other orders in between it takes the store's own
    index, see test_scale_indexes)."""
    lines = plan.splitlines()
    limited = any(line.lstrip().startswith(("Limit", "->  Limit")) for line in lines)
    found = []
    for n, line in enumerate(lines):
        match = SCAN_NODE.search(line)
        if not match or match.group(2) not in BIG_TABLES:
            continue
        depth = len(line) - len(line.lstrip())
        details = []
        for following in lines[n + 1:]:
            if len(following) - len(following.lstrip()) <= depth or following.lstrip().startswith("->"):
                break
            details.append(following.strip())
        index = re.search(r" using (\S+) on ", line)
        if match.group(1) == "Seq Scan":
            found.append((match.group(2), line.strip()))
        elif index and index.group(1) in partial_indexes:
            continue
        elif not limited and not any(d.startswith("Index Cond") for d in details):
            found.append((match.group(2), line.strip()))
    return found


def partial_indexes(env):
    """The names of the partial indexes of the big tables."""
    env.cr.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s) AND indexdef LIKE '%% WHERE %%'",
                   [list(BIG_TABLES)])
    return {row[0] for row in env.cr.fetchall()}


@contextmanager
def explained(env, steered=True):
    """auto_explain on this connection, the planner steered (STEERED_PLANNER) unless not `steered`,
    the plans sent to this client as notices: yields the list of (table, scan node, plan) of the
    full scans of big tables seen (`full_scans`)."""
    cnx = env.cr._cnx
    notices = collections.deque(maxlen=200_000)
    saved = cnx.notices
    cnx.notices = notices
    env.cr.execute("LOAD 'auto_explain'")
    settings = (("auto_explain.log_min_duration", "0"), ("auto_explain.log_level", "notice"),
                ("auto_explain.log_nested_statements", "on"), ("client_min_messages", "notice"),
                *(STEERED_PLANNER if steered else ()))
    for setting, value in settings:
        env.cr.execute("SELECT set_config(%s, %s, false)", [setting, value])
    found = []
    partial = partial_indexes(env)
    try:
        yield found
    finally:
        env.cr.execute("SELECT set_config('auto_explain.log_min_duration', '-1', false)")
        env.cr.execute("SELECT set_config('client_min_messages', 'warning', false)")
        for setting, _value in STEERED_PLANNER:
            env.cr.execute("SELECT set_config(%s, 'on', false)", [setting])
        cnx.notices = saved
        for notice in notices:
            found += [(table, node, notice) for table, node in full_scans(notice, partial)]


def check_plans(side, args, sizes, steered=True):
    """Every part run once on the large database with auto_explain: the full scans of big tables
    seen, by part (`explained`). :returns: {part: [(table, scan node, plan)]}."""
    scans = {}
    with side.env() as env:
        try:
            store = history_store(env)
            orders = make_orders(min(args.scale_orders, 30), sizes, "plan")
            user = api_user(env)
            cursor = deep_cursor(env, store)
            for part, run in (
                ("order import", lambda: import_orders(env, store, orders, "plan")),
                ("queue claim", lambda: run_trivial_jobs(env, store, 20)),
                ("webhook intake", lambda: deliver(env, store, make_orders(5, sizes, "plani"), "plani")),
                ("sync API list", lambda: list_pages(env, store, user, 1, cursor)),
            ):
                with rolled_back(env), explained(env, steered) as found:
                    run()
                scans[part] = found
        finally:
            env.cr.rollback()
    return scans


def history_store(env):
    env.cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [HISTORY_PARAM])
    store = env["connector.store"].browse(json.loads(env.cr.fetchone()[0])["store_id"])
    return store.exists() or (_ for _ in ()).throw(RuntimeError("the history store is gone: --scale-refill"))


def summarize_plan(plan, width=400):
    """The query of an auto_explain notice and its sequential scan lines, shortened."""
    text = " ".join(plan.split())
    query = re.search(r"Query Text: (.*?)(?: [A-Z][a-z]+ Scan| Limit | Sort | Hash| Nested| Aggregate|$)", text)
    return (query.group(1) if query else text)[:width]


# ---------------------------------------------------------------------------- entry point
def run(oe, args):
    sizes = SMOKE_HISTORY if args.smoke else FULL_HISTORY
    section(f"scale: the same work on a fresh database and on one with {describe(sizes)}")
    large = Side("large", ensure_history(oe, args, sizes))
    fresh = Side("fresh", oe.registry)
    say("measuring (each side's best of "
        f"{args.scale_repeat}; {args.scale_orders} orders x {LINES_PER_ORDER} lines by webhook, "
        f"{args.scale_jobs} trivial jobs, {args.scale_deliveries} deliveries, {args.scale_pages} list requests "
        "of each page)")
    results = measure(((large, history_store, "lg"), (fresh, _fresh_getter(args, sizes), "fr")), args, sizes)

    parts = (
        ("import", f"order import ({args.scale_orders} orders by webhook)", args.scale_orders, "order"),
        ("claim", f"queue claim + run ({args.scale_jobs} jobs)", args.scale_jobs, "job"),
        ("intake", f"webhook intake ({args.scale_deliveries} deliveries)", args.scale_deliveries, "delivery"),
        ("list_first", "sync API orders, first page", 1, "request"),
        ("list_deep", "sync API orders, deep cursor page", 1, "request"),
    )
    figures = []
    for key, label, count, unit in parts:
        fresh_s, large_s = results["fresh"][key], results["large"][key]
        ratio = large_s / fresh_s if fresh_s else float("inf")
        say(f"{label:45s} fresh {1000 * fresh_s / count:8.2f} ms/{unit}  large {1000 * large_s / count:8.2f} "
            f"ms/{unit}  ratio {ratio:.2f}x (target <= {args.scale_ratio_limit:.1f}x)")
        figures += [
            Figure(f"scale: {label}, fresh", 1000 * fresh_s / count, f"ms/{unit}"),
            Figure(f"scale: {label}, large", 1000 * large_s / count, f"ms/{unit}"),
            Figure(f"scale: {label}, ratio large / fresh", ratio, "x", "max", args.scale_ratio_limit),
        ]
    # Steered: what no index serves, at any size. The planner's own choices: what it does on this
    # database (at the smoke run's size a small table is rightly scanned: printed, not judged).
    for steered in (True, False):
        scans = check_plans(large, args, sizes, steered)
        how = "planned as on a large database" if steered else "the planner's own choices"
        total = 0
        for part, found in scans.items():
            total += len(found)
            tables = collections.Counter(table for table, _node, _plan in found)
            say(f"plans of the {part} on the large database ({how}): "
                + (", ".join(f"{n} full scan(s) of {t}" for t, n in tables.items())
                   or "no full scan of a big table"))
            seen = set()
            for _table, node, plan in found:
                summary = summarize_plan(plan)
                if (node, summary) not in seen:
                    seen.add((node, summary))
                    say(f"    {node}\n        in: {summary}")
        if steered:
            figures.append(Figure(
                "scale: full scans of big tables (large database)", total, "", "equal", 0,
                note="auto_explain of every query of the four parts, the planner steered as on a large "
                     "database (no seq scan, hash or merge join); tables: " + ", ".join(BIG_TABLES)))
        else:
            figures.append(Figure(
                "scale: full scans of big tables, the planner's own choices", total, "",
                note="the same queries as PostgreSQL plans them on this database"))
    return figures


def _fresh_getter(args, sizes):
    def getter(env):
        count = max(args.scale_orders, args.scale_deliveries, LIST_ORDERS)
        return fresh_store(env, make_orders(count, sizes, "x"), sizes)
    return getter
