"""The order import's customer lookups use indexes, so that their cost stays flat as the contacts grow
(issue #12, "Cost flat as the database grows")."""

from odoo.tests.common import TransactionCase
from odoo.tools import SQL


class TestPartnerLookupIndex(TransactionCase):
    def explain(self, domain):
        """The plan of the ORM's query for `domain`, sequential scans discouraged (a test database's
        small table would be scanned whatever its indexes)."""
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        # A company's contacts as a merchant's database has them (thousands, most with an e-mail),
        # and statistics that say so (ANALYZE counts this transaction's own rows): on the few
        # contacts of a test database the company's index looks as selective as the e-mail's.
        self.env.cr.execute(SQL(
            """INSERT INTO res_partner (name, company_id, email, email_normalized, active, autopost_bills)
               SELECT 'Contact ' || n, %(company)s, 'c' || n || '@example.com', 'c' || n || '@example.com',
                      TRUE, 'ask'
                 FROM generate_series(1, 5000) n""",
            company=self.env.company.id))
        self.env.cr.execute("ANALYZE res_partner")
        self.env.cr.execute(SQL("EXPLAIN %s", self.env["res.partner"]._search(domain).select()))
        return "\n".join(row[0] for row in self.env.cr.fetchall())

    def test_the_email_lookup_of_the_import_uses_an_index(self):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'res_partner' AND indexname = %s",
            ["res_partner_store_connector_email_normalized_index"])
        [(definition,)] = self.env.cr.fetchall()
        self.assertIn("(email_normalized)", definition)
        # The query the import runs (store_order_importer._resolve_partners), as the ORM writes it.
        plan = self.explain([
            ("email_normalized", "in", ["ann@example.com", "bob@example.com"]),
            ("company_id", "in", [False, self.env.company.id]),
        ])
        self.assertIn("res_partner_store_connector_email_normalized_index", plan)

    def test_the_guest_lookup_of_the_import_uses_an_index(self):
        plan = self.explain([
            ("name", "=", "Ann Lee"), ("email", "=", False), ("parent_id", "=", False),
            ("company_id", "=", self.env.company.id),
        ])
        self.assertNotIn("Seq Scan on res_partner", plan)
        self.assertIn("Index", plan)
