"""Sell Account API v1 (`/sell/account/v1`): business policies (fulfillment, payment, return) per
marketplace, opted-in programs, selling privileges.

Sources: developer.ebay.com/api-docs/sell/account/resources/* (fulfillment_policy, payment_policy,
return_policy, program, privilege); notes in shared/platforms/ebay.md 3.9.
"""

import itertools
import threading

from .api import SimApi, SimResponse, rest_error
from .oauth import SCOPE_ROOT

KINDS = {
    # kind: (path segment, id field, list field)
    "fulfillment": ("fulfillment_policy", "fulfillmentPolicyId", "fulfillmentPolicies"),
    "payment": ("payment_policy", "paymentPolicyId", "paymentPolicies"),
    "return": ("return_policy", "returnPolicyId", "returnPolicies"),
}
PROGRAMS = ("OUT_OF_STOCK_CONTROL", "PARTNER_MOTORS_DEALER", "SELLING_POLICY_MANAGEMENT")
CATEGORY_TYPES = [{"name": "ALL_EXCLUDING_MOTORS_VEHICLES", "default": True}]


def default_policy(kind, currency="USD"):
    """The fields of a plain policy of `kind` (what a seller's first policy looks like)."""
    if kind == "fulfillment":
        return {
            "handlingTime": {"value": 1, "unit": "DAY"},
            "shippingOptions": [
                {
                    "optionType": "DOMESTIC",
                    "costType": "FLAT_RATE",
                    "shippingServices": [
                        {
                            "sortOrder": 1,
                            "shippingCarrierCode": "USPS",
                            "shippingServiceCode": "USPSPriority",
                            "shippingCost": {"value": "5.00", "currency": currency},
                            "freeShipping": False,
                            "buyerResponsibleForShipping": False,
                            "buyerResponsibleForPickup": False,
                        }
                    ],
                }
            ],
            "globalShipping": False,
            "pickupDropOff": False,
            "freightShipping": False,
            "localPickup": False,
        }
    if kind == "payment":
        return {"immediatePay": True, "paymentMethods": []}
    return {
        "returnsAccepted": True,
        "returnPeriod": {"value": 30, "unit": "DAY"},
        "returnShippingCostPayer": "BUYER",
        "refundMethod": "MONEY_BACK",
    }


class AccountApi(SimApi):
    prefix = "/sell/account/v1"
    quota_name = "account"
    scopes = (f"{SCOPE_ROOT}/sell.account", f"{SCOPE_ROOT}/sell.account.readonly")

    def __init__(self, sim):
        super().__init__(sim)
        self.lock = threading.RLock()
        self.policies = {kind: {} for kind in KINDS}  # kind -> {id: policy}
        self.opted_in = {"SELLING_POLICY_MANAGEMENT"}
        self.selling_limit = {"amount": {"value": "25000.00", "currency": sim.currency}, "quantity": 1000}
        self._ids = itertools.count(6_196_940_000)

    # ------------------------------------------------------------------ control

    def add_policy(self, kind, name, marketplace, **fields):
        """A business policy of `kind` ("fulfillment", "payment" or "return"); returns its id (str)."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}")
        with self.lock:
            policy_id = str(next(self._ids))
            policy = {
                KINDS[kind][1]: policy_id,
                "name": name,
                "marketplaceId": marketplace,
                "categoryTypes": CATEGORY_TYPES,
                **default_policy(kind, self.sim.currency),
                **fields,
            }
            self.policies[kind][policy_id] = policy
            return policy_id

    def policy(self, kind, policy_id, marketplace=None):
        with self.lock:
            policy = self.policies[kind].get(str(policy_id))
            if policy is None or (marketplace and policy["marketplaceId"] != marketplace):
                return None
            return dict(policy)

    def opt_out(self, program="SELLING_POLICY_MANAGEMENT"):
        self.opted_in.discard(program)

    # ------------------------------------------------------------------ HTTP

    def handle(self, request):
        sub = request.path[len(self.prefix) :].strip("/")
        parts = sub.split("/") if sub else []
        if parts == ["program", "get_opted_in_programs"] and request.method == "GET":
            return SimResponse(200, {"programs": [{"programType": p} for p in sorted(self.opted_in)]})
        if parts == ["program", "opt_in"] and request.method == "POST":
            program = (request.json() or {}).get("programType")
            if program not in PROGRAMS:
                return rest_error(
                    400, 20400, "Invalid request", f"Invalid programType {program!r}.", domain="API_ACCOUNT"
                )
            self.opted_in.add(program)
            return SimResponse(200, {})
        if parts == ["privilege"] and request.method == "GET":
            return SimResponse(200, {"sellerRegistrationCompleted": True, "sellingLimit": self.selling_limit})
        for kind, (segment, id_field, list_field) in KINDS.items():
            if parts[:1] == [segment]:
                if "SELLING_POLICY_MANAGEMENT" not in self.opted_in:
                    return rest_error(
                        400,
                        20403,
                        "Invalid request",
                        "User is not eligible for Business Policy.",
                        domain="API_ACCOUNT",
                    )
                return self._policies(request, kind, parts[1:], id_field, list_field)
        return None

    def _policies(self, request, kind, rest, id_field, list_field):
        if not rest and request.method == "GET":
            marketplace = request.arg("marketplace_id")
            if not marketplace:
                return rest_error(
                    400,
                    20401,
                    "Missing field",
                    "Missing field marketplaceId.",
                    domain="API_ACCOUNT",
                    parameters={"fieldName": "marketplaceId"},
                )
            with self.lock:
                found = [dict(p) for p in self.policies[kind].values() if p["marketplaceId"] == marketplace]
            return SimResponse(
                200,
                {
                    "href": request.path + f"?marketplace_id={marketplace}",
                    "total": len(found),
                    "limit": 20,
                    "offset": 0,
                    list_field: found,
                },
            )
        if not rest and request.method == "POST":
            body = request.json() or {}
            missing = [f for f in ("name", "marketplaceId") if not body.get(f)]
            if missing:
                return rest_error(
                    400,
                    20401,
                    "Missing field",
                    f"Missing field {missing[0]}.",
                    domain="API_ACCOUNT",
                    parameters={"fieldName": missing[0]},
                )
            with self.lock:
                if any(
                    p["name"] == body["name"] and p["marketplaceId"] == body["marketplaceId"]
                    for p in self.policies[kind].values()
                ):
                    return rest_error(
                        400,
                        20400,
                        "Invalid request",
                        "A policy with this name already exists.",
                        domain="API_ACCOUNT",
                    )
                fields = {k: v for k, v in body.items() if k not in ("name", "marketplaceId")}
                policy_id = self.add_policy(kind, body["name"], body["marketplaceId"], **fields)
                policy = self.policies[kind][policy_id]
            return SimResponse(
                201,
                {**policy, "warnings": []},
                {"Location": f"{self.sim.base_url}{self.prefix}/{KINDS[kind][0]}/{policy_id}"},
            )
        if len(rest) == 1 and request.method == "GET":
            policy = self.policy(kind, rest[0])
            if policy is None:
                return rest_error(404, 20404, "Not found", f"{{{id_field}}} not found.", domain="API_ACCOUNT")
            return SimResponse(200, policy)
        return None
