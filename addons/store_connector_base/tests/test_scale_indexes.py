"""What the order import, the queue, the webhook intake and the sync API look up is served by an
index, so that their cost stays flat as the database grows (issue #12, "Cost flat as the database
grows"; the figures: `scripts/bench --only scale`)."""

from odoo.tools import SQL

from .common import StoreConnectorCase


class TestScaleIndexes(StoreConnectorCase):
    def explain(self, model, domain, order=None, limit=None):
        """The plan of the ORM's query for `domain`, planned as on a large database: a test
        database's small tables would be scanned whatever their indexes, and a store's few orders
        sorted (how many the planner expects depends on what earlier tests left in the statistics);
        on a large database that sort is what the index saves."""
        for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin", "enable_sort"):
            self.env.cr.execute(SQL("SET LOCAL %s = off", SQL.identifier(setting)))
        query = self.env[model].sudo()._search(domain, order=order, limit=limit)
        self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
        return "\n".join(row[0] for row in self.env.cr.fetchall())

    def test_the_sync_api_order_list_reads_the_store_orders_through_their_index(self):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'sale_order' AND indexname = %s",
            ["sale_order_store_connector_store_id_id_index"])
        [(definition,)] = self.env.cr.fetchall()
        self.assertIn("(store_id, id)", definition)
        # The query of connector.store._api_list_orders: first page, then a page after a cursor.
        for domain in ([("store_id", "=", self.store.id)],
                       [("store_id", "=", self.store.id), ("id", "<", 1000)]):
            plan = self.explain("sale.order", domain, order="id desc", limit=51)
            self.assertIn("sale_order_store_connector_store_id_id_index", plan)
            self.assertIn("Index Cond", plan)
            self.assertNotIn("Sort", plan, "the index gives the order: no sort of the store's orders")

    def index_columns(self, table):
        """The column lists of the indexes of `table`: [(column, ...)]."""
        self.env.cr.execute("""
            SELECT array_agg(a.attname ORDER BY k.n)
              FROM pg_index i
              JOIN pg_class t ON t.oid = i.indrelid
              CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
             WHERE t.relname = %s
             GROUP BY i.indexrelid""", [table])
        return [tuple(row[0]) for row in self.env.cr.fetchall()]

    def test_every_lookup_of_the_import_intake_and_queue_has_its_index(self):
        """Order and customer bindings by platform id, product bindings by SKU and platform ids,
        products by internal reference (store.order.importer), deliveries by event id (the
        intake's duplicate check), pending jobs by identity key (merging keyed jobs): on a large
        database the planner answers each through these indexes (`scripts/bench --only scale`
        checks the plans of the real queries on 500,000 orders)."""
        for table, columns in (
            ("store_order_binding", ("store_id", "external_id")),
            ("store_customer_binding", ("store_id", "external_id")),
            ("store_product_binding", ("sku",)),
            ("store_product_binding", ("store_id", "external_variant_id")),
            ("store_product_binding", ("external_product_id",)),
            ("product_product", ("default_code",)),
            ("res_partner", ("email_normalized",)),
            ("res_partner", ("name",)),
            ("res_partner", ("parent_id",)),
            ("store_webhook_delivery", ("store_id", "event_id")),
            ("sync_job", ("store_id", "identity_key")),
            ("sale_order", ("store_id", "id")),
        ):
            with self.subTest(table=table, columns=columns):
                self.assertTrue(
                    any(index[:len(columns)] == columns for index in self.index_columns(table)),
                    f"no index of {table} starts with {columns}")
