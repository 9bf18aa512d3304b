from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.store_connector_base.exceptions import RetryableJobError

from ..models.shopify_order_mapper import gid, legacy_id
from .common import ShopifySimulatorCase
from .test_shopify_products import ShopifyCatalogMixin


@tagged("post_install", "-at_install")
class TestShopifyInventory(ShopifyCatalogMixin, ShopifySimulatorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_catalog()

    def _bind_many(self, count, prefix="BULK"):
        """`count` SKUs known on Shopify (products made there, bindings matched by import). The
        simulator lives as long as the class: a test that checks quantities by SKU there uses a
        prefix of its own."""
        for start in range(0, count, 100):
            self.sim.add_product(
                f"Bulk {start}",
                variants=[
                    {"sku": f"{prefix}-{i:04d}", "price": "1.00", "options": {"N": str(i)}}
                    for i in range(start, min(count, start + 100))
                ],
            )
        products = self.env["product.product"].create(
            [
                {"name": f"Bulk {i}", "default_code": f"{prefix}-{i:04d}", "is_storable": True}
                for i in range(count)
            ]
        )
        bindings = self.store._publish_products(products)
        for binding in bindings:
            variant = self.sim.product(binding.sku)
            sim_variant = next(v for v in variant["variants"] if v["sku"] == binding.sku)
            binding.write(
                {
                    "external_product_id": variant["id"],
                    "external_variant_id": sim_variant["id"],
                    "external_data": {"inventory_item_id": sim_variant["inventory_item_id"]},
                    "sync_state": "synced",
                }
            )
        self.env["sync.job"].search([("store_id", "=", self.store.id)]).unlink()
        return products

    def _pin_primary_location(self):
        """Publish to the shop's primary location (other tests add locations to the simulator,
        which lives as long as the class). :returns: its GID."""
        primary = gid("Location", self.sim._location_id(None))
        self.store.shopify_location_id = self.env["shopify.location"].create(
            {"store_id": self.store.id, "name": "Primary", "shopify_gid": primary}
        )
        return primary

    def _set_stock(self, product, quantity):
        self.env["stock.quant"]._update_available_quantity(product, self.warehouse.lot_stock_id, quantity)

    def inventory_calls(self):
        return [c for c in self.sim.calls if c.get("operation_name") == "ConnectorInventorySet"]

    def test_batches_of_250(self):
        products = self._bind_many(600)
        for product in products[:3]:
            self._set_stock(product, 7)
        self.sim.reset_calls()
        jobs = self.store._enqueue_inventory_sync()
        self.assertEqual(len(jobs), 3, "600 SKUs: 250 + 250 + 100")
        self.run_queue()
        self.assertEqual(len(self.inventory_calls()), 3)
        self.assertEqual(self.sim.inventory("BULK-0000"), 7)
        self.assertEqual(self.sim.inventory("BULK-0599"), 0)
        binding = products[0].store_binding_ids
        self.assertEqual((binding.inventory_quantity, binding.inventory_error), (7, False))

    def test_idempotent_retry_and_stale_quantity(self):
        [product] = self._bind_many(1)
        self._set_stock(product, 5)
        adapter = self.env["store.adapter.shopify"]
        items = [
            {
                "sku": product.default_code,
                "quantity": 5,
                "external_ids": product.store_binding_ids._external_ids(),
            }
        ]
        self.assertEqual(adapter._update_inventory(self.store, items), [{"sku": "BULK-0000", "error": None}])
        self.assertEqual(self.sim.inventory("BULK-0000"), 5)
        # The job failed after the call (nothing written in Odoo) and runs again: same key, Shopify
        # answers with the original result and applies nothing twice.
        self.sim.set_inventory("BULK-0000", 9)  # someone changes it on Shopify meanwhile
        replays = self.sim.stats["idempotent_replays"]
        adapter._update_inventory(self.store, items)
        self.assertEqual(self.sim.stats["idempotent_replays"], replays + 1)
        self.assertEqual(self.sim.inventory("BULK-0000"), 9, "a replay changes nothing")
        # Once published (binding written), the next publication checks changeFromQuantity=5; the
        # quantity on Shopify is 9: stale, re-read, sent again from 9. Odoo is the master.
        product.store_binding_ids.write(
            {"inventory_quantity": 5, "inventory_synced_at": "2026-01-01 00:00:00"}
        )
        items[0]["quantity"] = 4
        self.assertEqual(adapter._update_inventory(self.store, items), [{"sku": "BULK-0000", "error": None}])
        self.assertEqual(self.sim.inventory("BULK-0000"), 4)

    def test_job_retry_reuses_its_key_and_a_new_job_gets_a_new_one(self):
        [product] = self._bind_many(1, prefix="RETRY")
        self._pin_primary_location()
        self._set_stock(product, 5)
        binding = product.store_binding_ids
        [job] = self.store._enqueue_inventory_sync()
        Store = type(self.env["connector.store"])
        original = Store._event_inventory_sync_completed
        failures = []

        def fail_once(store, *args, **kwargs):
            if not failures:
                failures.append(1)
                raise RetryableJobError("the worker died after Shopify's answer")
            return original(store, *args, **kwargs)

        self.sim.reset_calls()
        replays = self.sim.stats["idempotent_replays"]
        with patch.object(Store, "_event_inventory_sync_completed", fail_once):
            self.run_queue()
            self.assertEqual((job.state, job.retry_count), ("pending", 1))
            self.assertFalse(binding.inventory_synced_at, "the failed attempt wrote nothing in Odoo")
            self.sim.set_inventory("RETRY-0000", 9)  # changed on Shopify meanwhile
            job.next_attempt_at = "2000-01-01 00:00:00"
            self.run_queue()
        self.assertEqual(job.state, "done")
        first, retry = [c["variables"]["key"] for c in self.inventory_calls()]
        self.assertEqual(first, retry, "the retry of the job sends the same key")
        self.assertEqual(self.sim.stats["idempotent_replays"], replays + 1)
        self.assertEqual(self.sim.inventory("RETRY-0000"), 9, "the replay applied nothing twice")
        # A new job publishing the same quantity from the same state gets a new key.
        binding.write({"inventory_quantity": 0, "inventory_synced_at": False})
        self.sim.reset_calls()
        replays = self.sim.stats["idempotent_replays"]
        [job2] = self.store._enqueue_inventory_sync()
        self.run_queue()
        self.assertEqual(job2.state, "done")
        [call] = self.inventory_calls()
        self.assertNotEqual(call["variables"]["key"], first)
        self.assertEqual(self.sim.stats["idempotent_replays"], replays, "not a replay")
        self.assertEqual(self.sim.inventory("RETRY-0000"), 5)

    def test_unexported_sku_is_reported(self):
        [product] = self.env["product.product"].create([{"name": "New", "default_code": "NEW-1"}])
        result = self.env["store.adapter.shopify"]._update_inventory(
            self.store, [{"sku": "NEW-1", "quantity": 3, "external_ids": {}}]
        )
        self.assertIn("export the product first", result[0]["error"])

    def _two_mapped_locations(self, prefix="BULK"):
        """A bound product with 6 units in Odoo's stock location (mapped to Shopify's primary location)
        and 2 on a shelf mapped to a new Shopify location "Depot"; the variant, made on Shopify without
        stock, is stocked at neither yet. Returns (product, main location GID, depot location GID)."""
        [product] = self._bind_many(1, prefix=prefix)
        shelf = self.env["stock.location"].create(
            {"name": "Shelf B", "usage": "internal", "location_id": self.warehouse.view_location_id.id}
        )
        self._set_stock(product, 6)
        self.env["stock.quant"]._update_available_quantity(product, shelf, 2)
        depot = self.sim.add_location("Depot")
        main = self.sim.graphql("{ locations(first: 5) { nodes { id name } } }").json()["data"]["locations"][
            "nodes"
        ]
        main_gid = next(loc["id"] for loc in main if loc["id"] != depot["id"])
        Location = self.env["shopify.location"]
        Location.create(
            {
                "store_id": self.store.id,
                "name": "Main",
                "shopify_gid": main_gid,
                "location_id": self.warehouse.lot_stock_id.id,
            }
        )
        Location.create(
            {"store_id": self.store.id, "name": "Depot", "shopify_gid": depot["id"], "location_id": shelf.id}
        )
        self.assertIsNone(self.sim.inventory(f"{prefix}-0000", location=main_gid), "not stocked there")
        self.assertIsNone(self.sim.inventory(f"{prefix}-0000", location=depot["id"]), "not stocked there")
        self.sim.reset_calls()
        return product, main_gid, depot["id"]

    def _root_fields(self):
        return [field for call in self.sim.calls for field in call["root_fields"]]

    def test_per_mapped_location(self):
        """API 2026-10 (the default): a quantity can be set at any location, the set stocks the variant
        where it is not stocked yet; nothing is activated first (ITEM_NOT_STOCKED_AT_LOCATION is gone)."""
        self.assertEqual(self.store.shopify_api_version, "2026-10")
        product, main_gid, depot_gid = self._two_mapped_locations()
        items = [
            {"sku": "BULK-0000", "quantity": 8, "external_ids": product.store_binding_ids._external_ids()}
        ]
        result = self.env["store.adapter.shopify"]._update_inventory(self.store, items)
        self.assertEqual(result, [{"sku": "BULK-0000", "error": None}])
        self.assertEqual(self.sim.inventory("BULK-0000", location=main_gid), 6)
        self.assertEqual(
            self.sim.inventory("BULK-0000", location=depot_gid), 2, "stocked at the depot by the set itself"
        )
        self.assertEqual(self._root_fields(), ["inventorySetQuantities"])
        levels = product.store_binding_ids.external_data["shopify_levels"]
        self.assertEqual(levels, {main_gid: 6, depot_gid: 2})

    def test_per_mapped_location_before_2026_10_activates_the_variant_first(self):
        """A store pinned to 2026-07: Shopify refuses a quantity at a location where the variant is not
        stocked (ITEM_NOT_STOCKED_AT_LOCATION); the connector activates it there, with the @idempotent
        key inventoryActivate requires from 2026-04, then sets the quantities again."""
        self.store.shopify_api_version = "2026-07"
        product, main_gid, depot_gid = self._two_mapped_locations(prefix="PINNED")
        items = [
            {"sku": "PINNED-0000", "quantity": 8, "external_ids": product.store_binding_ids._external_ids()}
        ]
        result = self.env["store.adapter.shopify"]._update_inventory(self.store, items)
        self.assertEqual(result, [{"sku": "PINNED-0000", "error": None}])
        # Refused, one activation per location, the quantities re-read (one read per location), set.
        self.assertEqual(
            self._root_fields(),
            ["inventorySetQuantities", "inventoryActivate", "inventoryActivate", "nodes", "nodes",
             "inventorySetQuantities"],
        )
        activations = [c for c in self.sim.calls if c["root_fields"] == ["inventoryActivate"]]
        self.assertEqual({c["version"] for c in activations}, {"2026-07"})
        self.assertEqual({c["variables"]["location"] for c in activations}, {main_gid, depot_gid})
        keys = {c["variables"].get("key") for c in activations}
        self.assertEqual(len(keys), 2, "an @idempotent key of its own for each activation")
        self.assertNotIn(None, keys)
        self.assertEqual(self.sim.inventory("PINNED-0000", location=main_gid), 6)
        self.assertEqual(self.sim.inventory("PINNED-0000", location=depot_gid), 2, "activated, then set")
        levels = product.store_binding_ids.external_data["shopify_levels"]
        self.assertEqual(levels, {main_gid: 6, depot_gid: 2})

    def test_per_mapped_location_publishes_the_store_basis(self):
        """Each mapped location gets what the base publishes for it: the store's publish basis (by
        default free minus the demand not reserved yet), minus the safety stock."""
        [product] = self._bind_many(1, prefix="BASIS")
        shelf = self.env["stock.location"].create(
            {"name": "Shelf D", "usage": "internal", "location_id": self.warehouse.view_location_id.id}
        )
        stock = self.warehouse.lot_stock_id
        self._set_stock(product, 25)
        self.env["stock.quant"]._update_available_quantity(product, shelf, 4)
        # A confirmed delivery of 8 from the stock location, not reserved yet.
        move = self.env["stock.move"].create({
            "name": "order", "product_id": product.id, "product_uom_qty": 8, "product_uom": product.uom_id.id,
            "location_id": stock.id, "location_dest_id": self.env.ref("stock.stock_location_customers").id,
        })
        move._action_confirm()
        self.assertEqual((move.state, move.quantity), ("confirmed", 0.0))
        depot = self.sim.add_location("Depot D")
        main_gid = gid("Location", self.sim._location_id(None))
        Location = self.env["shopify.location"]
        Location.create({"store_id": self.store.id, "name": "Main", "shopify_gid": main_gid,
                         "location_id": stock.id})
        Location.create({"store_id": self.store.id, "name": "Depot D", "shopify_gid": depot["id"],
                         "location_id": shelf.id})
        self.store.safety_stock = 1
        binding = product.store_binding_ids
        targets = dict(self.env["store.adapter.shopify"]._shopify_inventory_targets(self.store, binding))
        self.assertEqual(targets, {main_gid: {binding.id: 16}, depot["id"]: {binding.id: 3}},
                         "25 - 8 - 1 at the stock location; 4 - 1 on the shelf")
        self.store.inventory_publish_basis = "on_hand"
        targets = dict(self.env["store.adapter.shopify"]._shopify_inventory_targets(self.store, binding))
        self.assertEqual(targets[main_gid], {binding.id: 24})

    def _level_payload(self, product, available, updated_at, location_gid=None):
        binding = product.store_binding_ids
        if location_gid is None:
            location_gid = self.store.shopify_location_id.shopify_gid
        return {
            "inventory_item_id": int(legacy_id(binding.external_data["inventory_item_id"])),
            "location_id": int(legacy_id(location_gid)),
            "available": available,
            "updated_at": updated_at,
        }

    def test_inventory_level_webhook_sets_odoo_quantity_only_when_switched_on(self):
        [product] = self._bind_many(1, prefix="LEVEL")
        self._pin_primary_location()
        self._set_stock(product, 5)
        adapter = self.env["store.adapter.shopify"]
        stock = self.warehouse.lot_stock_id

        def on_hand():
            return product.with_context(location=stock.id).qty_available

        # Off by default: Odoo is the master, the webhook changes nothing.
        self.assertFalse(self.store.shopify_import_inventory)
        result = adapter._shopify_webhook_inventory_level(
            self.store, None, self._level_payload(product, 12, "2026-11-24T10:00:00-00:00")
        )
        self.assertIn("off", result["ignored"])
        self.assertEqual(on_hand(), 5)

        self.store.shopify_import_inventory = True
        self.store.safety_stock = 1
        result = adapter._shopify_webhook_inventory_level(
            self.store, None, self._level_payload(product, 12, "2026-11-24T10:00:00-00:00")
        )
        self.assertEqual(result["quantity"], 13)
        self.assertEqual(on_hand(), 13, "free quantity minus the safety stock is Shopify's 12")
        move = self.env["stock.move"].search([("product_id", "=", product.id), ("is_inventory", "=", True)])
        self.assertTrue(move, "an inventory adjustment")
        binding = product.store_binding_ids
        self.assertEqual(binding.inventory_quantity, 12, "Shopify holds what Odoo would publish")
        # The next export publishes 12: its webhook echo changes nothing.
        self.store._enqueue_inventory_sync()
        self.run_queue()
        self.assertEqual(self.sim.inventory("LEVEL-0000"), 12)
        result = adapter._shopify_webhook_inventory_level(
            self.store, None, self._level_payload(product, 12, "2026-11-24T10:05:00-00:00")
        )
        self.assertIn("echo", result["ignored"])
        # An older delivery arriving late does not overwrite the newer quantity.
        result = adapter._shopify_webhook_inventory_level(
            self.store, None, self._level_payload(product, 3, "2026-11-24T09:00:00-00:00")
        )
        self.assertIn("older", result["ignored"])
        self.assertEqual(on_hand(), 13)
        # Reserved quantities stay reserved: on hand = available + reserved + safety stock.
        result = adapter._shopify_webhook_inventory_level(
            self.store, None, self._level_payload(product, 4, "2026-11-24T11:00:00-00:00")
        )
        self.assertEqual(on_hand(), 5)

    def test_inventory_level_webhook_keeps_what_the_basis_holds_back(self):
        """Shopify's available quantity excludes what its open orders committed; Odoo keeps on hand
        what its publish basis holds back for its confirmed deliveries, so that it publishes back
        Shopify's quantity unchanged."""
        [product] = self._bind_many(1, prefix="LEVELDEMAND")
        self._pin_primary_location()
        stock = self.warehouse.lot_stock_id
        self._set_stock(product, 5)
        move = self.env["stock.move"].create({
            "name": "order", "product_id": product.id, "product_uom_qty": 3, "product_uom": product.uom_id.id,
            "location_id": stock.id, "location_dest_id": self.env.ref("stock.stock_location_customers").id,
        })
        move._action_confirm()
        self.assertEqual((move.state, move.quantity), ("confirmed", 0.0), "not reserved")
        self.store.write({"shopify_import_inventory": True, "safety_stock": 1})
        result = self.env["store.adapter.shopify"]._shopify_webhook_inventory_level(
            self.store, None, self._level_payload(product, 12, "2026-11-25T10:00:00-00:00")
        )
        self.assertEqual(result["quantity"], 16, "12 available + 3 awaited by the delivery + 1 safety stock")
        self.assertEqual(product.with_context(location=stock.id).qty_available, 16)
        self.assertEqual(self.store._published_quantities(product), {product.id: 12})

    def test_inventory_level_webhook_per_mapped_location(self):
        [product] = self._bind_many(1, prefix="LEVELMAP")
        shelf = self.env["stock.location"].create(
            {"name": "Shelf C", "usage": "internal", "location_id": self.warehouse.view_location_id.id}
        )
        depot = self.sim.add_location("Depot C")
        self.env["shopify.location"].create(
            {
                "store_id": self.store.id,
                "name": "Depot C",
                "shopify_gid": depot["id"],
                "location_id": shelf.id,
            }
        )
        self.store.shopify_import_inventory = True
        adapter = self.env["store.adapter.shopify"]
        adapter._shopify_webhook_inventory_level(
            self.store, None, self._level_payload(product, 7, "2026-11-24T10:00:00-00:00", depot["id"])
        )
        self.assertEqual(product.with_context(location=shelf.id).qty_available, 7)
        self.assertEqual(product.with_context(location=self.warehouse.lot_stock_id.id).qty_available, 0)
        levels = product.store_binding_ids.external_data["shopify_levels"]
        self.assertEqual(levels[depot["id"]], 7)
        result = adapter._shopify_webhook_inventory_level(
            self.store, None, self._level_payload(product, 7, "2026-11-24T10:01:00-00:00", depot["id"])
        )
        self.assertIn("echo", result["ignored"])
        # A Shopify location mapped to nothing (not the default one) is ignored.
        other = self.sim.add_location("Pop-up C")
        result = adapter._shopify_webhook_inventory_level(
            self.store, None, self._level_payload(product, 2, "2026-11-24T10:02:00-00:00", other["id"])
        )
        self.assertIn("not mapped", result["ignored"])
