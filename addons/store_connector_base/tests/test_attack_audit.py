"""Attacks beyond issue #7's list, made as the real caller makes them (external RPC as that user):
what a user may write that superuser jobs then act on, and what one company's settings do to
another company's work."""

from lxml import etree

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.store_connector_test_platform.models.store_adapter_products import RECORDER

from .common import run_queue
from .common_attack import MANAGER, USER, RpcAttackCase


class AuditAttackCase(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        only_a = {"company_id": cls.company_a.id, "company_ids": [Command.set(cls.company_a.ids)]}
        only_b = {"company_id": cls.company_b.id, "company_ids": [Command.set(cls.company_b.ids)]}
        # Sells and edits products in company A; publishes them as a Store Connector User.
        cls.seller_a = new_test_user(
            cls.env, "atk_seller_a", groups=f"base.group_user,sales_team.group_sale_manager,{USER}", **only_a)
        cls.seller_b = new_test_user(
            cls.env, "atk_seller_b", groups=f"base.group_user,sales_team.group_sale_manager,{USER}", **only_b)
        # A salesman and a warehouse worker of company A without any Store Connector group.
        cls.salesman_a = new_test_user(
            cls.env, "atk_salesman_a", groups="base.group_user,sales_team.group_sale_salesman", **only_a)
        cls.stock_a = new_test_user(
            cls.env, "atk_stock_user_a", groups="base.group_user,stock.group_stock_user", **only_a)
        # Company B's administrator.
        cls.admin_b = new_test_user(
            cls.env, "atk_admin_b", groups=f"base.group_user,base.group_erp_manager,{MANAGER}", **only_b)
        cls.shared = cls.env["product.product"].create({
            "name": "Shared Lamp", "default_code": "LAMP-1", "list_price": 30.0,
            "type": "consu", "is_storable": True,
        })
        cls.other = cls.env["product.product"].create({
            "name": "Other Lamp", "default_code": "LAMP-2", "list_price": 35.0,
            "type": "consu", "is_storable": True,
        })

    def setUp(self):
        super().setUp()
        RECORDER.reset()
        self.addCleanup(RECORDER.reset)

    def binding_a(self):
        """A published, synced binding of `shared` in store A, as the export job leaves it."""
        binding = self.store_a._publish_products(self.shared)
        binding.write({"sync_state": "synced", "external_product_id": "P1", "external_variant_id": "V1",
                       "external_data": {"inventory_item_id": "I1"}})
        return binding


class TestBindingWrites(AuditAttackCase):
    """What a binding points at and its job-kept state decide what superuser jobs send to the
    platform, and, for stock imported from the platform, whose stock they adjust."""

    def test_user_cannot_repoint_a_binding_to_another_variant(self):
        binding = self.binding_a()
        self.assertRpcRefused(self.user_a, "store.product.binding", "write", binding.ids,
                              {"product_id": self.other.id})
        self.assertEqual(binding.product_id, self.shared)
        # Not even a manager: publish the other variant instead.
        self.assertRpcRefused(self.manager_a, "store.product.binding", "write", binding.ids,
                              {"product_id": self.other.id})

    def test_user_cannot_repoint_a_binding_to_other_platform_records(self):
        binding = self.binding_a()
        for vals in ({"external_product_id": "P-OTHER"}, {"external_variant_id": "V-OTHER"},
                     {"external_data": {"inventory_item_id": "I-OTHER"}},
                     {"external_data": {"listing_id": "L-OTHER"}},
                     {"external_data": {"offer_id": "O-OTHER"}}, {"platform_status": "archived"}):
            self.assertRpcRefused(self.user_a, "store.product.binding", "write", binding.ids, vals)
        self.assertRpcRefused(self.user_a, "store.product.binding", "create", {
            "store_id": self.store_a.id, "product_id": self.other.id,
            "external_data": {"inventory_item_id": "I1"},
        })
        # A platform's own ids (in external_data) are the connector's alone: not even a manager
        # points a binding at another inventory item, whose stock events would adjust this variant.
        self.assertRpcRefused(self.manager_a, "store.product.binding", "write", binding.ids,
                              {"external_data": {"inventory_item_id": "I-OTHER"}})
        self.assertEqual((binding.external_product_id, binding.external_data),
                         ("P1", {"inventory_item_id": "I1"}))
        # A manager may link a binding to its platform records by hand.
        self.rpc(self.manager_a, "store.product.binding", "write", binding.ids, {"external_product_id": "P9"})
        self.assertEqual(binding.external_product_id, "P9")

    def test_nobody_writes_the_state_jobs_keep(self):
        binding = self.binding_a()
        for vals in ({"sync_state": "pending"}, {"last_error": "x"}, {"inventory_quantity": 999},
                     {"inventory_synced_at": "2020-01-01 00:00:00"}, {"inventory_error": "x"},
                     {"last_sync_at": "2020-01-01 00:00:00"},
                     {"external_data": {"shopify_level_updated": {"gid://shopify/Location/1": "9999"}}}):
            for user in (self.user_a, self.manager_a):
                self.assertRpcRefused(user, "store.product.binding", "write", binding.ids, vals)
        self.assertEqual((binding.sync_state, binding.inventory_quantity, binding.external_data),
                         ("synced", 0, {"inventory_item_id": "I1"}))

    def test_form_shows_users_the_platform_ids_read_only(self):
        for user, editable in ((self.user_a, False), (self.manager_a, True)):
            views = self.rpc(user, "store.product.binding", "get_views", [[False, "form"]])
            arch = etree.fromstring(views["views"]["form"]["arch"])
            fields = arch.xpath("//field[@name='external_variant_id']")
            self.assertEqual(len(fields), 1, user.login)
            self.assertEqual(fields[0].get("readonly") in (None, "0", "False"), editable, user.login)
            # The platform's other ids (external_data) are shown to everyone, read-only.
            [data] = arch.xpath("//field[@name='external_data']")
            self.assertEqual(data.get("readonly"), "1", user.login)
            # ... as readable lines, a computed field nobody writes.
            self.assertEqual(len(arch.xpath("//field[@name='external_data_text']")), 1, user.login)
            self.assertTrue(self.env["store.product.binding"]._fields["external_data_text"].readonly)

    def test_user_still_creates_a_plain_binding(self):
        created = self.rpc(self.user_a, "store.product.binding", "create",
                           {"store_id": self.store_a.id, "product_id": self.other.id,
                            "external_product_id": False})
        binding = self.env["store.product.binding"].browse(created)
        self.assertEqual((binding.store_id, binding.product_id, binding.sync_state),
                         (self.store_a, self.other, "pending"))


class TestOrderFieldWrites(AuditAttackCase):
    """Fields the connector keeps on sale orders and deliveries, written by users without any
    Store Connector right."""

    def imported_order(self):
        """An order imported from store A, in the salesman's own orders."""
        order = self.env["sale.order"].create({
            "partner_id": self.env["res.partner"].create({"name": "Platform Customer"}).id,
            "user_id": self.salesman_a.id,
            "order_line": [Command.create({"product_id": self.shared.id, "product_uom_qty": 1,
                                           "store_external_line_id": "LINE-1"}),
                           Command.create({"product_id": self.other.id, "product_uom_qty": 1,
                                           "store_external_line_id": "LINE-2"})],
        })
        self.env["store.order.binding"].create({
            "store_id": self.store_a.id, "order_id": order.id, "external_id": "EXT-1"})
        return order

    def test_salesman_cannot_move_an_order_to_another_store(self):
        order_id = self.rpc(self.salesman_a, "sale.order", "create",
                            {"partner_id": self.salesman_a.partner_id.id})
        self.assertRpcRefused(self.salesman_a, "sale.order", "write", [order_id],
                              {"store_id": self.store_b.id})
        self.assertRpcRefused(self.salesman_a, "sale.order", "create",
                              {"partner_id": self.salesman_a.partner_id.id, "store_id": self.store_a.id})
        self.assertFalse(self.env["sale.order"].browse(order_id).store_id)

    def test_salesman_cannot_rewrite_the_platform_line_a_line_ships_as(self):
        order = self.imported_order()
        line = order.order_line[0]
        self.assertRpcRefused(self.salesman_a, "sale.order.line", "write", line.ids,
                              {"store_external_line_id": "LINE-2"})
        self.assertRpcRefused(self.salesman_a, "sale.order", "write", order.ids, {"order_line": [
            Command.create({"product_id": self.other.id, "product_uom_qty": 5,
                            "store_external_line_id": "LINE-2"})]})
        self.assertEqual(order.order_line.mapped("store_external_line_id"), ["LINE-1", "LINE-2"])
        # The salesman still edits the order as usual.
        self.rpc(self.salesman_a, "sale.order.line", "write", line.ids, {"product_uom_qty": 3})
        self.assertEqual(line.product_uom_qty, 3)

    def test_warehouse_user_cannot_mark_a_delivery_as_already_sent(self):
        self.store_a.allow_orders_push = True
        order = self.imported_order()
        order.action_confirm()
        picking = order.picking_ids
        self.assertRpcRefused(self.stock_a, "stock.picking", "write", picking.ids,
                              {"store_fulfillment_ref": "sent"})
        self.assertFalse(picking.store_fulfillment_ref)


class TestCompanyContextOfJobs(AuditAttackCase):
    def test_export_reads_company_dependent_fields_in_the_stores_company(self):
        """Company B maps the cost (company-dependent): its store must send company B's cost, not
        the cost of the company the queue runner happens to run in (A)."""
        self.shared.with_company(self.company_a).standard_price = 11.0
        self.shared.with_company(self.company_b).standard_price = 22.0
        self.rpc(self.admin_b, "store.field.mapping", "create",
                 {"store_id": self.store_b.id, "field_name": "standard_price", "platform_field": "cost"})
        self.store_b.auto_sync_products = True
        wizard = self.rpc(self.user_b, "store.product.publish.wizard", "create", {
            "store_ids": [Command.set(self.store_b.ids)], "product_ids": [Command.set(self.shared.ids)]})
        self.rpc(self.user_b, "store.product.publish.wizard", "action_apply", [wizard])
        run_queue(self.env, self.store_b)
        [(store_id, products)] = RECORDER.of("export_products")
        self.assertEqual(store_id, self.store_b.id)
        self.assertEqual(products[0]["variants"][0]["extra"], {"cost": 22.0})


class TestCrossCompanyProducts(AuditAttackCase):
    def test_another_companys_store_does_not_stop_archiving_a_shared_product(self):
        """Company B's store syncs products automatically but does not permit it: company A still
        archives its shared product; store B's binding waits for an export, and B's log says so."""
        self.store_b.auto_sync_products = False
        binding_b = self.store_b._publish_products(self.shared)
        self.store_b.write({"auto_sync_products": True, "allow_products_sync": False})
        self.rpc(self.seller_a, "product.product", "write", self.shared.ids, {"active": False})
        self.assertFalse(self.shared.active)
        self.assertEqual((binding_b.platform_status, binding_b.sync_state), ("archived", "pending"))
        self.assertFalse(self.env["sync.job"].search([("store_id", "=", self.store_b.id),
                                                      ("operation", "=", "products.archive")]))
        self.assertTrue(self.store_b.log_ids.filtered(lambda log: "LAMP-1" in (log.message or "")))
        # Its own company's store still refuses, clearly.
        self.store_b.allow_products_sync = True
        self.store_a.auto_sync_products = False
        self.store_a._publish_products(self.other)
        self.store_a.write({"auto_sync_products": True, "allow_products_sync": False})
        refusal = self.assertRpcRefused(self.seller_a, "product.product", "write", self.other.ids,
                                        {"active": False}, error="OperationNotPermitted")
        self.assertIn("Attack Shop A", refusal.message)
        self.assertTrue(self.other.active)

    def test_sku_refusals_do_not_name_another_companys_store_or_products(self):
        """A shared product's SKU still may not clash in company B's store, but company A learns
        neither that store's name nor B's own products from the refusal."""
        private_b = self.env["product.product"].create({
            "name": "Prototype Lamp", "default_code": "PROTO-B", "company_id": self.company_b.id})
        self.store_b._publish_products(self.shared | private_b)
        clash = self.assertRpcRefused(self.seller_a, "product.product", "write", self.shared.ids,
                                      {"default_code": "PROTO-B"}, error="ValidationError")
        self.assertIn("PROTO-B", clash.message)
        empty = self.assertRpcRefused(self.seller_a, "product.product", "write", self.shared.ids,
                                      {"default_code": False}, error="ValidationError")
        for refusal in (clash, empty):
            self.assertNotIn("Prototype", refusal.message)
            self.assertNotIn("Attack Shop B", refusal.message)
        self.assertEqual(self.shared.default_code, "LAMP-1")
        # Company B's own people are told which store and products clash.
        clash = self.assertRpcRefused(self.seller_b, "product.product", "write", self.shared.ids,
                                      {"default_code": "PROTO-B"}, error="ValidationError")
        self.assertIn("Attack Shop B", clash.message)
        self.assertIn("Prototype Lamp", clash.message)


class TestPublishWizard(AuditAttackCase):
    def test_a_publish_window_is_its_users_own(self):
        wizard = self.rpc(self.user_a, "store.product.publish.wizard", "create", {
            "store_ids": [Command.set(self.store_a.ids)], "product_ids": [Command.set(self.shared.ids)]})
        for intruder in (self.user_b, self.manager_a):
            self.assertRpcRefused(intruder, "store.product.publish.wizard", "read", [wizard], ["mode"])
            self.assertRpcRefused(intruder, "store.product.publish.wizard", "write", [wizard],
                                  {"mode": "unpublish"})
            self.assertRpcRefused(intruder, "store.product.publish.wizard", "action_apply", [wizard])
        self.assertFalse(self.env["store.product.binding"].search([("product_id", "=", self.shared.id)]))
        # Its user applies it as they left it.
        self.rpc(self.user_a, "store.product.publish.wizard", "action_apply", [wizard])
        binding = self.env["store.product.binding"].search([("product_id", "=", self.shared.id)])
        self.assertEqual((binding.store_id, binding.platform_status), (self.store_a, "active"))


class TestContextKeys(AuditAttackCase):
    """Context keys the order import sets, sent by an RPC caller instead."""

    def test_a_caller_cannot_keep_a_customer_change_from_the_platform(self):
        self.store_a.auto_sync_customers = True
        customer = self.env["res.partner"].create({"name": "Bound Customer", "email": "old@example.com"})
        self.env["store.customer.binding"].create({
            "store_id": self.store_a.id, "partner_id": customer.id, "external_id": "C-1"})
        self.rpc(self.seller_a, "res.partner", "write", customer.ids, {"email": "new@example.com"},
                 context={"store_connector_importing": True})
        jobs = self.env["sync.job"].search([("store_id", "=", self.store_a.id),
                                            ("operation", "=", "customers.export")])
        self.assertEqual(len(jobs), 1, "the change waits to be sent to the platform")

    def test_a_caller_cannot_confirm_a_quotation_at_a_back_dated_order_date(self):
        order_id = self.rpc(self.salesman_a, "sale.order", "create", {
            "partner_id": self.salesman_a.partner_id.id, "date_order": "2020-01-01 00:00:00",
            "order_line": [Command.create({"product_id": self.shared.id, "product_uom_qty": 1})]})
        self.rpc(self.salesman_a, "sale.order", "action_confirm", [order_id],
                 context={"store_connector_keep_date_order": True})
        order = self.env["sale.order"].browse(order_id)
        self.assertEqual(order.state, "sale")
        self.assertGreater(order.date_order.year, 2020)
