"""The contract between the eBay simulator's HTTP front (server.py, simulator.py) and its API modules
(Inventory, Fulfillment, Account, Taxonomy, Metadata, Notification, Trading, OAuth...).

Each API is a `SimApi`: it owns its state and answers the requests under its prefix; the front parses
the HTTP request into a `SimRequest`, checks the bearer token and the daily quota of the API's
`quota_name`, asks each API in turn, and writes the `SimResponse` back (404 with eBay's error shape when
nobody answers).
"""

import json
from dataclasses import dataclass, field


@dataclass
class SimRequest:
    method: str
    path: str  # without the query string, e.g. "/sell/inventory/v1/inventory_item/SKU-1"
    query: dict  # {name: [values]} (urllib.parse.parse_qs, keep_blank_values=True)
    headers: dict  # lower-case names
    body: bytes = b""
    #: Set by the front once the bearer token is checked: {"kind": "user"|"app", "scopes": set, "user": id}
    auth: dict = field(default_factory=dict)

    def json(self):
        return json.loads(self.body or b"null")

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class SimResponse:
    status: int
    body: object = b""  # bytes, str, or a dict/list sent as JSON
    headers: dict = field(default_factory=dict)

    def encoded(self):
        """(body bytes, headers) ready to send."""
        headers = dict(self.headers)
        body = self.body
        if isinstance(body, dict | list):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        return body, headers


def rest_error(status, error_id, message, long_message=None, *, domain="API", category="REQUEST",
               subdomain=None, parameters=None, **extra):
    """eBay's REST error shape ({"errors": [{errorId, domain, category, message, longMessage, ...}]})."""
    error = {"errorId": error_id, "domain": domain, "category": category, "message": message}
    if subdomain:
        error["subdomain"] = subdomain
    if long_message:
        error["longMessage"] = long_message
    if parameters:
        error["parameters"] = [{"name": name, "value": str(value)} for name, value in parameters.items()]
    error.update(extra)
    return SimResponse(status, {"errors": [error]})


class SimApi:
    """One eBay API of the simulator. `prefix` routes requests to it; `quota_name` is the daily quota
    it counts against (eBay's quotas are per API); `scopes` are the OAuth scopes one of which a user
    token must carry (empty: an app token is enough)."""

    prefix = ""
    quota_name = ""
    scopes = ()

    def __init__(self, sim):
        self.sim = sim

    def handle(self, request):
        """:returns: a SimResponse, or None when the request is not this API's."""
        raise NotImplementedError
