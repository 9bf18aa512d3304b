"""Daily API quotas of a store: today's use per API, and the warning before a quota is spent.

The counts live in the shared rate buckets (services/rate_limiter.py, one row per bucket key): a
platform that counts a quota per API (eBay) declares them in `store.adapter._rate_limit_quotas`, its
client passes the API's name with each request (`ApiClient.request(..., api=)`), and the core tells
the store when a request spends const.RATE_LIMIT_QUOTA_WARNING_SHARE of a quota
(`_rate_limit_quota_warning`). A request past the quota waits for the quota day to turn: the
limiter raises the queue's throttled error, so the job is rescheduled, never failed.
"""

from odoo import _, api, fields, models

from ..labels import number as lang_number
from ..services import rate_limiter


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    api_quota_ids = fields.One2many(
        "store.api.quota", "store_id", string="API Quotas",
        help="The daily call quota of each of the platform's APIs, and today's use.",
    )
    rate_limit_usage = fields.Text(
        string="API Quotas Today", compute="_compute_rate_limit_usage",
        help="Calls spent today of each daily quota the platform counts per API, as every worker "
        "sees them. The quota day starts at the platform's midnight.",
    )

    def _compute_rate_limit_usage(self):
        for store in self:
            lines = store._rate_limit_usage() if store.id and store.platform else []
            # env._, not _(): _() finds the language in its caller's frame, and a generator
            # expression's frame has no `self` (outside a request it warned, with its stack).
            store.rate_limit_usage = "\n".join(
                store.env._("%(api)s: %(used)s of %(limit)s calls (%(percent)s%%)", api=line["label"],
                            used=lang_number(store.env, line["used"]),
                            limit=lang_number(store.env, line["limit"]), percent=line["percent"])
                if line["limit"] else
                store.env._("%(api)s: 1 call (no daily quota)", api=line["label"]) if line["used"] == 1 else
                store.env._("%(api)s: %(used)s calls (no daily quota)", api=line["label"],
                            used=lang_number(store.env, line["used"]))
                for line in lines
            ) or False

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        stores = super().create(vals_list)
        stores._rate_limit_quota_lines_sync()
        return stores

    # ------------------------------------------------------------------ quotas
    def _rate_limit_quota_lines_sync(self):
        """Give each store a quota line (store.api.quota) per API its platform counts, with the
        platform's default; existing lines keep the manager's figure."""
        Quota = self.env["store.api.quota"].sudo()
        for store in self:
            adapter = store._get_adapter()
            existing = set(store.sudo().api_quota_ids.mapped("api_name"))
            Quota.create([
                {"store_id": store.id, "api_name": api_name, "name": label, "sequence": index,
                 "daily_limit": adapter._rate_limit_daily_quota(store, api=api_name) or 0}
                for index, (api_name, label) in enumerate(adapter._rate_limit_quotas(store))
                if api_name not in existing
            ])

    def _rate_limit_quota_of(self, api_name):
        """The daily quota of `api_name` for this store: its quota line's (0: none), else the
        platform's default (`store.adapter._rate_limit_daily_quota`). :returns: int or None."""
        self.ensure_one()
        line = self.env["store.api.quota"].sudo().search(
            [("store_id", "=", self.id), ("api_name", "=", api_name)], limit=1)
        if line:
            return line.daily_limit or None
        return self._get_adapter()._rate_limit_daily_quota(self, api=api_name)

    def _rate_limit_usage(self):
        """Today's use of each daily quota the store's platform counts per API.

        :returns: [{"api", "label", "used", "limit" (None: no quota), "percent"}] in the adapter's
            order (`store.adapter._rate_limit_quotas`); empty for a platform with one bucket.
        """
        self.ensure_one()
        adapter = self._get_adapter()
        quotas = adapter._rate_limit_quotas(self)
        keys = {api_name: adapter._rate_limit_bucket_key(self, api_name) for api_name, _label in quotas}
        used = rate_limiter.daily_usage(
            self.env.cr.dbname, keys.values(), adapter._rate_limit_quota_timezone(self))
        lines = []
        for api_name, label in quotas:
            limit = self._rate_limit_quota_of(api_name)
            count = used.get(keys[api_name], 0)
            lines.append({
                "api": api_name, "label": label, "used": count, "limit": limit,
                "percent": round(100 * count / limit) if limit else 0,
            })
        return lines

    def _rate_limit_quota_warning(self, api_name, used, limit):
        """Tell the store's managers (activity log and chatter) that `used` of the `limit` calls of
        today's quota of `api_name` are spent: past the quota the store's jobs wait for the next quota day.
        Called once a day per quota, by the request whose count reaches the warning share."""
        self.ensure_one()
        adapter = self._get_adapter()
        label = dict(adapter._rate_limit_quotas(self)).get(api_name) or api_name or _("its API")
        message = _(
            "Store %(store)s has spent %(percent)s%% of the calls its %(platform)s %(api)s quota allows "
            "today (%(used)s of %(limit)s). Once the quota is spent, its jobs wait for the quota to "
            "start again at midnight (%(timezone)s) instead of failing; if this happens often, raise the "
            "quota with the platform (and on the store) or sync less often.",
            store=self.name, used=lang_number(self.env, used), limit=lang_number(self.env, limit),
            platform=adapter._platform_name(self), api=label,
            percent=round(100 * used / limit), timezone=adapter._rate_limit_quota_timezone(self),
        )
        self._log_activity("quota", "info", message=message)
        self._notify_managers(message)
        return message



