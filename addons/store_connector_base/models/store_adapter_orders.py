from odoo import _, api, models

from .. import order_const


class StoreAdapter(models.AbstractModel):
    """Order, customer and full-sync members of the platform interface (see store.adapter)."""

    _inherit = "store.adapter"

    # ---------------------------------------------------------------- orders
    @api.model
    def _default_status_mapping(self, store):
        """The status mapping a new store starts with; the merchant edits it afterwards.

        The base knows no platform: its default reads platform statuses named like our stages
        (``processing`` means processing). A platform addon returns its own table.

        :returns: {"inbound": [(platform status, stage)], "outbound": [(stage, platform status)]},
            stages being keys of order_const.ORDER_STAGES.
        """
        stages = [code for code, _label in order_const.ORDER_STAGES]
        return {
            "inbound": [(stage, stage) for stage in stages],
            "outbound": [(stage, stage) for stage in stages],
        }

    @api.model
    def _order_page_size(self, store):
        """How many orders one `import_orders` page asks for (the adapter caps it anyway)."""
        return order_const.DEFAULT_ORDER_PAGE_SIZE

    # ---------------------------------------------------------------- customers
    @api.model
    def import_customers(self, store, since=None, cursor=None, limit=None):
        """One page of platform customers, normalized (see services/normalized.py, customer);
        same paging contract as `import_orders`: {"records": [...], "next_cursor": ...}."""
        self._missing(store, _("Import Customers"))

    @api.model
    def export_customer(self, store, customer):
        """Create or update one customer on the platform.

        :param customer: normalized customer dict; "id" is the platform id (None: create it).
        :returns: {"id": platform customer id} or None.
        """
        self._missing(store, _("Export Customer"))

    # ---------------------------------------------------------------- full sync
    @api.model
    def full_sync(self, store):
        """Queue the first page of orders of the last 60 days, of all products and of all
        customers (each page queues the next). What the store does not permit is skipped.

        A platform addon overrides this only when its first synchronisation needs more.
        :returns: the queued sync.job records.
        """
        return store._enqueue_full_sync()
