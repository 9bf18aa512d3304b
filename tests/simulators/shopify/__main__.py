"""Run the Shopify simulator for the demo: python -m tests.simulators.shopify --port 8765 --seed demo"""

import argparse
import json
import logging
import signal
import threading
import time

from .seed import demo_live_order, skip_ids
from .simulator import ShopifySimulator

_logger = logging.getLogger("simulators.shopify")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.simulators.shopify", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--shop", default="demo.myshopify.com")
    parser.add_argument("--token", default="shpat_simulator_token", help="static Admin API access token")
    parser.add_argument("--client-id", default="sim-client-id")
    parser.add_argument("--client-secret", default="sim-client-secret", help="signs webhooks and OAuth HMACs")
    parser.add_argument("--seed", choices=("none", "demo", "bulk"), default="demo")
    parser.add_argument("--bucket-size", type=float, default=2000)
    parser.add_argument("--restore-rate", type=float, default=100)
    parser.add_argument("--webhook-mode", choices=("background", "manual"), default="background")
    parser.add_argument("--duplicate-rate", type=float, default=0.0, help="share of webhooks delivered twice")
    parser.add_argument("--redelivery-rate", type=float, default=0.0,
                        help="share of events delivered again under a new webhook id (same event id)")
    parser.add_argument("--reorder", action="store_true", help="shuffle webhook deliveries")
    parser.add_argument("--random-seed", type=int, default=0)
    parser.add_argument("--compliance-uri", default=None)
    parser.add_argument(
        "--order-every",
        type=float,
        default=0,
        metavar="SECONDS",
        help="place a new order (orders/create webhook...) every SECONDS while running (0: never)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    sim = ShopifySimulator(
        shop=args.shop,
        access_token=args.token,
        client_id=args.client_id,
        client_secret=args.client_secret,
        bucket={"maximumAvailable": args.bucket_size, "restoreRate": args.restore_rate},
        host=args.host,
        port=args.port,
        webhook_mode=args.webhook_mode,
        seed=args.random_seed,
        duplicate_rate=args.duplicate_rate,
        redelivery_rate=args.redelivery_rate,
        reorder=args.reorder,
        compliance_uri=args.compliance_uri,
    )
    summary = sim.seed(args.seed) if args.seed != "none" else {}
    base_url = sim.start()
    print(
        json.dumps(
            {
                "base_url": base_url,
                "graphql": sim.graphql_url(),
                "shop": sim.shop,
                "access_token": sim.access_token,
                "client_id": sim.client_id,
                "client_secret": sim.client_secret,
                "api_versions": sim.api_versions,
                "seed": summary,
            },
            indent=2,
        ),
        flush=True,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if args.order_every > 0:
        # New ids from here on: a later run's orders never reuse the ids of this run's.
        skip_ids(sim, int(time.time()) * 10)
    placed, next_order = 0, time.monotonic() + args.order_every
    try:
        while not stop.wait(0.5):
            if args.order_every > 0 and time.monotonic() >= next_order:
                next_order += args.order_every
                try:
                    order = demo_live_order(sim, placed)
                    _logger.info("new order %s (%s)", order["name"], order["id"])
                except Exception:  # keep serving: a failed order is logged, the next one is tried
                    _logger.exception("placing a live demo order failed")
                placed += 1
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
