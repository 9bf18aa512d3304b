"""The test platform's REST client: the worked example of a platform client on the base's core
(store_connector_base/services/api_client.py). Everything generic (timeout, checked transport,
error classification, pacing, redaction) is the core's; this class only says how the test
platform authenticates, where its API lives, how it words errors and reports its limits.

The test platform's API, as the base's tests serve it on a loopback server (tests/test_api_client.py):

* base URL ``<store.shop_url>/api``; ``GET /system_status`` answers {"name", "version"};
* authentication, two ways as WooCommerce has them:
  ``Authorization: Bearer <api_key>`` (the store's ``api_key`` credential), or, when the store
  also has an ``api_secret`` credential, the query parameters ``consumer_key=<api_key>`` and
  ``consumer_secret=<api_secret>`` (WooCommerce's way over plain http);
* errors: {"code": "...", "message": "...", "data": {...}} (WooCommerce's shape);
* limits: ``X-RateLimit-Limit`` (calls the window allows) and ``X-RateLimit-Remaining`` headers
  after each answer; HTTP 429 with Retry-After when a client sends too much.
"""

from odoo.addons.store_connector_base.services.api_client import ApiClient

API_PATH = "/api"
LIMIT_HEADER = "X-RateLimit-Limit"
REMAINING_HEADER = "X-RateLimit-Remaining"


class RestClient(ApiClient):
    """REST client of one store of the test platform (see the module docstring)."""

    platform_name = "Test Platform"
    rate_limit_capacity = 40
    rate_limit_restore_rate = 2.0

    def _base_url(self):
        return super()._base_url() + API_PATH

    def _auth_headers(self):
        if self._uses_query_auth():
            return {}
        return {"Authorization": f"Bearer {self.store._get_credential('api_key')}"}

    def _auth_params(self):
        if not self._uses_query_auth():
            return {}
        return {"consumer_key": self.store._get_credential("api_key"),
                "consumer_secret": self.store._get_credential("api_secret")}

    def _uses_query_auth(self):
        return bool(self.store.env["integration.credential"].sudo().search_count(
            [("store_id", "=", self.store.id), ("key", "=", "api_secret")]))

    def _error_text(self, body):
        """{"code", "message"}: the message, with the code for support."""
        if isinstance(body, dict) and body.get("message"):
            code = body.get("code")
            return f"{body['message']} ({code})" if code else body["message"]
        return super()._error_text(body)

    def _rate_limit_feedback(self, response, limiter, cost):
        """The platform's count of calls left in its window replaces the limiter's estimate."""
        try:
            remaining = int(response.headers[REMAINING_HEADER])
        except (KeyError, ValueError):
            return
        try:
            capacity = int(response.headers[LIMIT_HEADER])
        except (KeyError, ValueError):
            capacity = None
        limiter.update(available=remaining, capacity=capacity)
