# INTERIM: the eBay store settings of the foundation's contract (marketplace, content language,
# business policies, merchant location), until the foundation lands on main; removed at that merge.
from odoo import fields, models


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    ebay_marketplace_id = fields.Char(default="EBAY_US")
    ebay_content_language = fields.Char(default="en-US")
    ebay_fulfillment_policy_id = fields.Char()
    ebay_payment_policy_id = fields.Char()
    ebay_return_policy_id = fields.Char()
    ebay_merchant_location_key = fields.Char()
