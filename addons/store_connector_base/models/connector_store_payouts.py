from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import labels, payout_const
from ..exceptions import PermanentJobError, PlatformFeatureMissing
from ..services.normalized import normalize_payout
from .store_adapter import StoreAdapter


class ConnectorStore(models.Model):
    """The payout import of a store (issue #14, Payouts and fees; models/store_payout.py): its
    settings on the Payments tab, the Import Payouts button, the daily cron and the job
    payouts.import."""

    _inherit = "connector.store"

    payout_journal_id = fields.Many2one(
        "account.journal", string="Payout Journal",
        domain="[('type', '=', 'bank'), ('company_id', '=', company_id)]", check_company=True, copy=False,
        help="The bank journal of the platform's balance (e.g. \"Shopify Payments\"): each payout becomes a "
             "bank statement on it, its lines matched with the orders' payments. A new store gets one of "
             "its own. Empty: payouts are not imported.",
    )
    payout_fee_account_id = fields.Many2one(
        "account.account", string="Fee Account",
        compute="_compute_payout_fee_account_id", store=True, readonly=False, precompute=True,
        check_company=True,
        help="The expense account of what the platform keeps (its fees). Defaults to the company's bank "
             "fees account.",
    )
    payout_adjustment_account_id = fields.Many2one(
        "account.account", string="Adjustment Account", check_company=True,
        help="The account of the payout lines that are neither sales, refunds nor fees (adjustments, "
             "disputes, reserves). Empty: the fee account.",
    )
    payout_ids = fields.One2many("store.payout", "store_id", string="Payouts", readonly=True)
    payout_count = fields.Integer(compute="_compute_payout_count")
    payouts_supported = fields.Boolean(
        compute="_compute_payouts_supported",
        help="Whether the store's platform pays out itself (its connector reads payouts).")

    @api.model_create_multi
    def create(self, vals_list):
        """A new store of a platform that pays out gets a payout journal of its own (unless one is
        given, or explicitly none), so that its payouts are imported from the start."""
        stores = super().create(vals_list)
        for store, vals in zip(stores, vals_list, strict=True):
            if "payout_journal_id" not in vals and store.payouts_supported and store.company_id:
                store.payout_journal_id = store._new_payout_journal()
        return stores

    def _new_payout_journal(self):
        """A new bank journal for the platform's balance of this store ("<store> Payouts"), or none
        when the company has no chart of accounts yet (the merchant then chooses one)."""
        self.ensure_one()
        company = self.company_id
        if not company.sudo().chart_template:
            return self.env["account.journal"]
        # Accounting configuration, made for the store as the store manager set it up: created as
        # superuser in the store's own company, from nothing the user writes but the store's name.
        Journal = self.env["account.journal"].sudo().with_company(company)
        code = Journal.get_next_bank_cash_default_code("bank", company)
        if not code:  # Odoo's bank journal codes BNK1 to BNK99 are all taken
            return Journal
        return Journal.create({
            "name": _("%(store)s Payouts", store=self.name),
            "type": "bank",
            "code": code,
            "company_id": company.id,
        })

    @api.depends("company_id")
    def _compute_payout_fee_account_id(self):
        for store in self:
            if store.payout_fee_account_id or not store.company_id:
                continue
            store.payout_fee_account_id = store._default_payout_fee_account()

    def _default_payout_fee_account(self):
        """The company's bank fees account of its chart of accounts, else an expense account named after
        fees, else none (the merchant chooses one)."""
        self.ensure_one()
        company = self.company_id
        Account = self.env["account.account"].sudo().with_company(company)
        account = self.env["account.chart.template"].sudo().with_company(company).ref(
            "expense_finance", raise_if_not_found=False)
        if account and not account.deprecated:
            return account
        return Account.search([
            *Account._check_company_domain(company),
            ("account_type", "in", ("expense", "expense_direct_cost")),
            ("name", "ilike", "fee"), ("deprecated", "=", False),
        ], order="code", limit=1)

    def _compute_payout_count(self):
        counts = dict(self.env["store.payout"]._read_group(
            [("store_id", "in", self.ids)], ["store_id"], ["__count"]))
        for store in self:
            store.payout_count = counts.get(store, 0)

    @api.depends("platform")
    def _compute_payouts_supported(self):
        for store in self:
            try:
                adapter = store._get_adapter() if store.platform else None
            except PlatformFeatureMissing:
                adapter = None
            # A platform addon that reads payouts overrides the hook; the base's default returns None.
            store.payouts_supported = adapter is not None and \
                type(adapter)._fetch_payouts is not StoreAdapter._fetch_payouts

    def _payout_fee_account(self):
        """The fee account of the store's payouts.

        :raises PermanentJobError: none is set (and the company has none to default to)."""
        self.ensure_one()
        account = self.payout_fee_account_id or self._default_payout_fee_account()
        if not account:
            raise PermanentJobError(_(
                "Store %(store)s has no fee account: its payouts' fees could not be booked. Set the Fee "
                "Account in the store's Payments tab, then import the payouts again.", store=self.name))
        return account

    def _payout_adjustment_account(self):
        self.ensure_one()
        return self.payout_adjustment_account_id or self._payout_fee_account()

    # ------------------------------------------------------------------ actions
    def action_import_payouts(self):
        """Import Payouts button (managers: it books into accounting): queue the store's payout import now.

        :raises UserError: the platform has no payouts, or the store has no payout journal.
        """
        self._check_store_manager()
        self.ensure_one()
        if not self.payouts_supported:
            raise UserError(_("The platform of store %(store)s pays no payouts: there is nothing to import.",
                              store=self.name))
        if not self.payout_journal_id:
            raise UserError(self._no_payout_journal_text())
        self._enqueue_payouts_import(priority=5)
        return self._notify_user(
            _("Payout import of %(store)s queued: the payouts appear under Payouts once it ran.",
              store=self.name),
            None,
        )

    def action_view_payouts(self):
        """Payouts smart button and link: the store's imported payouts."""
        self._check_store_user()
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("store_connector_base.store_payout_action")
        action["domain"] = [("store_id", "=", self.id)]
        action["context"] = {"default_store_id": self.id}
        return action

    # ------------------------------------------------------------------ scheduling
    @api.model
    def _cron_import_payouts(self):
        """Cron (daily): queue the payout import of every active store not paused whose platform has
        payouts and that has a payout journal."""
        stores = self.search([("payout_journal_id", "!=", False), ("paused", "=", False)])
        jobs = self.env["sync.job"]
        for store in stores.filtered("payouts_supported"):
            jobs |= store._enqueue_payouts_import()
        return jobs

    def _enqueue_payouts_import(self, priority=10):
        """Queue this store's payout import (one pending job per store: a second request merges)."""
        self.ensure_one()
        return self.env["sync.job"]._enqueue(
            self, payout_const.OP_PAYOUTS_IMPORT, "_job_import_payouts",
            identity_key=payout_const.OP_PAYOUTS_IMPORT, priority=priority, direction="import",
        )

    def _no_payout_journal_text(self):
        return _(
            "Store %(store)s has no payout journal: its payouts were not imported. Set the Payout Journal "
            "(the bank journal of the platform's balance, the one its payments are recorded on) in the "
            "store's Payments tab, then import the payouts again.", store=self.name)

    # ------------------------------------------------------------------ job
    def _job_import_payouts(self, job):
        """Job payouts.import: read the platform's payouts from the last imported payout's date minus a
        margin (payout_const.IMPORT_MARGIN_DAYS; the platform's default window the first time) and book
        each (store.payout._import_platform_payout).

        :returns: {"payouts", "new", "updated", "open_lines"} or {"unsupported": True}
        :raises PermanentJobError: no payout journal, a payout the platform describes wrongly, a setting
            to fix (each saying what).
        """
        self.ensure_one()
        if not self.payout_journal_id:
            raise PermanentJobError(self._no_payout_journal_text())
        last = self.env["store.payout"].search([("store_id", "=", self.id)], order="date desc", limit=1)
        since = last.date - timedelta(days=payout_const.IMPORT_MARGIN_DAYS) if last.date else None
        raw_payouts = self._get_adapter()._fetch_payouts(self, since)
        if raw_payouts is None:
            return {"unsupported": True, "store": self.name}
        payouts = [normalize_payout(data) for data in raw_payouts]
        result = {"store": self.name, "payouts": len(payouts), "new": 0, "updated": 0, "open_lines": 0}
        Payout = self.env["store.payout"]
        for data in sorted(payouts, key=lambda payout: (payout["date"], payout["id"])):
            payout, outcome = Payout._import_platform_payout(self, data)
            if outcome in ("new", "updated"):
                result[outcome] += 1
            result["open_lines"] += len(payout.line_ids.filtered(lambda line: line.state == "open"))
        # Lines of older payouts still open (outside the window read again) are matched too.
        older = Payout.search([("store_id", "=", self.id), ("state", "=", "partial"),
                               ("external_id", "not in", [data["id"] for data in payouts])])
        for payout in older:
            payout._book()
            result["open_lines"] += len(payout.line_ids.filtered(lambda line: line.state == "open"))
        return result


class SyncJob(models.Model):
    """What a payout import (payouts.import) did, in one sentence (sync_job_labels.py)."""

    _inherit = "sync.job"

    def _summary_payouts_import(self, result):
        if not isinstance(result, dict):
            return False
        if result.get("unsupported"):
            return _("The platform of store %(store)s has no payouts: nothing was imported.",
                     store=result.get("store") or "?")
        parts = [labels.count_text(result.get("payouts") or 0, _("Read %(count)s payout."),
                                   _("Read %(count)s payouts."), env=self.env)]
        if result.get("new"):
            parts.append(labels.count_text(result["new"], _("%(count)s new."), _("%(count)s new."),
                                           env=self.env))
        if result.get("updated"):
            parts.append(labels.count_text(result["updated"], _("%(count)s updated."),
                                           _("%(count)s updated."), env=self.env))
        if result.get("open_lines"):
            parts.append(labels.count_text(
                result["open_lines"], _("%(count)s line is not matched yet: see its payout's reason."),
                _("%(count)s lines are not matched yet: see their payouts' reasons."), env=self.env))
        return " ".join(parts)
