"""WooCommerce customers both ways (when the store's "Sync Customers" is on): the paged pull of
``GET /customers``, the export (create or update, matched by email), and the customer.* webhooks
(created/updated imported, deleted: the base's redaction of the customer's data)."""

import json

from odoo import _, api, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError
from odoo.addons.store_connector_base.services.normalized import to_datetime

from .. import const
from . import woocommerce_customer_mapper as cm

CUSTOMER_TOPICS_IMPORT = ("customer.created", "customer.updated")
CUSTOMER_TOPIC_DELETED = "customer.deleted"
# Requests one `_import_customers` call may make while it steps back over deleted customers or
# skips customers unchanged since `since`, before it answers with what it has.
MAX_REQUESTS_PER_PAGE = 10


def _parse_customer_cursor(cursor):
    """(last customer id read, its position in the id-ordered list) of a customer cursor; (0, 0)
    for none.

    :raises PermanentJobError: the cursor is not one of ours.
    """
    if cursor in (None, ""):
        return 0, 0
    try:
        state = json.loads(cursor)
        return int(state["after"]), max(0, int(state["offset"]))
    except (ValueError, TypeError, KeyError):
        raise PermanentJobError(_(
            "The customer page cursor %(cursor)s is not a WooCommerce customer cursor. Start the customer "
            "import again: it reads from its first page.", cursor=cursor)) from None


class StoreAdapterWooCommerceCustomers(models.AbstractModel):
    """WooCommerce customers: `_import_customers`, `_export_customer` and the customer topics."""

    _inherit = "store.adapter.woocommerce"

    @api.model
    def _supported_features(self, store):
        return super()._supported_features(store) | {"customers.import", "customers.export"}

    # ------------------------------------------------------------------ import
    @api.model
    def _import_customers(self, store, since=None, cursor=None, limit=None):
        """One page of WooCommerce customers, normalized.

        WooCommerce's ``/customers`` cannot filter or sort by modification time (its filters are
        ``search``, ``email``, ``role``, ``include``/``exclude``; ``orderby`` is ``id``, ``include``,
        ``name`` or ``registered_date``), so the pull reads every customer (role "customer", as
        WooCommerce lists them by default) in id order and keeps those modified at or after `since`
        (``date_modified_gmt``) itself. The paging contract holds in id order: an update does not
        move a customer and a new one comes last, so none crosses a page boundary unread. The
        cursor is keyset-based: the last id read, with its position as a hint. The next request
        starts at that position (``offset``), so that its first customer is the last one read
        again (dropped, with any other at or before the last id); when it is a later one,
        customers deleted meanwhile shifted the list, and the request is made again a page
        earlier. Ids only grow, so no customer is ever skipped.

        :returns: {"records": [normalized customer], "next_cursor": cursor text or None}.
        """
        per_page = min(int(limit or const.PAGE_SIZE), const.PAGE_SIZE)
        after, offset = _parse_customer_cursor(cursor)
        since = to_datetime(since, "since", required=False) if since else None
        client = store._woocommerce_client()
        records, more = [], False
        for _request in range(MAX_REQUESTS_PER_PAGE):
            params = {"orderby": "id", "order": "asc"}
            if offset:
                params["offset"] = offset
            customers, _total, _pages = client.get_page("/customers", params, per_page=per_page)
            ids = [int(customer.get("id") or 0) for customer in customers]
            if offset and customers and ids[0] > after:
                offset = max(0, offset - per_page + 1)  # the list shifted: read again from earlier
                continue
            for customer, customer_id in zip(customers, ids, strict=True):
                if customer_id <= after:
                    continue
                after = customer_id
                normalized = cm.customer_from_woocommerce(customer)
                updated = to_datetime(normalized["updated_at"], "updated_at", required=False)
                if since and updated and updated < since:
                    continue
                records.append(normalized)
            if customers:
                offset += len(customers) - 1
            more = len(customers) >= per_page and per_page > 1
            if records or not more:
                break
        next_cursor = json.dumps({"after": after, "offset": offset}) if more else None
        return {"records": records, "next_cursor": next_cursor}

    # ------------------------------------------------------------------ export
    @api.model
    def _export_customer(self, store, customer):
        """Create or update the customer on WooCommerce: by its WooCommerce id when the binding
        has one, else the customer with the same email (``GET /customers?email=``, any role) is
        updated, else one is created (``POST /customers``; WooCommerce generates the username and
        password as the shop's account settings say). Only the values Odoo has are sent (an empty
        Odoo field never blanks WooCommerce's).

        :returns: {"id": WooCommerce customer id (str)}.
        :raises PermanentJobError: a new customer has no email (WooCommerce requires one), or
            WooCommerce refused it (its message).
        """
        client = store._woocommerce_client()
        body = cm.customer_to_woocommerce(customer)
        customer_id = customer.get("id")
        if not customer_id and customer.get("email"):
            found = client.request_json(
                "GET", "/customers", params={"email": customer["email"], "role": "all"}) or []
            customer_id = found[0].get("id") if found else None
        if customer_id:
            answer = client.request_json("PUT", f"/customers/{customer_id}", json=body) or {}
        else:
            if not body.get("email"):
                raise PermanentJobError(_(
                    "Contact %(name)s cannot be created on WooCommerce: it has no email address, which "
                    "WooCommerce requires of a customer. Add one to the contact.",
                    name=customer.get("name") or customer.get("first_name") or "?"))
            answer = client.request_json("POST", "/customers", json=body) or {}
        return {"id": str(answer.get("id") or customer_id)}

    # ------------------------------------------------------------------ webhooks
    @api.model
    def _webhook_topic_handlers(self, store):
        """customer.created and customer.updated import the customer when the store syncs
        customers (otherwise they are not subscribed to: Register Webhooks after switching *Sync
        Customers* on); customer.deleted always erases what Odoo holds of the customer (the base's
        redaction; order imports bind customers too)."""
        handlers = super()._webhook_topic_handlers(store)
        if store.auto_sync_customers:
            for topic in CUSTOMER_TOPICS_IMPORT:
                handlers[topic] = "_woocommerce_webhook_customer"
        handlers[CUSTOMER_TOPIC_DELETED] = "_woocommerce_webhook_customer_deleted"
        return handlers

    @api.model
    def _woocommerce_webhook_customer(self, store, delivery, payload):
        """customer.created / customer.updated: with the store's "Sync Customers" on, the contact
        is created or updated like a pulled page (the body is the customer's REST representation;
        a body older than the one already imported is ignored by the importer)."""
        if not store.auto_sync_customers:
            return {"ignored": "customer sync is off for this store"}
        if not isinstance(payload, dict) or not payload.get("id"):
            raise PermanentJobError(_(
                "The %(topic)s delivery names no WooCommerce customer id: nothing to import.",
                topic=delivery.topic))
        return store._import_customer_page([cm.customer_from_woocommerce(payload)])

    @api.model
    def _woocommerce_webhook_customer_deleted(self, store, delivery, payload):
        """customer.deleted (``{"id": n}``): the customer is gone from the shop; the contacts bound
        to it go through the base's redaction (`connector.store._redact_customer_data`: anonymised
        unless a legal record or another store needs them, bindings removed, stored deliveries and
        job payloads naming them erased, all logged)."""
        customer_id = str((payload or {}).get("id") or "")
        Binding = self.env["store.customer.binding"].sudo()
        found = Binding._find_by_external_ids(store, [customer_id]) if customer_id else {}
        partners = found[customer_id].partner_id if customer_id in found else self.env["res.partner"]
        return {"topic": delivery.topic, "customer": customer_id,
                **store._redact_customer_data(partners, delivery.topic)}
