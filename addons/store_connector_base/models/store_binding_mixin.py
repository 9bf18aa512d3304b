from odoo import api, fields, models


class StoreBindingMixin(models.AbstractModel):
    """A binding: the link between a platform record and an Odoo record, in one store (OCA connector's
    binder). Product, order and customer bindings inherit it.

    For addon authors, a binding model of a platform's records:

    * inherits this mixin (``_inherit = ["store.binding.mixin"]``), which is a ``store.owned.mixin``
      (see there: company record rule, ``check_company=True`` links) and gives ``store_id`` and
      ``company_id`` (the store's);
    * finds its bindings from platform ids with `_find_by_external_ids`, never with a hand-written
      search per call site;
    * keeps one binding per store and platform id with a unique constraint on (store_id, <id field>).

    A binding of one platform record with one id and an update time (an order, a customer) inherits
    ``store.external.binding.mixin`` instead, which adds them.
    """

    _name = "store.binding.mixin"
    _inherit = ["store.owned.mixin"]
    _description = "Store Binding"

    store_id = fields.Many2one("connector.store", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="store_id.company_id", store=True, index=True)

    @api.model
    def _find_by_external_ids(self, store, external_ids, field="external_id"):
        """The bindings of `store` whose platform id `field` is one of `external_ids`, in one query.

        :param store: connector.store record
        :param external_ids: iterable of platform ids (numbers are compared as text; empty ones
            are left out)
        :param field: the binding's platform id field (``external_variant_id`` on a product
            binding, say)
        :returns: {platform id (str): bindings of this model with it} -- one record each where the
            id is unique per store (the unique constraint), possibly several otherwise (all the
            variant bindings of one platform product); ids without a binding are absent.
        """
        wanted = {str(external_id) for external_id in external_ids if external_id not in (None, False, "")}
        if not wanted:
            return {}
        found = {}
        for binding in self.search([("store_id", "=", store.id), (field, "in", sorted(wanted))]):
            key = binding[field]
            found[key] = found.get(key, self.browse()) | binding
        return found


class StoreExternalBindingMixin(models.AbstractModel):
    """A binding of one platform record known by one platform id (``external_id``, unique per store)
    and the platform's last update time of it: orders and customers.

    Models inheriting it name the id for their users (``external_id = fields.Char(string="Platform
    Order ID")``; the other attributes are kept) and declare the unique constraint
    ``unique(store_id, external_id)`` with their own message.
    """

    _name = "store.external.binding.mixin"
    _inherit = ["store.binding.mixin"]
    _description = "Store Binding of a Platform Record"

    external_id = fields.Char(string="Platform ID", required=True)
    platform_updated_at = fields.Datetime(string="Updated on Platform")
