"""Payouts served from memory, for the payout import's tests (connector.store._job_import_payouts).

A test sets the platform's payouts with `_test_set_payouts` (raw PAYOUT dicts, services/normalized.py);
`_fetch_payouts` returns the newest state of those dated on or after `since`, as a platform does.
`_test_set_payouts(store, None)` makes the store's platform one without payouts (as WooCommerce).
"""

import copy

from odoo import api, models

from odoo.addons.store_connector_base.services.normalized import to_datetime

from .store_adapter_orders import _data


class StoreAdapterTestPayouts(models.AbstractModel):
    _inherit = "store.adapter.test"

    @api.model
    def _test_set_payouts(self, store, payouts):
        _data(store)["payouts"] = None if payouts is None else list(payouts)

    @api.model
    def _fetch_payouts(self, store, since):
        data = _data(store)
        data["calls"].append(("fetch_payouts", since))
        payouts = data.get("payouts", [])
        if payouts is None:
            return None
        return [copy.deepcopy(payout) for payout in payouts
                if since is None or to_datetime(payout["date"], "date") >= since]
