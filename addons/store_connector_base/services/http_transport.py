"""Outgoing HTTP that carries a store's credentials: the transport every platform client uses.

    from odoo.addons.store_connector_base.services.http_transport import HttpTransport

    transport = HttpTransport()          # one per client object: it keeps connections alive
    response = transport.request(
        "POST", url, headers={"X-Token": token}, data=body, timeout=(5, 60),
        secrets=[token],                 # kept out of the errors the transport raises
    )
    ...                                  # the platform's own status handling
    transport.close()

A platform client reads `response` as it would a `requests` response and maps statuses to the
queue's errors itself; the transport only decides where the request may go.

What it guarantees, whatever the server answers or DNS says:

* **No redirect is followed.** Any 3xx answer raises `RedirectRefused` (a PermanentJobError naming
  the target) and nothing is sent to the target: a shop host answering 302 to another address
  must not receive our token or body there.
* **The URL is checked before anything is sent** (`check_url`): https only, no user name or
  password, port 443, a valid host name, no name that only exists on a local network and no
  literal address that is not public.
* **The address that passed the check is the address we connect to.** Each new connection
  resolves the host name once, checks every address it got (public unicast only; an IPv4 address
  embedded in IPv6 — mapped, 6to4, Teredo, NAT64, IPv4-compatible — is judged as itself) and
  dials exactly those addresses. No second lookup happens between the check and the connect, so
  a name that answers a public address to the check and a private one afterwards (DNS
  rebinding) cannot steer the connection. TLS still sends the host name (SNI) and verifies the
  certificate against it, not against the address.
* **Nothing from the environment**: no proxy (a proxy would resolve the name itself, after our
  check), no .netrc (it could add credentials), no CA bundle from environment variables (pass
  `verify=` instead).
* **A timeout on every request** (`DEFAULT_TIMEOUT` unless the caller gives one).
* **The request's secrets stay out of urllib3's debug log**: with debug logging on, urllib3 logs
  every request line, query string included (where WooCommerce-style keys travel); while a
  request is sent, the `secrets` it was given are redacted from those lines.

With the server option ``store_connector_allow_private_urls = True`` (the test suite, the demo
simulators on loopback; never in production) any address, port and plain http are accepted; the
URL syntax is still checked, redirects are still refused and the connection still dials the
address it resolved.

Errors:

* `UnsafeURLError` (PermanentJobError): the URL or the address it resolves to is refused;
* `RedirectRefused` (PermanentJobError): the server answered a redirect;
* ``requests.RequestException`` (connection refused, DNS failure, timeout, TLS failure): left to
  the caller, which usually turns it into a RetryableJobError.
"""

import ipaddress
import logging
import re
import socket
import threading
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from odoo.tools import config
from odoo.tools.translate import LazyTranslate

from .. import const
from ..exceptions import PermanentJobError
from .logs import get_logger
from .redact import safe_message

_logger = get_logger(__name__)
# Translated when raised, in the language of the request or the user if there is one (this module
# has no environment at hand), else in English without a warning.
_lt = LazyTranslate(__name__, default_lang="en_US")

DEFAULT_TIMEOUT = (5, 60)  # (connect, read) seconds
HTTPS_PORT = 443
# How much of a redirect target an error quotes (after redaction).
_LOCATION_LIMIT = 300

# Host names that only ever mean this machine or a private network (RFC 6761, 6762, 8375, and the
# cloud metadata names such as metadata.google.internal). Refused without a DNS lookup.
LOCAL_HOST_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
LOCAL_HOST_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".lan", ".home.arpa")
_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")

# NAT64 (RFC 6052 well-known prefix, RFC 8215 local-use prefix) and IPv4-compatible addresses
# (::a.b.c.d, RFC 4291, deprecated) carry an IPv4 address in their last 32 bits, which a
# translator or the stack may reach: judged as that IPv4 address.
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


class UnsafeURLError(PermanentJobError):
    """The URL, or an address its host resolves to, may not receive the request (SSRF guard).

    The message names the host and the refused address, never the whole URL (it may carry a
    query with a key)."""


class RedirectRefused(PermanentJobError):
    """The server answered a redirect; it was not followed.

    :param location: the redirect target (absolute, as the server gave it), or None.
    :param status: the HTTP status of the answer.
    """

    def __init__(self, message, location=None, status=None):
        super().__init__(message)
        self.location = location
        self.status = status


# --------------------------------------------------------------------------- address policy
def allow_private_urls():
    """Whether the server option ``store_connector_allow_private_urls`` is explicitly true."""
    value = config.get(const.CONFIG_ALLOW_PRIVATE_URLS)
    return str(value or "").strip().lower() in ("true", "1", "yes")


def literal_ip(host):
    """The address `host` spells without DNS, in any notation the resolver accepts, or None."""
    host = (host or "").strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:
        # Legacy IPv4 forms that connect without any lookup: 127.1, 2130706433, 0x7f.0.0.1.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def embedded_ipv4(ip):
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64,
    IPv4-compatible), or None."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64_WELL_KNOWN or ip in _NAT64_LOCAL_USE or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_ip(ip):
    """Whether `ip` is a public unicast address (an IPv4 address embedded in IPv6 judged as itself).

    The local-use NAT64 prefix 64:ff9b:1::/48 is never public (RFC 8215: not for the global
    Internet), whatever it embeds.
    """
    if ip.version == 6:
        if ip in _NAT64_LOCAL_USE:
            return False
        embedded = embedded_ipv4(ip)
        if embedded is not None and not is_public_ip(embedded):
            return False
    return ip.is_global and not ip.is_multicast


def is_local_host_name(host):
    """Whether the host name (lower case, no trailing dot) only makes sense on a local network."""
    return host in LOCAL_HOST_NAMES or host.endswith(LOCAL_HOST_SUFFIXES) or "." not in host


def resolve_host(host, port):
    """The addresses `host` resolves to now, in the resolver's order, without duplicates.

    :raises OSError: the name does not resolve (socket.gaierror).
    """
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except UnicodeError as exc:
        raise socket.gaierror(socket.EAI_NONAME, str(exc)) from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    return addresses


def normalize_host(host):
    """The host as DNS sees it: lower case, no trailing dot, IDNA-encoded; a literal address as is.

    :returns: (host, ip or None); host is "" when it is not a valid host name.
    """
    host = (host or "").strip("[]").rstrip(".").lower()
    ip = literal_ip(host)
    if ip is not None:
        return host, ip
    try:
        ascii_host = host.encode("idna").decode()
    except UnicodeError:
        return "", None
    if not ascii_host or not all(_HOST_LABEL.fullmatch(label) for label in ascii_host.split(".")):
        return "", None
    return ascii_host, None


def check_url(url):
    """Refuse a URL the transport must not send a request to (see the module docstring).

    The check of the host's addresses happens when connecting (`vet_addresses`): here only
    names that are local by their spelling and literal addresses are judged.

    :returns: (scheme, host, port) with host normalized (see `normalize_host`).
    :raises UnsafeURLError: saying what is wrong, without quoting the URL.
    """
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
        hostname = parts.hostname
    except ValueError:
        raise UnsafeURLError(str(_lt("The address to connect to is not a valid URL."))) from None
    allow_private = allow_private_urls()
    scheme = (parts.scheme or "").lower()
    if scheme != "https" and not (allow_private and scheme == "http"):
        raise UnsafeURLError(str(_lt("Only https addresses may be requested, not %(scheme)s.",
                                   scheme=scheme or "-")))
    if parts.username or parts.password:
        raise UnsafeURLError(str(_lt("An address to connect to must not hold a user name or password.")))
    host, ip = normalize_host(hostname)
    if not host:
        raise UnsafeURLError(str(_lt("The address to connect to has no valid host name.")))
    port = port or (HTTPS_PORT if scheme == "https" else 80)
    if allow_private:
        return scheme, host, port
    if port != HTTPS_PORT:
        raise _port_refused(host, port)
    if (ip is not None and not is_public_ip(ip)) or (ip is None and is_local_host_name(host)):
        raise _refused(host, ip or host)
    return scheme, host, port


def vet_addresses(host, port):
    """Resolve `host` once and return the addresses a connection may dial.

    :returns: list of ipaddress objects, in the resolver's order.
    :raises UnsafeURLError: a refused port, local name or non-public address (any of them: one
        bad answer means the name is not a public shop).
    :raises OSError: the name does not resolve.
    """
    host = (host or "").strip("[]").rstrip(".").lower()
    allow_private = allow_private_urls()
    if not allow_private and port != HTTPS_PORT:
        raise _port_refused(host, port)
    ip = literal_ip(host)
    if ip is None and not allow_private and is_local_host_name(host):
        raise _refused(host, host)
    addresses = [ip] if ip is not None else resolve_host(host, port)
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
    if not allow_private:
        for address in addresses:
            if not is_public_ip(address):
                raise _refused(host, address)
    return addresses


def _refused(host, address):
    return UnsafeURLError(str(_lt(
        "The host %(host)s points to a private or local address (%(address)s): only public "
        "addresses may receive the store's requests.", host=host, address=address,
    )))


def _port_refused(host, port):
    return UnsafeURLError(str(_lt(
        "Only port %(allowed)s may be requested, not %(port)s (host %(host)s).",
        allowed=HTTPS_PORT, port=port, host=host,
    )))


# --------------------------------------------------------------------------- pinned connections
def _dial(addresses, port, timeout, source_address=None, socket_options=None):
    """A TCP socket connected to the first of `addresses` that answers (no name lookup)."""
    error = None
    for ip in addresses:
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            if timeout is None or isinstance(timeout, (int, float)):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect((str(ip), port))
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError(f"no address to connect to on port {port}")


class _PinnedConnectionMixin:
    """Dial the addresses `vet_addresses` approved instead of resolving the name again.

    `self.host` stays the host name: the Host header, TLS SNI and the certificate check use it.
    """

    def _new_conn(self):
        try:
            addresses = vet_addresses(self._dns_host, self.port)
            sock = _dial(addresses, self.port, self.timeout, self.source_address, self.socket_options)
        except TimeoutError:
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
            ) from None
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from None
        return sock


class _PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class _PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class _PinnedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _PinnedHTTPConnection


class _PinnedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _PinnedHTTPSConnection


class PinnedHTTPAdapter(HTTPAdapter):
    """A requests adapter whose connections dial the vetted addresses (see `_PinnedConnectionMixin`)
    and that never goes through a proxy."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PinnedHTTPConnectionPool,
            "https": _PinnedHTTPSConnectionPool,
        }

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise UnsafeURLError(str(_lt("Requests carrying store credentials do not go through a proxy.")))


# --------------------------------------------------------------------------- urllib3's log
# The secrets of the request this thread is sending, for `_SentSecretsLogFilter`.
_sending = threading.local()
# The loggers on which urllib3 writes request lines (method, path with query, status) at DEBUG.
_URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.connection")


class _SentSecretsLogFilter(logging.Filter):
    """Redacts the secrets of the request being sent by this thread from urllib3's log records."""

    def filter(self, record):
        secrets = getattr(_sending, "secrets", None)
        if secrets:
            try:
                text = record.getMessage()
            except Exception:  # noqa: BLE001 - a log filter must not fail the request; hide instead
                text = "<log line hidden: it may hold secrets>"
            record.msg, record.args = safe_message(text, secrets), ()
        return True


def _install_log_filter():
    """Put the filter on urllib3's loggers, once per process."""
    for name in _URLLIB3_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, _SentSecretsLogFilter) for existing in logger.filters):
            logger.addFilter(_SentSecretsLogFilter())


_install_log_filter()


# --------------------------------------------------------------------------- transport
class HttpTransport:
    """The one way a platform client sends a request (see the module docstring).

    :param timeout: default (connect, read) timeout in seconds.
    :param verify: TLS verification: True (the certifi bundle) or the path of a CA bundle.
    """

    def __init__(self, timeout=DEFAULT_TIMEOUT, verify=True):
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = verify
        adapter = PinnedHTTPAdapter()
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def request(self, method, url, *, headers=None, params=None, data=None, json=None, timeout=None,
                stream=False, secrets=()):
        """Send one request to `url` and return the answer (any status but a redirect).

        :param method: "GET", "POST", ...
        :param url: an https URL (see `check_url`).
        :param headers, params, data, json, stream: as in ``requests``.
        :param timeout: (connect, read) seconds; default: the transport's.
        :param secrets: values this request sends (tokens, keys, codes): redacted from the errors
            the transport raises (a Location may echo them) and from urllib3's debug log.
        :returns: requests.Response; with `stream`, close it when done.
        :raises UnsafeURLError: the URL or its host's address is refused.
        :raises RedirectRefused: the server answered 3xx.
        :raises requests.RequestException: connection, DNS, TLS errors and timeouts.
        """
        check_url(url)
        previous = getattr(_sending, "secrets", None)
        _sending.secrets = [secret for secret in secrets or () if secret]
        try:
            response = self.session.request(
                method, url, headers=headers, params=params, data=data, json=json,
                timeout=timeout or self.timeout, stream=stream, allow_redirects=False,
            )
        finally:
            _sending.secrets = previous
        if 300 <= response.status_code < 400:
            location = response.headers.get("Location")
            response.close()
            target = None
            if location:
                target = safe_message(urljoin(url, location), secrets, limit=_LOCATION_LIMIT)
            _logger.warning("refused to follow HTTP %s from %s to %s", response.status_code,
                            urlsplit(url).hostname, target)
            # Translated first: Odoo's extractor misses a translation call nested in another's arguments.
            location = target or str(_lt("no address"))
            raise RedirectRefused(
                str(_lt(
                    "The server answered HTTP %(status)s, a redirect to %(location)s. Redirects are not "
                    "followed: check the shop's address (it must be the address the platform serves "
                    "its API on).", status=response.status_code, location=location,
                )),
                location=target, status=response.status_code,
            )
        return response

    def post(self, url, **kwargs):
        """`request("POST", url, ...)`."""
        return self.request("POST", url, **kwargs)

    def get(self, url, **kwargs):
        """`request("GET", url, ...)`."""
        return self.request("GET", url, **kwargs)

    def close(self):
        """Close the kept-alive connections."""
        self.session.close()
