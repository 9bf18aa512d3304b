"""Customers of imported orders: matched by email within the company, addresses, both-way sync."""

from odoo.addons.store_connector_base.services import order_mapper
from odoo.addons.store_connector_base.services.normalized import normalize_customer

from .common_orders import OrderPipelineCase


class TestOrderCustomers(OrderPipelineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create(
            {"name": "Other Co", "country_id": cls.env.ref("base.us").id}
        )

    def _order(self, order_id, email, customer_id=None, **extra):
        order = self.make_order(order_id, **extra)
        order["customer"] = {"id": customer_id, "email": email, "name": "Buyer"}
        return order

    def test_customer_matched_by_email_within_the_company(self):
        mine = self.env["res.partner"].create(
            {"name": "Ann (ours)", "email": "ANN@example.com", "company_id": self.company.id}
        )
        self.import_orders([self._order("3001", "ann@example.com")])
        self.assertEqual(self.sale_of("3001").partner_id, mine)

    def test_contact_of_another_company_never_matches(self):
        theirs = self.env["res.partner"].create(
            {"name": "Bob (other company)", "email": "bob@example.com", "company_id": self.other_company.id}
        )
        self.import_orders([self._order("3002", "bob@example.com")])
        partner = self.sale_of("3002").partner_id
        self.assertNotEqual(partner, theirs)
        self.assertEqual((partner.company_id, partner.email), (self.company, "bob@example.com"))
        # Same email again: the contact created the first time is reused.
        self.import_orders([self._order("3003", "bob@example.com")])
        self.assertEqual(self.sale_of("3003").partner_id, partner)

    def test_shared_contact_matches_but_the_company_own_wins(self):
        shared = self.env["res.partner"].create({"name": "Cid shared", "email": "cid@example.com"})
        self.import_orders([self._order("3004", "cid@example.com")])
        self.assertEqual(self.sale_of("3004").partner_id, shared)
        own = self.env["res.partner"].create(
            {"name": "Cid own", "email": "cid@example.com", "company_id": self.company.id}
        )
        self.import_orders([self._order("3005", "cid@example.com")])
        self.assertEqual(self.sale_of("3005").partner_id, own)

    def test_same_customer_twice_in_a_page_is_created_once(self):
        self.import_orders([self._order("3006", "dee@example.com"), self._order("3007", "dee@example.com")])
        self.assertEqual(self.sale_of("3006").partner_id, self.sale_of("3007").partner_id)
        self.assertEqual(self.env["res.partner"].search_count([("email", "=", "dee@example.com")]), 1)

    def test_platform_customer_id_binds_and_wins_over_email(self):
        self.import_orders([self._order("3008", "eve@example.com", customer_id="C-9")])
        partner = self.sale_of("3008").partner_id
        binding = self.env["store.customer.binding"].search(
            [("store_id", "=", self.store.id), ("external_id", "=", "C-9")]
        )
        self.assertEqual(binding.partner_id, partner)
        # The customer changed their email on the platform: still the same contact.
        self.import_orders([self._order("3009", "eve.new@example.com", customer_id="C-9")])
        self.assertEqual(self.sale_of("3009").partner_id, partner)

    def test_addresses_become_child_contacts_reused_when_identical(self):
        customer = self.env["res.partner"].create(
            {
                "name": "Fay",
                "email": "fay@example.com",
                "company_id": self.company.id,
                "street": "9 Home Rd",
                "city": "Paris",
                "zip": "75001",
                "country_id": self.env.ref("base.fr").id,
            }
        )
        billing = {
            "name": "Fay Accounts",
            "street": "5 Bill St",
            "city": "Lyon",
            "zip": "69001",
            "country_code": "FR",
        }
        shipping = {
            "name": "Fay at work",
            "street": "7 Ship Av",
            "street2": "Floor 2",
            "city": "Nice",
            "zip": "06000",
            "country_code": "FR",
            "phone": "+33 4 00 00 00 00",
        }
        self.import_orders(
            [
                self._order("3010", "fay@example.com", billing_address=billing, shipping_address=shipping),
                self._order("3011", "fay@example.com", billing_address=billing, shipping_address=shipping),
            ]
        )
        first, second = self.sale_of("3010"), self.sale_of("3011")
        self.assertEqual(first.partner_id, customer)
        self.assertEqual(first.partner_invoice_id.parent_id, customer)
        self.assertEqual(first.partner_invoice_id.type, "invoice")
        self.assertEqual(first.partner_invoice_id.street, "5 Bill St")
        self.assertEqual(first.partner_shipping_id.type, "delivery")
        self.assertEqual(
            (first.partner_shipping_id.street2, first.partner_shipping_id.phone),
            ("Floor 2", "+33 4 00 00 00 00"),
        )
        self.assertEqual(second.partner_invoice_id, first.partner_invoice_id)
        self.assertEqual(second.partner_shipping_id, first.partner_shipping_id)
        # Later import, same address with other spacing and case: still reused.
        self.import_orders(
            [
                self._order(
                    "3012",
                    "fay@example.com",
                    billing_address=dict(billing, city=" LYON "),
                    shipping_address=shipping,
                )
            ]
        )
        self.assertEqual(self.sale_of("3012").partner_invoice_id, first.partner_invoice_id)
        self.assertEqual(len(customer.child_ids), 2)
        # An address identical to the customer's own is the customer.
        home = {"name": "Fay", "street": "9 Home Rd", "city": "Paris", "zip": "75001", "country_code": "FR"}
        self.import_orders(
            [self._order("3013", "fay@example.com", billing_address=home, shipping_address=home)]
        )
        self.assertEqual(self.sale_of("3013").partner_shipping_id, customer)

    def test_guest_without_email(self):
        order = self.make_order("3014")
        order["customer"] = None
        self.import_orders([order])
        guest = self.sale_of("3014").partner_id
        self.assertEqual((guest.name, guest.street, guest.email), ("Ann Lee", "1 Main St", False))
        again = self.make_order("3015")
        again["customer"] = None
        self.import_orders([again])
        self.assertEqual(self.sale_of("3015").partner_id, guest)

    def test_guest_found_among_many_namesakes(self):
        # Thirty contacts named like the guest, at other addresses, created before the one that
        # matches: the import must still find it (it compared only the first 20 namesakes).
        Partner = self.env["res.partner"]
        for number in range(30):
            Partner.create(
                {"name": "Ann Lee", "street": f"{number + 100} Other St", "company_id": self.company.id})
        order = self.make_order("3016")
        order["customer"] = None
        self.import_orders([order])
        guest = self.sale_of("3016").partner_id
        for number in range(30, 60):
            Partner.create(
                {"name": "Ann Lee", "street": f"{number + 100} Other St", "company_id": self.company.id})
        again = self.make_order("3017")
        again["customer"] = None
        self.import_orders([again])
        self.assertEqual(self.sale_of("3017").partner_id, guest)
        self.assertEqual(Partner.search_count([("name", "=", "Ann Lee"), ("street", "=", guest.street)]), 1)

    def test_anonymous_order_gets_a_named_customer(self):
        order = self.make_order("3021", customer=None, billing_address=None, shipping_address=None)
        self.import_orders([order], raise_on_error=True)
        sale = self.sale_of("3021")
        self.assertEqual(sale.partner_id.name, "Test Shop customer of order N3021")
        self.assertEqual(sale.partner_shipping_id, sale.partner_id)

    def test_changed_bound_contact_is_exported_when_customers_sync(self):
        order = self.make_order("3016")
        order["customer"].update({"id": "C-16", "email": "gus@example.com"})
        self.import_orders([order])
        partner = self.sale_of("3016").partner_id
        partner.phone = "+1 555 0000"
        self.assertFalse(self.jobs("customers.export"), "customer sync is off: nothing exported")
        self.store.auto_sync_customers = True
        partner.write({"phone": "+1 555 1111"})
        partner.write({"city": "Boston"})
        partner.write({"comment": "not synced"})
        jobs = self.jobs("customers.export")
        self.assertEqual(len(jobs), 1, "changes are merged into one pending export")
        self.run_jobs()
        self.assertEqual(jobs.state, "done", jobs.last_error)
        exported = self.adapter._test_exported(self.store)
        self.assertEqual(len(exported), 1)
        self.assertEqual(
            (exported[0]["id"], exported[0]["phone"], exported[0]["email"]),
            ("C-16", "+1 555 1111", "gus@example.com"),
        )
        self.assertEqual(exported[0]["billing_address"]["city"], "Boston")
        # A change of a child address exports the customer too.
        partner.child_ids.unlink()
        child = self.env["res.partner"].create(
            {"name": "Gus shipping", "type": "delivery", "parent_id": partner.id}
        )
        child.write({"street": "1 New St"})
        self.assertEqual(len(self.jobs("customers.export").filtered(lambda j: j.state == "pending")), 1)

    def test_import_does_not_echo_an_export(self):
        self.store.auto_sync_customers = True
        self.import_orders([self._order("3017", "hal@example.com", customer_id="C-17")])
        self.import_orders([self._order("3018", "hal@example.com", customer_id="C-17")])
        self.assertFalse(self.jobs("customers.export"))

    def test_customer_page_import(self):
        self.store.auto_sync_customers = True
        existing = self.env["res.partner"].create(
            {"name": "Ivy", "email": "ivy@example.com", "company_id": self.company.id}
        )
        result = self.store._import_customer_page(
            [
                {
                    "id": "C-20",
                    "email": "ivy@example.com",
                    "name": "Ivy Smith",
                    "phone": "+1 555 2020",
                    "updated_at": "2026-05-01T10:00:00Z",
                },
                {
                    "id": "C-21",
                    "email": "jo@example.com",
                    "first_name": "Jo",
                    "last_name": "Park",
                    "billing_address": {
                        "street": "2 Oak St",
                        "city": "Austin",
                        "country_code": "US",
                        "state_code": "TX",
                    },
                },
                {"id": "C-22", "email": "not-an-email"},
            ]
        )
        self.assertEqual((result["created"], result["updated"]), (1, 1))
        self.assertEqual([f["id"] for f in result["failed"]], ["C-22"])
        self.assertIn("customers[2].email", result["failed"][0]["error"])
        self.assertEqual((existing.name, existing.phone), ("Ivy Smith", "+1 555 2020"))
        jo = self.env["store.customer.binding"].search([("external_id", "=", "C-21")]).partner_id
        self.assertEqual(
            (jo.name, jo.city, jo.state_id.code, jo.company_id), ("Jo Park", "Austin", "TX", self.company)
        )
        self.assertFalse(self.jobs("customers.export"), "imported changes are not exported back")
        # An older payload of C-20 is ignored.
        result = self.store._import_customer_page(
            [
                {
                    "id": "C-20",
                    "email": "ivy@example.com",
                    "name": "Ivy Old",
                    "updated_at": "2026-04-01T10:00:00Z",
                }
            ]
        )
        self.assertEqual(result["ignored"], 1)
        self.assertEqual(existing.name, "Ivy Smith")

    def test_customer_of_a_store_in_another_company(self):
        store_b = self.env["connector.store"].create(
            {"name": "Shop B", "platform": "test", "company_id": self.other_company.id}
        )
        mine = self.env["res.partner"].create(
            {"name": "Kim", "email": "kim@example.com", "company_id": self.company.id}
        )
        self.env["product.product"].create(
            {"name": "Mug B", "default_code": "MUG-B", "company_id": self.other_company.id}
        )
        order = self._order(
            "3019",
            "kim@example.com",
            lines=[
                {
                    "sku": "MUG-B",
                    "name": "Mug",
                    "quantity": 1,
                    "unit_price": "5.00",
                    "taxes": [{"rate": "20", "amount": "1.00"}],
                }
            ],
        )
        self.importer._import_orders(store_b, [order], raise_on_error=True)
        sale = self.sale_of("3019", store_b)
        self.assertEqual(sale.company_id, self.other_company)
        self.assertEqual(sale.amount_total, 6.0)
        self.assertEqual(
            sale.order_line.tax_id.company_id, self.other_company, "taxes of the store's company"
        )
        self.assertNotEqual(sale.partner_id, mine)
        self.assertEqual(sale.partner_id.company_id, self.other_company)
        # The first company's product of the same SKU is not visible to the other company's store.
        order = self._order(
            "3020",
            "kim@example.com",
            lines=[{"sku": "MUG", "name": "Mug", "quantity": 1, "unit_price": "5.00"}],
        )
        self.mug.product_tmpl_id.company_id = self.company
        result = self.importer._import_orders(store_b, [order])
        self.assertIn("unknown SKU MUG", result["failed"][0]["error"])

    def test_partner_resolution_steps(self):
        """The named steps of `_resolve_partners` (issue #9): the customers of a batch take the billing
        email when they have none; the address book finds a customer's own address and its first
        child of each type with an address; a known address is reused, a new one created once."""
        importer = self.env["store.order.importer"]
        first = self._order("3101", None, customer_id="C-31")
        first["billing_address"] = dict(first["billing_address"], email="Zoe@Example.com")
        second = self._order("3102", "zed@example.com")
        customers = importer._order_customers([first, second])
        self.assertEqual([c["email"] for c in customers], ["zoe@example.com", "zed@example.com"])
        self.assertIsNone(first["customer"]["email"], "the orders are left as they came")

        customer = self.env["res.partner"].create(
            {"name": "Zoe", "street": "1 Own St", "company_id": self.company.id}
        )
        children = self.env["res.partner"].create([
            {"name": "Zoe", "street": "2 Ship St", "parent_id": customer.id, "type": "delivery"},
            {"name": "Zoe", "street": "2 Ship St", "parent_id": customer.id, "type": "delivery"},
            {"name": "Zoe", "street": "3 Other St", "parent_id": customer.id, "type": "other"},
        ])
        own, existing = importer._address_book([customer.id, customer.id])
        own_key = order_mapper.address_key({"name": "Zoe", "street": "1 Own St"})
        ship_key = order_mapper.address_key({"name": "Zoe", "street": "2 Ship St"})
        self.assertIn(own_key, own[customer.id])
        self.assertEqual(existing[(customer.id, "delivery", ship_key)], children[0].id)
        other_key = order_mapper.address_key({"name": "Zoe", "street": "3 Other St"})
        self.assertNotIn((customer.id, "other", other_key), existing)

        ship = {"name": "Zoe", "street": "2 Ship St"}
        new = {"name": "Zoe", "street": "4 New St"}
        orders = [dict(first, billing_address=None, shipping_address=ship),
                  dict(second, billing_address=new, shipping_address=new),
                  dict(first, id="3103", billing_address=new, shipping_address=None)]
        result = importer._resolve_addresses(self.store, orders, dict.fromkeys(range(3), customer), ({}, {}))
        self.assertEqual(result["3101"], (customer, customer, children[0]))
        invoice, delivery = result["3102"][1:]
        self.assertEqual((invoice.street, invoice.type, invoice.parent_id), ("4 New St", "invoice", customer))
        self.assertEqual((delivery.street, delivery.type, delivery.parent_id),
                         ("4 New St", "delivery", customer))
        self.assertEqual(result["3103"], (customer, invoice, customer), "one contact per type and address")

    def test_customer_import_steps(self):
        """The named steps of `_import_customers` (issue #9): the contact is created, left alone
        (customer sync off, or nothing changed) or updated; the binding is made or moved."""
        importer = self.env["store.order.importer"]
        customer = normalize_customer({"id": "C-40", "email": "kim@example.com", "name": "Kim",
                                       "updated_at": "2026-05-01T10:00:00Z"}, "customer")
        kim, outcome = importer._import_customer_contact(self.store, customer, None, ({}, {}))
        self.assertEqual((outcome, kim.name, kim.email, kim.company_id), ("created", "Kim", "kim@example.com",
                                                                           self.company))
        renamed = dict(customer, name="Kim Lee")

        def import_renamed():
            return importer._import_customer_contact(self.store, renamed, kim, ({}, {}))

        self.assertEqual(import_renamed(), (kim, "ignored"))
        self.store.auto_sync_customers = True
        self.assertEqual(import_renamed(), (kim, "updated"))
        self.assertEqual(kim.name, "Kim Lee")
        self.assertEqual(import_renamed(), (kim, "ignored"))
        self.assertFalse(self.jobs("customers.export"), "imported changes are not exported back")

        binding = importer._bind_imported_customer(self.store, customer, kim, None)
        self.assertEqual((binding.store_id, binding.external_id, binding.partner_id),
                         (self.store, "C-40", kim))
        other = self.env["res.partner"].create({"name": "Kim (2)"})
        later = dict(customer, updated_at=customer["updated_at"].replace(year=2027))
        self.assertEqual(importer._bind_imported_customer(self.store, later, other, binding), binding)
        self.assertEqual((binding.partner_id, binding.platform_updated_at.year), (other, 2027))
