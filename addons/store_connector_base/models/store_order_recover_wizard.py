from odoo import fields, models


class StoreOrderRecoverWizard(models.TransientModel):
    """Recover an Order: the number of a platform order to read again and import as it is now
    (see connector.store._recover_order). Opened by the store's Recover an Order button."""

    _name = "store.order.recover.wizard"
    _inherit = ["store.owned.mixin"]
    _description = "Recover an Order"

    store_id = fields.Many2one("connector.store", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="store_id.company_id", store=True)
    platform = fields.Selection(related="store_id.platform")
    order_number = fields.Char(
        required=True,
        help="The order's number as the platform's admin shows it: the order name on Shopify "
             "(#1042), the order number on WooCommerce (1042), the order number on eBay "
             "(12-34567-89012).",
    )

    def action_recover(self):
        """Read the order from the platform and import it now.

        :raises AccessError: the caller is not a Store Connector User of the store's company (or
            this window is not theirs: the record rules refuse it).
        :raises UserError: see `connector.store._recover_order`.
        """
        self.ensure_one()
        self.check_access("write")
        store = self.store_id
        store._check_store_user()
        return store._recover_order(self.order_number)
