"""Over RPC: an identifier a platform declares no secret (the test platform's `client_id`) is shown in
clear to the managers of its store's company only, as Users could read no credential before; a
secret is never read back, by anyone, in either column, nor by renaming it to such an identifier."""

from .common_attack import RpcAttackCase, RpcError

CLIENT_ID = "app-client-id-of-shop-a-31"
MASK_FIELDS = ["key", "value", "value_plain", "is_set"]


class TestCredentialAttacks(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Credential = cls.env["integration.credential"]
        cls.client_id = Credential._set_value(cls.store_a, "client_id", CLIENT_ID)
        cls.api_key = Credential.search([("store_id", "=", cls.store_a.id), ("key", "=", "api_key")])

    def _leaks(self, answer):
        text = repr(answer)
        return CLIENT_ID in text or "api-key-of-shop-a" in text

    def test_manager_reads_the_identifier_in_clear_and_never_the_secret(self):
        rows = self.rpc(self.manager_a, "integration.credential", "search_read",
                        [("store_id", "=", self.store_a.id), ("key", "in", ["client_id", "api_key"])],
                        fields=MASK_FIELDS)
        by_key = {row["key"]: row for row in rows}
        self.assertEqual(by_key["client_id"]["value_plain"], CLIENT_ID)
        self.assertEqual(by_key["api_key"]["value_plain"], False)
        self.assertNotIn("api-key-of-shop-a", repr(rows))
        # The store form's read, as the web client sends it.
        [store] = self.call_kw(self.manager_a, "connector.store", "web_read", [self.store_a.id],
                               specification={"credential_ids": {"fields": {f: {} for f in MASK_FIELDS}}})
        self.assertIn(CLIENT_ID, repr(store))
        self.assertNotIn("api-key-of-shop-a", repr(store))

    def test_users_and_outsiders_read_no_credential_at_all(self):
        for user in (self.user_a, self.internal_a, self.portal_a):
            with self.subTest(user=user.login):
                for method, args, kwargs in (
                    ("read", [self.client_id.ids + self.api_key.ids], {"fields": MASK_FIELDS}),
                    ("search_read", [[("store_id", "=", self.store_a.id)]], {"fields": MASK_FIELDS}),
                ):
                    self.assertRpcRefused(user, "integration.credential", method, *args, **kwargs)
                with self.assertRaises(RpcError) as caught:
                    answer = self.rpc(user, "connector.store", "web_read", [self.store_a.id],
                                      specification={"credential_ids": {"fields": {"value_plain": {}}}})
                    self.assertFalse(self._leaks(answer))
                self.assertTrue(caught.exception.name.endswith("AccessError"), caught.exception)

    def test_manager_of_another_company_reads_nothing(self):
        self.assertRpcRefused(self.manager_b, "integration.credential", "read", self.client_id.ids,
                              fields=MASK_FIELDS)
        rows = self.rpc(self.manager_b, "integration.credential", "search_read",
                        [("store_id", "=", self.store_a.id)], fields=MASK_FIELDS)
        self.assertEqual(rows, [])

    def test_secret_renamed_into_an_identifier_is_refused(self):
        self.client_id.unlink()
        refusal = self.assertRpcRefused(self.manager_a, "integration.credential", "write", self.api_key.ids,
                                        {"key": "client_id"}, error="UserError")
        self.assertIn("cannot change", refusal.message)
        [row] = self.rpc(self.manager_a, "integration.credential", "read", self.api_key.ids,
                         fields=MASK_FIELDS)
        self.assertEqual((row["key"], row["value_plain"]), ("api_key", False))
        self.assertNotIn("api-key-of-shop-a", repr(row))

    def test_secret_written_in_clear_is_refused_and_kept(self):
        self.assertRpcRefused(self.manager_a, "integration.credential", "write", self.api_key.ids,
                              {"value_plain": "replaced-in-clear-1"}, error="UserError")
        self.env.invalidate_all()
        self.assertEqual(self.store_a.sudo()._get_credential("api_key"), "api-key-of-shop-a-1d2e3f")
