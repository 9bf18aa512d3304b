from odoo.tests import tagged
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.exceptions import PermanentJobError, RetryableJobError, StoreAuthError
from odoo.addons.store_connector_base.services.api_client import ApiClient
from odoo.addons.store_connector_base.tests.common import run_queue
from odoo.addons.store_connector_shopify.models.shopify_client import ShopifyClient, ShopifyUserError

from .common import ShopifySimulatorCase
from .test_shopify_http_security import ShopifyStoreMixin, new_token

PRODUCTS = """
query P($first: Int!, $after: String) {
  products(first: $first, after: $after) {
    nodes { id title variants(first: 5) { nodes { sku } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

WEBHOOK_CREATE = """
mutation W($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id }
    userErrors { field message }
  }
}
"""


@tagged("post_install", "-at_install")
class TestShopifyClient(ShopifySimulatorCase):
    sim_kwargs = {"bucket": {"maximumAvailable": 200, "restoreRate": 100}}

    def test_query_and_pagination(self):
        for i in range(7):
            self.sim.add_product(f"Product {i}", variants=[{"sku": f"SKU-{i}", "price": "10.00"}])
        client = self.client()
        data = client.query("{ shop { name } }")
        self.assertTrue(data["shop"]["name"])
        titles = [node["title"] for node in client.paginate(PRODUCTS, path="products", page_size=3)]
        self.assertEqual(sorted(titles), sorted(f"Product {i}" for i in range(7)))
        self.assertEqual(client.stats["calls"], 1 + 3)
        self.assertTrue(self.sim.calls[-1]["requested_cost"])

    def test_throttling_paces_and_never_fails(self):
        """A bucket of 200 points, queries of ~60 points: more than the bucket holds is asked, the
        client waits rather than failing, and Shopify never has to throttle more than a first guess.

        A slow refill (25 points/s): the calls outrun it even on a loaded machine, where each call
        can take long enough for a faster bucket to refill between them and no wait be needed."""
        restore_rate = self.sim.bucket.restore_rate
        self.sim.bucket.restore_rate = 25.0
        self.addCleanup(setattr, self.sim.bucket, "restore_rate", restore_rate)
        for i in range(3):
            self.sim.add_product(f"T {i}", variants=[{"sku": f"T-{i}", "price": "1.00"}])
        client = self.client()
        before = self.sim.stats["throttled"]
        query = PRODUCTS.replace("variants(first: 5)", "variants(first: 20)")
        for _i in range(4):
            list(client.paginate(query, path="products", page_size=2))
        self.assertEqual(self.sim.stats["throttled"] - before, client.stats["throttled"])
        # at most the first call (cost unknown yet) could be throttled
        self.assertLessEqual(client.stats["throttled"], 1)
        self.assertGreater(client.stats["waited"], 0)

    def test_throttled_answer_is_retried(self):
        """Shopify's bucket is emptied behind the client's back: the THROTTLED answer is waited out
        and the query sent again, so the caller only sees the data."""
        self.sim.add_product("Thr", variants=[{"sku": "THR-1", "price": "1.00"}])
        client = self.client()
        before = self.sim.stats["throttled"]
        self.sim.bucket.drain()
        data = client.query(PRODUCTS, {"first": 17, "after": None})
        self.assertTrue(data["products"]["nodes"])
        self.assertGreaterEqual(client.stats["throttled"], 1)
        self.assertEqual(client.stats["retries"], client.stats["throttled"])
        self.assertEqual(self.sim.stats["throttled"] - before, client.stats["throttled"])

    def test_graphql_errors_are_permanent(self):
        with self.assertRaisesRegex(PermanentJobError, "doesn't exist"):
            self.client().query("{ shop { nope } }")
        # Sent on purpose: Shopify's published schema refuses it too (the simulator answered its error).
        [refused] = self.sim.take_schema_violations()
        self.assertEqual(refused["query"], "{ shop { nope } }")

    def test_missing_scope_is_permanent_with_shopify_message(self):
        scopes = list(self.sim.scopes)
        self.sim.scopes = [s for s in scopes if "customers" not in s]
        try:
            with self.assertRaisesRegex(PermanentJobError, "access scope") as caught:
                self.client().query("query C($first: Int!) { customers(first: $first) { nodes { id } } }",
                                    {"first": 1})
            self.assertNotIsInstance(caught.exception, RetryableJobError)
        finally:
            self.sim.scopes = scopes

    def test_user_errors(self):
        client = self.client()
        variables = {"topic": "ORDERS_CREATE", "sub": {"uri": "ftp://nowhere", "format": "JSON"}}
        with self.assertRaises(ShopifyUserError) as caught:
            client.mutate(WEBHOOK_CREATE, variables, "webhookSubscriptionCreate")
        self.assertTrue(caught.exception.user_errors)
        self.assertIn("webhookSubscriptionCreate", str(caught.exception))
        payload = client.mutate(WEBHOOK_CREATE, variables, "webhookSubscriptionCreate",
                                raise_user_errors=False)
        self.assertTrue(payload["userErrors"])

    def test_server_errors_are_retryable(self):
        self.sim.fail_next = [502]
        with self.assertRaises(RetryableJobError):
            self.client().query("{ shop { name } }")
        self.sim.fail_next = [429]
        with self.assertRaises(RetryableJobError):
            self.client().query("{ shop { name } }")

    def test_bad_token_is_auth_error(self):
        self.env["integration.credential"]._set_value(self.store, "access_token", "shpat_wrong_token_value")
        with self.assertRaises(StoreAuthError):
            self.client().query("{ shop { name } }")


@tagged("post_install", "-at_install")
class TestShopifyThrottledJob(ShopifySimulatorCase):
    """A bucket restoring 1 point a second: the wait exceeds what a job may spend waiting."""

    sim_kwargs = {"bucket": {"maximumAvailable": 1000, "restoreRate": 1}}

    def test_throttled_job_is_rescheduled_not_failed(self):
        self.sim.bucket.drain()
        job = self.env["sync.job"]._enqueue(self.store, "locations.sync", "_job_shopify_sync_locations")
        self.run_queue()
        self.assertEqual(job.state, "pending")  # rescheduled for when the bucket allows it
        self.assertFalse(self.store.paused)
        self.assertEqual(job.retry_count, 0)  # waiting for the bucket is not a failure
        self.assertGreater(job.next_attempt_at, job.create_date)


@tagged("post_install", "-at_install")
class TestShopifyClientOnTheCore(ShopifyStoreMixin, TransactionCase):
    """What the base's client core does for Shopify, against a scripted shop host."""

    RATE_LIMITED = {"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume "
                              "uninterrupted service."}

    def test_http_429_is_throttled_for_shopifys_retry_after(self):
        self.assertTrue(issubclass(ShopifyClient, ApiClient))
        server = self.start_server(lambda request: (429, {"Retry-After": "2.0"}, self.RATE_LIMITED))
        token = new_token()
        store = self.make_store("Throttled Shop", shop_url=server.url(), token=token)
        with self.assertRaises(RetryableJobError) as caught:
            store._shopify_client().query("{ shop { name } }")
        self.assertTrue(caught.exception.throttled)
        self.assertEqual(caught.exception.retry_after, 2.0)
        self.assertIn("Exceeded 2 calls per second", str(caught.exception))
        self.assertEqual(server.requests[0]["headers"]["x-shopify-access-token"], token)

    def test_http_429_in_a_job_does_not_count_a_failure(self):
        server = self.start_server(lambda request: (429, {"Retry-After": "2.0"}, self.RATE_LIMITED))
        store = self.make_store("Throttled Job Shop", shop_url=server.url(), token=new_token())
        job = self.env["sync.job"]._enqueue(store, "locations.sync", "_job_shopify_sync_locations")
        run_queue(self.env, store)
        self.assertEqual((job.state, job.retry_count), ("pending", 0))
        self.assertFalse(store.paused)
