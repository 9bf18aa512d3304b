"""Product field mappings over RPC and through the store form, as Store Connector Managers make
them: the export job reads the mapped fields as superuser and sends them to the platform, so a
mapping never carries a field its author may not read, nor data of another company."""

from unittest.mock import patch

from odoo import Command
from odoo.tests import new_test_user

from .common_attack import MANAGER, RpcAttackCase, RpcError

# The group that reads the cost in these tests (Inventory Administrator).
COST_GROUP = "stock.group_stock_manager"
# Mapping fields as the store form's Product Fields tab reads them (web client specification).
MAPPING_SPEC = {
    "sequence": {}, "mapped_model": {}, "field_name": {}, "platform_field": {}, "transform": {},
    "format_string": {}, "active": {},
}
STORE_SPEC = {
    "display_name": {},
    "field_mapping_ids": {"fields": MAPPING_SPEC, "context": {"active_test": False}},
}


class TestFieldMappingAccess(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Managers of company A with and without the cost rights of the restricted field below.
        cls.cost_manager_a = new_test_user(
            cls.env, "atk_cost_manager_a", groups=f"base.group_user,{COST_GROUP},{MANAGER}",
            company_id=cls.company_a.id, company_ids=[Command.set(cls.company_a.ids)],
        )

    def setUp(self):
        super().setUp()
        # The cost restricted to a group, as an addon does with `groups=` on a product field
        # (the server thread of the RPC calls shares this registry).
        cost = self.env["product.product"]._fields["standard_price"]
        patcher = patch.object(cost, "groups", COST_GROUP)
        patcher.start()
        self.addCleanup(patcher.stop)

    def map_field(self, user, field_name, platform_field, store=None):
        return self.rpc(user, "store.field.mapping", "create", {
            "store_id": (store or self.store_a).id, "field_name": field_name,
            "platform_field": platform_field,
        })

    def mappings(self, store=None):
        store = store or self.store_a
        return self.env["store.field.mapping"].with_context(active_test=False).search(
            [("store_id", "=", store.id)])

    # ------------------------------------------------------------------ external RPC
    def test_manager_maps_an_ordinary_field(self):
        mapping_id = self.map_field(self.manager_a, "volume", "volume_m3")
        [read] = self.rpc(self.manager_a, "store.field.mapping", "read", [mapping_id],
                          ["field_name", "field_label", "platform_field"])
        self.assertEqual((read["field_name"], read["field_label"], read["platform_field"]),
                         ("volume", "Volume", "volume_m3"))
        # and changes the field of a mapping the store started with
        weight = self.mappings().filtered(lambda m: m.platform_field == "weight")
        self.rpc(self.manager_a, "store.field.mapping", "write", weight.ids, {"field_name": "volume"})
        self.assertEqual(weight.field_name, "volume")
        self.assertIn({"field": "volume", "platform_field": "volume_m3", "transform": "none",
                       "format": False, "level": "variant"}, self.mappings()._mapper_specs())

    def test_manager_cannot_map_a_field_of_groups_they_lack(self):
        refusal = self.assertRpcRefused(self.manager_a, "store.field.mapping", "create", {
            "store_id": self.store_a.id, "field_name": "standard_price", "platform_field": "cost",
        })
        self.assertIn("standard_price", refusal.message)
        self.assertIn("restricted to groups you do not have", refusal.message)
        title = self.mappings().filtered(lambda m: m.platform_field == "title")
        self.assertRpcRefused(self.manager_a, "store.field.mapping", "write", title.ids,
                              {"field_name": "standard_price"})
        self.assertEqual(title.field_name, "name")
        self.assertFalse(self.mappings().filtered(lambda m: m.field_name == "standard_price"))
        # A Manager who may read the cost maps it.
        self.map_field(self.cost_manager_a, "standard_price", "cost")
        self.assertTrue(self.mappings().filtered(lambda m: m.field_name == "standard_price"))

    def test_fields_leading_to_other_companies_are_refused(self):
        refused = {
            "taxes_id": "Tax",  # a product shared by both companies carries the taxes of each
            "route_ids": "Inventory Routes",
            "responsible_id": "User",
            "optional_product_ids": "Product",
            "location_id": "Inventory Locations",  # related through the template
        }
        for field_name, model in refused.items():
            with self.subTest(field=field_name):
                refusal = self.assertRpcRefused(self.manager_a, "store.field.mapping", "create", {
                    "store_id": self.store_a.id, "field_name": field_name, "platform_field": field_name,
                }, error="ValidationError")
                self.assertIn(f"leads to {model} records, which may belong to other companies",
                              refusal.message)
        # Computed when read, from records of every company (sales, stock moves)
        for field_name in ("sales_count", "nbr_moves_out"):
            with self.subTest(field=field_name):
                refusal = self.assertRpcRefused(self.manager_a, "store.field.mapping", "create", {
                    "store_id": self.store_a.id, "field_name": field_name, "platform_field": field_name,
                }, error="ValidationError")
                self.assertIn("is computed when read from data that may not be this store's",
                              refusal.message)
        refusal = self.assertRpcRefused(self.cost_manager_a, "store.field.mapping", "create", {
            "store_id": self.store_a.id, "field_name": "qty_available", "platform_field": "qty",
        }, error="ValidationError")
        self.assertIn("stock_move_ids leads to Stock Move records, which may belong to other companies",
                      refusal.message)
        # and read from records this Manager may not read at all (no Inventory rights)
        refusal = self.assertRpcRefused(self.manager_a, "store.field.mapping", "create", {
            "store_id": self.store_a.id, "field_name": "qty_available", "platform_field": "qty",
        })
        self.assertIn("leads to Stock Move records, which you may not read", refusal.message)
        for field_name in ("seller_ids", "image_1920", "nonexistent_field"):
            with self.subTest(field=field_name):
                self.assertRpcRefused(self.manager_a, "store.field.mapping", "create", {
                    "store_id": self.store_a.id, "field_name": field_name, "platform_field": field_name,
                }, error="ValidationError")
        self.assertEqual(len(self.mappings()), 6, "only the default mappings")
        # Links to records shared by every company, and the product's own data, are mapped.
        for field_name in ("categ_id", "uom_id", "product_tag_ids", "company_id", "lst_price",
                           "display_name", "weight"):
            with self.subTest(field=field_name):
                self.map_field(self.manager_a, field_name, f"x_{field_name}")

    def test_user_cannot_map_fields(self):
        self.assertRpcRefused(self.user_a, "store.field.mapping", "create", {
            "store_id": self.store_a.id, "field_name": "volume", "platform_field": "volume",
        })

    # ------------------------------------------------------------------ the store form
    def test_manager_maps_through_the_store_form(self):
        """What the web client sends: open the store, add a line to Product Fields (onchange),
        pick a field in the field selector (fields_get), save (web_save)."""
        user = self.manager_a
        context = {"lang": "en_US", "tz": "UTC", "uid": user.id,
                   "allowed_company_ids": self.company_a.ids}
        [store] = self.call_kw(user, "connector.store", "web_read", [self.store_a.id],
                               specification=STORE_SPEC, context=context)
        self.assertEqual(len(store["field_mapping_ids"]), 6)
        self.assertEqual(store["field_mapping_ids"][0]["mapped_model"], "product.product")
        line = self.call_kw(user, "store.field.mapping", "onchange", [], {}, [], MAPPING_SPEC,
                            context=dict(context, default_store_id=self.store_a.id))["value"]
        self.assertEqual(line["mapped_model"], "product.product")
        choices = self.call_kw(user, "product.product", "fields_get", [], ["string", "type"],
                               context=context)
        self.assertIn("volume", choices)
        self.assertNotIn("standard_price", choices, "the selector lists only readable fields")
        new_line = dict(line, field_name="volume", platform_field="volume_m3")
        saved = self.call_kw(user, "connector.store", "web_save", [self.store_a.id],
                             {"field_mapping_ids": [[0, "virtual_1", new_line]]},
                             specification=STORE_SPEC, context=context)
        self.assertIn(("volume", "volume_m3"),
                      {(m["field_name"], m["platform_field"]) for m in saved[0]["field_mapping_ids"]})
        # A field the selector does not offer, typed into the request, is refused all the same.
        forged = dict(line, field_name="standard_price", platform_field="cost")
        with self.assertRaises(RpcError) as caught:
            self.call_kw(user, "connector.store", "web_save", [self.store_a.id],
                         {"field_mapping_ids": [[0, "virtual_2", forged]]},
                         specification=STORE_SPEC, context=context)
        self.assertIn("AccessError", caught.exception.name)
        self.assertFalse(self.mappings().filtered(lambda m: m.platform_field == "cost"))
