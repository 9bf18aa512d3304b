import json

import psycopg2.errors

from odoo import api, fields, models


class SyncJob(models.Model):
    """Batch enqueueing: many jobs of one kind for one store in a few queries."""

    _inherit = "sync.job"

    @api.model
    def _enqueue_many(self, store, operation, method_name, items, priority=10, eta=None, direction="import"):
        """Queue many jobs of one store, operation and handler at once, with `_enqueue`'s semantics.

        Pending jobs with the same identity key are merged (their records and payload replaced, the
        latest item wins), in one UPDATE; the others are created in one batch. Under a concurrent
        enqueue of the same keys (unique index), falls back to `_enqueue` one by one.

        :param items: iterable of (records, identity_key or None, payload or None).
        :returns: the sync.job records (merged and created).
        :raises OperationNotPermitted: the store forbids the operation.
        """
        store.ensure_one()
        store._check_operation_allowed(operation)
        if not method_name.startswith("_job_"):
            raise ValueError("job handlers must be named _job_*: %r" % method_name)
        when = eta or fields.Datetime.now()
        keyed, unkeyed = {}, []
        for records, key, payload in items:
            if key:
                keyed.pop(key, None)  # re-insert: the latest item of a key wins, in its position
                keyed[key] = (records, payload)
            else:
                unkeyed.append((records, payload))
        if not keyed and not unkeyed:
            return self.browse()
        cr = self.env.cr
        self.flush_model()
        existing = {}
        if keyed:
            cr.execute(
                """SELECT identity_key, id FROM sync_job
                    WHERE store_id = %s AND state = 'pending' AND identity_key = ANY(%s)
                    FOR UPDATE""",
                [store.id, list(keyed)],
            )
            existing = dict(cr.fetchall())
        merged_ids = []
        if existing:
            ids, models_, res_ids, payloads = [], [], [], []
            for key, job_id in existing.items():
                records, payload = keyed[key]
                ids.append(job_id)
                models_.append(records._name)
                res_ids.append(json.dumps(records.ids))
                payloads.append(None if payload is None else json.dumps(payload))
            cr.execute(
                """UPDATE sync_job AS j
                      SET model_name = v.model_name, res_ids = v.res_ids::jsonb,
                          payload = v.payload::jsonb, operation = %s, method_name = %s, priority = %s,
                          next_attempt_at = %s, direction = %s,
                          write_uid = %s, write_date = (now() AT TIME ZONE 'UTC')
                     FROM unnest(%s::int[], %s::varchar[], %s::text[], %s::text[])
                          AS v(id, model_name, res_ids, payload)
                    WHERE j.id = v.id""",
                [operation, method_name, priority, when, direction, self.env.uid,
                 ids, models_, res_ids, payloads],
            )
            merged_ids = ids
            self.browse(ids).invalidate_recordset()
        vals_list = [
            self._enqueue_vals(store, operation, method_name, records, payload, key, priority, when, direction)
            for key, (records, payload) in keyed.items() if key not in existing
        ] + [
            self._enqueue_vals(store, operation, method_name, records, payload, None, priority, when, direction)
            for records, payload in unkeyed
        ]
        created = self.browse()
        if vals_list:
            try:
                with cr.savepoint(flush=False):
                    created = self.sudo().create(vals_list)
                    self.flush_model()
            except psycopg2.errors.UniqueViolation:
                # A concurrent transaction enqueued one of these keys first: merge one by one.
                created = self.browse()
                for vals in vals_list:
                    created |= self._enqueue(
                        store, operation, method_name,
                        records=self.env[vals["model_name"]].browse(vals["res_ids"]),
                        payload=vals["payload"], identity_key=vals["identity_key"],
                        priority=priority, eta=eta, direction=direction,
                    )
        self._trigger_runner(eta)
        return self.sudo().browse(merged_ids) | created

    @api.model
    def _enqueue_vals(self, store, operation, method_name, records, payload, identity_key, priority, when,
                      direction):
        return {
            "store_id": store.id,
            "operation": operation,
            "direction": direction,
            "model_name": records._name,
            "res_ids": records.ids,
            "method_name": method_name,
            "payload": payload,
            "priority": priority,
            "next_attempt_at": when,
            "identity_key": identity_key or False,
        }
