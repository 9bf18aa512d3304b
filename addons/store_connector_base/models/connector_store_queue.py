from odoo import api, fields, models

from ..services import rate_limiter


class ConnectorStore(models.Model):
    """How much of the queue and of the platform's API a store may use at once: the cap on its
    jobs running in parallel (enforced where `sync.job` claims jobs), and the table where every
    worker and server counts the store's API calls (services/rate_limiter.py)."""

    _inherit = "connector.store"

    max_parallel_jobs = fields.Integer(
        string="Parallel Jobs Limit",
        compute="_compute_max_parallel_jobs",
        store=True,
        readonly=False,
        precompute=True,
        groups="store_connector_base.group_store_connector_manager",
        help="How many jobs of this store may run at the same time, across all workers and servers "
        "(0: no limit). Lower it when the shop's host falls over under parallel API calls: the "
        "other jobs of the store wait their turn, without a failed attempt. The platform sets a "
        "safe default.",
    )

    _sql_constraints = [
        ("max_parallel_jobs_positive", "CHECK (max_parallel_jobs >= 0)",
         "The parallel jobs limit of a store cannot be negative: use 0 for no limit."),
    ]

    def init(self):
        super().init()
        rate_limiter.ensure_table(self.env.cr)

    @api.depends("platform")
    def _compute_max_parallel_jobs(self):
        for store in self:
            if store.platform:
                store.max_parallel_jobs = store._get_adapter()._default_max_parallel_jobs(store)
            else:
                store.max_parallel_jobs = 0
