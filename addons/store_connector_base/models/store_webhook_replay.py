"""Replay of a stored webhook delivery: a new job over the same payload, recorded as a replay.

What a replay does about the order pipeline's rule "an order older than what Odoo holds is
ignored": it keeps it. A merchant replays a delivery because its import failed or was skipped
(an unknown SKU since created, a mapping since fixed, a job cancelled by hand): the replay re-runs
that import, so the failed or skipped one gets a second chance. Replaying an old event must not
roll an order back to the state it had then (a paid and shipped order made pending again by its
orders/create event): when Odoo already holds the order as the platform sent it later, the replay
changes nothing and its result says so, pointing to Recover an Order for reading the order as
it is now on the platform.
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .store_webhook_delivery import MANAGER_GROUP

# The identity key of a delivery's replay job: clicking Replay twice before it runs queues one job.
REPLAY_IDENTITY_PREFIX = "webhook-replay:"
# Before the scheduled pulls and exports (priority 10), as a delivery's own job (priority 5):
# someone is waiting for it.
REPLAY_PRIORITY = 5


class StoreWebhookReplay(models.Model):
    """One replay of a webhook delivery: who asked for it (create_uid), when (create_date), of
    which delivery, and the job that ran it. Written by `store.webhook.delivery.action_replay`
    only (as superuser, the caller kept as its creator); nobody edits it."""

    _name = "store.webhook.replay"
    _inherit = ["store.owned.mixin"]
    _description = "Webhook Delivery Replay"
    _order = "id desc"
    _rec_name = "delivery_id"

    store_id = fields.Many2one("connector.store", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    delivery_id = fields.Many2one(
        "store.webhook.delivery", string="Replayed Delivery", required=True, readonly=True, index=True,
        ondelete="cascade", check_company=True,
    )
    job_id = fields.Many2one(
        "sync.job", string="Replay Job", readonly=True, index="btree_not_null", ondelete="set null",
        check_company=True,
    )
    job_state = fields.Selection(related="job_id.state", string="Outcome")
    topic = fields.Char(related="delivery_id.topic")
    event_id = fields.Char(related="delivery_id.event_id", string="Event ID")


class StoreWebhookDelivery(models.Model):
    """The Replay button of a stored delivery (Store Connector Managers)."""

    _inherit = "store.webhook.delivery"

    replay_ids = fields.One2many("store.webhook.replay", "delivery_id", string="Replays", readonly=True)
    replay_count = fields.Integer(compute="_compute_replay_count")

    @api.depends("replay_ids")
    def _compute_replay_count(self):
        for delivery in self:
            delivery.replay_count = len(delivery.replay_ids)

    def action_replay(self):
        """Replay the delivery: a new job processes its stored body again, as its own job did, and
        the replay is recorded (who, when, which job) on the delivery and on the job.

        The order pipeline still ignores an order older than the one Odoo holds (see the module's
        docstring): a replay gives a failed or skipped import a second chance, never rolls an order
        back.

        :returns: a notification saying what was queued (and that a paused store's job waits).
        :raises AccessError: the caller is not a Store Connector Manager of the delivery's store
            (the body is theirs to see; Users see only its metadata).
        :raises UserError: the store is archived; the delivery's own job has not run yet; the
            store no longer permits the operation.
        """
        self.ensure_one()
        self._check_replay_access()
        delivery = self.sudo()
        store = delivery.with_context(active_test=False).store_id
        if not store.active:
            raise UserError(_(
                "Store %(store)s is archived: its webhook deliveries cannot be replayed. Restore the "
                "store (Action > Unarchive) first if it should process them again.",
                store=store.name))
        if delivery.job_id.state in ("pending", "processing"):
            raise UserError(_(
                "Delivery %(event)s is still waiting to be processed by its own job: replaying it now "
                "would do the same work twice. Wait for that job to finish (or click Run Now on it).",
                event=delivery.event_id))
        if any(state in ("pending", "processing") for state in delivery.replay_ids.mapped("job_state")):
            raise UserError(_(
                "A replay of delivery %(event)s is already queued: it runs shortly, and its outcome "
                "shows in the Replays section.", event=delivery.event_id))
        operation = delivery.job_id.operation or f"webhook.{delivery.kind}"
        job = self.env["sync.job"]._enqueue(
            store, operation, "_job_replay", records=delivery,
            identity_key=f"{REPLAY_IDENTITY_PREFIX}{delivery.id}", priority=REPLAY_PRIORITY,
        )
        # As superuser: nobody writes a replay by hand; the caller stays its creator (create_uid).
        self.env["store.webhook.replay"].sudo().create({
            "store_id": store.id, "delivery_id": delivery.id, "job_id": job.id,
        })
        store._log_activity("webhook", "info", message=_(
            "Webhook %(topic)s (delivery %(event)s) replayed by %(user)s.",
            topic=delivery.topic or delivery.kind, event=delivery.event_id, user=self.env.user.name), job=job)
        if store.paused:
            message = _(
                "The replay of delivery %(event)s is queued, but store %(store)s is paused because the "
                "platform refused its credentials: it runs once the store is resumed.",
                event=delivery.event_id, store=store.name)
            kind = "warning"
        else:
            message = _(
                "The replay of delivery %(event)s is queued: it runs within a minute. Its outcome shows "
                "in the Replays section of the delivery.", event=delivery.event_id)
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": kind, "sticky": kind == "warning",
                       "next": {"type": "ir.actions.client", "tag": "soft_reload"}},
        }

    def _check_replay_access(self):
        """A replay is a Store Connector Manager's: it runs the stored body (customers' data, for
        Managers only) again, as superuser, in the delivery's store, which the caller may change.
        Superuser code passes.

        :raises AccessError: anyone else, or a delivery or store the caller may not read or change.
        """
        if self.env.su:
            return
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_(
                "Only Store Connector managers can replay a webhook delivery: it processes what the "
                "platform sent again."))
        self.check_access("read")
        self.sudo().with_context(active_test=False).store_id.with_env(self.env)._check_store_manager()

    def _job_replay(self, job):
        """Job of a replay: process the delivery again, as its own job did (`_job_process`).

        An order older than (or the same as) the one Odoo holds is ignored, as for any delivery;
        the result then says so in words."""
        result = self._job_process(job)
        if isinstance(result, dict) and result.get("ignored") and not result.get("created") \
                and not result.get("updated") and isinstance(result["ignored"], list):
            result = dict(result, replay_note=_(
                "Odoo already holds this order as the platform sent it later: the replay changed "
                "nothing, so that the order is not rolled back to an older state. To read the order as "
                "it is now on the platform, use Recover an Order on the store."))
        return result


class SyncJob(models.Model):
    """A job that replays a delivery shows it (and who asked for it, and when)."""

    _inherit = "sync.job"

    replay_ids = fields.One2many("store.webhook.replay", "job_id", string="Replay Of", readonly=True)
