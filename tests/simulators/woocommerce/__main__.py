"""Run the WooCommerce simulator for the demo:

python -m tests.simulators.woocommerce --port 8766 --seed demo
"""

import argparse
import json
import logging
import signal
import threading
import time

from .seed import demo_live_order
from .simulator import DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, WooCommerceSimulator

_logger = logging.getLogger("simulators.woocommerce")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.simulators.woocommerce", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--seed", choices=("none", "demo", "bulk"), default="demo")
    parser.add_argument("--products", type=int, default=1000, help="products of the bulk seed")
    parser.add_argument("--orders", type=int, default=500, help="orders of the bulk seed")
    parser.add_argument("--consumer-key", default=DEFAULT_CONSUMER_KEY)
    parser.add_argument("--consumer-secret", default=DEFAULT_CONSUMER_SECRET)
    parser.add_argument("--prices-include-tax", action="store_true")
    parser.add_argument("--currency", default="USD")
    parser.add_argument("--tracking-extension", action="store_true", help="serve the Shipment Tracking API")
    parser.add_argument(
        "--assume-ssl",
        action="store_true",
        help="accept Basic and query-string keys over http (a site behind a TLS proxy)",
    )
    parser.add_argument("--webhook-mode", choices=("background", "manual"), default="background")
    parser.add_argument("--duplicate-rate", type=float, default=0.0, help="share of deliveries sent twice")
    parser.add_argument("--reorder", action="store_true", help="shuffle webhook deliveries")
    parser.add_argument("--random-seed", type=int, default=0)
    parser.add_argument(
        "--order-every",
        type=float,
        default=0,
        metavar="SECONDS",
        help="place a new order (order.created, then order.updated when paid) every SECONDS",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    sim = WooCommerceSimulator(
        seed=args.seed,
        consumer_key=args.consumer_key,
        consumer_secret=args.consumer_secret,
        prices_include_tax=args.prices_include_tax,
        currency=args.currency,
        tracking_extension=args.tracking_extension,
        host=args.host,
        port=args.port,
        webhook_mode=args.webhook_mode,
        random_seed=args.random_seed,
        duplicate_rate=args.duplicate_rate,
        reorder=args.reorder,
        assume_ssl=args.assume_ssl,
        products=args.products,
        orders=args.orders,
    )
    base_url = sim.start()
    print(
        json.dumps(
            {
                "base_url": base_url,
                "api_url": sim.api_url,
                "consumer_key": sim.consumer_key,
                "consumer_secret": sim.consumer_secret,
                "auth": "Basic or query string" if sim.is_ssl_site else "OAuth 1.0a",
                "tracking_extension": sim.tracking_extension,
                "seed": sim.seed_summary,
            },
            indent=2,
        ),
        flush=True,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    placed, next_order = 0, time.monotonic() + args.order_every
    try:
        while not stop.wait(0.5):
            if args.order_every > 0 and time.monotonic() >= next_order:
                next_order += args.order_every
                try:
                    order = demo_live_order(sim, placed)
                    _logger.info("new order %s (%s)", order["number"], order["total"])
                except Exception:  # keep serving: a failed order is logged, the next one is tried
                    _logger.exception("placing a live demo order failed")
                placed += 1
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
