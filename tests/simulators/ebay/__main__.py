"""Run the eBay simulator for the demo:

python -m tests.simulators.ebay --port 8767 --seed demo [--order-every 60]
"""

import argparse
import json
import logging
import signal
import threading
import time

from .seed import demo_live_order
from .simulator import DEFAULT_APP_ID, DEFAULT_CERT_ID, DEFAULT_DEV_ID, DEFAULT_RUNAME, EbaySimulator

_logger = logging.getLogger("ebay-simulator")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.simulators.ebay", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--seed", choices=("none", "demo"), default="demo")
    parser.add_argument("--app-id", default=DEFAULT_APP_ID)
    parser.add_argument("--cert-id", default=DEFAULT_CERT_ID)
    parser.add_argument("--dev-id", default=DEFAULT_DEV_ID)
    parser.add_argument("--runame", default=DEFAULT_RUNAME)
    parser.add_argument(
        "--runame-url", help="the RuName's auth accepted URL (the connector's OAuth callback)"
    )
    parser.add_argument("--access-token", help="accept this string as the seller's user token")
    parser.add_argument("--marketplace", default="EBAY_US")
    parser.add_argument(
        "--no-schema-check",
        action="store_true",
        help="do not check requests against ebay-rest's contracts (when it is not installed)",
    )
    parser.add_argument(
        "--order-every",
        type=float,
        default=0,
        help="place a new order of a demo listing every N seconds (0: never; the demo seed only)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    sim = EbaySimulator(
        seed=args.seed,
        app_id=args.app_id,
        cert_id=args.cert_id,
        dev_id=args.dev_id,
        runame=args.runame,
        marketplace=args.marketplace,
        host=args.host,
        port=args.port,
        access_token=args.access_token,
        check_schema=not args.no_schema_check,
    )
    if args.runame_url:
        sim.set_runame_url(args.runame_url)
    base_url = sim.start()
    print(
        json.dumps(
            {
                "base_url": base_url,
                "trading_url": sim.trading_url,
                "app_id": sim.app_id,
                "cert_id": sim.cert_id,
                "dev_id": sim.dev_id,
                "runame": sim.runame,
                "access_token": sim.access_token,
                "refresh_token": sim.refresh_token,
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
            if args.order_every > 0 and args.seed == "demo" and time.monotonic() >= next_order:
                next_order += args.order_every
                try:
                    order = demo_live_order(sim, placed)
                except Exception:  # noqa: BLE001 - the demo shop keeps running; the log says why
                    _logger.exception("placing a demo order failed")
                    continue
                placed += 1
                if order:
                    _logger.info("new order %s (%s)", order["orderId"], order["pricingSummary"]["total"])
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
