"""Abstract models over RPC: an AbstractModel has no access rules, so any logged-in user (portal
included) may call every public method it has. The suite's abstract models (the platform adapters,
the order importer, the mixins) keep their methods private; the few `action_*` buttons of mixins
check rights themselves."""

import inspect

from odoo import models
from odoo.tests.common import TransactionCase

from .common_attack import RpcAttackCase, RpcError

# The public methods abstract models may have: buttons the web client calls on the concrete models
# using the mixin. Each checks the caller's rights itself (and refuses cleanly on the mixin).
PUBLIC_ACTIONS = {
    "store.channel.mixin": {"action_open_store_publish_wizard"},
}

# The adapter methods that were public before issue #7 and their names now.
FORMER_ADAPTER_METHODS = (
    "export_customer", "export_products", "full_sync", "import_customers", "import_orders",
    "import_products", "parse_webhook", "process_webhook", "process_webhook_batch", "push_fulfillment",
    "rate_limit_key", "register_webhooks", "test_connection", "update_inventory",
    "update_order_status", "verify_webhook",
)


def suite_public_methods(env):
    """{abstract model name: {public method name: module defining it}} of the methods a
    store_connector_* addon defines on an abstract model (its own or one it extends, such as
    `base`), leaving out the ORM's own public methods (`create`, `write`...) that it overrides."""
    found = {}
    for name in env.registry:
        model_class = env.registry[name]
        if not model_class._abstract:
            continue
        for klass in model_class.__mro__:
            module = klass.__dict__.get("_module") or ""
            if not module.startswith("store_connector_"):
                continue
            for attr, value in vars(klass).items():
                method = inspect.isfunction(value) or isinstance(value, (classmethod, staticmethod))
                if method and not attr.startswith("_") and not hasattr(models.BaseModel, attr):
                    found.setdefault(name, {}).setdefault(attr, module)
    return found


def suite_abstract_models(env):
    """Names of the abstract models a store_connector_* addon defines or extends."""
    return {
        name for name in env.registry
        if env.registry[name]._abstract and any(
            (klass.__dict__.get("_module") or "").startswith("store_connector_")
            for klass in env.registry[name].__mro__
        )
    }


class TestAbstractModelsHaveNoPublicMethods(TransactionCase):
    def test_the_enumeration_sees_every_abstract_model_of_the_suite(self):
        # Without this, a change in how the registry is walked would make the next test pass on nothing.
        self.assertLessEqual(
            {"store.adapter", "store.adapter.test", "store.adapter.shopify", "store.adapter.woocommerce",
             "store.adapter.ebay", "store.order.importer", "store.channel.mixin", "store.dashboard.mixin",
             "store.owned.mixin", "base", "ir.http"},
            suite_abstract_models(self.env),
        )
        self.assertEqual(suite_public_methods(self.env).get("store.channel.mixin"),
                         {"action_open_store_publish_wizard": "store_connector_base"})

    def test_no_public_method_but_declared_actions(self):
        exposed = {
            f"{model}.{method} ({module})"
            for model, methods in suite_public_methods(self.env).items()
            for method, module in methods.items()
            if method not in PUBLIC_ACTIONS.get(model, ())
        }
        self.assertFalse(exposed, "public methods on abstract models (any logged-in user may call "
                                  "them over RPC): make them private")
        for model, actions in PUBLIC_ACTIONS.items():
            for action in actions:
                self.assertTrue(action.startswith("action_"), f"{model}.{action} is not a button")


class TestAbstractModelsOverRpc(RpcAttackCase):
    ADAPTERS = ("store.adapter", "store.adapter.test", "store.adapter.shopify",
                "store.adapter.woocommerce", "store.adapter.ebay")

    def assertNoSuchMethod(self, user, model, method, *args):
        refusal = self.assertRpcRefused(user, model, method, *args, error="AttributeError")
        self.assertIn(f"The method '{method}' does not exist on the model '{model}'", refusal.message)

    def test_portal_user_calls_the_former_public_adapter_methods(self):
        # Before: process_webhook_batch answered {} to a portal user, the others ran until the
        # store id (an int, not a record) broke them.
        self.assertNoSuchMethod(self.portal_a, "store.adapter", "process_webhook_batch",
                                self.store_a.id, [])
        for model in self.ADAPTERS:
            for method in FORMER_ADAPTER_METHODS:
                with self.subTest(model=model, method=method):
                    self.assertNoSuchMethod(self.portal_a, model, method, self.store_a.id)

    def test_the_private_names_are_refused(self):
        for user in (self.portal_a, self.manager_a):
            refusal = self.assertRpcRefused(user, "store.adapter.test", "_process_webhook_batch",
                                            self.store_a.id, [])
            self.assertIn("Private methods", refusal.message)
        # the web client's route refuses them too
        with self.assertRaises(RpcError) as caught:
            self.call_kw(self.manager_a, "store.adapter.test", "_test_connection", self.store_a.id)
        self.assertEqual(caught.exception.name, "odoo.exceptions.AccessError")
        self.assertIn("Private methods", caught.exception.message)


class TestPublishActionOverRpc(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env["product.template"].create({"name": "Attack Mug", "default_code": "ATK-MUG"})
        cls.template_b = cls.env["product.template"].create({
            "name": "Attack Mug of B", "default_code": "ATK-MUG-B", "company_id": cls.company_b.id,
        })

    def test_publish_action_on_the_mixin_itself(self):
        # Before: NotImplementedError (a server error) for anyone, portal included.
        for user in (self.portal_a, self.internal_a):
            with self.subTest(user=user.login):
                refusal = self.assertRpcRefused(user, "store.channel.mixin",
                                                "action_open_store_publish_wizard", [1])
                self.assertIn("Only Store Connector users", refusal.message)
        refusal = self.assertRpcRefused(self.manager_a, "store.channel.mixin",
                                        "action_open_store_publish_wizard", [1], error="UserError")
        self.assertIn("works on products and variants", refusal.message)

    def test_publish_action_needs_the_store_connector_group(self):
        # Before: an internal user without the group got the wizard's action for any product.
        refusal = self.assertRpcRefused(self.internal_a, "product.template",
                                        "action_open_store_publish_wizard", self.template.ids)
        self.assertIn("Only Store Connector users", refusal.message)
        action = self.rpc(self.user_a, "product.template", "action_open_store_publish_wizard",
                          self.template.ids)
        self.assertEqual(action["res_model"], "store.product.publish.wizard")
        self.assertEqual(action["context"]["default_product_ids"],
                         [[6, 0, self.template.product_variant_ids.ids]])

    def test_publish_action_on_a_product_of_another_company(self):
        # Before: the action named company B's variants to a user of company A.
        self.assertRpcRefused(self.user_a, "product.template", "action_open_store_publish_wizard",
                              self.template_b.ids)
