"""Loopback servers for tests of outgoing HTTP: a scripted HTTP(S) server that records every request
it receives, and a bare TCP listener that counts the connections made to it.

    server = RecordingServer(lambda request: (302, {"Location": target.url("/steal")}, b""))
    base_url = server.start()            # http://127.0.0.1:<port>
    ...
    server.requests                      # [{"method", "path", "headers", "body"}] in arrival order
    server.stop()

and the tools to aim a client at them under a public name: `fake_dns` (a resolver answering what
the test says, e.g. a public address first and a loopback one after), `record_dials` (every TCP
connect of the process, the public test address refused so that nothing leaves the machine),
`private_urls` (the server option on or off) and `FakeHostsMixin` (lets Odoo's test classes send
requests to the fake names).

Other addons' tests import this module; keep what it offers stable.
"""

import json
import socket
import ssl
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.tests.common import _super_send
from odoo.tools import config

from .. import const

# A public unicast address the fake resolver answers; `record_dials` refuses connections to it, so
# no test ever reaches it.
PUBLIC_IP = "23.227.38.65"


@contextmanager
def private_urls(allowed):
    """Run as a server with store_connector_allow_private_urls on or off (the test config has it on)."""
    with patch.dict(config.options, {const.CONFIG_ALLOW_PRIVATE_URLS: allowed}):
        yield


@contextmanager
def fake_dns(host, answers):
    """Answer the lookups of `host` with `answers` in turn (the last one repeats); other names
    resolve as before. Each answer is an address, or (address, port) to also steer the port.

    :yields: the list of lookups of `host` made ((host, port) tuples).
    """
    real = socket.getaddrinfo
    lookups = []

    def getaddrinfo(name, port, *args, **kwargs):
        if name != host:
            return real(name, port, *args, **kwargs)
        answer = answers[min(len(lookups), len(answers) - 1)]
        lookups.append((name, port))
        address, answer_port = answer if isinstance(answer, tuple) else (answer, port)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, answer_port, 0, 0) if family == socket.AF_INET6 else (address, answer_port)
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]

    with patch.object(socket, "getaddrinfo", getaddrinfo):
        yield lookups


@contextmanager
def record_dials(refuse=(PUBLIC_IP,)):
    """Record every TCP connect of this process; refuse those to the `refuse` addresses and let
    the others through.

    :yields: the list of (address, port) dialed.
    """
    real = socket.socket.connect
    dialed = []

    def connect(sock, address):
        dialed.append(tuple(address[:2]))
        if address[0] in refuse:
            raise ConnectionRefusedError(111, "Connection refused (test)")
        return real(sock, address)

    with patch.object(socket.socket, "connect", connect):
        yield dialed


class FakeHostsMixin:
    """Odoo's test classes refuse requests to any host but localhost; the names in `fake_hosts`
    (answered by `fake_dns`) are let through too."""

    fake_hosts = ()

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlsplit(r.url).hostname in cls.fake_hosts:
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = {
            "method": self.command,
            "path": self.path,
            "headers": {key.lower(): value for key, value in self.headers.items()},
            "body": body,
        }
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(request)
        status, headers, payload = owner.respond(request)
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        elif isinstance(payload, str):
            payload = payload.encode()
        payload = payload or b""
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815 - http.server's naming


class RecordingServer:
    """An HTTP server on 127.0.0.1 answering `respond(request)` -> (status, headers, body).

    :param respond: callable taking the request dict ({"method", "path", "headers" (lower-case
        names), "body" (bytes)}) and returning (status, headers dict, body as bytes, str or a
        JSON-serialisable dict/list). Default: 200 {}.
    :param tls_context: an ssl.SSLContext (server side) to serve https instead of http.
    """

    def __init__(self, respond=None, tls_context=None):
        self.respond = respond or (lambda request: (200, {}, {}))
        self.tls_context = tls_context
        self.requests = []
        self.lock = threading.Lock()
        self._server = None
        self._thread = None

    @property
    def port(self):
        return self._server.server_address[1]

    def url(self, path="", host="127.0.0.1"):
        scheme = "https" if self.tls_context else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def start(self):
        """Listen on a free loopback port; :returns: the base URL."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.owner = self
        if self.tls_context:
            self._server.socket = self.tls_context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self.url()

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None


class TcpListener:
    """A TCP listener on 127.0.0.1 that accepts connections, records their peers and closes them
    at once (a connection made here is the failure a test looks for)."""

    def __init__(self):
        self.accepted = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self):
        return self._sock.getsockname()[1]

    def start(self):
        self._thread.start()
        return self.port

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, peer = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted.append(peer)
            conn.close()

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


def self_signed_tls(tmp_dir, host_name):
    """A server TLS context with a fresh self-signed certificate for `host_name` (and no IP
    address), and the path of that certificate, for clients to trust it (verify=path).

    :returns: (ssl.SSLContext, certificate path).
    """
    import datetime  # noqa: PLC0415 - only the TLS tests need these
    from pathlib import Path  # noqa: PLC0415

    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host_name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = Path(tmp_dir) / "cert.pem"
    key_path = Path(tmp_dir) / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context, str(cert_path)
