"""HTTP front of the simulator (stdlib ThreadingHTTPServer, loopback only)."""

import json
import logging
import re
import sys
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .engine import run_graphql

_logger = logging.getLogger(__name__)
MAX_BODY = 10 * 1024 * 1024
GRAPHQL_RE = re.compile(r"^/admin/api/(?:(?P<version>[^/]+)/)?graphql\.json$")
BULK_RE = re.compile(r"^/bulk/(?P<id>\d+)\.jsonl$")
INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, sim):
        self.sim = sim
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        """A client that went away mid-request (a killed worker) is not the simulator's error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ShopifySimulator/1.0"
    sys_version = ""

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        _logger.debug("%s - %s", self.address_string(), fmt % args)

    @property
    def sim(self):
        return self.server.sim

    # ------------------------------------------------------------------ plumbing

    def _send(self, status, body, headers=None):
        if isinstance(body, dict | list):
            body = json.dumps(body, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("X-Request-Id", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, {"errors": "Request body too large"})
            return None
        return self.rfile.read(length) if length else b""

    def _split(self):
        parsed = urllib.parse.urlsplit(self.path)
        return parsed.path, parsed.query

    # ------------------------------------------------------------------ verbs

    def do_GET(self):  # noqa: N802 - http.server's naming
        path, query = self._split()
        if self.sim._outage_intercept(self, path):  # sim.outage(...): the shop is down (../outage.py)
            return None
        if path == "/admin/oauth/authorize":
            status, headers, body = self.sim.oauth.authorize(query)
            return self._send(status, body, headers)
        match = BULK_RE.match(path)
        if match:
            return self._bulk(int(match["id"]), urllib.parse.parse_qs(query).get("token", [""])[0])
        if path == "/__sim/health":
            return self._send(200, {"ok": True, "shop": self.sim.shop})
        if GRAPHQL_RE.match(path):
            return self._send(405, {"errors": "Method Not Allowed"}, {"Allow": "POST"})
        return self._send(404, {"errors": "Not Found"})

    def do_POST(self):  # noqa: N802
        path, _query = self._split()
        if self.sim._outage_intercept(self, path):
            return None
        body = self._body()
        if body is None:
            return None
        if path == "/admin/oauth/access_token":
            return self._token(body)
        if path == "/__sim/payout":
            return self._payout(body)
        match = GRAPHQL_RE.match(path)
        if match:
            return self._graphql(match["version"], body)
        return self._send(404, {"errors": "Not Found"})

    # ------------------------------------------------------------------ endpoints

    def _token(self, body):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype == "application/json":
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                return self._send(
                    400, {"error": "invalid_request", "error_description": "Malformed JSON body"}
                )
        else:
            params = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode(errors="replace")).items()}
        status, payload = self.sim.oauth.access_token(params)
        return self._send(status, payload)

    def _graphql(self, requested_version, raw):
        sim = self.sim
        served = sim.resolve_version(requested_version)
        if served is None:
            return self._send(404, {"errors": "Not Found"})
        headers = {"X-Shopify-API-Version": served}
        scopes = sim.oauth.authenticate(self.headers.get("X-Shopify-Access-Token"))
        if scopes is None:
            sim.stats["unauthorized"] += 1
            return self._send(401, INVALID_TOKEN, headers)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype == "application/graphql":
            body = {"query": raw.decode(errors="replace")}
        else:
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
            return self._send(400, {"errors": {"query": "Required parameter missing or invalid"}}, headers)
        if body.get("variables") is not None and not isinstance(body["variables"], dict):
            return self._send(400, {"errors": {"variables": "Invalid variables"}}, headers)
        if sim.fail_next:
            status = sim.fail_next.pop(0)
            return self._send(
                status, {"errors": "Internal Server Error" if status >= 500 else "Error"}, headers
            )
        try:
            response = run_graphql(sim, served, body, scopes=scopes)
        except Exception as exc:  # noqa: BLE001 - answer 500 like Shopify instead of dropping the connection
            _logger.exception("simulator failed on a GraphQL request")
            sim.internal_errors.append({"request_id": None, "error": repr(exc), "traceback": None})
            return self._send(500, {"errors": "Internal Server Error"}, headers)
        sim._hold_answer(body)
        return self._send(200, response, headers)

    def _payout(self, raw):
        """Test switch (no Shopify endpoint): pay the Shopify Payments balance out now, as Shopify's payout
        schedule would. Needs the app's token (X-Shopify-Access-Token); body {"status": "PAID"} optional.
        Answers the payout (sim.pay_out), or {"payout": null} when nothing is left to pay out."""
        sim = self.sim
        if self.headers.get("X-Shopify-Access-Token") != sim.access_token:
            return self._send(401, {"errors": "[API] Invalid API key or access token (unrecognized login or "
                                              "wrong password)"})
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._send(400, {"errors": "The body must be a JSON object."})
        try:
            payout = sim.pay_out(status=body.get("status") or "PAID")
        except ValueError as exc:
            return self._send(422, {"errors": str(exc)})
        return self._send(200, {"payout": payout})

    def _bulk(self, op_id, token):
        sim = self.sim
        op = sim.store.bulk_operations.get(op_id)
        if op is None or op.token != token or op.status != "COMPLETED":
            return self._send(
                403,
                b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code></Error>",
                {"Content-Type": "application/xml"},
            )
        if op.completed_at is not None and sim.clock.now() > op.completed_at + sim.bulk_url_ttl:
            return self._send(
                400,
                b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code></Error>",
                {"Content-Type": "application/xml"},
            )
        return self._send(200, op.data, {"Content-Type": "application/jsonl"})
