"""Test helpers of ebsimx's API modules: a stand-in for the simulator's front (token check, clock) and a
`requests` transport adapter that hands a real client's requests (ebaysdk's Trading connection) to one
`SimApi` without a socket, so the request bytes and reply parsing are the real libraries'."""

import urllib.parse

import requests
from requests.adapters import BaseAdapter

from .api import SimRequest

USER_TOKEN = "v^1.1#i^1#user-token-sim"
APP_TOKEN = "v^1.1#i^1#app-token-sim"


class StandInSim:
    """What the API modules ask of the front: `check_user_token`, `clock` (None: wall clock)."""

    clock = None
    seller_username = "sim_seller"

    def __init__(self):
        self.inventory_listings = set()

    def check_user_token(self, token):
        if token == USER_TOKEN:
            return {
                "kind": "user",
                "scopes": {"https://api.ebay.com/oauth/api_scope/sell.inventory"},
                "user": "sim_seller",
            }
        return None

    def inventory_listing(self, item_id):
        return item_id in self.inventory_listings


def sim_request(method, path, query=None, headers=None, body=b"", auth=None):
    return SimRequest(
        method,
        path,
        {k: [v] for k, v in (query or {}).items()},
        {k.lower(): v for k, v in (headers or {}).items()},
        body,
        dict(auth or {}),
    )


class SimApiAdapter(BaseAdapter):
    """A requests transport that answers from `api.handle(SimRequest)`."""

    def __init__(self, api):
        super().__init__()
        self.api = api

    def send(self, request, **kwargs):
        url = urllib.parse.urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        sim_req = SimRequest(
            request.method,
            url.path,
            urllib.parse.parse_qs(url.query, keep_blank_values=True),
            {k.lower(): v for k, v in request.headers.items()},
            body,
        )
        answer = self.api.handle(sim_req)
        content, headers = answer.encoded()
        response = requests.Response()
        response.status_code = answer.status
        response._content = content
        response.headers.update(headers)
        response.url = request.url
        response.request = request
        response.reason = "OK" if answer.status < 400 else "Error"
        return response

    def close(self):
        pass
