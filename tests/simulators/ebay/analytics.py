"""Developer Analytics API (`/developer/analytics/v1_beta`): `rate_limit` (application, app token) and
`user_rate_limit` (user token): the simulator's daily quotas as eBay reports them.

Source: developer.ebay.com/api-docs/developer/analytics/resources/rate_limit/methods/getRateLimits.
"""

from .api import SimApi, SimResponse
from .util import ebay_date

# quota name -> (apiContext, apiName, apiVersion, resource name)
RESOURCES = {
    "inventory": ("sell", "sell.inventory", "v1", "sell.inventory"),
    "fulfillment": ("sell", "sell.fulfillment", "v1", "sell.fulfillment"),
    "account": ("sell", "sell.account", "v1", "sell.account"),
    "finances": ("sell", "sell.finances", "v1", "sell.finances"),
    "taxonomy": ("commerce", "commerce.taxonomy", "v1", "commerce.taxonomy"),
    "metadata": ("sell", "sell.metadata", "v1", "sell.metadata"),
    "notification": ("commerce", "commerce.notification", "v1", "commerce.notification"),
    "analytics": ("developer", "developer.analytics", "v1_beta", "developer.analytics"),
    "trading": ("tradingapi", "TradingAPI", "v1", "TradingAPI.AddFixedPriceItem"),
}


class AnalyticsApi(SimApi):
    prefix = "/developer/analytics/v1_beta"
    quota_name = "analytics"

    def auth_for(self, request):
        if request.path.endswith("/user_rate_limit") or request.path.endswith("/user_rate_limit/"):
            return "user", ()
        return "any", ()

    def handle(self, request):
        sub = request.path[len(self.prefix) :].strip("/")
        if request.method != "GET" or sub not in ("rate_limit", "user_rate_limit"):
            return None
        sim = self.sim
        reset = ebay_date(sim.clock.next_quota_reset())
        wanted_context, wanted_name = request.arg("api_context"), request.arg("api_name")
        limits = []
        for quota, (context, name, version, resource) in RESOURCES.items():
            if (
                quota not in sim.quotas
                or (wanted_context and wanted_context != context)
                or (wanted_name and wanted_name.lower() != name.lower())
            ):
                continue
            limit, used = sim.quotas[quota], sim.quota_used(quota)
            limits.append(
                {
                    "apiContext": context,
                    "apiName": name,
                    "apiVersion": version,
                    "resources": [
                        {
                            "name": resource,
                            "rates": [
                                {
                                    "count": used,
                                    "limit": limit,
                                    "remaining": max(limit - used, 0),
                                    "reset": reset,
                                    "timeWindow": 86400,
                                }
                            ],
                        }
                    ],
                }
            )
        return SimResponse(200, {"rateLimits": limits})
