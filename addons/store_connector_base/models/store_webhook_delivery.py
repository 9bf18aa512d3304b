import json
import logging

import psycopg2.errors

from odoo import api, fields, models

from ..exceptions import OperationNotPermitted, WebhookRejected

_logger = logging.getLogger(__name__)

# Request headers never stored with a delivery: they may carry someone's credentials.
UNSTORED_HEADERS = frozenset({"cookie", "authorization", "proxy-authorization"})


class StoreWebhookDelivery(models.Model):
    """One webhook delivery as received: raw body and headers, and the job that processes it.

    Unique per (store, event id): a platform's duplicate delivery is stored once and processed once.
    Rows are written by `_receive` with plain SQL (it runs in the webhook request, which must answer
    fast); they are read and processed through the ORM.
    """

    _name = "store.webhook.delivery"
    _description = "Store Webhook Delivery"
    _order = "id desc"
    _rec_name = "event_id"

    # store_id and topic need no index of their own: the unique (store_id, event_id) index and
    # the (store_id, topic, received_at) index of `init` serve those lookups, and every index
    # costs the intake insert.
    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    kind = fields.Char(required=True, help="The intake route kind it was posted to (orders, products...).")
    topic = fields.Char(help="The platform's topic, e.g. orders/create.")
    event_id = fields.Char(required=True, string="Event ID", help="The platform's delivery or event id.")
    headers = fields.Json()
    body = fields.Text(help="The raw body, exactly as signed by the platform.")
    received_at = fields.Datetime(default=fields.Datetime.now, required=True, index=True)
    job_id = fields.Many2one("sync.job", index="btree_not_null", ondelete="set null")
    job_state = fields.Selection(related="job_id.state", string="Processing")

    _sql_constraints = [
        ("store_event_unique", "unique(store_id, event_id)", "This delivery was already received."),
    ]

    def init(self):
        # store.webhook.last_received_at reads max(received_at) per (store, topic).
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS store_webhook_delivery_store_topic_received_idx
                ON store_webhook_delivery (store_id, topic, received_at)
        """)

    # ------------------------------------------------------------------ intake
    @api.model
    def _receive(self, store, kind, headers, raw_body):
        """Intake of one delivery: verify, store, enqueue. Runs in the webhook request.

        :param store: an active connector.store (sudo).
        :param kind: the kind named in the URL.
        :param headers: request headers (case-insensitive mapping).
        :param raw_body: bytes as received.
        :returns: (status, message): 200 for a new ("queued"), duplicate ("duplicate"), ignored or
            ping ("ignored") delivery.
        :raises WebhookRejected: 404 unknown kind, 401 bad signature, 400 malformed body.
        """
        adapter = store._get_adapter()
        if kind not in adapter._webhook_kinds(store):
            raise WebhookRejected(404, "unknown webhook kind")
        if adapter._webhook_is_ping(store, kind, headers, raw_body):
            return 200, "ignored"
        adapter.verify_webhook(store, kind, headers, raw_body)
        parsed = adapter.parse_webhook(store, kind, headers, raw_body)
        if parsed.get("ignore"):
            return 200, "ignored"
        event_id = parsed.get("event_id")
        if not event_id:
            raise WebhookRejected(400, "delivery has no event id")
        try:
            body = raw_body.decode("utf-8")
        except UnicodeDecodeError:
            # Stored as text: an altered body could no longer be checked against its signature.
            raise WebhookRejected(400, "body is not UTF-8") from None
        if "\x00" in body:
            raise WebhookRejected(400, "body contains a NUL character")
        operation = parsed.get("operation") or f"webhook.{kind}"
        try:
            store._check_operation_allowed(operation)
        except OperationNotPermitted:
            # The merchant switched this off: answering an error would only make the platform
            # retry, then disable the subscription.
            _logger.info("webhook %s for store %s dropped: %s not permitted", kind, store.id, operation)
            return 200, "ignored"

        delivery = self._insert_delivery(store, kind, parsed.get("topic") or kind, str(event_id),
                                         headers, body)
        if not delivery:
            return 200, "duplicate"
        job = self.env["sync.job"]._enqueue(
            store,
            operation,
            parsed.get("method") or "_job_process",
            records=delivery,
            priority=parsed.get("priority", 5),
        )
        self.env.cr.execute(
            "UPDATE store_webhook_delivery SET job_id = %s WHERE id = %s", [job.id, delivery.id]
        )
        return 200, "queued"

    @api.model
    def _insert_delivery(self, store, kind, topic, event_id, headers, body):
        """Store a delivery unless this store already has its event id.

        One statement decides, so two copies of a delivery arriving together cannot both be kept.

        :returns: the new delivery, or an empty recordset for a duplicate.
        """
        cr = self.env.cr
        kept_headers = {k: v for k, v in headers.items() if k.lower() not in UNSTORED_HEADERS}
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
                        "topic": topic, "event": event_id, "headers": json.dumps(kept_headers),
                        "body": body, "uid": self.env.uid,
                    },
                    log_exceptions=False,  # a concurrent duplicate is expected, not an error
                )
                row = cr.fetchone()
        except (psycopg2.errors.UniqueViolation, psycopg2.errors.SerializationFailure):
            # A concurrent request committed the same event after this transaction's snapshot was
            # taken (Odoo runs in REPEATABLE READ, where ON CONFLICT then fails): it is a duplicate.
            row = None
        return self.browse(row[0]) if row else self.browse()

    # ------------------------------------------------------------------ processing
    def _payload(self):
        """The delivery's body, parsed as JSON (an empty dict for an empty body)."""
        self.ensure_one()
        return json.loads(self.body) if self.body else {}

    def _job_process(self, job):
        """Queue handler: hand the delivery to its platform addon (`store.adapter.process_webhook`)."""
        self.ensure_one()
        return self.store_id._get_adapter().process_webhook(self.store_id, self)
