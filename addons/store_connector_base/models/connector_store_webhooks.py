"""Webhook health: some platforms stop delivering a store's webhooks on their own (WooCommerce
disables a webhook after repeated failed deliveries and retries nothing). The scheduled order
pull's cron also queues, for the stores whose adapter asks for it
(`store.adapter._webhook_health_interval`), a job that asks the platform how the store's
subscriptions are (`store.adapter._check_webhook_health`), records it in the registry
(`store.webhook`) and tells the store's managers which webhooks stopped delivering and what to do."""

from odoo import _, api, fields, models

from ..labels import number as lang_number

OP_WEBHOOK_HEALTH = "webhooks.health"
# Statuses a platform may report for a subscription (store.webhook.status); anything else is "error".
REPORTED_STATUSES = ("active", "paused", "disabled")


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    webhook_problem_count = fields.Integer(
        string="Webhooks Not Delivering",
        compute="_compute_webhook_problem_count",
        help="Webhook subscriptions of the store that are paused, disabled or in error on the platform.",
    )

    @api.depends("webhook_ids.status")
    def _compute_webhook_problem_count(self):
        for store in self:
            store.webhook_problem_count = len(
                store.webhook_ids.filtered(lambda hook: hook.status != "active"))

    # ------------------------------------------------------------------ scheduling
    @api.model
    def _cron_pull_orders(self):
        """The scheduled order pull also queues the webhook health checks that are due."""
        queued = super()._cron_pull_orders()
        self._enqueue_webhook_health_checks()
        return queued

    @api.model
    def _enqueue_webhook_health_checks(self):
        """Queue a health check of the webhooks of every active, unpaused store that has some in its
        registry, whose adapter asks for checks (`_webhook_health_interval`) and whose last check
        is older than that interval. One pending check per store (identity key).

        :returns: the sync.job records queued or merged.
        """
        now = fields.Datetime.now()
        jobs = self.env["sync.job"]
        for store in self.search([("paused", "=", False), ("webhook_ids", "!=", False)]):
            interval = store._get_adapter()._webhook_health_interval(store)
            if not interval:
                continue
            checks = store.webhook_ids.mapped("checked_at")
            if all(checks) and min(checks) > now - interval:
                continue
            jobs |= jobs._enqueue(store, OP_WEBHOOK_HEALTH, "_job_check_webhook_health",
                                  identity_key=OP_WEBHOOK_HEALTH, priority=20)
        return jobs

    # ------------------------------------------------------------------ the check
    def _job_check_webhook_health(self, job):
        """Queue handler: ask the platform how the store's webhooks are and record it
        (`_apply_webhook_health`)."""
        self.ensure_one()
        reports = self._get_adapter()._check_webhook_health(self)
        if reports is None:
            return {"checked": 0}
        return self._apply_webhook_health(reports)

    def _apply_webhook_health(self, reports):
        """Record what the platform reports of the store's subscriptions in the registry, and tell
        the managers (activity log, chatter and their notification) of those that stopped
        delivering since the last look: paused, disabled, or gone from the platform. Those that
        deliver again are logged too.

        :param reports: `store.adapter._check_webhook_health`'s list.
        :returns: {"checked": count, "stopped": [topics], "recovered": [topics]}.
        """
        self.ensure_one()
        now = fields.Datetime.now()
        platform = self._get_adapter()._platform_name(self)
        by_id = {str(report["external_id"]): report for report in reports if report.get("external_id")}
        labels = dict(self.env["store.webhook"]._fields["status"]._description_selection(self.env))
        stopped, recovered = [], []
        registry = self.env["store.webhook"].sudo().search([("store_id", "=", self.id)])
        for webhook in registry:
            report = by_id.get(webhook.external_id or "")
            if report is None:
                status = "error"
                reason = _("The subscription no longer exists on %(platform)s.", platform=platform)
            else:
                status = report.get("status") if report.get("status") in REPORTED_STATUSES else "error"
                reason = report.get("reason") or _(
                    "%(platform)s reports this subscription as %(status)s.",
                    platform=platform, status=labels.get(status, status))
            vals = {"checked_at": now}
            if status == "active":
                vals["last_error"] = False
                if webhook.status != "active":
                    recovered.append(webhook.topic)
            elif webhook.status != status or not webhook.last_error:
                vals["last_error"] = reason
                if webhook.status == "active":
                    stopped.append((webhook.topic, labels.get(status, status), reason))
            if status != webhook.status:
                vals["status"] = status
            webhook.write(vals)
        if stopped:
            message = self._webhook_stopped_message(platform, stopped)
            self._log_activity(OP_WEBHOOK_HEALTH, "failed", records=len(stopped), message=message)
            self._notify_managers(message)
        if recovered:
            self._log_activity(OP_WEBHOOK_HEALTH, "info", records=len(recovered), message=_(
                "%(platform)s delivers these webhooks of store %(store)s again: %(topics)s.",
                platform=platform, store=self.name, topics=", ".join(recovered)))
        return {"checked": len(registry), "stopped": [topic for topic, _status, _reason in stopped],
                "recovered": recovered}

    def _webhook_stopped_message(self, platform, stopped):
        """The managers' notice about webhooks that stopped delivering (a sentence naming each).

        :param stopped: [(topic, status label, reason)].
        """
        details = "; ".join(f"{topic} ({status}: {reason})" for topic, status, reason in stopped)
        if len(stopped) == 1:
            return _(
                "%(platform)s stopped delivering the webhook %(details)s of store %(store)s: its events no "
                "longer reach Odoo, and the scheduled pulls bring what it missed only later. Click Register "
                "Webhooks on the store to re-activate it.",
                platform=platform, details=details, store=self.name)
        return _(
            "%(platform)s stopped delivering %(count)s webhooks of store %(store)s: %(details)s. Their "
            "events no longer reach Odoo, and the scheduled pulls bring what they missed only later. "
            "Click Register Webhooks on the store to re-activate them.",
            platform=platform, count=lang_number(self.env, len(stopped)), details=details, store=self.name)
