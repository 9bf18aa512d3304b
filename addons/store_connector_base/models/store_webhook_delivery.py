import json
import logging

import psycopg2.errors

from odoo import _, api, fields, models

from ..exceptions import WebhookRejected

_logger = logging.getLogger(__name__)


class StoreWebhookDelivery(models.Model):
    """One webhook delivery as received: raw body and headers, kept until its job is done.

    Unique per (store, event id): a platform's duplicate delivery is stored once and processed once.
    """

    _name = "store.webhook.delivery"
    _description = "Store Webhook Delivery"
    _order = "id desc"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    kind = fields.Char(required=True)
    topic = fields.Char(index=True)
    event_id = fields.Char(required=True, string="Event ID")
    headers = fields.Json()
    body = fields.Text(help="The raw body, as signed by the platform.")
    received_at = fields.Datetime(default=fields.Datetime.now, required=True, index=True)
    job_id = fields.Many2one("sync.job", index="btree_not_null", ondelete="set null")
    job_state = fields.Selection(related="job_id.state", string="Processing")

    _sql_constraints = [
        ("store_event_unique", "unique(store_id, event_id)", "This delivery was already received."),
    ]

    @api.model
    def _receive(self, store, kind, headers, raw_body):
        """Intake of one delivery: verify, store, enqueue. Runs in the webhook request.

        :param store: an active connector.store (sudo).
        :param headers: request headers (case-insensitive mapping).
        :param raw_body: bytes as received.
        :returns: (status, message) — 200 for a new, duplicate or ignored (ping) delivery.
        :raises WebhookRejected: 404 unknown kind, 401 bad signature, 400 malformed body.
        """
        adapter = store._get_adapter()
        if kind not in adapter._webhook_kinds(store):
            raise WebhookRejected(404, "unknown webhook kind")
        adapter.verify_webhook(store, kind, headers, raw_body)
        parsed = adapter.parse_webhook(store, kind, headers, raw_body)
        if parsed.get("ignore"):
            return 200, "ignored"
        event_id = parsed.get("event_id")
        if not event_id:
            raise WebhookRejected(400, "delivery has no event id")
        # One statement inserts the delivery unless it is a duplicate: no read-then-write race.
        cr = self.env.cr
        kept_headers = {k: v for k, v in headers.items() if k.lower() != "cookie"}
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    """INSERT INTO store_webhook_delivery
                           (store_id, company_id, kind, topic, event_id, headers, body, received_at,
                            create_uid, write_uid, create_date, write_date)
                       VALUES (%(store)s, %(company)s, %(kind)s, %(topic)s, %(event)s, %(headers)s,
                               %(body)s, (now() AT TIME ZONE 'UTC'), %(uid)s, %(uid)s,
                               (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'))
                       ON CONFLICT (store_id, event_id) DO NOTHING
                       RETURNING id""",
                    {
                        "store": store.id, "company": store.company_id.id, "kind": kind,
                        "topic": parsed.get("topic") or kind, "event": str(event_id),
                        "headers": json.dumps(kept_headers),
                        "body": raw_body.decode("utf-8", errors="replace"), "uid": self.env.uid,
                    },
                )
                row = cr.fetchone()
        except psycopg2.errors.UniqueViolation:
            row = None
        if not row:
            return 200, "duplicate"
        delivery = self.browse(row[0])
        job = self.env["sync.job"]._enqueue(
            store,
            parsed.get("operation") or f"webhook.{kind}",
            parsed.get("method") or "_job_process",
            records=delivery,
            priority=parsed.get("priority", 5),
        )
        cr.execute("UPDATE store_webhook_delivery SET job_id = %s WHERE id = %s", [job.id, delivery.id])
        return 200, "queued"

    def _payload(self):
        """The delivery's body, parsed."""
        self.ensure_one()
        return json.loads(self.body) if self.body else {}

    def _job_process(self, job):
        """Queue handler: hand the delivery to the platform addon."""
        self.ensure_one()
        return self.store_id._get_adapter().process_webhook(self.store_id, self)
