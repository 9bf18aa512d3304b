from odoo import api, fields, models

from .. import labels


class StoreOrderBindingLabels(models.Model):
    """The platform status of an order, labelled for people (labels.ORDER_STATUS_LABELS and each
    platform's `store.adapter._order_status_labels`); the platform's code stays what is stored."""

    _inherit = "store.order.binding"

    # A selection whose values come from a method accepts any code the platform sends (the importer
    # writes what the platform says), and shows each known status's label in lists, filters and
    # group-bys.
    platform_status = fields.Selection(
        selection="_selection_platform_status",
        help="The order's status on the platform; the platform's own code is what is stored.",
    )

    @api.model
    def _platform_status_labels(self):
        """{platform status: label in the user's language}, of the base and every installed platform."""
        found = dict(labels.ORDER_STATUS_LABELS)
        for adapter in self.env["sync.job"]._platform_adapters():
            found.update(adapter._order_status_labels())
        return {code: labels.translate(self.env, label) for code, label in found.items()}

    @api.model
    def _selection_platform_status(self):
        return sorted(self._platform_status_labels().items(), key=lambda item: item[1].casefold())

    @api.model
    def _platform_status_label(self, code):
        """The label of one platform status; an unknown one in a readable form of itself."""
        return self._platform_status_labels().get(code) or labels.readable_code(code)
