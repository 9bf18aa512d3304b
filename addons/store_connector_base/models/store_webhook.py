from odoo import api, fields, models


class StoreWebhook(models.Model):
    """A webhook subscription of a store on its platform (the webhook registry)."""

    _name = "store.webhook"
    _description = "Store Webhook Subscription"
    _order = "store_id, topic"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    topic = fields.Char(required=True, help="The platform's topic, e.g. orders/create or order.updated.")
    kind = fields.Char(help="Intake route kind the subscription posts to (orders, products, ...).")
    external_id = fields.Char(string="Platform Subscription ID", copy=False)
    address = fields.Char(help="URL the platform delivers to.")
    status = fields.Selection(
        [("active", "Active"), ("paused", "Paused"), ("disabled", "Disabled"), ("error", "Error")],
        default="active",
        required=True,
    )
    last_error = fields.Char()
    # Derived from the deliveries rather than written on every delivery: concurrent intake
    # requests would otherwise all update this one row and serialise on it.
    last_received_at = fields.Datetime(compute="_compute_last_received_at")

    _sql_constraints = [
        ("store_topic_unique", "unique(store_id, topic)", "A store has one subscription per topic."),
    ]

    @api.depends("store_id", "topic")
    def _compute_last_received_at(self):
        if not self.ids:
            self.last_received_at = False
            return
        self.env.cr.execute(
            """SELECT w.id, max(d.received_at)
                 FROM store_webhook w
                 JOIN store_webhook_delivery d ON d.store_id = w.store_id AND d.topic = w.topic
                WHERE w.id = ANY(%s)
             GROUP BY w.id""",
            [self.ids],
        )
        last = dict(self.env.cr.fetchall())
        for webhook in self:
            webhook.last_received_at = last.get(webhook.id, False)
