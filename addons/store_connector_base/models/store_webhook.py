import hashlib
import hmac

from odoo import api, fields, models

from ..services.sync_api import iso_utc


class StoreWebhook(models.Model):
    """A webhook subscription of a store on its platform (the webhook registry).

    Platform addons write these in `store.adapter._register_webhooks`: one per (store, topic), with
    the platform's subscription id. The deliveries themselves are `store.webhook.delivery` rows.
    """

    _name = "store.webhook"
    _inherit = ["store.owned.mixin"]
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
    checked_at = fields.Datetime(
        string="Checked On", readonly=True, copy=False,
        help="When the platform last reported this subscription's state (Register Webhooks, or the "
        "scheduled check of platforms that disable webhooks on their own).")
    # Platforms where Odoo gives each subscription its secret (WooCommerce) never show it again:
    # Register Webhooks compares this digest with the store's current secret to know whether the
    # subscription still signs with it. Keyed with the database secret: it tells nothing of the
    # secret to whoever reads it.
    secret_fingerprint = fields.Char(copy=False, groups="base.group_system")
    # Derived from the deliveries rather than written on every delivery: concurrent intake
    # requests would otherwise all update this one row and serialise on it.
    last_received_at = fields.Datetime(compute="_compute_last_received_at")

    _sql_constraints = [
        ("store_topic_unique", "unique(store_id, topic)", "A store has one subscription per topic."),
    ]

    @api.depends("store_id", "topic")
    def _compute_last_received_at(self):
        self.last_received_at = False
        if not self.ids:
            return
        self.flush_recordset(["store_id", "topic"])
        self.env["store.webhook.delivery"].flush_model(["store_id", "topic", "received_at"])
        # A scalar subquery per subscription reads one entry of the (store_id, topic, received_at)
        # index; a join with GROUP BY would read every delivery of the topic.
        self.env.cr.execute(
            """SELECT w.id,
                      (SELECT max(d.received_at)
                         FROM store_webhook_delivery d
                        WHERE d.store_id = w.store_id AND d.topic = w.topic)
                 FROM store_webhook w
                WHERE w.id = ANY(%s)""",
            [self.ids],
        )
        last = dict(self.env.cr.fetchall())
        for webhook in self:
            webhook.last_received_at = last.get(webhook.id, False)

    @api.model
    def _secret_fingerprint(self, secret):
        """A digest of a webhook secret, for `secret_fingerprint` (HMAC-SHA256 keyed with the
        database secret; never the secret itself). :returns: str, or False for no secret."""
        if not secret:
            return False
        key = self.env["ir.config_parameter"].sudo().get_param("database.secret") or ""
        return hmac.new(key.encode(), secret.encode(), hashlib.sha256).hexdigest()[:32]

    def _api_webhook_values(self):
        """JSON of subscriptions for the sync API (``POST .../webhooks``)."""
        return [{
            "topic": webhook.topic,
            "kind": webhook.kind or None,
            "status": webhook.status,
            "address": webhook.address or None,
            "external_id": webhook.external_id or None,
            "last_error": webhook.last_error or None,
            "last_received_at": iso_utc(webhook.last_received_at),
        } for webhook in self]
