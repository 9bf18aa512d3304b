"""Webhook topics in words: the platforms name them by code ("orders/create", "order.updated",
"ORDER_CONFIRMATION"); people read the label the platform addon gives each
(`store.adapter._webhook_topic_labels`), or a readable form of the code. The code stays what is
stored and filtered on."""

from odoo import api, fields, models

from .. import labels


class StoreWebhookLabels(models.Model):
    _inherit = "store.webhook"

    topic_label = fields.Char(string="Event", compute="_compute_topic_label",
                              help="What the platform tells Odoo about, in words; the topic is its code.")

    @api.model
    def _topic_labels(self, platform=None):
        """{topic: label in the user's language} of every installed platform; the labels of
        `platform` (a connector.store.platform code) win where two platforms share a topic code."""
        adapters = self.env["sync.job"]._platform_adapters()
        own = f"store.adapter.{platform}" if platform else None
        found = {}
        for adapter in sorted(adapters, key=lambda adapter: adapter._name == own):
            found.update(adapter._webhook_topic_labels())
        return {code: labels.translate(self.env, label) for code, label in found.items()}

    @api.model
    def _topic_label(self, topic, platform=None, known=None):
        """The label of one topic (`known`: the result of `_topic_labels`, to read it once for
        many); a topic nobody labelled in a readable form of its code."""
        known = self._topic_labels(platform) if known is None else known
        return known.get(topic) or labels.readable_code(topic)

    @api.depends("topic", "store_id.platform")
    def _compute_topic_label(self):
        by_platform = {}
        for webhook in self:
            platform = webhook.store_id.platform
            if platform not in by_platform:
                by_platform[platform] = self._topic_labels(platform)
            webhook.topic_label = self._topic_label(webhook.topic, known=by_platform[platform])


class StoreWebhookDeliveryLabels(models.Model):
    _inherit = "store.webhook.delivery"

    topic_label = fields.Char(string="Event", compute="_compute_topic_label",
                              help="What the platform told Odoo about, in words; the topic is its code.")

    @api.depends("topic", "store_id.platform")
    def _compute_topic_label(self):
        Webhook = self.env["store.webhook"]
        by_platform = {}
        for delivery in self:
            platform = delivery.store_id.platform
            if platform not in by_platform:
                by_platform[platform] = Webhook._topic_labels(platform)
            delivery.topic_label = Webhook._topic_label(delivery.topic, known=by_platform[platform]) \
                if delivery.topic else False
