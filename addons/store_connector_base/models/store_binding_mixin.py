import json

from odoo import api, fields, models
from odoo.tools import SQL


class StoreBindingMixin(models.AbstractModel):
    """A binding: the link between a platform record and an Odoo record, in one store (OCA connector's
    binder). Product, order and customer bindings inherit it.

    For addon authors, a binding model of a platform's records:

    * inherits this mixin (``_inherit = ["store.binding.mixin"]``), which is a ``store.owned.mixin``
      (see there: company record rule, ``check_company=True`` links) and gives ``store_id`` and
      ``company_id`` (the store's);
    * finds its bindings from platform ids with `_find_by_external_ids`, never with a hand-written
      search per call site: ids in columns, and the platform's own ids kept in a JSON field
      (``data_key=``);
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
    def _find_by_external_ids(self, store, external_ids, field=None, data_key=None):
        """The bindings of `store` whose platform id is one of `external_ids`, in one query.

        The id is a column (`field`), or, with `data_key`, the value under that key of a JSON
        field (`field`, by default ``external_data``): a platform's own ids that have no column
        (Shopify's inventory item, eBay's listing). The JSON lookup is ``field @> {data_key: id}``,
        which a GIN index on the field (``jsonb_path_ops``) answers: a model looked up this way
        creates one in its ``init()`` (see store.product.binding). The ids are compared as text:
        keep them as text in the JSON (store.product.binding._external_ids_values does).

        :param store: connector.store record
        :param external_ids: iterable of platform ids (numbers are compared as text; empty ones
            are left out)
        :param field: the binding's platform id field (default ``external_id``;
            ``external_variant_id`` on a product binding, say), or with `data_key` its JSON field
            (default ``external_data``)
        :param data_key: the key of the id in the JSON field `field` (``"inventory_item_id"``)
        :returns: {platform id (str): bindings of this model with it} -- one record each where the
            id is unique per store (the unique constraint), possibly several otherwise (all the
            variant bindings of one platform product); ids without a binding are absent.
        """
        wanted = sorted(
            {str(external_id) for external_id in external_ids if external_id not in (None, False, "")}
        )
        if not wanted:
            return {}
        found = {}
        if data_key is None:
            field = field or "external_id"
            bindings = self.search([("store_id", "=", store.id), (field, "in", wanted)])
            for binding in bindings:
                found.setdefault(binding[field], self.browse())
                found[binding[field]] |= binding
            return found
        field = field or "external_data"
        query = self._search([("store_id", "=", store.id)])
        column = self._field_to_sql(self._table, field, query)
        documents = [json.dumps({data_key: external_id}) for external_id in wanted]
        # One id: a plain "@>", which the planner always matches with the GIN index; several: one
        # ANY over the documents (a bitmap scan of the index per document).
        if len(documents) == 1:
            query.add_where(SQL("%s @> %s::jsonb", column, documents[0]))
        else:
            query.add_where(SQL("%s @> ANY(%s::jsonb[])", column, documents))
        for binding in self.browse(query.get_result_ids()):
            key = str((binding[field] or {}).get(data_key))
            found.setdefault(key, self.browse())
            found[key] |= binding
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
