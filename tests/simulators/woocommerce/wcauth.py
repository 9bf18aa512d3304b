"""/wc-auth/v1/authorize: key generation without copy-paste (WooCommerce REST API docs,
"Authentication" > "Generating API keys with the app authentication endpoint"; source
plugins/woocommerce/includes/class-wc-auth.php).

GET /wc-auth/v1/authorize?app_name=&scope=read|write|read_write&user_id=&return_url=&callback_url=
shows WordPress's login/approval screen. In the simulator the merchant's "Approve" is
`sim.approve_auth(url)` or the same GET with `&approve=1` (`&deny=1` for "Deny"): WooCommerce then
creates a key and POSTs {key_id, user_id, consumer_key, consumer_secret, key_permissions} as JSON to
callback_url (a non-2xx answer: the key is revoked and an error page shown), then redirects to
return_url?success=1&user_id=<user_id> (denied: success=0). Real WooCommerce demands an https
callback_url (`The callback_url needs to be over SSL`); the simulator also accepts http to a
loopback host (documented deviation) so tests can receive the POST.
"""

import json
import urllib.parse

from .webhooks import _post

LOOPBACK = ("127.0.0.1", "localhost", "::1")
SCOPES = ("read", "write", "read_write")


def _error_page(message, status=400):
    body = f"<html><body><h1>Error</h1><p>{message}</p></body></html>".encode()
    return status, {"Content-Type": "text/html; charset=UTF-8"}, body


class WcAuth:
    def __init__(self, sim):
        self.sim = sim
        self.callbacks = []  # {"url", "body", "status", "error"}

    def authorize(self, query):
        params = {k: v for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True)}
        for name in ("app_name", "scope", "user_id", "return_url", "callback_url"):
            if not params.get(name):
                return _error_page(f"Missing parameter {name}")
        if params["scope"] not in SCOPES:
            return _error_page("Invalid scope {}".format(params["scope"]))
        callback = urllib.parse.urlsplit(params["callback_url"])
        if callback.scheme != "https" and not (callback.scheme == "http" and callback.hostname in LOOPBACK):
            return _error_page("The callback_url needs to be over SSL")
        if params.get("deny"):
            return self._redirect(params["return_url"], {"success": "0", "user_id": params["user_id"]})
        if not params.get("approve"):
            body = (
                f"<html><body><h1>{params['app_name']} would like to connect to your store</h1>"
                f'<p>Scope: {params["scope"]}</p><a href="?{query}&approve=1">Approve</a></body></html>'
            )
            return 200, {"Content-Type": "text/html; charset=UTF-8"}, body.encode()
        key = self.sim.keys.add(
            params["scope"], description=f"{params['app_name']} - API (created via wc-auth)"
        )
        payload = {
            "key_id": key.key_id,
            "user_id": params["user_id"],
            "consumer_key": key.consumer_key,
            "consumer_secret": key.consumer_secret,
            "key_permissions": key.permissions,
        }
        body = json.dumps(payload).encode()
        status, error = _post(params["callback_url"], body, {"Content-Type": "application/json"})
        self.callbacks.append(
            {"url": params["callback_url"], "body": payload, "status": status, "error": error}
        )
        if status is None or not 200 <= status < 300:
            self.sim.keys.revoke(key.consumer_key)
            return _error_page(
                f"An error occurred in the request and at the time were unable to send the "
                f"consumer data (callback answered {status or error}).",
                status=401,
            )
        return self._redirect(params["return_url"], {"success": "1", "user_id": params["user_id"]})

    @staticmethod
    def _redirect(url, params):
        separator = "&" if urllib.parse.urlsplit(url).query else "?"
        return 302, {"Location": url + separator + urllib.parse.urlencode(params)}, b""
