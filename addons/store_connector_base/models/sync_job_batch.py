import json

from odoo import api, fields, models

from .. import const

# One statement for all the keyed jobs of a batch: each is inserted, or merged into the pending job
# of its store and key (the partial unique index of sync.job). Concurrent enqueues of the same keys
# cannot both insert: the later one waits for the earlier to commit, then (Odoo's transactions are
# REPEATABLE READ) fails with a serialization error that Odoo's request and job retries run again.
_UPSERT_MANY_SQL = """
INSERT INTO sync_job (store_id, company_id, operation, direction, model_name, res_ids, method_name,
                      payload, state, priority, retry_count, max_retries, next_attempt_at,
                      identity_key, create_uid, create_date, write_uid, write_date)
SELECT %(store_id)s, %(company_id)s, %(operation)s, %(direction)s, v.model_name, v.res_ids::jsonb,
       %(method_name)s, v.payload::jsonb, 'pending', %(priority)s, 0, %(max_retries)s,
       %(next_attempt_at)s, v.identity_key, %(uid)s, (statement_timestamp() AT TIME ZONE 'UTC'),
       %(uid)s, (statement_timestamp() AT TIME ZONE 'UTC')
  FROM unnest(%(keys)s::varchar[], %(models)s::varchar[], %(res_ids)s::text[], %(payloads)s::text[])
       AS v(identity_key, model_name, res_ids, payload)
ON CONFLICT (store_id, identity_key) WHERE state = 'pending' AND identity_key IS NOT NULL
DO UPDATE SET payload = EXCLUDED.payload,
              res_ids = EXCLUDED.res_ids,
              model_name = EXCLUDED.model_name,
              method_name = EXCLUDED.method_name,
              operation = EXCLUDED.operation,
              direction = EXCLUDED.direction,
              priority = LEAST(sync_job.priority, EXCLUDED.priority),
              next_attempt_at = GREATEST(sync_job.next_attempt_at, EXCLUDED.next_attempt_at),
              write_uid = EXCLUDED.write_uid,
              write_date = EXCLUDED.write_date
RETURNING id
"""


class SyncJob(models.Model):
    """Batch enqueueing: many jobs of one kind for one store in a few queries."""

    _inherit = "sync.job"

    @api.model
    def _enqueue_many(self, store, operation, method_name, items, priority=10, eta=None, direction="import",
                      max_retries=None):
        """Queue many jobs of one store, operation and handler at once, with `_enqueue`'s semantics:
        a job with an identity key merges into the pending job of the store with the same key (its
        records and payload replaced, the more urgent priority and the later time kept).

        The keyed jobs are written in one INSERT ... ON CONFLICT statement (10,000 jobs in a couple of
        seconds), the others in one batch create. Merged jobs are written in SQL, so fields other
        modules add to sync.job keep their values.

        :param items: iterable of (records, identity_key or None, payload or None); of two items with
            the same key, the later wins.
        :returns: the sync.job records (merged and created), as superuser.
        :raises OperationNotPermitted: the store forbids the operation.
        :raises ValueError: `method_name` is not a ``_job_*`` handler.
        """
        store.ensure_one()
        store._check_operation_allowed(operation)
        if not method_name.startswith("_job_"):
            raise ValueError("job handlers must be named _job_*: %r" % method_name)
        when = eta or fields.Datetime.now()
        max_retries = const.DEFAULT_MAX_RETRIES if max_retries is None else max_retries
        keyed, unkeyed = {}, []
        for records, key, payload in items:
            if key:
                keyed.pop(key, None)  # re-inserted: the latest item of a key wins, in its position
                keyed[key] = (records, payload)
            else:
                unkeyed.append((records, payload))
        Job = self.sudo()
        jobs = Job.browse()
        if keyed:
            self.flush_model()
            self.env.cr.execute(_UPSERT_MANY_SQL, {
                "store_id": store.id,
                "company_id": store.company_id.id,
                "operation": operation,
                "direction": direction,
                "method_name": method_name,
                "priority": priority,
                "max_retries": max_retries,
                "next_attempt_at": when,
                "uid": self.env.uid,
                "keys": list(keyed),
                "models": [records._name for records, _payload in keyed.values()],
                "res_ids": [json.dumps(records.ids) for records, _payload in keyed.values()],
                "payloads": [None if payload is None else json.dumps(payload) for _r, payload in keyed.values()],
            })
            jobs = Job.browse([row[0] for row in self.env.cr.fetchall()])
            jobs.invalidate_recordset()
        if unkeyed:
            jobs |= Job.create([
                {
                    "store_id": store.id,
                    "operation": operation,
                    "direction": direction,
                    "model_name": records._name,
                    "res_ids": records.ids,
                    "method_name": method_name,
                    "payload": payload,
                    "priority": priority,
                    "next_attempt_at": when,
                    "max_retries": max_retries,
                    "retry_count": 0,
                }
                for records, payload in unkeyed
            ])
        if jobs:
            self._trigger_runner(eta)
        return jobs
