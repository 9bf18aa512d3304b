"""Set up the demo store against the loopback Shopify simulator (used by scripts/demo).

    python tests/demo/setup_demo.py -c <odoo.conf> -d <db> --shop-url http://127.0.0.1:8765 \\
        --token <access token> --client-secret <secret> --base-url http://127.0.0.1:8069

`setup_demo(env, ...)` is idempotent: the first call creates the "Demo Shopify Shop" store with the
simulator's credentials, registers the webhooks, fetches the locations (the shop's primary one is
mapped to the store's warehouse) and runs a Full Sync, driving the queue until products, customers
and orders are in Odoo. A later call reuses the store, saves the credentials and shop URL again and
re-registers the webhooks (a restarted simulator has none); it runs the Full Sync again only while
the store has no orders. Nothing here talks to anything but the simulator's loopback address, and the
demo database is set so that using it does not either (`switch_off_online_services`).
"""

import argparse
import json
import logging
import time

_logger = logging.getLogger("store_connector.demo")

DEMO_STORE_NAME = "Demo Shopify Shop"
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
    """The demo store of `shop` (archived ones included), or an empty recordset."""
    return env["connector.store"].with_context(active_test=False).search(
        [("platform", "=", "shopify"), ("shopify_shop_domain", "=", shop), ("name", "=", DEMO_STORE_NAME)],
        limit=1,
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


def setup_demo(env, shop_url, access_token, client_secret, shop=DEMO_SHOP, client_id=DEMO_CLIENT_ID,
               base_url=None, commit=False, pause=0.0):
    """Create or update the demo store and bring the simulator's shop into Odoo (see module doc).

    :param base_url: Odoo's address the simulator delivers webhooks to (web.base.url, frozen);
        None keeps the current one.
    :param commit: commit as the cron does (the script); False keeps everything in the caller's
        transaction (tests).
    :returns: dict(store, created, webhooks, locations, full_sync, jobs).
    """
    # The demo database talks to nothing but loopback.
    switch_off_online_services(env)
    if base_url:
        params = env["ir.config_parameter"].sudo()
        params.set_param("web.base.url", base_url.rstrip("/"))
        params.set_param("web.base.url.freeze", "True")
    store = demo_store(env, shop)
    created = not store
    vals = {"shop_url": shop_url, "shopify_client_id": client_id, "active": True}
    if created:
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        store = env["connector.store"].create({
            "name": DEMO_STORE_NAME,
            "platform": "shopify",
            "company_id": env.company.id,
            "shopify_shop_domain": shop,
            "allow_products_sync": True,
            "allow_orders_pull": True,
            "auto_sync_customers": True,
            "order_auto_confirm": True,  # paid orders become sale orders (Sales > Orders)
            "warehouse_id": warehouse.id,
            **vals,
        })
    else:
        store.write(vals)
    Credential = env["integration.credential"].sudo()
    Credential._set_value(store, "access_token", access_token)
    Credential._set_value(store, "client_secret", client_secret)
    if store.paused:
        store.action_resume()
    store.action_test_connection()
    store.action_register_webhooks()
    store.action_shopify_fetch_locations()
    map_primary_location(store)
    if commit:
        env.cr.commit()
    full_sync = not env["store.order.binding"].search_count([("store_id", "=", store.id)])
    jobs = 0
    if full_sync:
        store.action_full_sync()
        if commit:
            env.cr.commit()
        jobs = drive_queue(env, store, commit=commit, pause=pause)
    if commit:
        env.cr.commit()
    return {
        "store": store,
        "created": created,
        "webhooks": env["store.webhook"].search_count([("store_id", "=", store.id)]),
        "locations": len(store.shopify_location_ids),
        "full_sync": full_sync,
        "jobs": jobs,
    }


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
    parser.add_argument("--shop-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--shop", default=DEMO_SHOP)
    parser.add_argument("--client-id", default=DEMO_CLIENT_ID)
    parser.add_argument("--base-url", default=None)
    args = parser.parse_args(argv)

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    odoo.netsvc.init_logger()
    registry = uninstall_online_modules(Registry(args.database))
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        result = setup_demo(
            env, args.shop_url, args.token, args.client_secret, shop=args.shop, client_id=args.client_id,
            base_url=args.base_url, commit=True, pause=1.0,
        )
        info = summary(env, result["store"])
        info.update(created=result["created"], full_sync=result["full_sync"], jobs=result["jobs"])
        cr.commit()
    print(json.dumps(info), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
