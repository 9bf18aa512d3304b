"""Secrets in error texts (issue #7, point 8): redacted whole, then cut, on every path of the base.

The Shopify addon's tests attack the same paths over HTTP (a shop echoing the token it received);
these check the base's own sinks with the test platform.
"""

from odoo.addons.store_connector_base.services.redact import safe_message

from .common import StoreConnectorCase

FRAGMENT = 8


class TestSafeMessage(StoreConnectorCase):
    def assertNoFragment(self, text, secret):
        for start in range(len(secret) - FRAGMENT + 1):
            self.assertNotIn(secret[start:start + FRAGMENT], text)

    def test_redacts_the_whole_text_before_cutting(self):
        secret = "tok-" + "a1b2c3d4e5f6a7b8c9d0"
        text = "x" * 95 + secret + " and more"
        cut = safe_message(text, [secret], limit=100)
        self.assertLessEqual(len(cut), 100)
        self.assertNoFragment(cut, secret)
        self.assertTrue(cut.endswith("..."))
        self.assertIn("***", safe_message(text, [secret], limit=200))

    def test_url_encoded_secrets_and_non_text(self):
        secret = "s3cr3t/with+chars="
        self.assertEqual(safe_message("a=s3cr3t%2Fwith%2Bchars%3D&b", [secret]), "a=***&b")
        self.assertEqual(safe_message("a=s3cr3t%2Fwith%2Bchars%3D", [secret, None, 12, "ab"]), "a=***")
        self.assertEqual(safe_message(None, [secret]), "")
        self.assertEqual(safe_message(ValueError("boom " + secret), [secret]), "boom ***")

    def test_pause_reason_and_its_notice(self):
        """The pause reason is cut to 500 characters: a message that still holds a secret there
        (a caller that did not redact) must not keep part of it."""
        message = "Refused: " + "." * 480 + self.api_key + " was sent"
        self.store._pause_for_auth(message)
        self.assertTrue(self.store.paused)
        self.assertLessEqual(len(self.store.paused_reason), 500)
        self.assertNoFragment(self.store.paused_reason, self.api_key)
        line = self.store.log_ids.filtered(lambda log: log.operation == "connection")
        self.assertIn("***", line.message)
        self.assertNoFragment(line.message, self.api_key)
        notice = self.env["mail.message"].search([("model", "=", "connector.store"),
                                                  ("res_id", "=", self.store.id)], limit=1)
        self.assertNoFragment(str(notice.body), self.api_key)

    def test_events_quoting_platform_errors(self):
        """A platform refusing items may echo what it got; the event's log line is cut to 4000
        characters."""
        errors = [{"sku": "SKU-1", "error": "x" * 3990 + self.api_key}]
        product = self.store._event_product_synced_to_store(self.env["store.product.binding"], errors=errors)
        self.assertNoFragment(product.message, self.api_key)
        errors = [{"sku": "SKU-1", "error": "refused, you sent " + self.webhook_secret}]
        inventory = self.store._event_inventory_sync_completed(0, errors=errors)
        self.assertIn("***", inventory.message)
        self.assertNoFragment(inventory.message, self.webhook_secret)

    def test_job_error_through_the_queue(self):
        job = self.env["sync.job"]._enqueue(self.store, "test.leak", "_job_scripted",
                                            payload={"raise": "auth", "message": "x" * 600 + self.api_key})
        with self.assertLogs("odoo.store_connector.base.models.sync_job", "WARNING") as logs:
            self.run_queue()
        self.assertEqual(job.error_kind, "auth")
        for text in (job.last_error, self.store.paused_reason, "\n".join(logs.output)):
            self.assertNoFragment(text, self.api_key)
