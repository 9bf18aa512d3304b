"""What of Shopify's answers counts towards a platform outage (the base's models/connector_store_outage.py):
its HTTP 5xx and 429 (the client core), and GraphQL errors meaning Shopify failed (INTERNAL_SERVER_ERROR,
SERVICE_UNAVAILABLE, TIMEOUT); not its THROTTLED, which is the normal pacing of its cost bucket."""

from odoo.tests import tagged

from odoo.addons.store_connector_base.exceptions import PlatformUnavailable, RetryableJobError

from .common import ShopifySimulatorCase


@tagged("post_install", "-at_install")
class TestShopifyOutageErrors(ShopifySimulatorCase):
    def test_shopify_failures_are_platform_unavailable_its_throttling_is_not(self):
        client = self.client()
        limiter = client.limiter
        for code in ("INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"):
            with self.assertRaises(PlatformUnavailable):
                client._raise_graphql_errors([{"message": "Shopify failed.", "extensions": {"code": code}}],
                                             limiter, 0)
        with self.assertRaises(RetryableJobError) as caught:
            client._raise_graphql_errors([{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                                         limiter, 0)
        self.assertNotIsInstance(caught.exception, PlatformUnavailable)
        for status in (502, 429):
            self.sim.fail_next = [status]
            with self.assertRaises(PlatformUnavailable):
                client.query("{ shop { name } }")

    def test_a_shopify_outage_holds_the_store_s_jobs_and_ends_on_its_return(self):
        self.sim.outage("5xx", seconds=600)
        jobs = self.env["sync.job"].browse([
            self.env["sync.job"]._enqueue(self.store, "locations.sync", "_job_shopify_sync_locations",
                                          max_retries=1).id
            for _index in range(3)])
        self.run_queue()
        self.assertTrue(self.store.platform_outage_since)
        self.assertIn("Shopify is not answering since", self.store.platform_outage_message)
        self.assertNotIn("failed", jobs.mapped("state"))
        self.sim.end_outage()
        self.env.flush_all()
        self.env.cr.execute("UPDATE connector_store SET platform_outage_probe_at = now() - interval '1 hour' "
                            "WHERE id = %s", [self.store.id])
        self.env.cr.execute("UPDATE sync_job SET next_attempt_at = now() - interval '1 hour' "
                            "WHERE id = ANY(%s)", [jobs.ids])
        self.env.invalidate_all()
        self.run_queue()
        self.assertFalse(self.store.platform_outage_since)
        self.assertEqual(set(jobs.mapped("state")), {"done"})
