from odoo import _, api, models
from odoo.exceptions import UserError


class StoreOwnedMixin(models.AbstractModel):
    """Records that belong to one store, and through it to the store's company: credentials,
    bindings, mappings, webhooks, deliveries, activity log lines...

    For addon authors, a model whose records belong to a store:

    * inherits this mixin (``_inherit = ["store.owned.mixin"]``, next to its own ``_name``);
    * defines ``store_id`` (Many2one to connector.store, required, ``ondelete="cascade"``) and, unless
      it has no company column of its own, ``company_id = fields.Many2one(related="store_id.company_id",
      store=True)``;
    * gets a company record rule in its addon's security XML, like the others:
      ``[('company_id', 'in', company_ids)]``;
    * marks each of its other links to records that have a company (products, orders, contacts,
      locations, journals, jobs...) ``check_company=True``: the mixin turns ``_check_company_auto``
      on, so the ORM refuses a link into another company on create and write. Records shared by all
      companies (``company_id`` empty) can still be linked.

    The store of an existing record never changes, and its company is always its store's. Odoo
    checks record rules on a record as it is *before* a write, so otherwise whoever may edit a record
    could move it (with its secrets, ids, payloads) into a store and a company they may not even
    read. Writing the same store (or company) again is accepted. To use a record elsewhere, create
    one in the other store.
    """

    _name = "store.owned.mixin"
    _description = "Record of a Store"
    _check_company_auto = True
    # Fields that say whose the record is: fixed once the record exists.
    _store_owner_fields = ("store_id", "company_id")

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        if "company_id" in self._fields:
            Store = self.env["connector.store"].sudo()
            for vals in vals_list:
                if vals.get("company_id") and vals.get("store_id"):
                    store = Store.browse(vals["store_id"])
                    if vals["company_id"] != store.company_id.id:
                        raise UserError(_(
                            "A %(model)s of store %(store)s belongs to the store's company (%(company)s).",
                            model=self._description, store=store.name, company=store.company_id.name,
                        ))
        return super().create(vals_list)

    def write(self, vals):
        self._check_store_owner_unchanged(vals)
        return super().write(vals)

    # ------------------------------------------------------------------ business
    def _check_store_owner_unchanged(self, vals):
        """Refuse `vals` when they would move one of these records to another store or company.

        :raises UserError: naming the record and its store.
        """
        for fname in self._store_owner_fields:
            if fname not in vals or fname not in self._fields:
                continue
            new_id = self._fields[fname].convert_to_cache(vals[fname], self)
            for record in self:
                current = record[fname]
                if current.id == new_id:
                    continue
                store = record.store_id
                if fname == "store_id":
                    raise UserError(_(
                        '%(model)s "%(record)s" belongs to store %(store)s: it cannot be moved to another '
                        "store. Create it in the other store instead.",
                        model=self._description, record=record.display_name, store=store.name,
                    ))
                raise UserError(_(
                    '%(model)s "%(record)s" belongs to store %(store)s, so to its company (%(company)s): '
                    "its company cannot be changed.",
                    model=self._description, record=record.display_name, store=store.name,
                    company=store.company_id.name,
                ))
