"""WooCommerce shipping: a done delivery goes to WooCommerce with its carrier and tracking number.

WooCommerce's core has no shipments (platform notes, section 2.7). The connector sends:

* to the **Shipment Tracking** extension (``POST /wp-json/wc-shipment-tracking/v3/orders/<id>/
  shipment-trackings``) when the shop has it: detected by its public providers list, the answer
  kept on the store for a day (const.TRACKING_DETECTION_HOURS) and dropped at once when the
  extension answers ``rest_no_route`` (uninstalled since). The carrier goes as one of the
  extension's providers when the carrier mapping (or the carrier's own name) names one, else as a
  custom provider with the tracking link Odoo's carrier gives: an unmapped carrier is not an error
  (`_carrier_code_required` stays False), the customer still gets a working link. A delivery the
  extension cannot take (no tracking number; a carrier it does not know and no link) goes as a note;
* otherwise, as a **customer note** on the order (``POST /orders/<id>/notes``, ``customer_note``:
  WooCommerce e-mails it to the customer) naming the lines shipped, the carrier, the number and the
  link.

A partial delivery names what it holds: the note lists its lines (with the extension, a note
listing them goes with the tracking), and the order's status waits for the rest (the base pushes
the mapped status of the stage it computes: processing until everything shipped).

Never twice: a job retried after WooCommerce received the fulfillment (an answer lost, a failure
after the call) finds what it sent (the tracking number among the order's trackings, the delivery's
reference in its notes) and answers its id instead of sending it again.
"""

import datetime as dt

from odoo import _, api, fields, models

from odoo.addons.store_connector_base.exceptions import PermanentJobError

from .. import const


def _quantity_text(quantity):
    """A line's quantity as a person writes it: 2, not 2.0. Outside _(): Odoo's string extractor
    cannot read f-strings inside the call."""
    return f"{float(quantity):g}"


class StoreAdapterWooCommerceFulfillment(models.AbstractModel):
    """WooCommerce fulfillment: Shipment Tracking extension or customer note (see the module
    docstring)."""

    _inherit = "store.adapter.woocommerce"

    # ---------------------------------------------------------------- hook of the base
    @api.model
    def _push_fulfillment(self, store, external_order_id, fulfillment):
        """Send a done delivery to WooCommerce (see the module docstring).

        :returns: "tracking:<tracking_id>" (Shipment Tracking) or "note:<note id>".
        :raises PermanentJobError: the order id is not WooCommerce's, or WooCommerce refused.
        """
        order_id = self._woocommerce_order_id(external_order_id)
        if fulfillment.get("tracking_number") and self._woocommerce_tracking_available(store):
            body = self._woocommerce_tracking_body(store, fulfillment)
            tracking_id = body and self._woocommerce_push_tracking(store, order_id, body)
            if tracking_id:
                if not fulfillment.get("order_complete", True):
                    # The tracking names no lines: the customer learns from a note what it covers.
                    self._woocommerce_push_note(store, order_id, fulfillment)
                return f"tracking:{tracking_id}"
        return f"note:{self._woocommerce_push_note(store, order_id, fulfillment)}"

    # ---------------------------------------------------------------- Shipment Tracking
    @api.model
    def _woocommerce_tracking_available(self, store):
        """Whether the shop has the Shipment Tracking extension: the answer kept on the store while
        fresh, else its providers list read again (public, cheap).

        :raises PermanentJobError, RetryableJobError: the shop answered neither the list nor
            WordPress's "no route" (an error page, a server down): nothing is decided.
        """
        store = store.sudo()
        checked = store.woocommerce_tracking_checked_at
        if (store.woocommerce_tracking_extension != "unknown" and checked
                and fields.Datetime.now() - checked < dt.timedelta(hours=const.TRACKING_DETECTION_HOURS)):
            return store.woocommerce_tracking_extension == "present"
        client = store._woocommerce_tracking_client()
        try:
            providers = client.request_json("GET", const.TRACKING_PROVIDERS_PATH)
        except PermanentJobError:
            if not client.route_missing():
                raise
            self._woocommerce_tracking_detected(store, present=False)
            return False
        names = sorted({
            name for group in (providers.values() if isinstance(providers, dict) else ())
            if isinstance(group, dict) for name in group
        })
        self._woocommerce_tracking_detected(store, present=True, providers=names)
        return True

    @api.model
    def _woocommerce_tracking_detected(self, store, present, providers=None):
        """Keep what the detection found on the store (with the time, for the next check)."""
        vals = {
            "woocommerce_tracking_extension": "present" if present else "absent",
            "woocommerce_tracking_checked_at": fields.Datetime.now(),
        }
        if providers is not None:
            vals["woocommerce_tracking_providers"] = providers
        store.sudo().write(vals)

    @api.model
    def _woocommerce_tracking_provider(self, store, carrier):
        """The extension's provider name for `carrier` (the mapped value or the carrier's name),
        compared without case; None when the extension does not list it."""
        wanted = (carrier or "").strip().casefold()
        if not wanted:
            return None
        for name in store.sudo().woocommerce_tracking_providers or ():
            if name.casefold() == wanted:
                return name
        return None

    @api.model
    def _woocommerce_tracking_body(self, store, fulfillment):
        """The extension's tracking item for `fulfillment`, or None when it cannot take it (a
        carrier it does not list and no tracking link to give it as a custom provider)."""
        body = {
            "tracking_number": fulfillment["tracking_number"],
            "date_shipped": fulfillment.get("shipped_on") or fields.Date.to_string(fields.Date.today()),
        }
        carrier = fulfillment.get("carrier") or ""
        provider = (self._woocommerce_tracking_provider(store, carrier)
                    or self._woocommerce_tracking_provider(store, fulfillment.get("carrier_name")))
        if provider:
            body["tracking_provider"] = provider
            return body
        name = carrier or fulfillment.get("carrier_name")
        link = fulfillment.get("tracking_url")
        if not (name and link):
            return None
        body.update(custom_tracking_provider=name, custom_tracking_link=link)
        return body

    @api.model
    def _woocommerce_push_tracking(self, store, order_id, body):
        """Add the tracking item `body` to order `order_id`, unless the order already has one with
        its tracking number (a retried job).

        :returns: the tracking_id, or None when the extension is gone (``rest_no_route``: the store
            remembers it, and the caller sends a note instead).
        """
        client = store._woocommerce_tracking_client()
        path = f"/orders/{order_id}/shipment-trackings"
        try:
            for item in client.request_json("GET", path) or []:
                if isinstance(item, dict) and str(item.get("tracking_number") or "").strip() == \
                        body["tracking_number"].strip():
                    return item.get("tracking_id")
            created = client.request_json("POST", path, json=body) or {}
        except PermanentJobError:
            if not client.route_missing():
                raise
            self._woocommerce_tracking_detected(store, present=False)
            return None
        if not created.get("tracking_id"):
            raise PermanentJobError(_(
                "WooCommerce's Shipment Tracking answered store %(store)s without a tracking id for "
                "order %(order)s: check the order's tracking in WooCommerce, then retry the job.",
                store=store.name, order=order_id,
            ))
        return created["tracking_id"]

    # ---------------------------------------------------------------- customer note
    @api.model
    def _woocommerce_push_note(self, store, order_id, fulfillment):
        """Add the customer note of `fulfillment` to order `order_id`, unless one naming the
        delivery's reference is there already (a retried job).

        :returns: the note's id.
        """
        client = store._woocommerce_client()
        path = f"/orders/{order_id}/notes"
        reference = (fulfillment.get("reference") or "").strip()
        if reference:
            for note in client.request_json("GET", path, params={"type": "customer"}) or []:
                if isinstance(note, dict) and reference in (note.get("note") or ""):
                    return note.get("id")
        created = client.request_json("POST", path, json={
            "note": self._woocommerce_note_text(fulfillment), "customer_note": True,
        }) or {}
        if not created.get("id"):
            raise PermanentJobError(_(
                "WooCommerce answered store %(store)s without a note id for order %(order)s: check the "
                "order's notes in WooCommerce, then retry the job.", store=store.name, order=order_id,
            ))
        return created["id"]

    @api.model
    def _woocommerce_note_text(self, fulfillment):
        """The customer note of a delivery: what shipped, carrier, number, link, reference."""
        # env._: `_` finds the language in its caller's frame, which a generator expression hides.
        lines = ", ".join(
            self.env._("%(quantity)s × %(name)s", quantity=_quantity_text(line["quantity"]),
                       name=line.get("name") or line.get("sku") or "?")
            for line in fulfillment.get("lines") or []
        )
        if fulfillment.get("order_complete", True):
            parts = [_("Your order has shipped: %(lines)s.", lines=lines)]
        else:
            parts = [_("Part of your order has shipped: %(lines)s. The rest follows in another parcel.",
                       lines=lines)]
        carrier = fulfillment.get("carrier") or fulfillment.get("carrier_name")
        if carrier:
            parts.append(_("Carrier: %(carrier)s.", carrier=carrier))
        if fulfillment.get("tracking_number"):
            parts.append(_("Tracking number: %(number)s.", number=fulfillment["tracking_number"]))
        if fulfillment.get("tracking_url"):
            parts.append(_("Track it: %(url)s", url=fulfillment["tracking_url"]))
        if fulfillment.get("reference"):
            parts.append(_("Delivery reference: %(reference)s.", reference=fulfillment["reference"]))
        return "\n".join(parts)

    # ---------------------------------------------------------------- helpers
    @api.model
    def _woocommerce_order_id(self, external_order_id):
        """WooCommerce's order id (a number) as it goes in a path.

        :raises PermanentJobError: not a WooCommerce order id.
        """
        text = str(external_order_id or "").strip()
        if not text.isdigit():
            raise PermanentJobError(_(
                "%(order)s is not a WooCommerce order id: the order's binding is not WooCommerce's.",
                order=text or "-",
            ))
        return text
