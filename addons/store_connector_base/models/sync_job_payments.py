from odoo import _, models

from .. import labels


class SyncJob(models.Model):
    """What a payment workflow job (orders.payments) did, in one sentence (sync_job_labels.py)."""

    _inherit = "sync.job"

    def _summary_order_payments(self, result):
        if not isinstance(result, dict):
            return False
        order = result.get("order") or "?"
        if result.get("skipped"):
            return _("Nothing to do for order %(order)s: the store's invoices and payments workflow is off.",
                     order=order)
        parts = []
        if result.get("confirmed"):
            parts.append(_("Confirmed order %(order)s.", order=order))
        invoices = result.get("invoices") or []
        if invoices:
            parts.append(_("Posted invoice %(invoices)s.", invoices=", ".join(invoices)))
        payments = result.get("payments") or 0
        if payments:
            parts.append(labels.count_text(payments, _("Recorded %(count)s payment."),
                                           _("Recorded %(count)s payments."), env=self.env))
        for refund, credit_note in result.get("refunds") or []:
            if credit_note:
                parts.append(_("Credited refund %(refund)s as %(credit_note)s.", refund=refund,
                               credit_note=credit_note))
            else:
                parts.append(_("Recorded refund %(refund)s (no money refunded).", refund=refund))
        refund_payments = result.get("refund_payments") or 0
        if refund_payments:
            parts.append(labels.count_text(refund_payments, _("Recorded %(count)s refund payment."),
                                           _("Recorded %(count)s refund payments."), env=self.env))
        if not parts:
            return _("Nothing new to record for order %(order)s.", order=order)
        return " ".join(parts)
