"""Issue #7, point 5: company isolation of every model of every addon.

Here rather than in the base: the registry of these tests holds the models of every addon of the
suite (all are installed in the test database), which base tests cannot count on.
"""

from odoo import Command
from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase

from odoo.addons.store_connector_base.tests.common_attack import MANAGER, RpcAttackCase

SUITE_PREFIX = "store_connector_"

# Links to records of a company that carry no check_company, each with the reason. Keep it short.
UNCHECKED_LINKS = {
    # A product shared by all companies (company_id empty) is published to the stores of each;
    # check_company would refuse it. The inverse checks that the user may read every store it
    # publishes to (see store.channel.mixin).
    ("product.product", "published_store_ids"): "shared products",
    ("product.template", "published_store_ids"): "shared products",
}
# Store links that decide a record's company (company_id = store_id.company_id) are fixed by the
# store.owned.mixin. sync.job guards its own fields (its store, target and handler: issue #7,
# point 1) in its own write, not through the mixin.
OWN_STORE_GUARD = {"sync.job"}
# Windows that hold no data of a company (no store, no product, nothing a company owns): a rule
# keeps each to the user who opened it instead of a company rule.
OWNER_ONLY = {
    "store.sync.api.key.wizard": "the name and duration of the caller's own new key",
}


def _company_rule_domains(env, model):
    """The domains of the global record rules of `model` that depend on the user's companies."""
    rules = env["ir.rule"].sudo().search([("model_id.model", "=", model), ("groups", "=", False)])
    return [r.domain_force for r in rules if "company_ids" in (r.domain_force or "")]


class TestEveryModelIsCompanyBound(TransactionCase):
    """Every model of every store_connector_* addon, concrete or transient, has a company rule, and
    every link from the suite's fields to records of a company is checked.

    Transient models (wizards) are counted like the others: Odoo 18 does not keep a transient
    record to its creator, so without a rule a wizard of company A (its stores, its products) could
    be read and applied by a user of company B. A wizard without a company field of its own gets a
    rule on the companies of what it points to.
    """

    def _suite_models(self):
        return {
            name: model for name, model in self.env.registry.items()
            if (model._original_module or "").startswith(SUITE_PREFIX) and not model._abstract
        }

    def test_the_suite_models_are_found(self):
        # The listing sees every addon, not only the base: a model of each, a transient one too.
        models = self._suite_models()
        for name in ("connector.store", "integration.credential", "store.product.binding",
                     "shopify.location", "store.product.publish.wizard"):
            self.assertIn(name, models)
        self.assertTrue(models["store.product.publish.wizard"]._transient)

    def test_every_model_has_a_company_rule(self):
        missing = [name for name in self._suite_models()
                   if name not in OWNER_ONLY and not _company_rule_domains(self.env, name)]
        self.assertFalse(missing, f"models without a company record rule: {missing}")

    def test_windows_without_company_data_are_their_users_own(self):
        for name in OWNER_ONLY:
            with self.subTest(model=name):
                model = self.env[name]
                self.assertTrue(model._transient)
                self.assertFalse({"company_id", "company_ids", "store_id"} & set(model._fields))
                rules = self.env["ir.rule"].sudo().search(
                    [("model_id.model", "=", name), ("groups", "=", False)])
                self.assertIn("[('create_uid', '=', user.id)]", rules.mapped("domain_force"))

    def test_every_link_to_company_records_is_checked(self):
        problems = []
        owned_mixin = self.env.registry.get("store.owned.mixin")
        for name, model in self.env.registry.items():
            if model._abstract:
                continue
            has_company = {"company_id", "company_ids"} & set(model._fields)
            for fname, field in model._fields.items():
                if field.type not in ("many2one", "many2many") or not (field._module or "").startswith(
                        SUITE_PREFIX):
                    continue
                if field.automatic or (field.compute and not field.inverse):
                    continue  # written by nobody: create_uid, or derived from a link checked here
                comodel = self.env[field.comodel_name]
                if comodel._name == "res.company" or "company_id" not in comodel._fields:
                    continue
                where = f"{name}.{fname} ({field.comodel_name})"
                if field.check_company:
                    if not model._check_company_auto:
                        problems.append(f"{where}: check_company, but {name} does not check companies")
                    continue
                if (name, fname) in UNCHECKED_LINKS:
                    continue
                company_field = model._fields.get("company_id")
                if company_field is not None and company_field.related == f"{fname}.company_id":
                    # The record's company comes from this link: it must never change.
                    guarded = owned_mixin is not None and issubclass(model, owned_mixin) \
                        and fname in model._store_owner_fields
                    if not guarded and name not in OWN_STORE_GUARD:
                        problems.append(f"{where}: decides the company, but can be rewritten")
                    continue
                if not has_company:
                    # No company of its own: its company rule must cover the link.
                    if not any(fname in domain for domain in _company_rule_domains(self.env, name)):
                        problems.append(f"{where}: not covered by the model's company rule")
                    continue
                problems.append(f"{where}: no check_company")
        self.assertFalse(problems, "\n".join(problems))


class TestShopifyLocationCompany(RpcAttackCase):
    """A Shopify location publishes (and, with inventory import on, adjusts) the stock of its Odoo
    location: it and its Odoo location belong to its store's company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Location = cls.env["shopify.location"]
        cls.loc_a = Location.create({"store_id": cls.store_a.id, "name": "Main A",
                                     "shopify_gid": "gid://shopify/Location/1001"})
        cls.loc_b = Location.create({"store_id": cls.store_b.id, "name": "Main B",
                                     "shopify_gid": "gid://shopify/Location/2002"})
        Warehouse = cls.env["stock.warehouse"]
        cls.stock_a = Warehouse.search([("company_id", "=", cls.company_a.id)], limit=1).lot_stock_id
        cls.stock_b = Warehouse.search([("company_id", "=", cls.company_b.id)], limit=1).lot_stock_id
        cls.manager_ab = new_test_user(
            cls.env, "atk_shopify_manager_ab", groups=f"base.group_user,{MANAGER}",
            company_id=cls.company_a.id, company_ids=[Command.set((cls.company_a | cls.company_b).ids)],
        )

    def test_a_location_cannot_publish_the_stock_of_another_company(self):
        self.assertTrue(self.stock_a and self.stock_b)
        for user in (self.manager_a, self.manager_ab):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "shopify.location", "write", self.loc_a.ids,
                                      {"location_id": self.stock_b.id}, error="UserError")
                self.assertRpcRefused(user, "shopify.location", "create", {
                    "store_id": self.store_a.id, "name": "Planted", "shopify_gid": "gid://shopify/Location/9",
                    "location_id": self.stock_b.id,
                }, error="UserError")
        self.loc_a.invalidate_recordset()
        self.assertFalse(self.loc_a.location_id)
        self.rpc(self.manager_a, "shopify.location", "write", self.loc_a.ids,
                 {"location_id": self.stock_a.id})
        self.assertEqual(self.loc_a.location_id, self.stock_a)

    def test_a_location_stays_in_its_store(self):
        for user in (self.manager_a, self.manager_ab):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, "shopify.location", "write", self.loc_a.ids,
                                      {"store_id": self.store_b.id}, error="UserError")
        self.loc_a.invalidate_recordset()
        self.assertEqual(self.loc_a.store_id, self.store_a)
        self.assertEqual(self.loc_a.company_id, self.company_a)

    def test_another_company_cannot_see_or_change_the_locations(self):
        found = self.rpc(self.user_b, "shopify.location", "search_read",
                         [("id", "in", (self.loc_a | self.loc_b).ids)], fields=["name"])
        self.assertEqual([row["id"] for row in found], self.loc_b.ids)
        self.assertRpcRefused(self.manager_b, "shopify.location", "read", self.loc_a.ids, ["name"])
        self.assertRpcRefused(self.manager_b, "shopify.location", "write", self.loc_a.ids,
                              {"location_id": self.stock_b.id})
        self.assertRpcRefused(self.manager_b, "shopify.location", "unlink", self.loc_a.ids)
        self.loc_a.invalidate_recordset()
        self.assertTrue(self.loc_a.exists())
        self.assertFalse(self.loc_a.location_id)

    def test_the_default_location_belongs_to_the_stores_company(self):
        self.assertRpcRefused(self.manager_ab, "connector.store", "write", self.store_a.ids,
                              {"shopify_location_id": self.loc_b.id}, error="UserError")
        self.store_a.invalidate_recordset()
        self.assertFalse(self.store_a.shopify_location_id)
