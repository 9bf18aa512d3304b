"""Webhook topics in words (issue #13): the dashboard, the subscriptions and the deliveries show the
platform's label of each topic (store.adapter._webhook_topic_labels), or a readable form of an
unlabelled code; the code stays what is stored, searched and shown as a tooltip."""

from unittest.mock import patch

from odoo import fields
from odoo.tests import TransactionCase

from .common import create_test_store

# The test platform stands in for a platform addon that labels one of its topics (a plain string:
# the tests' words are not the merchant's, nothing to translate).
TEST_LABELS = {"orders/create": "Order placed"}


class TestWebhookTopicLabels(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store = create_test_store(cls.env, name="Labelled Shop")
        cls.Adapter = type(cls.env["store.adapter.test"])

    def _labelled(self):
        return patch.object(self.Adapter, "_webhook_topic_labels", lambda adapter: dict(TEST_LABELS),
                            create=True)

    def _deliver(self, topic, count=1):
        now = fields.Datetime.now()
        return self.env["store.webhook.delivery"].create([
            {"store_id": self.store.id, "kind": "orders", "topic": topic, "event_id": f"{topic}-{n}",
             "received_at": now} for n in range(count)])

    def test_the_dashboard_names_topics_by_their_label_and_keeps_the_code_as_tooltip(self):
        self._deliver("orders/create", 2)
        self._deliver("carts/abandoned_checkout")
        with self._labelled():
            html = str(self.store.dashboard_webhook_topics_html)
            summary = self.env["store.dashboard.summary"].browse(self.store.company_id.id)
            summary_html = str(summary.dashboard_webhook_topics_html)
        for shown in (html, summary_html):
            # the platform's label, its code in the tooltip only
            self.assertIn("<td title='orders/create'>Order placed</td>", shown.replace('"', "'"))
            # a topic nobody labelled: a readable form of its code, never the code alone
            self.assertIn(">Carts abandoned checkout</td>", shown)
            self.assertNotIn(">orders/create<", shown)
        # rows in the order of their labels
        self.assertLess(html.index("Carts abandoned checkout"), html.index("Order placed"))

    def test_subscriptions_and_deliveries_read_the_label_and_keep_the_code(self):
        webhook = self.env["store.webhook"].create({"store_id": self.store.id, "topic": "orders/create"})
        delivery = self._deliver("orders/create")
        other = self._deliver("carts/abandoned_checkout")
        with self._labelled():
            webhook.invalidate_recordset(["topic_label"])
            (delivery | other).invalidate_recordset(["topic_label"])
            self.assertEqual(webhook.topic_label, "Order placed")
            self.assertEqual(delivery.topic_label, "Order placed")
            self.assertEqual(other.topic_label, "Carts abandoned checkout")
        self.assertEqual(delivery.topic, "orders/create")
        self.assertEqual(self.env["store.webhook.delivery"].search(
            [("topic", "=", "orders/create"), ("store_id", "=", self.store.id)]), delivery)

    def test_the_adapter_labels_nothing_by_default(self):
        self.assertEqual(self.env["store.adapter"]._webhook_topic_labels(), {})

    def test_every_topic_a_platform_acts_on_or_subscribes_to_has_a_label(self):
        """A platform addon labels each topic it handles or registers: a new topic without a
        label fails here (the test platform, which no merchant sees, is left out)."""
        Store = self.env["connector.store"]
        checked = 0
        for adapter in self.env["sync.job"]._platform_adapters():
            if adapter._name == "store.adapter.test":
                continue
            platform = adapter._name.removeprefix("store.adapter.")
            store = Store.new({"name": "Sweep", "platform": platform, "company_id": self.env.company.id})
            topics = set(adapter._webhook_topic_handlers(store))
            topics |= set(adapter._webhook_registration_topics(store))
            known = adapter._webhook_topic_labels()
            self.assertFalse(sorted(topics - set(known)), f"{adapter._name}: topics without a label "
                             "(add them to its _webhook_topic_labels)")
            checked += len(topics)
        if len(self.env["sync.job"]._platform_adapters()) > 1:
            self.assertTrue(checked, "the sweep saw no platform topic")
