from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .connector_store import USER_GROUP


class StoreChannelMixin(models.AbstractModel):
    """The Store Channels of a product (template or variant): the stores it is published to, as
    a many2many over its store bindings that publishes and unpublishes when edited.

    A model using it defines `store_binding_ids` (its store.product.binding records) and
    `_store_channel_variants`.
    """

    _name = "store.channel.mixin"
    _description = "Store Channels"

    published_store_ids = fields.Many2many(
        "connector.store",
        string="Published to Stores",
        compute="_compute_published_store_ids",
        inverse="_inverse_published_store_ids",
        search="_search_published_store_ids",
        groups="store_connector_base.group_store_connector_user",
        help="The stores this product is published to. Adding a store publishes it there, removing "
        "one unpublishes it.",
    )

    @api.depends("store_binding_ids.platform_status", "store_binding_ids.store_id")
    def _compute_published_store_ids(self):
        for record in self:
            record.published_store_ids = record.store_binding_ids.filtered(
                lambda b: b.platform_status == "active"
            ).store_id

    def _inverse_published_store_ids(self):
        # Publishing writes the bindings as superuser: the stores named must be ones the user may
        # see (their company's). The field has no check_company: a product shared by all companies
        # is published to the stores of each.
        self.published_store_ids.check_access("read")
        for record in self:
            current = record.store_binding_ids.filtered(lambda b: b.platform_status == "active").store_id
            for store in record.published_store_ids - current:
                store._publish_products(record._store_channel_variants())
            for store in current - record.published_store_ids:
                store._unpublish_products(record._store_channel_variants(include_archived=True))

    def _search_published_store_ids(self, operator, value):
        return [("store_binding_ids", "any",
                 [("store_id", operator, value), ("platform_status", "=", "active")])]

    def _store_channel_variants(self, include_archived=False):
        """The product.product records publishing this record means.

        :param include_archived: also the archived variants (taking a product off a store takes
            all its variants off).
        """
        raise NotImplementedError

    def action_open_store_publish_wizard(self):
        """Publish to Store: choose the stores this product's variants go to.

        A button of the product forms, so public; the web client only shows it to Store Connector
        Users, and the server checks it again: any logged-in user can call it over RPC, on any
        model that uses this mixin or on the mixin itself.

        :raises AccessError: the caller is not a Store Connector User, or may not read these records.
        :raises UserError: called on the mixin itself rather than on a product model.
        """
        if not self.env.su and not self.env.user.has_group(USER_GROUP):
            raise AccessError(_("Only Store Connector users can publish products to stores."))
        if self._abstract:
            raise UserError(_(
                "Publish to Store works on products and variants, not on \"%(model)s\".",
                model=self._description,
            ))
        self.check_access("read")
        return self.env["store.product.publish.wizard"]._open_for(self._store_channel_variants())
