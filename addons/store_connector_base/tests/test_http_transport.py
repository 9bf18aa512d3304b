"""Outgoing HTTP (issue #7, point 7): the address policy, redirects never followed, connections
pinned to the address that passed the check, TLS still for the host name.

The suite runs with private URLs allowed (its simulators are on loopback): the address policy is
tested here with the option switched off.
"""

import ipaddress
import os
import tempfile
from unittest.mock import patch

import requests

from odoo.exceptions import ValidationError
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.services import http_transport
from odoo.addons.store_connector_base.services.http_transport import (
    HttpTransport,
    RedirectRefused,
    UnsafeURLError,
)

from .common_attack import RpcAttackCase
from .http_servers import (
    PUBLIC_IP,
    FakeHostsMixin,
    RecordingServer,
    TcpListener,
    fake_dns,
    private_urls,
    record_dials,
    self_signed_tls,
)


class TestAddressPolicy(TransactionCase):
    """`connector.store._validate_shop_url` (the store form) and the transport's `check_url` agree."""

    REFUSED_LITERALS = [
        "64:ff9b::7f00:1",        # NAT64 well-known prefix around 127.0.0.1
        "64:ff9b::a9fe:a9fe",     # ... around the metadata address 169.254.169.254
        "64:ff9b::a00:5",         # ... around 10.0.0.5
        "64:ff9b:1::a00:5",       # local-use NAT64 prefix (RFC 8215): never public
        "64:ff9b:1::808:808",
        "::7f00:1",               # IPv4-compatible ::127.0.0.1
        "::a9fe:a9fe",            # IPv4-compatible ::169.254.169.254
        "::ffff:a9fe:a9fe",       # IPv4-mapped (already refused before)
    ]

    def test_nat64_and_ipv4_compatible_forms_are_judged_by_their_ipv4(self):
        Store = self.env["connector.store"]
        with private_urls(False):
            for literal in self.REFUSED_LITERALS:
                url = f"https://[{literal}]"
                with self.subTest(url=url):
                    with self.assertRaises(ValidationError):
                        Store._validate_shop_url(url)
                    with self.assertRaises(UnsafeURLError):
                        http_transport.check_url(url)
                    self.assertFalse(http_transport.is_public_ip(ipaddress.ip_address(literal)))
            # A NAT64 address around a public IPv4 address is a public address.
            Store._validate_shop_url("https://[64:ff9b::808:808]")
            http_transport.check_url("https://[64:ff9b::808:808]")

    def test_names_resolving_to_nat64_loopback_are_refused(self):
        with private_urls(False), fake_dns("nat64.example.com", ["64:ff9b::7f00:1"]):
            with self.assertRaises(ValidationError) as caught:
                self.env["connector.store"]._validate_shop_url("https://nat64.example.com")
            self.assertIn("64:ff9b::7f00:1", str(caught.exception))
            with self.assertRaises(UnsafeURLError):
                http_transport.vet_addresses("nat64.example.com", 443)

    def test_only_port_443_unless_private_urls_are_allowed(self):
        Store = self.env["connector.store"]
        with private_urls(False), fake_dns("shop.example.com", [PUBLIC_IP]):
            for url in ("https://shop.example.com:8443", "https://shop.example.com:80",
                        "https://8.8.8.8:8443/shop"):
                with self.subTest(url=url):
                    with self.assertRaises(ValidationError) as caught:
                        Store._validate_shop_url(url)
                    self.assertIn("443", str(caught.exception))
                    with self.assertRaises(UnsafeURLError):
                        http_transport.check_url(url)
            Store._validate_shop_url("https://shop.example.com:443")
            http_transport.check_url("https://shop.example.com:443/admin")
            with self.assertRaises(UnsafeURLError):
                http_transport.vet_addresses("shop.example.com", 8443)
        with private_urls("True"):
            Store._validate_shop_url("https://shop.example.com:8443")
            http_transport.check_url("http://127.0.0.1:8069/admin")

    def test_transport_url_syntax(self):
        with private_urls(False):
            for url in ("http://shop.example.com", "ftp://shop.example.com", "https://user:pw@shop.example.com",
                        "https://localhost", "https://metadata.google.internal", "https://intranet",
                        "https://127.1", "https://2130706433", "https://[::1]", "https://sh op.example.com"):
                with self.subTest(url=url), self.assertRaises(UnsafeURLError) as caught:
                    http_transport.check_url(url)
                self.assertNotIn("pw@", str(caught.exception))
        with private_urls("True"):
            # The option relaxes the address rule, not the syntax.
            for url in ("ftp://127.0.0.1", "https://user:pw@127.0.0.1", "https://"):
                with self.subTest(url=url), self.assertRaises(UnsafeURLError):
                    http_transport.check_url(url)


class TestShopUrlOverRpc(RpcAttackCase):
    """A Manager points the store at an address of the server's network, over JSON-RPC."""

    def test_nat64_and_other_ports_refused(self):
        with private_urls(False):
            for url in ("https://[64:ff9b::7f00:1]", "https://[::a9fe:a9fe]/latest/meta-data",
                        "https://[64:ff9b::a00:5]:443", "https://8.8.8.8:8443"):
                with self.subTest(url=url):
                    self.assertRpcRefused(self.manager_a, "connector.store", "write", [self.store_a.id],
                                          {"shop_url": url}, error="ValidationError")
        self.store_a.invalidate_recordset()
        self.assertFalse(self.store_a.shop_url)


class TestHttpTransport(FakeHostsMixin, TransactionCase):
    """The transport itself, against loopback servers (private URLs allowed unless said)."""

    fake_hosts = ("rebind.example.com", "shop.example.com", "other.example.com")

    def setUp(self):
        super().setUp()
        self.target = RecordingServer()
        self.target.start()
        self.addCleanup(self.target.stop)
        self.transport = HttpTransport(timeout=(2, 5))
        self.addCleanup(self.transport.close)

    def test_redirects_are_refused_and_the_target_gets_nothing(self):
        for status in (301, 302, 303, 307, 308):
            with self.subTest(status=status):
                shop = RecordingServer(lambda request, status=status: (
                    status, {"Location": self.target.url("/steal?from=shop")}, b""))
                shop.start()
                self.addCleanup(shop.stop)
                with self.assertRaises(RedirectRefused) as caught:
                    self.transport.post(shop.url("/admin/api/graphql.json"), data=b'{"query": "{ shop }"}',
                                        headers={"X-Token": "tok-secret-value-123"})
                self.assertEqual(caught.exception.status, status)
                self.assertEqual(caught.exception.location, self.target.url("/steal?from=shop"))
                self.assertIn(self.target.url("/steal"), str(caught.exception))
                self.assertEqual(len(shop.requests), 1)
                self.assertEqual(shop.requests[0]["headers"]["x-token"], "tok-secret-value-123")
        self.assertEqual(self.target.requests, [])

    def test_a_location_echoing_what_was_sent_is_redacted(self):
        shop = RecordingServer(lambda request: (
            302, {"Location": "/login?token=" + request["headers"]["x-token"]}, b""))
        shop.start()
        self.addCleanup(shop.stop)
        with self.assertRaises(RedirectRefused) as caught:
            self.transport.get(shop.url("/x"), headers={"X-Token": "tok-secret-value-123"},
                               secrets=["tok-secret-value-123"])
        self.assertNotIn("tok-secret-value-123", str(caught.exception))
        self.assertIn("/login?token=***", str(caught.exception))

    def test_the_connection_dials_the_address_that_passed_the_check(self):
        """DNS rebinding: the name answers a public address to the check and a loopback one to
        any later lookup. The connection must go to the public address (refused here, so that
        the test never leaves the machine), never to the loopback listener."""
        listener = TcpListener()
        listener.start()
        self.addCleanup(listener.stop)
        with private_urls(False), \
                fake_dns("rebind.example.com", [PUBLIC_IP, ("127.0.0.1", listener.port)]) as lookups, \
                record_dials() as dialed, \
                self.assertRaises(requests.ConnectionError):
            self.transport.get("https://rebind.example.com/admin", headers={"X-Token": "tok-secret-value"})
        self.assertEqual(dialed, [(PUBLIC_IP, 443)])
        self.assertEqual(lookups, [("rebind.example.com", 443)])
        self.assertEqual(listener.accepted, [])

    def test_a_private_answer_at_connect_time_is_refused_before_dialing(self):
        with private_urls(False), fake_dns("rebind.example.com", ["10.0.0.5"]), record_dials() as dialed:
            with self.assertRaises(UnsafeURLError) as caught:
                self.transport.get("https://rebind.example.com/admin")
        self.assertIn("10.0.0.5", str(caught.exception))
        self.assertEqual(dialed, [])

    def test_tls_sni_and_certificate_are_for_the_host_name(self):
        """The socket goes to the vetted address, TLS is still about the host name: the server
        sees it in SNI and the Host header, and its certificate (which names no address) is
        verified against it."""
        with tempfile.TemporaryDirectory() as tmp:
            context, cert_path = self_signed_tls(tmp, "shop.example.com")
            seen_sni = []
            context.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
            shop = RecordingServer(lambda request: (200, {}, {"ok": True}), tls_context=context)
            shop.start()
            self.addCleanup(shop.stop)
            transport = HttpTransport(timeout=(2, 5), verify=cert_path)
            self.addCleanup(transport.close)
            with fake_dns("shop.example.com", ["127.0.0.1"]), fake_dns("other.example.com", ["127.0.0.1"]):
                response = transport.get(shop.url("/admin", host="shop.example.com"))
                self.assertEqual(response.json(), {"ok": True})
                self.assertEqual(seen_sni, ["shop.example.com"])
                self.assertEqual(shop.requests[0]["headers"]["host"], f"shop.example.com:{shop.port}")
                # Same address, another name: the certificate does not match it.
                with self.assertRaises(requests.exceptions.SSLError):
                    transport.get(shop.url("/admin", host="other.example.com"))
        self.assertEqual(len(shop.requests), 1)

    def test_no_proxy_or_netrc_from_the_environment(self):
        listener = TcpListener()
        listener.start()
        self.addCleanup(listener.stop)
        proxy = f"http://127.0.0.1:{listener.port}"
        with tempfile.TemporaryDirectory() as tmp:
            netrc = os.path.join(tmp, ".netrc")
            with open(netrc, "w") as handle:
                handle.write("machine 127.0.0.1 login netrc-user password netrc-pass\n")
            env = {"HTTP_PROXY": proxy, "HTTPS_PROXY": proxy, "ALL_PROXY": proxy, "NO_PROXY": "",
                   "http_proxy": proxy, "https_proxy": proxy, "no_proxy": "", "NETRC": netrc}
            with patch.dict(os.environ, env):
                response = self.transport.get(self.target.url("/direct"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(listener.accepted, [])
        self.assertEqual([r["path"] for r in self.target.requests], ["/direct"])
        self.assertNotIn("authorization", self.target.requests[0]["headers"])
