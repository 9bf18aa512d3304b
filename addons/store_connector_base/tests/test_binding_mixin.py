"""Bindings (issue #9): one lookup of bindings by platform ids (`store.binding.mixin._find_by_external_ids`),
and the fields that order and customer bindings share declared once (`store.external.binding.mixin`),
with the same columns as before."""

from .common import StoreConnectorCase, create_test_store

# The columns of the binding tables before the mixins: the mixins change no column.
COLUMNS = {
    "store_order_binding": {
        "company_id", "create_date", "create_uid", "currency_id", "external_id", "external_number", "id",
        "last_import_at", "last_payload", "lines_fingerprint", "order_id", "payment_journal_id",
        "payment_method", "platform_created_at", "platform_stage", "platform_status", "platform_total",
        "platform_updated_at", "store_id", "write_date", "write_uid",
        # The echo of a status Odoo sent back, and the refunds recorded (issue #10).
        "status_pushed", "status_pushed_at", "refund_ids_recorded",
        # The tax a marketplace collected and remits itself, kept for reference (issue #11).
        "marketplace_tax",
    },
    "store_customer_binding": {
        "company_id", "create_date", "create_uid", "external_id", "id", "last_export_at", "partner_id",
        "platform_updated_at", "store_id", "write_date", "write_uid",
        # The buyer's platform username, which eBay lets a buyer change (issue #11).
        "external_username",
    },
}


class TestBindingMixin(StoreConnectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_store = create_test_store(cls.env, name="Other Store", company=cls.company)
        Partner = cls.env["res.partner"]
        cls.ann, cls.bob = Partner.create([{"name": "Ann"}, {"name": "Bob"}])
        Binding = cls.env["store.customer.binding"]
        cls.ann_binding, cls.bob_binding, cls.other_binding = Binding.create([
            {"store_id": cls.store.id, "partner_id": cls.ann.id, "external_id": "101"},
            {"store_id": cls.store.id, "partner_id": cls.bob.id, "external_id": "102"},
            {"store_id": cls.other_store.id, "partner_id": cls.ann.id, "external_id": "103"},
        ])

    def test_find_by_external_ids_maps_the_store_s_platform_ids_to_their_bindings(self):
        Binding = self.env["store.customer.binding"]
        found = Binding._find_by_external_ids(self.store, ["101", 102, "103", "999", None, ""])
        # Numbers compared as text; another store's binding and unknown ids are absent.
        self.assertEqual(found, {"101": self.ann_binding, "102": self.bob_binding})
        self.assertEqual(Binding._find_by_external_ids(self.other_store, iter(["103"])),
                         {"103": self.other_binding})
        with self.assertQueryCount(0):
            self.assertEqual(Binding._find_by_external_ids(self.store, [None, ""]), {})

    def test_find_by_external_ids_on_another_field_gathers_the_bindings_sharing_an_id(self):
        template = self.env["product.template"].create({"name": "Mug", "type": "consu"})
        red, blue = self.env["product.product"].create([
            {"product_tmpl_id": template.id, "default_code": "MUG-R"},
            {"product_tmpl_id": template.id, "default_code": "MUG-B"},
        ])
        Binding = self.env["store.product.binding"]
        bindings = Binding.create([
            {"store_id": self.store.id, "product_id": red.id, "external_product_id": "P1",
             "external_variant_id": "V1"},
            {"store_id": self.store.id, "product_id": blue.id, "external_product_id": "P1",
             "external_variant_id": "V2"},
        ])
        self.assertEqual(Binding._find_by_external_ids(self.store, ["P1"], field="external_product_id"),
                         {"P1": bindings})
        self.assertEqual(Binding._find_by_external_ids(self.store, ["V2", "P1"], "external_variant_id"),
                         {"V2": bindings[1]})

    def test_order_and_customer_bindings_share_the_mixin_fields(self):
        mixin = type(self.env["store.external.binding.mixin"])
        for model, id_label in (("store.order.binding", "Platform Order ID"),
                                ("store.customer.binding", "Platform Customer ID")):
            with self.subTest(model=model):
                Model = self.env[model]
                self.assertTrue(issubclass(type(Model), mixin))
                self.assertTrue(issubclass(type(Model), type(self.env["store.owned.mixin"])))
                fields = Model._fields
                self.assertEqual((fields["external_id"].string, fields["external_id"].required),
                                 (id_label, True))
                self.assertEqual(fields["platform_updated_at"].string, "Updated on Platform")
                self.assertTrue(fields["store_id"].required and fields["store_id"].index)
                self.assertEqual(fields["store_id"].ondelete, "cascade")
                self.assertEqual(fields["company_id"].related, "store_id.company_id")
                self.assertTrue(fields["company_id"].store)
        binding_mixin = type(self.env["store.binding.mixin"])
        self.assertTrue(issubclass(type(self.env["store.product.binding"]), binding_mixin))
        self.assertIn("Payloads older", self.env["store.order.binding"]._fields["platform_updated_at"].help)

    def test_the_binding_tables_keep_their_columns_and_keys(self):
        for table, columns in COLUMNS.items():
            with self.subTest(table=table):
                self.env.cr.execute("SELECT column_name, is_nullable FROM information_schema.columns "
                                    "WHERE table_name = %s", [table])
                rows = dict(self.env.cr.fetchall())
                self.assertEqual(set(rows), columns)
                self.assertEqual((rows["external_id"], rows["store_id"]), ("NO", "NO"))
                self.env.cr.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s",
                                    [f"{table}_store_external_uniq"])
                self.assertEqual(self.env.cr.fetchall(), [("UNIQUE (store_id, external_id)",)])
