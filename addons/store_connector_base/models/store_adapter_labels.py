from odoo import models


class StoreAdapterLabels(models.AbstractModel):
    """The platform's words for people: labels of its job operations, order statuses and webhook
    topics, the summary of its own jobs' results and what to do when one fails (see labels.py,
    models/sync_job_labels.py and models/store_webhook_labels.py). Every hook has a safe default:
    the base's labels and summaries."""

    _inherit = "store.adapter"

    def _operation_labels(self):
        """Labels of the job operations the platform addon queues that the base does not know
        (labels.OPERATION_LABELS), e.g. {"full_sync.bulk": _lt("Full sync (bulk export)")}. Every
        operation an addon queues needs one: test_job_labels fails otherwise.

        :returns: {operation code: label (str or lazy translation)}; default: none.
        """
        return {}

    def _order_status_labels(self):
        """Labels of the platform's order statuses (store.order.binding.platform_status) that the
        base does not know (labels.ORDER_STATUS_LABELS), e.g. {"FULLY_REFUNDED": _lt("Refunded")};
        at least every inbound status of `_default_status_mapping`.

        :returns: {platform status: label (str or lazy translation)}; default: none.
        """
        return {}

    def _webhook_topic_labels(self):
        """Labels of the platform's webhook topics (store.webhook.topic, store.webhook.delivery.topic),
        shown on the dashboard, the subscriptions and the deliveries instead of the platform's codes,
        e.g. {"orders/create": _lt("Order created")}. A topic without a label is shown in a readable
        form of its code (labels.readable_code: "bulk_operations/finish" -> "Bulk operations finish").

        :returns: {topic: label (str or lazy translation)}; default: none.
        """
        return {}

    def _summarize_job_result(self, store, job, result):
        """One sentence saying what a job of the platform's own did, from its result, shown on the
        job (and its webhook delivery). Asked first, before the base's summaries of its pipelines
        (order import, stock and product export, fulfillment, full sync, webhook deliveries).

        :param job: the sync.job (done, or cancelled with a result).
        :param result: the job's result, decoded from JSON (dict, list, str...) or the raw text.
        :returns: the sentence, or None to leave it to the base.
        """
        return None

    def _advise_on_failed_job(self, store, job):
        """What to do about a failed job of this platform, in a sentence, when the platform knows
        better than the base's advice by kind of error (credentials, outage, refused data...).

        :returns: the sentence, or None to leave it to the base.
        """
        return None
