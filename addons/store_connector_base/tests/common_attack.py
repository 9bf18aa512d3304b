"""Attacks as a real caller makes them: two companies, each with a store and users of every kind,
and calls over XML-RPC (and JSON-RPC, as the web client sends them) authenticated as one of them.

Security tests go through here rather than calling methods with `with_user`: an RPC call runs the
public API exactly as Odoo serves it (method privacy, access rights, record rules, the context
a client may send), which a unit call skips.

Other addons' tests import this module; keep what it offers stable.
"""

import json

from odoo import Command
from odoo.tests import new_test_user
from odoo.tests.common import HttpCase

from .common import create_test_store

MANAGER = "store_connector_base.group_store_connector_manager"
USER = "store_connector_base.group_store_connector_user"
# The webhook secrets of RpcAttackCase's stores, for tests that sign deliveries to them.
WEBHOOK_SECRET_A = "whsec-of-shop-a-9a8b"
WEBHOOK_SECRET_B = "whsec-of-shop-b-7f6e"


class RpcAttackCase(HttpCase):
    """`store_a` (company A, the env's) and `store_b` (company B), each with credentials.

    Users (password = login): `manager_a`, `user_a` (Store Connector Manager / User of company A),
    `internal_a` (internal user without any Store Connector group), `portal_a` (portal user),
    `manager_b`, `user_b` (company B only).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Attack Company B"})
        cls.store_a = create_test_store(cls.env, "Attack Shop A", company=cls.company_a,
                                        api_key="api-key-of-shop-a-1d2e3f",
                                        webhook_secret=WEBHOOK_SECRET_A)
        cls.store_b = create_test_store(cls.env, "Attack Shop B", company=cls.company_b,
                                        api_key="api-key-of-shop-b-4c5d6e",
                                        webhook_secret=WEBHOOK_SECRET_B)
        only_a = {"company_id": cls.company_a.id, "company_ids": [Command.set(cls.company_a.ids)]}
        only_b = {"company_id": cls.company_b.id, "company_ids": [Command.set(cls.company_b.ids)]}
        cls.manager_a = new_test_user(cls.env, "atk_manager_a", groups=f"base.group_user,{MANAGER}", **only_a)
        cls.user_a = new_test_user(cls.env, "atk_user_a", groups=f"base.group_user,{USER}", **only_a)
        cls.internal_a = new_test_user(cls.env, "atk_internal_a", groups="base.group_user", **only_a)
        cls.portal_a = new_test_user(cls.env, "atk_portal_a", groups="base.group_portal", **only_a)
        cls.manager_b = new_test_user(cls.env, "atk_manager_b", groups=f"base.group_user,{MANAGER}", **only_b)
        cls.user_b = new_test_user(cls.env, "atk_user_b", groups=f"base.group_user,{USER}", **only_b)

    # ------------------------------------------------------------------ calls
    def _post_jsonrpc(self, route, params):
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text[:500])
        body = response.json()
        if "error" in body:
            data = body["error"].get("data") or {}
            raise RpcError(data.get("name") or "", data.get("message") or body["error"].get("message") or "")
        return body["result"]

    def rpc(self, user, model, method, *args, **kwargs):
        """`model.method(*args, **kwargs)` through Odoo's external API (/jsonrpc, service
        "object", execute_kw: what XML-RPC serves too) authenticated as `user` by password.

        :returns: the call's result.
        :raises RpcError: the server refused or failed (`.name` is the exception's class path).
        """
        return self._post_jsonrpc("/jsonrpc", {
            "service": "object", "method": "execute_kw",
            "args": [self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs],
        })

    def call_kw(self, user, model, method, *args, **kwargs):
        """`model.method` through /web/dataset/call_kw, as the web client sends it, in a browser
        session of `user`. Same returns and errors as `rpc`."""
        self.authenticate(user.login, user.login)
        return self._post_jsonrpc("/web/dataset/call_kw", {
            "model": model, "method": method, "args": list(args), "kwargs": kwargs,
        })

    def assertRpcRefused(self, user, model, method, *args, error="AccessError", **kwargs):
        """Assert that `rpc(user, model, method, ...)` fails on the server with `error` (the
        exception's class name: AccessError, UserError, ValidationError, MissingError...).

        :returns: the RpcError, for further checks of its message.
        """
        with self.assertRaises(RpcError, msg=f"{user.login}: {model}.{method} was accepted") as caught:
            self.rpc(user, model, method, *args, **kwargs)
        refusal = caught.exception
        self.assertEqual(refusal.name.rsplit(".", 1)[-1], error,
                         f"{user.login}: {model}.{method} failed, but not with {error}: {refusal}")
        return refusal


class RpcError(Exception):
    """An error answered to an RPC call: `name` is the exception's class path
    (odoo.exceptions.AccessError), `message` its text."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message
