"""Set up the demo store against a loopback platform simulator (used by scripts/demo).

    python tests/demo/setup_demo.py -c <odoo.conf> -d <db> --shop-url http://127.0.0.1:8765 \\
        --token <access token> --client-secret <secret> --base-url http://127.0.0.1:8069
    python tests/demo/setup_demo.py -c <odoo.conf> -d <db> --platform woocommerce \\
        --shop-url http://127.0.0.1:8766 --consumer-key ck_... --consumer-secret cs_... \\
        --base-url http://127.0.0.1:8069

One function per platform, the rest shared: `setup_demo(env, ...)` (Shopify, the "Demo Shopify Shop")
and `setup_woocommerce_demo(env, ...)` (the "Demo WooCommerce Shop"). Both are idempotent: the first
call creates the store with the simulator's credentials, registers the webhooks, does what the
platform needs (Shopify: fetches the locations and maps the shop's primary one to the store's
warehouse) and runs a Full Sync, driving the queue until products, customers and orders are in Odoo.
A later call reuses the store, saves the credentials and shop URL again and re-registers the webhooks
(a restarted simulator has none); it runs the Full Sync again only while the store has no orders. No
stock is sent: the stock baseline is left for the merchant to choose. Nothing here talks to anything
but the simulator's loopback address, and the demo database is set so that using it does not either
(`switch_off_online_services`).
"""

import argparse
import json
import logging
import time

_logger = logging.getLogger("store_connector.demo")

DEMO_STORE_NAME = "Demo Shopify Shop"
WOOCOMMERCE_DEMO_STORE_NAME = "Demo WooCommerce Shop"
DEMO_SHOP = "demo.myshopify.com"
DEMO_CLIENT_ID = "sim-client-id"
QUEUE_ROUNDS = 10  # Full Sync: start the bulk queries, poll them (the simulator completes on the 2nd), import

# Scheduled actions of a stock Odoo database that reach the internet (or mail people) on their own:
# the weekly update notification to odoo.com, Partner Autocomplete's sync with Odoo's IAP service, and
# the periodic KPI digest e-mail.
DEMO_DISABLED_CRONS = (
    "mail.ir_cron_module_update_notification",
    "partner_autocomplete.ir_cron_partner_autocomplete",
    "digest.ir_cron_digest_scheduler_action",
)
# Modules whose features call an online service as soon as one types: Partner Autocomplete looks up
# every company name typed in a contact form on Odoo's IAP service and, from the browser, on
# autocomplete.clearbit.com. The demo script uninstalls them (a module cannot be uninstalled inside
# a test's transaction, so `setup_demo` does not).
DEMO_UNINSTALLED_MODULES = ("partner_autocomplete",)


def demo_store(env, shop=DEMO_SHOP):
    """The Shopify demo store of `shop` (archived ones included), or an empty recordset."""
    return env["connector.store"].with_context(active_test=False).search(
        [("platform", "=", "shopify"), ("shopify_shop_domain", "=", shop), ("name", "=", DEMO_STORE_NAME)],
        limit=1,
    )


def woocommerce_demo_store(env):
    """The WooCommerce demo store (archived ones included), or an empty recordset. Found by name, not
    by URL: the simulator's port may change from one run to the next."""
    return env["connector.store"].with_context(active_test=False).search(
        [("platform", "=", "woocommerce"), ("name", "=", WOOCOMMERCE_DEMO_STORE_NAME)], limit=1,
    )


def drive_queue(env, store, commit=False, rounds=QUEUE_ROUNDS, pause=0.0):
    """Run the store's jobs until none is pending, bringing forward the ones scheduled for later
    (the bulk poll waits a few seconds between polls). :returns: the number of jobs run."""
    Job = env["sync.job"].sudo()
    ran = 0
    for _round in range(rounds):
        env.flush_all()
        ran += Job._process_queue(store_ids=store.ids, commit=commit, time_limit=300)
        pending = Job.search([("store_id", "=", store.id), ("state", "=", "pending")])
        if not pending:
            break
        if pause:
            time.sleep(pause)
        pending.write({"next_attempt_at": env.cr.now()})
        if commit:
            env.cr.commit()
    return ran


def map_primary_location(store):
    """The shop's primary location publishes the stock of the store's warehouse (if not mapped yet)."""
    locations = store.shopify_location_ids
    if not locations:
        return
    primary = locations.filtered(lambda loc: loc.name == "Shop location")[:1] or locations[:1]
    # Fetch Locations defaults to the first location by name; the demo shop's primary one is meant.
    if not store.shopify_location_id.location_id:
        store.shopify_location_id = primary
    if store.warehouse_id and not primary.location_id:
        primary.location_id = store.warehouse_id.lot_stock_id


def switch_off_online_services(env):
    """Set the demo database so that using it reaches nothing outside the machine:

    - validating a delivery neither offers nor sends an SMS through Odoo's IAP service (Inventory
      settings, "SMS Confirmation": stock_sms, company `stock_move_sms_validation`);
    - the companies are not "enriched" from Odoo's IAP service when the administrator logs in
      (Partner Autocomplete, company `iap_enrich_auto_done`);
    - the scheduled actions of DEMO_DISABLED_CRONS are off;
    - the administrator is notified in Odoo's inbox, not by e-mail (the store's notices to its
      managers stay in the database).

    Idempotent; each setting is left alone when its module is not installed.
    """
    companies = env["res.company"].sudo().with_context(active_test=False).search([])
    company_fields = companies._fields
    vals = {}
    if "stock_move_sms_validation" in company_fields:
        vals["stock_move_sms_validation"] = False
    if "iap_enrich_auto_done" in company_fields:
        vals["iap_enrich_auto_done"] = True
    if vals:
        companies.write(vals)
    for xmlid in DEMO_DISABLED_CRONS:
        cron = env.ref(xmlid, raise_if_not_found=False)
        if cron and cron.active:
            cron.sudo().active = False
    admin = env.ref("base.user_admin", raise_if_not_found=False)
    if admin and admin.notification_type != "inbox":
        admin.sudo().notification_type = "inbox"


def uninstall_online_modules(registry):
    """Uninstall DEMO_UNINSTALLED_MODULES from the demo database (once; the suite does not need them).

    :returns: the database's registry, reloaded if a module was uninstalled.
    """
    import odoo
    from odoo.modules.registry import Registry

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        modules = env["ir.module.module"].search(
            [("name", "in", DEMO_UNINSTALLED_MODULES), ("state", "=", "installed")]
        )
        if not modules:
            return registry
        _logger.warning("uninstalling %s from the demo database (online services)",
                        ", ".join(modules.mapped("name")))
        modules.button_immediate_uninstall()
        cr.commit()
    return Registry(registry.db_name)


def prepare_database(env, base_url=None):
    """What every demo does to its database first: nothing online (`switch_off_online_services`), and
    the address the simulator delivers webhooks to (web.base.url, frozen; None keeps the current one)."""
    switch_off_online_services(env)
    if base_url:
        params = env["ir.config_parameter"].sudo()
        params.set_param("web.base.url", base_url.rstrip("/"))
        params.set_param("web.base.url.freeze", "True")


def demo_store_values(env, name, platform):
    """The values of a new demo store of any platform: its company's first warehouse, products,
    orders and customers synchronised, paid orders confirmed. No stock baseline: as in a real first
    connection, the merchant chooses it (the store sends no stock until then)."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    return {
        "name": name,
        "platform": platform,
        "company_id": env.company.id,
        "allow_products_sync": True,
        "allow_orders_pull": True,
        "auto_sync_customers": True,
        "order_auto_confirm": True,  # paid orders become sale orders (Sales > Orders)
        "warehouse_id": warehouse.id,
    }


def save_credentials(env, store, values):
    """Save the store's credentials ({key: value}) and resume it if a former run left it paused."""
    Credential = env["integration.credential"].sudo()
    for key, value in values.items():
        Credential._set_value(store, key, value)
    if store.paused:
        store.action_resume()


def first_sync(env, store, commit=False, pause=0.0):
    """Run a Full Sync while the store has no orders (the first run, or one that failed before its
    orders came), driving the queue until it is done. :returns: (full sync run, jobs run)."""
    if commit:
        env.cr.commit()
    if env["store.order.binding"].search_count([("store_id", "=", store.id)]):
        return False, 0
    store.action_full_sync()
    if commit:
        env.cr.commit()
    jobs = drive_queue(env, store, commit=commit, pause=pause)
    if commit:
        env.cr.commit()
    return True, jobs


def setup_result(env, store, created, full_sync, jobs, **extra):
    """What a platform's set-up function returns."""
    return {
        "store": store,
        "created": created,
        "webhooks": env["store.webhook"].search_count([("store_id", "=", store.id)]),
        "full_sync": full_sync,
        "jobs": jobs,
        **extra,
    }


def setup_demo(env, shop_url, access_token, client_secret, shop=DEMO_SHOP, client_id=DEMO_CLIENT_ID,
               base_url=None, commit=False, pause=0.0):
    """Create or update the Shopify demo store and bring the simulator's shop into Odoo (see module
    doc).

    :param base_url: Odoo's address the simulator delivers webhooks to (web.base.url, frozen);
        None keeps the current one.
    :param commit: commit as the cron does (the script); False keeps everything in the caller's
        transaction (tests).
    :returns: dict(store, created, webhooks, locations, full_sync, jobs).
    """
    prepare_database(env, base_url)
    store = demo_store(env, shop)
    created = not store
    vals = {"shop_url": shop_url, "shopify_client_id": client_id, "active": True}
    if created:
        store = env["connector.store"].create({
            **demo_store_values(env, DEMO_STORE_NAME, "shopify"),
            "shopify_shop_domain": shop,
            **vals,
        })
    else:
        store.write(vals)
    save_credentials(env, store, {"access_token": access_token, "client_secret": client_secret})
    store.action_test_connection()
    store.action_register_webhooks()
    store.action_shopify_fetch_locations()
    map_primary_location(store)
    full_sync, jobs = first_sync(env, store, commit=commit, pause=pause)
    return setup_result(env, store, created, full_sync, jobs, locations=len(store.shopify_location_ids))


def setup_woocommerce_demo(env, shop_url, consumer_key, consumer_secret, base_url=None, commit=False,
                           pause=0.0):
    """Create or update the WooCommerce demo store and bring the simulator's shop into Odoo (see
    module doc). The simulator serves plain http on loopback, so the client signs with OAuth 1.0a, as
    it would for a real shop without https; Register Webhooks makes the webhook secret.

    :param shop_url: the simulator's base URL (its JSON's "base_url").
    :param consumer_key, consumer_secret: the simulator's key (its JSON's "consumer_key" and
        "consumer_secret").
    :param base_url, commit, pause: as `setup_demo`.
    :returns: dict(store, created, webhooks, full_sync, jobs).
    """
    prepare_database(env, base_url)
    store = woocommerce_demo_store(env)
    created = not store
    vals = {"shop_url": shop_url, "active": True}
    if created:
        store = env["connector.store"].create({
            **demo_store_values(env, WOOCOMMERCE_DEMO_STORE_NAME, "woocommerce"),
            # The demo shop sells, as WooCommerce allows, a product without SKU and a variation
            # without one: the product import binds them by their WooCommerce ids, and an order
            # imported before them (Full Sync runs both side by side) comes in with the
            # placeholder product, saying so in its chatter, instead of failing.
            "order_unknown_sku_policy": "placeholder",
            **vals,
        })
    else:
        store.write(vals)
    save_credentials(env, store, {"consumer_key": consumer_key, "consumer_secret": consumer_secret})
    store.action_test_connection()
    store.action_register_webhooks()
    full_sync, jobs = first_sync(env, store, commit=commit, pause=pause)
    return setup_result(env, store, created, full_sync, jobs)


def summary(env, store):
    """Counts of what the demo brought into Odoo."""
    return {
        "store": store.name,
        "store_id": store.id,
        "products": env["store.product.binding"].search_count([("store_id", "=", store.id)]),
        "orders": env["store.order.binding"].search_count([("store_id", "=", store.id)]),
        "webhooks": env["store.webhook"].search_count([("store_id", "=", store.id)]),
        "failed_jobs": env["sync.job"].search_count([("store_id", "=", store.id), ("state", "=", "failed")]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--platform", choices=("shopify", "woocommerce"), default="shopify")
    parser.add_argument("--shop-url", required=True)
    parser.add_argument("--base-url", default=None)
    shopify = parser.add_argument_group("shopify")
    shopify.add_argument("--token")
    shopify.add_argument("--client-secret")
    shopify.add_argument("--shop", default=DEMO_SHOP)
    shopify.add_argument("--client-id", default=DEMO_CLIENT_ID)
    woocommerce = parser.add_argument_group("woocommerce")
    woocommerce.add_argument("--consumer-key")
    woocommerce.add_argument("--consumer-secret")
    args = parser.parse_args(argv)
    required = {"shopify": ("token", "client_secret"),
                "woocommerce": ("consumer_key", "consumer_secret")}[args.platform]
    missing = [f"--{name.replace('_', '-')}" for name in required if not getattr(args, name)]
    if missing:
        parser.error(f"the {args.platform} demo needs {' and '.join(missing)}")

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    odoo.netsvc.init_logger()
    registry = uninstall_online_modules(Registry(args.database))
    with registry.cursor() as cr:
        # A language, as a user's request has: the messages jobs write are translated through it
        # (without one, each logs "no translation language detected" with its stack).
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "lang": "en_US"})
        if args.platform == "woocommerce":
            result = setup_woocommerce_demo(
                env, args.shop_url, args.consumer_key, args.consumer_secret, base_url=args.base_url,
                commit=True, pause=1.0,
            )
        else:
            result = setup_demo(
                env, args.shop_url, args.token, args.client_secret, shop=args.shop,
                client_id=args.client_id, base_url=args.base_url, commit=True, pause=1.0,
            )
        info = summary(env, result["store"])
        info.update(created=result["created"], full_sync=result["full_sync"], jobs=result["jobs"])
        cr.commit()
    print(json.dumps(info), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
