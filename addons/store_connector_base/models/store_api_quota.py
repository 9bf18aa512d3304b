from odoo import api, fields, models


class StoreApiQuota(models.Model):
    """Per store: the daily call quota of one of the platform's APIs, as the store's managers set it.

    A platform that counts a quota per API per day (eBay: Inventory, Fulfillment, Trading...) lists
    them in `store.adapter._rate_limit_quotas` with eBay's defaults (`_rate_limit_daily_quota`); a
    store gets one line per API when it is created (`connector.store._rate_limit_quota_lines_sync`).
    A manager raises a line when the platform grants more (eBay's Application Growth Check) or lowers
    it to keep calls for another app sharing the keyset; 0 counts the calls without a quota. The client
    paces each request by its API's line (`connector.store._rate_limit_quota_of`).

    Lines rather than a field per API: the platform names its APIs (eBay has nine, another platform
    none), and a line shows the quota next to today's use.
    """

    _name = "store.api.quota"
    _inherit = ["store.owned.mixin"]
    _description = "Store API Daily Quota"
    _order = "store_id, sequence, id"
    _rec_name = "name"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    api_name = fields.Char(string="API Key", required=True, readonly=True,
                      help="The name the connector gives this API's quota (technical).")
    name = fields.Char(string="API", required=True, readonly=True)
    daily_limit = fields.Integer(
        string="Daily Quota",
        help="Calls the platform allows a day for this API (the platform's default until you change it; "
        "0: no quota, calls are only counted). Past it, the store's jobs wait for the next quota day.",
    )
    used_today = fields.Integer(string="Used Today", compute="_compute_used_today")
    used_percent = fields.Float(string="Used (%)", compute="_compute_used_today")

    _sql_constraints = [
        ("store_api_uniq", "unique(store_id, api_name)", "An API has one quota line per store."),
        ("daily_limit_positive", "CHECK(daily_limit >= 0)", "A daily quota cannot be negative."),
    ]

    @api.depends("daily_limit")
    def _compute_used_today(self):
        usage = {}
        for store in self.store_id:
            usage.update({(store.id, line["api"]): line["used"] for line in store.sudo()._rate_limit_usage()})
        for line in self:
            line.used_today = usage.get((line.store_id.id, line.api_name), 0)
            line.used_percent = 100.0 * line.used_today / line.daily_limit if line.daily_limit else 0.0
