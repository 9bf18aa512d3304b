import json
import re

from odoo import _, models

from ..labels import count_text
from ..services.logs import get_logger

_logger = get_logger(__name__)

# Terms shorter than this are not searched for in stored payloads: a short customer id ("42")
# would match unrelated numbers (quantities, prices) and erase payloads that carry nobody's data.
MIN_PAYLOAD_TERM_LENGTH = 6
# Written in place of a payload that carried a redacted customer's data.
REDACTED_PAYLOAD = {"redacted": "This payload carried personal data of a customer whose data was erased."}


class ConnectorStore(models.Model):
    """Personal-data redaction: what every platform's "erase this customer" request needs (Shopify's
    customers/redact and shop/redact, eBay's marketplace account deletion, WooCommerce's customer
    deletion). The platform addon finds the partners its request names and calls
    `_redact_customer_data`."""

    _inherit = "connector.store"

    def _redact_customer_data(self, partners, request):
        """Erase the personal data of customers of this store where no legal record needs it.

        For each of `partners` (sudo), unless it must be kept:
          * the partner and its child addresses are anonymised (name, email, phone, address,
            tax id, notes);
          * its customer bindings of this store are removed (the platform id that named it);
          * the webhook deliveries of this store whose body names it (its email, or a platform
            customer id of its bindings) lose their body and headers, and the jobs of this store
            whose payload names it lose their payload; those still pending or failed are cancelled
            (they would bring the data back).
        Kept, and listed in the log for the merchant to handle: partners whose commercial entity
        has a posted customer invoice or credit note or a confirmed sales order (legal records:
        `_redaction_legal_record_partners`); partners bound to another store's customers too
        (only this store's binding goes); and the partners of users or companies of this database.

        Everything done is written to the store's activity log (operation "webhook.compliance").

        :param partners: res.partner records (customers of this store, e.g. from its bindings).
        :param request: what asked for it, for the log (e.g. "customers/redact").
        :returns: {"redacted": [partner ids], "kept": [partner ids], "deliveries": [ids],
            "jobs": [ids]}.
        """
        self.ensure_one()
        partners = partners.sudo().exists()
        if not partners:
            self._log_redaction(request, _("no customer data of this store in Odoo."))
            return {"redacted": [], "kept": [], "deliveries": [], "jobs": []}
        Binding = self.env["store.customer.binding"].sudo()
        legal = self._redaction_legal_record_partners(partners)
        other_stores = Binding.search(
            [("partner_id", "in", partners.ids), ("store_id", "!=", self.id)]).partner_id
        users = self.env["res.users"].sudo().with_context(active_test=False).search(
            [("partner_id", "in", partners.ids)]).partner_id
        companies = self.env["res.company"].sudo().search([("partner_id", "in", partners.ids)]).partner_id
        kept = (partners.filtered(lambda partner: partner.commercial_partner_id in legal)
                | other_stores | users | companies)
        redacted = partners - kept
        bindings = Binding.search([("store_id", "=", self.id), ("partner_id", "in", redacted.ids)])
        terms = self._redaction_terms(redacted, bindings)
        for partner in redacted:
            partner.write({
                "name": _("Redacted customer %(id)s", id=partner.id),
                **self._redaction_erased_values(partner),
            })
            partner.child_ids.filtered(lambda child: child.type != "contact" or not child.is_company).write({
                "name": _("Redacted address"), **self._redaction_erased_values(partner),
            })
        bindings.unlink()
        deliveries, jobs = self._redact_stored_payloads(terms)
        # Translated first: Odoo's extractor misses a translation call nested in another's arguments.
        deliveries_text = count_text(len(deliveries), _("1 webhook delivery"),
                                     _("%(count)s webhook deliveries"), env=self.env)
        jobs_text = count_text(len(jobs), _("1 job payload"), _("%(count)s job payloads"), env=self.env)
        self._log_redaction(request, _(
            "anonymised partners %(redacted)s; kept %(kept)s (posted invoices, confirmed orders, another "
            "store's customer, or a user or company of this database need their data); erased %(deliveries)s "
            "and %(jobs)s that carried it.",
            redacted=", ".join(map(str, redacted.ids)) or _("none"),
            kept=", ".join(map(str, kept.ids)) or _("none"),
            deliveries=deliveries_text, jobs=jobs_text,
        ))
        return {"redacted": redacted.ids, "kept": kept.ids, "deliveries": deliveries, "jobs": jobs}

    def _redaction_legal_record_partners(self, partners):
        """The commercial partners of `partners` that legal records name: posted customer invoices
        and credit notes, confirmed sales orders. Extend to keep more (returns, contracts...).

        :returns: res.partner records (commercial entities)."""
        commercial = partners.commercial_partner_id
        invoiced = self.env["account.move"].sudo().search([
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("partner_id", "child_of", commercial.ids),
        ]).partner_id.commercial_partner_id
        ordered = self.env["sale.order"].sudo().search([
            ("state", "=", "sale"),
            ("partner_id", "child_of", commercial.ids),
        ]).partner_id.commercial_partner_id
        return invoiced | ordered

    def _redaction_erased_values(self, partner):
        """The values that erase a partner's personal data (name excepted)."""
        values = {"email": False, "phone": False, "street": False, "street2": False, "city": False,
                  "zip": False, "vat": False, "comment": False}
        if "mobile" in partner._fields:
            values["mobile"] = False
        return values

    def _redaction_terms(self, partners, bindings):
        """What names these customers in a stored payload: their emails (and their addresses'),
        and the platform ids of their bindings (the number at the end of an id like
        ``gid://shopify/Customer/123`` too); none shorter than MIN_PAYLOAD_TERM_LENGTH."""
        terms = set((partners | partners.child_ids).mapped("email"))
        for external_id in bindings.mapped("external_id"):
            terms.add(external_id)
            terms.add(external_id.rsplit("/", 1)[-1])
        return sorted(term.strip() for term in terms if term and len(term.strip()) >= MIN_PAYLOAD_TERM_LENGTH)

    def _redact_stored_payloads(self, terms):
        """Erase the bodies of this store's webhook deliveries and the payloads of its jobs that
        contain one of `terms` (whole, case-insensitive); cancel those jobs that are still to run.

        :returns: (delivery ids, job ids) changed.
        """
        if not terms:
            return [], []
        # A term must stand alone (not inside a longer id or word): \m \M are not used, an email
        # starts and ends with characters they would not see as word boundaries.
        edge = "[^0-9A-Za-z_.@-]"
        pattern = f"(^|{edge})(" + "|".join(re.escape(term) for term in terms) + f")($|{edge})"
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("""
            UPDATE store_webhook_delivery SET body = NULL, headers = '{}'::jsonb
             WHERE store_id = %s AND body ~* %s
            RETURNING id, job_id
        """, [self.id, pattern])
        rows = cr.fetchall()
        deliveries = sorted(row[0] for row in rows)
        cr.execute("""
            UPDATE sync_job
               SET payload = %s::jsonb,
                   state = CASE WHEN state IN ('pending', 'failed') THEN 'cancelled' ELSE state END
             WHERE store_id = %s AND state != 'processing' AND payload::text ~* %s
            RETURNING id
        """, [json.dumps(REDACTED_PAYLOAD), self.id, pattern])
        jobs = {row[0] for row in cr.fetchall()}
        # The jobs of erased deliveries would process an empty body: those still to run are cancelled.
        delivery_jobs = [row[1] for row in rows if row[1]]
        if delivery_jobs:
            cr.execute("""
                UPDATE sync_job SET state = 'cancelled'
                 WHERE id = ANY(%s) AND state IN ('pending', 'failed')
                RETURNING id
            """, [delivery_jobs])
            jobs.update(row[0] for row in cr.fetchall())
        self.env["store.webhook.delivery"].invalidate_model(["body", "headers"])
        self.env["sync.job"].invalidate_model(["payload", "state"])
        return deliveries, sorted(jobs)

    def _log_redaction(self, request, message):
        self._log_activity("webhook.compliance", "done", message=f"{request}: {message}")
        _logger.info("customer data redaction %s for store %s: %s", request, self.id, message)
