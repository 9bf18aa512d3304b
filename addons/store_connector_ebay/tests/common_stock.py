"""Helpers of the eBay stock, legacy listing and shipping tests: fake REST and Trading clients
recording every call, put in place of the store's clients (`store._ebay_client()`,
`store._ebay_trading()`), so that the adapter's requests and its handling of eBay's answers are
checked call by call."""

from unittest.mock import patch

from odoo.addons.store_connector_base.exceptions import PermanentJobError


class FakeResponse:
    def __init__(self, headers=None):
        self.headers = headers or {}
        self.status_code = 201


class FakeEbayClient:
    """Records (method, path, params, json, api); `handler(method, path, params, json)` answers."""

    def __init__(self, handler=None):
        self.calls = []
        self.handler = handler or (lambda *args: {})

    def request_json(self, method, path, *, api, params=None, json=None, headers=None, app=False):
        self.calls.append({"method": method, "path": path, "params": params, "json": json, "api": api})
        return self.handler(method, path, params, json)

    def request(self, method, path, *, api=None, params=None, json=None, headers=None, app=False):
        self.calls.append({"method": method, "path": path, "params": params, "json": json, "api": api})
        answer = self.handler(method, path, params, json)
        return answer if isinstance(answer, FakeResponse) else FakeResponse()

    @staticmethod
    def bulk_errors(item):
        errors = (item or {}).get("errors") or []
        return (
            "; ".join(f"{e.get('errorId')}: {e.get('longMessage') or e.get('message')}" for e in errors)
            or None
        )


class FakeTrading:
    """Records (verb, data); `handler(verb, data)` answers (raise PermanentJobError for Ack Failure)."""

    def __init__(self, handler=None):
        self.calls = []
        self.handler = handler or (lambda verb, data: {"Ack": "Success"})

    def execute(self, verb, data, list_nodes=None):
        self.calls.append((verb, data))
        return self.handler(verb, data)


def trading_failure(code, message):
    return PermanentJobError(f"eBay refused the call (error {code}): {message}")


def use_fake_clients(case, client=None, trading=None):
    """Make every connector.store answer `client` and `trading` for the rest of the test."""
    client = client or FakeEbayClient()
    trading = trading or FakeTrading()
    Store = type(case.env["connector.store"])
    for name, fake in (("_ebay_client", client), ("_ebay_trading", trading)):
        patcher = patch.object(Store, name, lambda self, *args, _fake=fake, **kwargs: _fake, create=True)
        patcher.start()
        case.addCleanup(patcher.stop)
    return client, trading


def create_ebay_test_store(env, name="eBay Shop", **vals):
    """An eBay store publishing the stock of the company's warehouse (stock baseline chosen)."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    return env["connector.store"].create(
        {
            "name": name,
            "platform": "ebay",
            "company_id": env.company.id,
            "warehouse_id": warehouse.id,
            "stock_baseline": "odoo",
            "auto_sync_inventory": False,
            **vals,
        }
    )
