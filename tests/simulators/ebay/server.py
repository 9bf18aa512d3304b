"""HTTP front of the eBay simulator (stdlib ThreadingHTTPServer, loopback only): parses the request into
a `SimRequest`, lets the simulator route it (`EbaySimulator.dispatch`) and writes the answer."""

import logging
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .api import SimRequest, rest_error

_logger = logging.getLogger(__name__)
MAX_BODY = 10 * 1024 * 1024


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, sim):
        self.sim = sim
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ebay-simulator"
    sys_version = ""

    def log_message(self, fmt, *args):
        _logger.debug("%s - %s", self.address_string(), fmt % args)

    def _send(self, response):
        body, headers = response.encoded()
        self.send_response(response.status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _dispatch(self):
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._send(rest_error(413, 2003, "Request entity too large", domain="ACCESS"))
        raw = self.rfile.read(length) if length else b""
        request = SimRequest(
            method=self.command,
            path=urllib.parse.unquote(parsed.path),
            query=urllib.parse.parse_qs(parsed.query, keep_blank_values=True),
            headers={key.lower(): value for key, value in self.headers.items()},
            body=raw,
        )
        request.raw_query = parsed.query
        return self._send(self.server.sim.dispatch(request))

    def do_GET(self):  # noqa: N802 - http.server's naming
        return self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET  # noqa: N815
