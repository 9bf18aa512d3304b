"""18.0.1.6.0 adds the refund policy (issue #14, refunds): with `connector.store.refund_policy` "credit
note", the payment workflow turns each platform refund into a posted credit note, a refund payment and
a return of the restocked goods. New stores have it. The stores that exist already keep what they did
before: an activity on the order for someone to decide (their merchants issue credit notes by hand, and
crediting automatically would credit again what they already did). Refunds recorded by the activity
are never credited afterwards (store.order.binding.refund_ids_recorded), should the policy be switched.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE connector_store SET refund_policy = 'activity' "
               "WHERE refund_policy IS DISTINCT FROM 'activity'")
    _logger.info("%s existing stores keep their refunds as activities until the policy is switched",
                 cr.rowcount)
