"""The connector's events, as overridable methods on connector.store.

Each event writes one line in the store's activity log (operation, status, records processed,
duration; the time is the line's creation date). Addons react to an event by overriding its
method and calling super(): send a bus notification, a mail, a metric, trigger a follow-up job.

    ProductSyncedToStore    `_event_product_synced_to_store(records, ...)`
    OrderReceivedFromStore  `_event_order_received_from_store(order, ...)`
    InventorySyncCompleted  `_event_inventory_sync_completed(count, ...)`
    StoreConnectionFailed   `_event_store_connection_failed(error, ...)` (also notifies managers)

StoreConnectionFailed is emitted here when the queue pauses a store for authentication and when
Test Connection fails; the other three are emitted by the code that does the work (the sync
jobs, the order import).
"""

import requests

from odoo import _, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..exceptions import PlatformFeatureMissing, StoreConnectorError
from ..services.redact import redact

# How many per-item errors an event's log line quotes; the job's result keeps the rest.
_QUOTED_ERRORS = 5


def _quote_errors(errors):
    quoted = "; ".join(f"{error.get('sku') or '?'}: {error.get('error')}" for error in errors[:_QUOTED_ERRORS])
    return quoted + (" ..." if len(errors) > _QUOTED_ERRORS else "")


class ConnectorStore(models.Model):
    _inherit = "connector.store"

    # ------------------------------------------------------------------ events
    def _event_product_synced_to_store(self, records, duration=0.0, job=None, errors=None):
        """ProductSyncedToStore: products were created or updated on the store.

        :param records: the product.product (or product.template) records the store accepted.
        :param duration: seconds the export took.
        :param job: the sync.job that did it, if any.
        :param errors: [{"sku": str, "error": str}] the store refused (the sync still counts as
            done when some products went through; failed when none did).
        :returns: the store.activity.log line.
        """
        self.ensure_one()
        errors = errors or []
        message = _("%(count)s products synced to the store.", count=len(records))
        if errors:
            message += " " + _("%(count)s refused: %(errors)s", count=len(errors), errors=_quote_errors(errors))
        status = "failed" if errors and not records else "done"
        return self._log_activity("products.sync", status, records=len(records), message=message,
                                  duration=duration, job=job)

    def _event_order_received_from_store(self, order, external_id=None, duration=0.0, job=None):
        """OrderReceivedFromStore: an order of the store was created (or updated) in Odoo.

        :param order: the sale.order record(s).
        :param external_id: the platform's order id or number, for the log.
        :returns: the store.activity.log line.
        """
        self.ensure_one()
        names = ", ".join(order.mapped("name"))
        if external_id:
            message = _("Order %(order)s received from the store (%(external)s).", order=names,
                        external=external_id)
        else:
            message = _("Order %(order)s received from the store.", order=names)
        return self._log_activity("orders.import", "done", records=len(order), message=message,
                                  duration=duration, job=job)

    def _event_inventory_sync_completed(self, count, duration=0.0, job=None, errors=None):
        """InventorySyncCompleted: stock quantities were published to the store.

        :param count: how many items the store accepted.
        :param errors: [{"sku": str, "error": str}] the store refused.
        :returns: the store.activity.log line.
        """
        self.ensure_one()
        errors = errors or []
        message = _("%(count)s stock quantities published.", count=count)
        if errors:
            message += " " + _("%(count)s refused: %(errors)s", count=len(errors), errors=_quote_errors(errors))
        status = "failed" if errors and not count else "done"
        return self._log_activity("inventory.sync", status, records=count, message=message,
                                  duration=duration, job=job)

    def _event_store_connection_failed(self, error, notify=True):
        """StoreConnectionFailed: the store could not be reached or refused our credentials.

        :param error: what went wrong (str or exception); secrets of the store are redacted.
        :param notify: also tell the store's managers (their Odoo inbox and the store's chatter).
        :returns: the store.activity.log lines.
        """
        logs = self.env["store.activity.log"]
        for store in self:
            text = redact(str(error), self.env["integration.credential"]._store_secrets(store))
            logs |= store._log_activity("connection", "failed", message=text)
            if notify:
                store._notify_managers(
                    _("Connection to store %(store)s failed: %(error)s", store=store.name, error=text)
                )
        return logs

    # ------------------------------------------------------------------ where StoreConnectionFailed comes from
    def _pause_for_auth(self, message):
        # The base pause already posts its own notice to the managers: one message is enough.
        newly_paused = self.filtered(lambda store: not store.paused)
        result = super()._pause_for_auth(message)
        newly_paused._event_store_connection_failed(message, notify=False)
        return result

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
