"""Before 18.0.1.7.0 an order binding's lines fingerprint hashed the text of each number as the
platform wrote it, so the same order read through two APIs ("10.00" in a webhook body, "10.0" and a
tax rate of "2E+1" through Shopify's GraphQL) seemed changed. It hashes their values now
(order_mapper.canonical_number). The stored fingerprints are computed again, the new way, from the
order each binding last imported: its last payload, the JSON copy of the normalized order written
with the fingerprint by every import (store.order.importer._binding_values). Else every existing
order would look changed at its next import (a confirmed order would get an "Order changed on the
platform" activity, a quotation its lines written again).

Bindings are read and written by chunks of CHUNK, by id, reading only the lines, shipping and fees of
their payloads. A binding without a payload, or with one that is not a normalized order, keeps its
fingerprint (its order's next import compares as before and stores the new form).
"""

import json
import logging
from decimal import Decimal

from odoo.addons.store_connector_base.services.order_mapper import lines_fingerprint

_logger = logging.getLogger(__name__)

CHUNK = 5000


def migrate(cr, version):
    if not version:
        return
    updated = skipped = 0
    last_id = 0
    while True:
        # ::text and parse_float=Decimal: the amounts as written (strings in a normalized order's
        # JSON copy; numbers, were any, read without a float's rounding).
        cr.execute(
            """SELECT id, lines_fingerprint,
                      jsonb_build_object('lines', last_payload->'lines',
                                         'shipping_lines', last_payload->'shipping_lines',
                                         'fee_lines', last_payload->'fee_lines')::text
                 FROM store_order_binding
                WHERE id > %s
             ORDER BY id
                LIMIT %s""",
            [last_id, CHUNK],
        )
        rows = cr.fetchall()
        if not rows:
            break
        last_id = rows[-1][0]
        ids, fingerprints = [], []
        for binding_id, stored, parts in rows:
            fingerprint = _fingerprint(parts)
            if fingerprint is None:
                skipped += 1
            elif fingerprint != stored:
                ids.append(binding_id)
                fingerprints.append(fingerprint)
        if ids:
            cr.execute(
                """UPDATE store_order_binding AS binding
                      SET lines_fingerprint = new.fingerprint
                     FROM unnest(%s::int[], %s::varchar[]) AS new(id, fingerprint)
                    WHERE binding.id = new.id""",
                [ids, fingerprints],
            )
            updated += cr.rowcount
    _logger.info("order bindings: %s lines fingerprints computed again by value, %s without a readable "
                 "last payload kept", updated, skipped)


def _fingerprint(parts):
    """The fingerprint of the lines, shipping and fees of a last payload (JSON text), or None when
    they are missing or not those of a normalized order."""
    order = json.loads(parts, parse_float=Decimal)
    if not isinstance(order.get("lines"), list) or not order["lines"]:
        return None
    order["shipping_lines"] = order.get("shipping_lines") or []
    order["fee_lines"] = order.get("fee_lines") or []
    try:
        return lines_fingerprint(order)
    except (KeyError, TypeError, AttributeError, ArithmeticError, ValueError):
        return None
