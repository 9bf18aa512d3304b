"""The store record: its fields, webhook key, permissions, URL guard and archiving."""

import re
import socket
from contextlib import contextmanager
from unittest.mock import patch

from psycopg2.errors import CheckViolation, UniqueViolation

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests.common import TransactionCase
from odoo.tools import config, mute_logger

from odoo.addons.store_connector_base import const
from odoo.addons.store_connector_base.exceptions import OperationNotPermitted

from .common import run_queue


@contextmanager
def private_urls(allowed):
    """Run as a server with store_connector_allow_private_urls on or off (the test config has it on)."""
    with patch.dict(config.options, {const.CONFIG_ALLOW_PRIVATE_URLS: allowed}):
        yield


@contextmanager
def dns(answer):
    """Make the system resolver answer `answer` (an address) or fail (None: no DNS, unknown name)."""
    def getaddrinfo(host, port, *args, **kwargs):
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        family = socket.AF_INET6 if ":" in answer else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (answer, port))]

    with patch.object(socket, "getaddrinfo", side_effect=getaddrinfo) as mock:
        yield mock


class StoreCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Store = cls.env["connector.store"]
        cls.store = cls.Store.create({
            "name": "Main Shop",
            "platform": "test",
            "shop_url": "https://main-shop.example.com",
            "order_prefix": "WC-",
            "stock_baseline": "odoo",
        })


class TestStoreFields(StoreCase):
    def test_store_holds_its_settings(self):
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.env.company.id)], limit=1)
        pricelist = self.env["product.pricelist"].create({"name": "Shop prices"})
        team = self.env["crm.team"].create({"name": "Web shop"})
        self.store.write({
            "api_version": "2025-01",
            "warehouse_id": warehouse.id,
            "location_ids": [fields.Command.set(warehouse.lot_stock_id.ids)],
            "pricelist_id": pricelist.id,
            "team_id": team.id,
            "safety_stock": 3,
            "auto_sync_customers": True,
        })
        self.assertEqual(self.store.company_id, self.env.company)
        self.assertEqual(self.store.location_ids, warehouse.lot_stock_id)
        self.assertEqual(self.store.order_prefix, "WC-")
        self.assertTrue(self.store.auto_sync_customers)
        self.assertTrue(self.store.active)
        self.assertIn("test", dict(self.Store._fields["platform"].selection))

    def test_each_entity_has_an_auto_sync_switch_and_each_operation_a_permission(self):
        for entity in ("orders", "products", "inventory", "customers"):
            self.assertEqual(self.Store._fields[f"auto_sync_{entity}"].type, "boolean")
        self.assertEqual(set(const.STORE_PERMISSIONS),
                         {"products.sync", "orders.pull", "orders.push", "inventory.sync"})
        for field_name in const.STORE_PERMISSIONS.values():
            self.assertEqual(self.Store._fields[field_name].type, "boolean")

    def test_safety_stock_cannot_be_negative(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(CheckViolation):
            self.store.write({"safety_stock": -1})
            self.env.flush_all()


class TestWebhookKey(StoreCase):
    def test_key_is_long_random_and_url_safe(self):
        codes = {self.Store.create({"name": f"S{i}", "platform": "test"}).code for i in range(20)}
        self.assertEqual(len(codes), 20)
        for code in codes:
            self.assertGreaterEqual(len(code), 16)
            self.assertRegex(code, r"^[A-Za-z0-9_-]+$")
        # Not derived from the id or the name: no two codes share a long prefix.
        prefixes = {code[:6] for code in codes}
        self.assertEqual(len(prefixes), 20)

    def test_key_is_unique(self):
        other = self.Store.create({"name": "Other", "platform": "test"})
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            other.write({"code": self.store.code})
            self.env.flush_all()

    def test_copy_gets_a_new_key_and_no_credentials(self):
        self.env["integration.credential"].create(
            {"store_id": self.store.id, "key": "api_key", "value": "k-123"}
        )
        copy = self.store.copy()
        self.assertTrue(copy.code)
        self.assertNotEqual(copy.code, self.store.code)
        self.assertFalse(copy.credential_ids)


class TestPermissions(StoreCase):
    def _due_job(self, operation):
        return self.env["sync.job"]._enqueue(self.store, operation, "_job_noop")

    def test_forbidden_operation_is_refused_with_a_clear_message(self):
        for operation, field_name in const.STORE_PERMISSIONS.items():
            with self.subTest(operation=operation):
                self.store.write({field_name: True})
                self.store._check_operation_allowed(operation)
                self.store.write({field_name: False})
                with self.assertRaises(OperationNotPermitted) as ctx:
                    self.store._check_operation_allowed(operation)
                message = str(ctx.exception)
                self.assertIn(self.store.name, message)
                self.assertIn(operation, message)
                self.assertIn(self.Store._fields[field_name].string, message)

    def test_other_operations_are_not_restricted(self):
        for field_name in const.STORE_PERMISSIONS.values():
            self.store[field_name] = False
        self.store._check_operation_allowed("connection.test")

    def test_forbidden_operation_is_not_queued(self):
        self.store.allow_orders_pull = False
        jobs = self.env["sync.job"].search([("store_id", "=", self.store.id)])
        with self.assertRaises(OperationNotPermitted):
            self.env["sync.job"]._enqueue(self.store, "orders.pull", "_job_noop")
        self.assertEqual(self.env["sync.job"].search([("store_id", "=", self.store.id)]), jobs)

    def test_job_queued_before_the_permission_was_removed_fails_loudly(self):
        job = self._due_job("inventory.sync")
        self.store.allow_inventory_sync = False
        self.store.action_process_queue()
        self.assertEqual(job.state, "failed")
        self.assertIn("inventory.sync", job.last_error)
        self.assertIn(self.Store._fields["allow_inventory_sync"].string, job.last_error)


class TestShopUrl(StoreCase):
    REFUSED = [
        "http://shop.example.com",
        "ftp://shop.example.com",
        "shop.example.com",
        "https://127.0.0.1",
        "https://127.0.0.1:8443/shop",
        "https://10.0.0.5",
        "https://172.16.3.4",
        "https://192.168.1.10",
        "https://[::1]",
        "https://[::ffff:127.0.0.1]",
        "https://[fe80::1]",
        "https://[fd00::1]",
        "https://localhost",
        "https://localhost:8069",
        "https://LOCALHOST.",
        "https://shop.localhost",
        "https://printer.local",
        "https://metadata.google.internal",
        "https://intranet",
        "https://169.254.169.254",
        "https://100.64.0.1",
        "https://0.0.0.0",
        "https://224.0.0.1",
        "https://127.1",
        "https://2130706433",
        "https://0x7f000001",
        "https://",
        "https://shop..example.com",
        "https://sh op.example.com",
    ]

    def test_refused_without_the_private_urls_option(self):
        with private_urls(False), dns(None):
            for url in self.REFUSED:
                with self.subTest(url=url), self.assertRaises(ValidationError):
                    self.Store._validate_shop_url(url)

    def test_refused_on_create_and_write_nothing_saved(self):
        with private_urls(False):
            with self.assertRaises(ValidationError):
                self.Store.create({"name": "Bad", "platform": "test", "shop_url": "https://10.0.0.5"})
            with self.assertRaises(ValidationError):
                self.store.write({"shop_url": "http://main-shop.example.com"})
        self.assertEqual(self.store.shop_url, "https://main-shop.example.com")
        self.assertFalse(self.Store.search([("name", "=", "Bad")]))

    def test_public_addresses_are_accepted(self):
        with private_urls(False), dns(None):
            for url in ("https://8.8.8.8", "https://[2606:4700:4700::1111]", "https://93.184.215.14:443/shop/"):
                with self.subTest(url=url):
                    self.Store._validate_shop_url(url)

    def test_names_that_do_not_resolve_are_accepted(self):
        # No DNS here, or a shop not online yet: the form stays usable; clients check again on connect.
        with private_urls(False), dns(None):
            self.store.write({"shop_url": "https://my-shop.example.com/store"})
            self.Store._validate_shop_url("https://bücher-laden.example")
        self.assertEqual(self.store.shop_url, "https://my-shop.example.com/store")

    def test_names_are_judged_by_the_address_they_resolve_to(self):
        with private_urls(False):
            with dns("151.101.1.69") as resolver:
                self.Store._validate_shop_url("https://shop.example.com")
            self.assertEqual(resolver.call_args.args[:2], ("shop.example.com", 443))
            with dns("93.184.215.14"):
                self.Store._validate_shop_url("https://shop.example.com:443")
            # 203.0.113.0/24 is reserved for documentation: never a real shop.
            for address in ("10.1.2.3", "127.0.0.1", "169.254.169.254", "fd12::1", "203.0.113.7"):
                with self.subTest(address=address), dns(address), self.assertRaises(ValidationError) as ctx:
                    self.Store._validate_shop_url("https://rebound.example.com")
                self.assertIn(address, str(ctx.exception))

    def test_credentials_in_the_url_are_refused_without_repeating_them(self):
        with private_urls(False), dns(None):
            for url in ("https://admin:hunter2-pass@shop.example.com",
                        "https://shop.example.com/?consumer_secret=hunter2-pass"):
                with self.subTest(url=url), self.assertRaises(ValidationError) as ctx:
                    self.Store._validate_shop_url(url)
                self.assertNotIn("hunter2-pass", str(ctx.exception))
                self.assertIn("Credentials", str(ctx.exception))

    def test_private_urls_option_accepts_local_simulators(self):
        with private_urls("True"):
            for url in ("http://127.0.0.1:8069", "https://localhost:8443", "http://10.0.0.5/shop"):
                with self.subTest(url=url):
                    self.Store._validate_shop_url(url)
            self.store.write({"shop_url": "http://127.0.0.1:8069"})
            # The option relaxes the address rule, not the syntax.
            for url in ("ftp://127.0.0.1", "http://", "https://user:pw@127.0.0.1"):
                with self.subTest(url=url), self.assertRaises(ValidationError):
                    self.Store._validate_shop_url(url)

    def test_option_is_off_unless_explicitly_true(self):
        for value in (None, False, "", "False", "0"):
            with self.subTest(value=value), private_urls(value), self.assertRaises(ValidationError):
                self.Store._validate_shop_url("http://127.0.0.1:8069")


class TestInactiveStore(StoreCase):
    def test_webhook_key_finds_the_store_active_or_archived(self):
        # The intake's lookup: an archived store still receives what its platform declares, and
        # the intake reads its active flag from the cache the lookup filled.
        self.store.active = False
        self.env.flush_all()
        self.store.invalidate_recordset()
        store, _rows = self.Store._find_for_webhook(self.store.code)
        self.assertEqual(store, self.store)
        with self.assertQueryCount(0):
            self.assertFalse(store.active)

    def test_unknown_or_empty_key_finds_nothing(self):
        for code in (False, "", re.sub(".", "x", self.store.code)):
            with self.subTest(code=code):
                self.assertEqual(self.Store._find_for_webhook(code), (self.Store.browse(), []))

    def test_jobs_of_an_inactive_store_do_not_run(self):
        job = self.env["sync.job"]._enqueue(self.store, "inactive.check", "_job_noop")
        self.store.active = False
        # The queue skips it, and the store's button says why instead of doing nothing.
        run_queue(self.env, self.store)
        self.assertEqual(job.state, "pending")
        with self.assertRaises(UserError):
            self.store.action_process_queue()
        self.assertEqual(job.state, "pending")
        self.store.active = True
        self.env.flush_all()
        self.store.action_process_queue()
        self.assertEqual(job.state, "done")
