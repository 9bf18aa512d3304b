"""HTTP front of the simulator (stdlib ThreadingHTTPServer, loopback only, optional TLS)."""

import json
import logging
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .api import Request
from .util import RestError, wp_json

_logger = logging.getLogger(__name__)
MAX_BODY = 10 * 1024 * 1024


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, sim, ssl_context=None):
        self.sim = sim
        super().__init__(address, Handler)
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        _logger.debug("%s - %s", self.address_string(), fmt % args)

    @property
    def sim(self):
        return self.server.sim

    def _send(self, status, body, headers=None):
        headers = dict(headers or {})
        if isinstance(body, dict | list):
            body = wp_json(body)
            headers.setdefault("Content-Type", "application/json; charset=UTF-8")
        self.send_response(status)
        for key, value in headers.items():
            for item in value if isinstance(value, list) else [value]:
                self.send_header(key, item)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _dispatch(self):
        started = time.perf_counter()
        parsed = urllib.parse.urlsplit(self.path)
        path, query = parsed.path, parsed.query
        if self.sim._outage_intercept(self, path):  # sim.outage(...): the shop is down (../outage.py)
            return None
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._send(
                413,
                {
                    "code": "rest_request_too_large",
                    "message": "Request body too large.",
                    "data": {"status": 413},
                },
            )
        raw = self.rfile.read(length) if length else b""
        headers = self.headers  # case-insensitive lookups, as PHP's $_SERVER['HTTP_*']
        sim = self.sim
        fault = sim._take_fault(self.command, path)
        if fault is not None:
            status, body, extra = fault
            return self._send(status, body, extra)
        if path == "/wc-auth/v1/authorize" and self.command == "GET":
            status, extra, body = sim.wc_auth.authorize(query)
            return self._send(status, body, extra)
        if path == "/__sim/health":
            return self._send(200, {"ok": True})
        if not path.startswith("/wp-json"):
            return self._send(404, b"<html><body>Not Found</body></html>", {"Content-Type": "text/html"})
        try:
            request = Request(self.command, path, query, raw, headers)
        except RestError as exc:
            return self._send(exc.status, exc.body())
        try:
            status, extra, body = sim.api.handle(request, sim.base_url, sim.is_ssl_site)
        except Exception as exc:  # noqa: BLE001 - answer 500 and keep serving, as PHP's fatal error page would
            _logger.exception("simulator failed on %s %s", self.command, path)
            sim.internal_errors.append({"path": path, "error": repr(exc)})
            status, extra, body = (
                500,
                {},
                {
                    "code": "internal_server_error",
                    "message": "There has been a critical error on this website.",
                    "data": {"status": 500},
                },
            )
        sim._record(request, status, round((time.perf_counter() - started) * 1000, 2))
        return self._send(status, body, extra)

    def do_GET(self):  # noqa: N802 - http.server's naming
        return self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET  # noqa: N815


def parse_json(body):
    return json.loads(body) if body else None
