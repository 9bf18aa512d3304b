"""Test Connection of an eBay store, in words a merchant can act on. It reads, writing nothing on eBay:

* ``GET /sell/account/v1/privilege`` (sell.account): the token works and the seller's registration
  is complete (and the account's selling limit);
* Trading ``GetUser`` (any user token; one call of the Trading quota): the seller's user id, feedback
  score and site. The Identity API (``/commerce/identity/v1/user/``) would need one more scope
  (commerce.identity.readonly) for the same facts;
* ``GET /sell/account/v1/program/get_opted_in_programs``: SELLING_POLICY_MANAGEMENT means business
  policies are on (offers need them);
* ``GET /sell/account/v1/{fulfillment,payment,return}_policy?marketplace_id=``: the policies of the
  store's marketplace, by kind, names and ids; a kind with exactly one policy fills the store's field
  when it is empty;
* ``GET /sell/inventory/v1/location``: the inventory locations (merchantLocationKey); exactly one
  fills the store's field when empty;
* today's use of every daily quota (the store's rate buckets, no call).
"""

from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.store_connector_base.exceptions import StoreConnectorError

from .. import const

# (kind label, path, list key, id key, store field)
POLICY_KINDS = (
    ("fulfillment", "fulfillment_policy", "fulfillmentPolicies", "fulfillmentPolicyId",
     "ebay_fulfillment_policy_id"),
    ("payment", "payment_policy", "paymentPolicies", "paymentPolicyId", "ebay_payment_policy_id"),
    ("return", "return_policy", "returnPolicies", "returnPolicyId", "ebay_return_policy_id"),
)
BUSINESS_POLICIES_PROGRAM = "SELLING_POLICY_MANAGEMENT"


class StoreAdapterEbayConnect(models.AbstractModel):
    _inherit = "store.adapter.ebay"

    @api.model
    def _test_connection(self, store):
        """See the module docstring.

        :returns: {label: fact}, the last one "To fix": what the merchant should do, in sentences.
        :raises UserError: the connection failed, saying why and what to do.
        """
        client = store._ebay_client()
        problems = []
        try:
            privilege = client.request_json("GET", const.ACCOUNT_PATH + "/privilege", api="account") or {}
        except StoreConnectorError as exc:
            raise UserError(_(
                "eBay did not accept the connection of store %(store)s: %(error)s Check the App ID and "
                "Cert ID of the %(environment)s keyset, then use Connect with eBay again.",
                store=store.name, error=str(exc), environment=self._ebay_environment_label(store))) from None
        marketplace_id = store.ebay_marketplace_id
        marketplace = dict(const.MARKETPLACE_SELECTION).get(marketplace_id) or marketplace_id
        facts = {
            _("Seller"): self._ebay_seller_fact(store),
            _("Environment"): self._ebay_environment_label(store),
            _("Marketplace"): f"{marketplace} ({marketplace_id})",
            _("Seller registration"): _("complete") if privilege.get("sellerRegistrationCompleted")
            else _("not complete"),
        }
        if not privilege.get("sellerRegistrationCompleted"):
            problems.append(_("The eBay account has not finished its seller registration: finish it on "
                              "eBay (Seller Hub) before listing."))
        facts[_("Granted scopes")] = self._ebay_scopes_fact(store, problems)
        facts[_("Business policies")] = self._ebay_programs_fact(client, problems)
        for kind, path, key, id_key, field in POLICY_KINDS:
            facts[_("%(kind)s policies", kind=self._ebay_policy_kind_label(kind))] = self._ebay_policies_fact(
                store, client, kind, path, key, id_key, field, problems)
        facts[_("Inventory locations")] = self._ebay_locations_fact(store, client, problems)
        store.invalidate_recordset(["rate_limit_usage"])
        facts[_("API quotas today")] = (store.rate_limit_usage or _("none used")).replace("\n", "; ")
        facts[_("To fix")] = " ".join(problems) if problems else _("nothing, the store is ready.")
        return facts

    @api.model
    def _connection_summary(self, store, facts):
        """The seller and marketplace as the shop, the environment (sandbox or production), "To fix"
        as what to fix; the seller's details, policies, location and quotas listed below."""
        to_fix = facts.get(_("To fix"))
        shown = (_("Environment"), _("To fix"))
        seller = store.ebay_seller_username
        return {
            "shop": _("seller %(seller)s on %(marketplace)s", seller=seller,
                      marketplace=store.ebay_marketplace_id) if seller else None,
            "environment": facts.get(_("Environment")),
            "problems": [to_fix] if to_fix and to_fix != _("nothing, the store is ready.") else [],
            "details": {label: value for label, value in facts.items() if label not in shown},
        }

    # ---------------------------------------------------------------- facts
    @api.model
    def _ebay_seller_fact(self, store):
        try:
            seller = (store._ebay_trading().execute("GetUser", {}) or {}).get("User") or {}
        except StoreConnectorError as exc:
            return _("not read (%(error)s)", error=str(exc))
        # Recorded: a notification eBay sends about this seller (a revocation) finds the store.
        self._ebay_record_seller(store, seller)
        if not seller.get("UserID"):
            return _("not reported")
        return _("%(seller)s (feedback score %(score)s, site %(site)s)", seller=seller["UserID"],
                 score=seller.get("FeedbackScore") or "0", site=seller.get("Site") or "-")

    @api.model
    def _ebay_environment_label(self, store):
        return dict(const.ENVIRONMENTS).get(store.ebay_environment, store.ebay_environment or "")

    @api.model
    def _ebay_policy_kind_label(self, kind):
        return {"fulfillment": _("Fulfillment"), "payment": _("Payment"), "return": _("Return")}[kind]

    @api.model
    def _ebay_scopes_fact(self, store, problems):
        granted = set((store.sudo().ebay_granted_scopes or "").split())
        if not granted:
            return _("not recorded (connect the store with eBay)")
        missing = [scope.rsplit("/", 1)[-1] for scope in self._oauth_scopes(store) if scope not in granted]
        if missing:
            problems.append(_("The seller did not grant %(scopes)s: use Connect with eBay again and accept "
                              "every permission.", scopes=", ".join(missing)))
        return ", ".join(sorted(scope.rsplit("/", 1)[-1] for scope in granted))

    @api.model
    def _ebay_programs_fact(self, client, problems):
        try:
            answer = client.request_json("GET", const.ACCOUNT_PATH + "/program/get_opted_in_programs",
                                         api="account") or {}
        except StoreConnectorError as exc:
            return _("not read (%(error)s)", error=str(exc))
        programs = [program.get("programType") for program in answer.get("programs") or []]
        if BUSINESS_POLICIES_PROGRAM in programs:
            return _("on")
        problems.append(_("The account is not opted in to business policies: turn them on in Seller Hub "
                          "(Account > Business policies); listings need them."))
        return _("off")

    @api.model
    def _ebay_policies_fact(self, store, client, kind, path, key, id_key, field, problems):
        try:
            answer = client.request_json("GET", f"{const.ACCOUNT_PATH}/{path}", api="account",
                                         params={"marketplace_id": store.ebay_marketplace_id}) or {}
        except StoreConnectorError as exc:
            return _("not read (%(error)s)", error=str(exc))
        policies = [policy for policy in answer.get(key) or [] if policy.get(id_key)]
        if len(policies) == 1 and not store[field]:
            store.sudo()[field] = str(policies[0][id_key])
        if not policies:
            problems.append(_("The account has no %(kind)s policy for this marketplace: create one in "
                              "Seller Hub (Account > Business policies).",
                              kind=self._ebay_policy_kind_label(kind).lower()))
            return _("none")
        if not store[field]:
            problems.append(_("Several %(kind)s policies exist: enter the id of the one new listings use "
                              "on the store.", kind=self._ebay_policy_kind_label(kind).lower()))
        return ", ".join(f"{policy.get('name') or '-'} ({policy[id_key]})" for policy in policies)

    @api.model
    def _ebay_locations_fact(self, store, client, problems):
        try:
            locations = list(client.iter_offset_pages(const.INVENTORY_PATH + "/location", "locations",
                                                      api="inventory", limit=100))
        except StoreConnectorError as exc:
            return _("not read (%(error)s)", error=str(exc))
        keys = [location["merchantLocationKey"] for location in locations
                if location.get("merchantLocationKey")]
        if len(keys) == 1 and not store.ebay_merchant_location_key:
            store.sudo().ebay_merchant_location_key = keys[0]
        if not keys:
            problems.append(_("The account has no inventory location: listings made through the Inventory "
                              "API need one (the address they ship from)."))
            return _("none")
        if not store.ebay_merchant_location_key:
            problems.append(_("Several inventory locations exist: enter the key of the one listings ship "
                              "from on the store."))
        return ", ".join(
            f"{location.get('name') or location['merchantLocationKey']} ({location['merchantLocationKey']})"
            for location in locations if location.get("merchantLocationKey"))
