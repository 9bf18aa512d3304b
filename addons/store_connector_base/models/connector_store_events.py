"""The connector's events, as overridable methods on connector.store.

Each event writes one line in the store's activity log (operation, status, records processed,
duration; the time is the line's creation date). Addons react to an event by overriding its
method and calling super(): send a bus notification, a mail, a metric, trigger a follow-up job.
There is one signature per event; every pipeline of the suite calls them so:

    ProductSyncedToStore    `_event_product_synced_to_store(bindings, duration=, job=, errors=, operation=)`
                            emitted by the product export job (store.product.binding._job_export_products)
    OrderReceivedFromStore  `_event_order_received_from_store(order, binding, duration=, job=)`
                            emitted by the order importer for each order created or updated
    InventorySyncCompleted  `_event_inventory_sync_completed(count, duration=, job=, errors=)`
                            emitted by the inventory job (store.product.binding._job_export_inventory)
    OrderRefunded           `_event_order_refunded(refund)`
                            emitted by a platform's refund webhook (or pull) for each refund, whole
                            or partial: a note and an activity on the sale order
    StoreConnectionFailed   `_event_store_connection_failed(error, notify=True, paused=False)`
                            emitted when the queue pauses a store for authentication
                            (`_pause_for_auth`) and when Test Connection fails; it also notifies
                            the store's managers

`errors` is always a list of {"sku": str, "error": str}: what the platform refused.
"""

import requests

from odoo import _, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..exceptions import PlatformFeatureMissing, StoreConnectorError
from ..labels import number as lang_number
from ..services.redact import safe_message

# How many per-item errors an event's log line quotes; the bindings and the job's result keep the rest.
_QUOTED_ERRORS = 5
# The activity log's message is for people: a long list of SKUs is cut.
_MESSAGE_LIMIT = 4000


def _refused_text(env, errors):
    """"1 refused: ..." or "3 refused: ...", the platform's words quoted."""
    if len(errors) == 1:
        return env._("1 refused: %(errors)s", errors=_quote_errors(errors))
    return env._("%(count)s refused: %(errors)s", count=lang_number(env, len(errors)),
                 errors=_quote_errors(errors))


def _quote_errors(errors):
    quoted = "; ".join(
        f"{error.get('sku') or '?'}: {error.get('error')}" for error in errors[:_QUOTED_ERRORS]
    )
    return quoted + (" ..." if len(errors) > _QUOTED_ERRORS else "")


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    # ------------------------------------------------------------------ events
    def _event_product_synced_to_store(self, bindings, duration=0.0, job=None, errors=None,
                                       operation="products.export"):
        """ProductSyncedToStore: products were created, updated, unpublished or archived on the store.

        :param bindings: the store.product.binding records the store accepted (may be empty when
            it refused them all).
        :param duration: seconds the export took.
        :param job: the sync.job that did it, if any.
        :param errors: [{"sku": str, "error": str}] the store refused. The sync counts as done
            when some products went through, failed when none did.
        :param operation: the job's operation: products.export, products.unpublish or
            products.archive (the log line's operation).
        :returns: the store.activity.log line.
        """
        self.ensure_one()
        errors = errors or []
        skus = ", ".join(binding._label() for binding in bindings) or "-"
        message = (_("1 product synced: %(skus)s.", skus=skus) if len(bindings) == 1
                   else _("%(count)s products synced: %(skus)s.", count=lang_number(self.env, len(bindings)),
                          skus=skus))
        if errors:
            message += " " + _refused_text(self.env, errors)
        status = "failed" if errors and not bindings else "done"
        return self._log_activity(operation, status, records=len(bindings),
                                  message=self._event_safe_text(message, errors), duration=duration, job=job)

    def _event_order_received_from_store(self, order, binding, duration=0.0, job=None):
        """OrderReceivedFromStore: an order of the store was created (or updated) in Odoo.

        :param order: the sale.order.
        :param binding: its store.order.binding (platform id, number and status).
        :param duration: seconds the import took, if known.
        :param job: the sync.job that imported it (default: the job running now, if any).
        :returns: the store.activity.log line.
        """
        self.ensure_one()
        job = job or self.env["sync.job"].browse(self.env.context.get("sync_job_id")).exists()
        message = _(
            "%(order)s from platform order %(number)s (%(status)s)",
            order=", ".join(order.mapped("name")),
            number=binding.external_number or binding.external_id,
            # The status's label, as the order's form shows it ("Partially refunded", not the code).
            status=self.env["store.order.binding"]._platform_status_label(binding.platform_status)
            if binding.platform_status else "-",
        )
        return self._log_activity("order.received", "done", records=len(order), message=message,
                                  duration=duration, job=job or None)

    def _event_order_refunded(self, refund):
        """OrderRefunded: the platform refunded (part of) an order.

        With the store's refund policy "credit note" (and the payment workflow on), the order's
        payment workflow job is queued instead: it credits the refunds the order lists.

        Else the refund is not turned into a credit note: platform refunds may cover shipping, fees,
        restocking or amounts not tied to lines, which a person turns into Odoo's credit note and
        return. The sale order gets a note and a to-do activity for its salesperson (else the
        store's chain, see store.order.importer._responsible_user), for a partial refund as for a
        whole one; the order's status follows with the order's own update.

        :param refund: {"order_id": platform order id, "refund_id", "amount" (str), "note"?,
            "lines": [{"line_id"?, "sku"?, "quantity"}]}.
        :returns: {"refund", "order" (sale.order id or the platform id), "recorded": bool,
            "already_recorded": True when this refund id was recorded on the order before}
        """
        self.ensure_one()
        Binding = self.env["store.order.binding"].sudo()
        order_id = refund.get("order_id")
        binding = Binding._find_by_external_ids(self, [order_id]).get(str(order_id), Binding)[:1]
        order = binding.order_id
        if not order:
            return {"refund": refund.get("refund_id"), "order": refund.get("order_id"), "recorded": False}
        if self._credits_refunds():
            # Refund policy "credit note": the payment workflow credits the refunds the order lists
            # (store_order_binding_refunds.py); the order's own update brings this one.
            binding._enqueue_order_payments()
            return {"refund": refund.get("refund_id"), "order": order.id, "recorded": False,
                    "credited_by_workflow": True}
        # Recorded once per refund id: a redelivered event, or a platform that lists an order's
        # refunds with each of its updates (WooCommerce), says nothing new.
        refund_id = str(refund.get("refund_id") or "")
        recorded = list(binding.refund_ids_recorded or [])
        if refund_id and refund_id in recorded:
            return {"refund": refund_id, "order": order.id, "recorded": False, "already_recorded": True}
        if refund_id:
            binding.refund_ids_recorded = recorded + [refund_id]
        platform = self._fields["platform"].convert_to_export(self.platform, self) or self.name
        lines = ", ".join(
            f"{line.get('sku') or line.get('line_id')} x {line.get('quantity')}"
            for line in refund.get("lines") or []
        )
        # Built before the translated sentence: Odoo's string extractor cannot read f-strings inside _().
        lines_text = f" ({lines})" if lines else ""
        refund_note = f": {refund['note']}" if refund.get("note") else ""
        note = _(
            "%(platform)s refund %(refund)s of %(amount)s %(currency)s%(lines)s%(note)s. Check it and "
            "issue the credit note.",
            platform=platform,
            refund=refund.get("refund_id") or "-",
            amount=refund.get("amount") or "0",
            currency=order.currency_id.name,
            lines=lines_text,
            note=refund_note,
        )
        self.env["store.order.importer"].sudo()._schedule_activity(
            self, order, _("%(platform)s refund to record", platform=platform), note
        )
        order.message_post(body=note, message_type="comment", subtype_xmlid="mail.mt_note")
        self._log_activity("order.refund", "done", records=1,
                           message=_("%(order)s: %(note)s", order=order.name, note=note))
        return {"refund": refund.get("refund_id"), "order": order.id, "recorded": True}

    def _event_inventory_sync_completed(self, count, duration=0.0, job=None, errors=None):
        """InventorySyncCompleted: stock quantities were published to the store.

        :param count: how many items the store accepted.
        :param duration: seconds the job took.
        :param job: the sync.job that did it, if any.
        :param errors: [{"sku": str, "error": str}] the store refused.
        :returns: the store.activity.log line.
        """
        self.ensure_one()
        errors = errors or []
        message = (_("1 stock quantity published.") if count == 1
                   else _("%(count)s stock quantities published.", count=lang_number(self.env, count)))
        if errors:
            message += " " + _refused_text(self.env, errors)
        status = "failed" if errors and not count else "done"
        return self._log_activity("inventory.sync", status, records=count,
                                  message=self._event_safe_text(message, errors), duration=duration, job=job)

    def _event_store_connection_failed(self, error, notify=True, paused=False):
        """StoreConnectionFailed: the store could not be reached or refused our credentials.

        :param error: what went wrong (str or exception); secrets of the store are redacted.
        :param notify: also tell the store's managers (their Odoo inbox and the store's chatter).
        :param paused: the store was paused for it (`_pause_for_auth`): the notice says that its
            jobs wait for new credentials.
        :returns: the store.activity.log lines.
        """
        logs = self.env["store.activity.log"]
        for store in self:
            text = safe_message(error, self.env["integration.credential"]._store_secrets(store),
                                limit=_MESSAGE_LIMIT)
            logs |= store._log_activity("connection", "failed", message=text)
            if not notify:
                continue
            if paused:
                notice = _("Store %(store)s is paused: the platform refused its credentials (%(reason)s). "
                           "Its jobs wait; save new credentials to resume them.",
                           store=store.name, reason=text)
            else:
                notice = _("Connection to store %(store)s failed: %(error)s", store=store.name, error=text)
            store._notify_managers(notice)
        return logs

    def _event_safe_text(self, message, errors):
        """An event's log line, cut to _MESSAGE_LIMIT; when it quotes the platform's words
        (`errors`), the store's secrets are redacted first (a platform may echo what it got)."""
        if not errors:
            return message[:_MESSAGE_LIMIT]
        return safe_message(message, self.env["integration.credential"]._store_secrets(self),
                            limit=_MESSAGE_LIMIT)

    # ------------------------------------------------------------------ Test Connection
    def action_test_connection(self):
        """Test Connection; a failure is reported as StoreConnectionFailed instead of raised.

        Raising would roll back the activity log line and the managers' notification with the
        request; the adapter's own writes are still undone (savepoint). Missing rights and a
        platform addon without a connection test are not connection failures: they raise.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                return super().action_test_connection()
        except (AccessError, PlatformFeatureMissing):
            raise
        except (StoreConnectorError, UserError, ValidationError, requests.RequestException) as exc:
            error = exc.args[0] if isinstance(exc, (UserError, ValidationError)) and exc.args else exc
            log = self._event_store_connection_failed(error)
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": _("Connection to %(store)s failed", store=self.name),
                    "message": log.message,
                    "type": "danger",
                    "sticky": True,
                },
            }
