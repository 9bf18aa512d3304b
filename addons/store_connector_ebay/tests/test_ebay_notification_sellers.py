"""eBay order notifications when this database has several eBay stores: eBay delivers every store's
messages to the one platform endpoint (/store_connector/webhook/ebay), so the message's seller picks
the store, through Odoo's real HTTP server and the intake (signed with a key made here, its public half
served by a loopback Notification API).

* Two stores of two sellers: each seller's order notification becomes a delivery and a job of that
  seller's store only.
* A seller with no store here: acknowledged (200: eBay would retry anything else and at last mark the
  endpoint down for every store), nothing stored, a warning logged.
* The signature is checked first: a forged or tampered message gets 412 whoever it names.
* One seller on two stores (a test shop and the live one): the store not in test mode receives it.
* A message naming no seller with two stores of two sellers: not kept (the log says to run Test
  Connection); with one store, or two stores of one seller, it still goes to that seller's store.
"""

from odoo.tests.common import tagged

from .notification_common import make_key, message, sign
from .test_ebay_notifications import EbayNotificationCase, create_ebay_store

ADAPTER_LOGGER = "odoo.store_connector.ebay.models.store_adapter_notifications"
ORDER = "ORDER_CONFIRMATION"


@tagged("post_install", "-at_install")
class TestEbayNotificationSellers(EbayNotificationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # What Connect with eBay / Test Connection recorded of each seller (Trading GetUser).
        cls.store.sudo().write({"ebay_seller_username": "seller_one", "ebay_seller_eias_token": "eias-one"})
        cls.second = create_ebay_store(cls.env, "eBay UK", cls.api_url)
        cls.second.sudo().write({"ebay_seller_username": "seller_two", "ebay_seller_eias_token": "eias-two"})

    def order_message(self, order_id, notification_id, **seller):
        return message(ORDER, {"orderId": order_id, **seller}, notification_id)

    def deliveries_of(self, store):
        return self.deliveries().filtered(lambda delivery: delivery.store_id == store)

    def test_each_sellers_order_goes_to_that_sellers_store(self):
        first = self.order_message("11-11111-11111", "ord-s1", username="seller_one")
        second = self.order_message("22-22222-22222", "ord-s2", sellerId="seller_two")
        by_eias = self.order_message("33-33333-33333", "ord-s3", eiasToken="eias-two")
        self.assertEqual(self.post(first).status_code, 200)
        self.assertEqual(self.post(second).status_code, 200)
        self.assertEqual(self.post(by_eias).status_code, 200)
        self.assertEqual(self.deliveries_of(self.store).mapped("event_id"), ["ord-s1"])
        self.assertEqual(sorted(self.deliveries_of(self.second).mapped("event_id")), ["ord-s2", "ord-s3"])
        jobs = self.env["sync.job"].sudo().search([("store_id", "in", (self.store | self.second).ids)])
        self.assertEqual(
            sorted((job.store_id.name, job.identity_key) for job in jobs),
            [("eBay UK", "webhook:order:22-22222-22222"), ("eBay UK", "webhook:order:33-33333-33333"),
             ("eBay US", "webhook:order:11-11111-11111")],
        )

    def test_a_later_topic_of_a_known_order_goes_to_the_store_holding_it(self):
        self.env["store.order.binding"].sudo().create({
            "store_id": self.second.id, "external_id": "44-44444-44444",
            "order_id": self.env["sale.order"].create({"partner_id": self.env.user.partner_id.id}).id,
        })
        raw = message("ITEM_MARKED_SHIPPED", {"orderId": "44-44444-44444"}, "ship-1")
        self.assertEqual(self.post(raw).status_code, 200)
        self.assertEqual(self.deliveries().store_id, self.second)

    def test_an_unknown_seller_is_acknowledged_and_nothing_is_stored(self):
        raw = self.order_message("55-55555-55555", "ord-x1", username="stranger_seller")
        with self.assertLogs(ADAPTER_LOGGER, "WARNING") as logs:
            self.assertEqual(self.post(raw).status_code, 200)
        self.assertIn("the seller stranger_seller has no eBay store in this database", logs.output[0])
        self.assertFalse(self.deliveries())
        stores = self.store | self.second
        self.assertFalse(self.env["sync.job"].sudo().search([("store_id", "in", stores.ids)]))

    def test_the_signature_is_checked_before_the_seller(self):
        for seller in ("seller_one", "stranger_seller"):
            raw = self.order_message("66-66666-66666", f"ord-f-{seller}", username=seller)
            self.assertEqual(self.post(raw, signature=sign(make_key(), raw)).status_code, 412, seller)
            tampered = raw.replace(b"66666", b"77777")
            self.assertEqual(self.post(tampered, signature=sign(self.key, raw)).status_code, 412, seller)
            self.assertEqual(self.post(raw, signature="").status_code, 412, seller)
        # An unhandled topic too: nobody learns what is handled without eBay's signature.
        unhandled = message("ITEM_PRICE_REVISION", {"itemId": "1"}, "rev-x")
        self.assertEqual(self.post(unhandled, signature=sign(make_key(), unhandled)).status_code, 412)
        self.assertEqual(self.post(unhandled).status_code, 200)
        self.assertFalse(self.deliveries())

    def test_one_seller_on_a_test_shop_and_the_live_one_goes_to_the_live_one(self):
        self.second.sudo().write({"ebay_seller_username": "seller_one", "ebay_seller_eias_token": "eias-one"})
        self.store.sudo().test_mode = True  # the older store is the seller's test shop
        raw = self.order_message("88-88888-88888", "ord-same", username="seller_one")
        with self.assertLogs(ADAPTER_LOGGER, "WARNING") as logs:
            self.assertEqual(self.post(raw).status_code, 200)
        self.assertEqual(self.deliveries().store_id, self.second)
        self.assertIn(f"store {self.second.id} receives it", logs.output[0])

    def test_no_seller_named_with_two_stores_is_not_kept_and_says_what_to_do(self):
        raw = self.order_message("99-99999-99999", "ord-anon")
        with self.assertLogs(ADAPTER_LOGGER, "WARNING") as logs:
            self.assertEqual(self.post(raw).status_code, 200)
        self.assertFalse(self.deliveries())
        self.assertIn("run Test Connection on each eBay store", logs.output[0])
        # With one store, a message naming no seller still goes to it.
        self.second.sudo().active = False
        self.assertEqual(self.post(raw).status_code, 200)
        self.assertEqual(self.deliveries().store_id, self.store)

    def test_no_seller_named_with_two_stores_of_one_seller_goes_to_the_live_one(self):
        self.store.sudo().write({"ebay_seller_username": "seller_two", "ebay_seller_eias_token": "eias-two"})
        self.second.sudo().test_mode = True
        raw = self.order_message("13-13131-13131", "ord-one-seller")
        self.assertEqual(self.post(raw).status_code, 200)
        self.assertEqual(self.deliveries().store_id, self.store)

    def test_a_store_whose_seller_was_never_read_takes_a_seller_no_other_store_has(self):
        self.second.sudo().write({"ebay_seller_username": False, "ebay_seller_eias_token": False})
        raw = self.order_message("12-12121-12121", "ord-new", username="seller_new")
        self.assertEqual(self.post(raw).status_code, 200)
        self.assertEqual(self.deliveries().store_id, self.second)
