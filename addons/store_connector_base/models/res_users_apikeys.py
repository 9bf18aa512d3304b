from odoo import models
from odoo.tools import SQL

from odoo.addons.base.models.res_users import INDEX_SIZE, KEY_CRYPT_CONTEXT


class ResUsersApikeys(models.Model):
    """Odoo's API keys, read with their scope for the sync API.

    The sync API takes keys of exactly its own scope (`services.sync_api.API_KEY_SCOPE`). Odoo's
    `_check_credentials(scope=...)` cannot tell: it also matches global keys (scope NULL), which
    open the whole external API (XML-RPC, JSON-RPC) and must not be used for the sync API.
    """

    _inherit = "res.users.apikeys"

    def _store_connector_identify(self, key):
        """The user and the scope of API key `key`, if it is valid (unexpired, active user).

        :param key: the key as the client sent it.
        :returns: (user id, scope: str or None), or (False, None) for no valid key.
        """
        if not key:
            return False, None
        # The same query as Odoo's _check_credentials, without the scope filter.
        self.env.cr.execute(SQL(
            """SELECT k.user_id, k.key, k.scope
                 FROM %s k JOIN res_users u ON u.id = k.user_id
                WHERE u.active AND k.index = %s
                  AND (k.expiration_date IS NULL OR k.expiration_date >= now() AT TIME ZONE 'utc')""",
            SQL.identifier(self._table), key[:INDEX_SIZE],
        ))
        for user_id, hashed, scope in self.env.cr.fetchall():
            if KEY_CRYPT_CONTEXT.verify(key, hashed):
                return user_id, scope
        return False, None

