from odoo import _, api, models

from .. import const


class StoreAdapterWooCommerce(models.AbstractModel):
    """WooCommerce implementation of the platform interface (see store.adapter in the base addon and
    its guide, readme/PLATFORMS.md). The REST client is models/woocommerce_client.py."""

    _name = "store.adapter.woocommerce"
    _inherit = "store.adapter"
    _description = "WooCommerce Adapter"

    # ---------------------------------------------------------------- connection
    @api.model
    def _supported_features(self, store):
        return {"test_connection"}

    @api.model
    def _credential_keys(self, store):
        return [
            {"key": const.CRED_CONSUMER_KEY, "label": _("Consumer Key"), "secret": False, "required": True,
             "help": _("ck_...: WooCommerce > Settings > Advanced > REST API, a key with Read/Write "
                       "permissions (or use Connect with WooCommerce).")},
            {"key": const.CRED_CONSUMER_SECRET, "label": _("Consumer Secret"), "required": True,
             "help": _("cs_...: shown once, next to the consumer key, when the key is generated.")},
            {"key": const.CRED_WEBHOOK_SECRET, "label": _("Webhook Secret"),
             "help": _("Signs the webhooks WooCommerce sends (X-WC-Webhook-Signature). Register "
                       "Webhooks generates it.")},
            {"key": const.CRED_WEBHOOK_SECRET_PREVIOUS, "label": _("Previous Webhook Secret"),
             "help": _("After a rotation: the former secret, valid until the expiry you set.")},
        ]

    @api.model
    def _api_credentials_missing(self, store):
        """The consumer key and secret not entered, by their labels (people read them: the setup
        assistant's "Still to enter", the activity log's skipped pull)."""
        labels = {declared["key"]: declared["label"] for declared in self._credential_keys(store)}
        return [labels[key] for key in (const.CRED_CONSUMER_KEY, const.CRED_CONSUMER_SECRET)
                if not store.sudo()._get_credential(key, required=False)]

    @api.model
    def _default_max_parallel_jobs(self, store):
        return const.DEFAULT_MAX_PARALLEL_JOBS

    # ---------------------------------------------------------------- orders
    @api.model
    def _default_status_mapping(self, store):
        """WooCommerce's default status table (const.STATUS_MAPPING_*)."""
        return {
            "inbound": list(const.STATUS_MAPPING_INBOUND),
            "outbound": list(const.STATUS_MAPPING_OUTBOUND),
        }
