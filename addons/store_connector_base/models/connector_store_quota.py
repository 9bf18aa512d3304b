"""Daily API quotas of a store: today's use per API, and the warning before a quota is spent.

The counts live in the shared rate buckets (services/rate_limiter.py, one row per bucket key): a
platform that counts a quota per API (eBay) declares them in `store.adapter._rate_limit_quotas`, its
client passes the API's name with each request (`ApiClient.request(..., api=)`), and the core tells
the store when a request spends const.RATE_LIMIT_QUOTA_WARNING_SHARE of a quota
(`_rate_limit_quota_warning`). A request past the quota waits for the quota day to turn: the
limiter raises the queue's throttled error, so the job is rescheduled, never failed.
"""

from odoo import _, fields, models

from ..services import rate_limiter


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    rate_limit_usage = fields.Text(
        string="API Quotas Today", compute="_compute_rate_limit_usage",
        help="Calls spent today of each daily quota the platform counts per API, as every worker "
        "sees them. The quota day starts at the platform's midnight.",
    )

    def _compute_rate_limit_usage(self):
        for store in self:
            lines = store._rate_limit_usage() if store.id and store.platform else []
            store.rate_limit_usage = "\n".join(
                _("%(api)s: %(used)s of %(limit)s calls (%(percent)s%%)", api=line["label"],
                  used=line["used"], limit=line["limit"], percent=line["percent"])
                if line["limit"] else
                _("%(api)s: %(used)s calls (no daily quota)", api=line["label"], used=line["used"])
                for line in lines
            ) or False

    def _rate_limit_usage(self):
        """Today's use of each daily quota the store's platform counts per API.

        :returns: [{"api", "label", "used", "limit" (None: no quota), "percent"}] in the adapter's
            order (`store.adapter._rate_limit_quotas`); empty for a platform with one bucket.
        """
        self.ensure_one()
        adapter = self._get_adapter()
        quotas = adapter._rate_limit_quotas(self)
        keys = {api: adapter._rate_limit_bucket_key(self, api) for api, _label in quotas}
        used = rate_limiter.daily_usage(
            self.env.cr.dbname, keys.values(), adapter._rate_limit_quota_timezone(self))
        lines = []
        for api, label in quotas:
            limit = adapter._rate_limit_daily_quota(self, api=api)
            count = used.get(keys[api], 0)
            lines.append({
                "api": api, "label": label, "used": count, "limit": limit,
                "percent": round(100 * count / limit) if limit else 0,
            })
        return lines

    def _rate_limit_quota_warning(self, api, used, limit):
        """Tell the store's managers (activity log and chatter) that `used` of the `limit` calls of
        today's quota of `api` are spent: past the quota the store's jobs wait for the next quota day.
        Called once a day per quota, by the request whose count reaches the warning share."""
        self.ensure_one()
        adapter = self._get_adapter()
        label = dict(adapter._rate_limit_quotas(self)).get(api) or api or _("its API")
        message = _(
            "Store %(store)s has spent %(used)s of the %(limit)s calls its %(platform)s %(api)s quota "
            "allows today (%(percent)s%%). Once the quota is spent, its jobs wait for the quota to "
            "start again at midnight (%(timezone)s) instead of failing; if this happens often, raise the "
            "quota with the platform (and on the store) or sync less often.",
            store=self.name, used=used, limit=limit, platform=adapter._platform_name(self), api=label,
            percent=round(100 * used / limit), timezone=adapter._rate_limit_quota_timezone(self),
        )
        self._log_activity("quota", "info", message=message)
        self._notify_managers(message)
        return message



