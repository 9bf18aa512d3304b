"""End-to-end fixtures: a WooCommerce simulator serving a store whose webhooks Odoo's real HTTP
server receives (HttpCase), products of the simulator's SKUs in Odoo, helpers to deliver and run
what the shop sends."""

import time
from contextlib import contextmanager
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import HttpCase

from odoo.addons.store_connector_base.tests.common import run_queue

from tests.simulators.woocommerce import WooCommerceSimulator

from .common import create_woocommerce_store

#: The SKUs of the simulator's `demo` seed that orders buy (the "Single" product has none: bound by id).
DEMO_SKUS = ("woo-beanie", "woo-belt", "woo-cap", "woo-sunglasses", "woo-album", "woo-poster",
             "Woo-tshirt-logo", "woo-long-sleeve-tee", "woo-hoodie-with-zipper", "woo-hoodie-blue-logo",
             "woo-hoodie-blue", "woo-hoodie-green", "woo-hoodie-red", "woo-vneck-tee-red",
             "woo-vneck-tee-green")


@tagged("post_install", "-at_install")
class WooCommerceE2ECase(HttpCase):
    """`self.sim` (started in setUp with `sim_options`) and `self.store` connected to it (OAuth 1.0a
    over the loopback http); web.base.url is the test server, so webhooks reach the real intake."""

    sim_options = {"seed": "none"}
    store_options = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.base_url())
        self.sim = WooCommerceSimulator(**self.sim_options)
        self.addCleanup(self.sim.stop)
        self.store = create_woocommerce_store(
            self.env, shop_url=self.sim.start(), consumer_key=self.sim.consumer_key,
            consumer_secret=self.sim.consumer_secret, webhook_secret=None, **self.store_options)

    # ------------------------------------------------------------------ helpers
    def products(self, skus, **values):
        """Odoo products for `skus` (storable), by SKU."""
        Product = self.env["product.product"]
        records = Product.create([{"name": sku, "default_code": sku, "is_storable": True, **values}
                                  for sku in skus])
        return dict(zip(skus, records, strict=True))

    def register(self):
        """Register Webhooks, as the button does; the pings are answered by the real intake."""
        self.store.action_register_webhooks()
        # As at the end of the button's request: the deliveries are received by other requests.
        self.env.flush_all()

    def deliver(self):
        """Deliver what the shop has pending to Odoo's intake; every delivery must be accepted."""
        results = self.sim.flush_webhooks()
        self.assertTrue(results, "the shop sent something")
        self.assertTrue(all(result["ok"] for result in results),
                        [(result["topic"], result["status"], result["error"]) for result in results])
        return results

    def run_jobs(self):
        return run_queue(self.env, self.store)

    def binding(self, order_id):
        return self.env["store.order.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", str(order_id))])

    def deliveries(self, topic=None):
        """The store's stored deliveries: of `topic`, or of a resource ("order.")."""
        domain = [("store_id", "=", self.store.id)]
        if topic:
            domain.append(("topic", "=like", f"{topic}%") if topic.endswith(".") else ("topic", "=", topic))
        return self.env["store.webhook.delivery"].search(domain)

    @staticmethod
    def of_orders(results):
        """The order topics' deliveries among `results` (an order moving stock also fires
        product.updated)."""
        return [result for result in results if result["topic"].startswith("order.")]

    def writes(self):
        """The shop's REST calls that change something (method, path, JSON)."""
        return [(request["method"], request["path"], request["json"]) for request in self.sim.requests
                if request["method"] not in ("GET", "HEAD")]

    def order_writes(self):
        """The shop's REST calls that change orders (stock exports left out: Odoo is the stock's
        master and sends its quantities whenever stock moves)."""
        return [write for write in self.writes() if write[1].startswith("/wp-json/wc/v3/orders")]

    def next_second(self):
        """Move the shop's clock to the next second (WooCommerce's dates have second resolution)."""
        self.sim.advance(1)

    @contextmanager
    def frozen_shop_clock(self):
        """The shop's clock stopped at its current second while the block runs: deliveries sent
        within it share WooCommerce's per-second delivery id, however slow the machine is."""
        frozen = int(self.sim.clock.time()) + 0.5
        with patch.object(self.sim.clock, "time", lambda: frozen):
            yield frozen

    @staticmethod
    def timed():
        return time.perf_counter()
