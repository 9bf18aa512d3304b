from odoo import fields, models

from .. import const


class ConnectorStore(models.Model):
    """eBay buyer messages: the scheduled poll per store and its job (the work is the adapter's
    `_ebay_poll_buyer_messages`)."""

    _inherit = "connector.store"

    ebay_messages_polled_at = fields.Datetime(
        string="Buyer Messages Read Up To", copy=False, readonly=True,
        help="The time up to which the buyers' messages were read from eBay; the next poll reads from "
             "there (less a few minutes, each message being posted once).")

    def _cron_ebay_buyer_messages(self):
        """Cron: queue a buyer-message poll for every active eBay store that pulls orders and is not
        paused (one pending poll per store: the identity key merges them)."""
        stores = self.search([
            ("platform", "=", "ebay"),
            ("allow_orders_pull", "=", True),
            ("paused", "=", False),
        ])
        jobs = self.env["sync.job"]
        for store in stores:
            if store._get_adapter()._api_credentials_missing(store):
                continue
            jobs |= self.env["sync.job"]._enqueue(
                store, const.MESSAGES_OPERATION, "_job_ebay_buyer_messages",
                identity_key=const.MESSAGES_OPERATION, priority=20)
        return jobs

    def _job_ebay_buyer_messages(self, job):
        """Job ebay.messages: post the buyers' new messages on their sale orders."""
        self.ensure_one()
        result = self._get_adapter()._ebay_poll_buyer_messages(self)
        self._log_activity(
            const.MESSAGES_OPERATION, "done", records=result["posted"], job=job,
            message=self._get_adapter()._ebay_messages_sentence(result))
        return result
