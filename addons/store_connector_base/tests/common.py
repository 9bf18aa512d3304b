"""Shared base for the suite's tests: a store of the test platform with fake credentials, and the
one way to run the job queue inside a test.

Other addons' tests import this module; keep what it offers stable.
"""

from odoo import SUPERUSER_ID, api
from odoo.tests.common import TransactionCase

# Fake secrets of `StoreConnectorCase.store`; long enough to be redacted (see services.redact).
API_KEY = "test-api-key-7f3a9c2e51d8"
WEBHOOK_SECRET = "test-webhook-secret-b64e0d97a2"


def create_test_store(env, name="Test Store", company=None, api_key=API_KEY, webhook_secret=WEBHOOK_SECRET,
                      **vals):
    """A store of the "test" platform bound to `company` (default: the env's), with the
    credentials api_key and webhook_secret (skipped when None). Its stock baseline is chosen
    ("Odoo's quantities published") unless `vals` say otherwise: a new store sends no stock before."""
    store = env["connector.store"].create({
        "name": name,
        "platform": "test",
        "company_id": (company or env.company).id,
        "stock_baseline": "odoo",
        **vals,
    })
    Credential = env["integration.credential"]
    if api_key:
        Credential._set_value(store, "api_key", api_key)
    if webhook_secret:
        Credential._set_value(store, "webhook_secret", webhook_secret)
    return store


def registry_test_mode(case):
    """Let code that works in a cursor of its own (the OAuth token refresh commits in one: see
    connector.store._oauth_refresh) see and write the uncommitted data of this TransactionCase:
    until the test ends, `registry.cursor()` gives a cursor on the test's transaction, as in an
    HttpCase. Production code never asks whether it runs in a test; the test says so here.

    A test of real concurrency commits its data instead (see test_oauth.TestOAuthConcurrency).
    """
    case.registry.enter_test_mode(case.cr)
    case.addCleanup(case.registry.leave_test_mode)


def run_queue(env, stores):
    """Run the due pending jobs of `stores` now, through the real runner (claim, one savepoint per
    job, retries, store pauses), in the test's transaction; jobs queued by those jobs run too.

    Nothing needs to be backdated: the queue compares due times with the clock of the statement
    (statement_timestamp()), not with the start of the transaction, which in a TransactionCase
    is older than every job the test queues. Jobs scheduled for later (retries) stay pending.

    :param stores: connector.store records.
    :returns: the number of jobs run.
    """
    env.flush_all()  # the runner claims with plain SQL
    return env["sync.job"]._process_queue(store_ids=stores.ids, commit=False, time_limit=600)


class StoreConnectorCase(TransactionCase):
    """`cls.store`: a company-bound store on the test platform with credentials api_key
    (`cls.api_key`) and webhook_secret (`cls.webhook_secret`); mail tracking disabled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.api_key = API_KEY
        cls.webhook_secret = WEBHOOK_SECRET
        cls.store = create_test_store(cls.env, company=cls.company)

    def run_queue(self, stores=None):
        """Run the due jobs of `stores` (default: `self.store`); see `run_queue`."""
        return run_queue(self.env, stores or self.store)


class CommittedRecordsCase(TransactionCase):
    """Tests of real concurrent transactions: they commit their own stores and jobs on cursors of
    their own and delete them afterwards, with the cron wake-ups and progress records they caused."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            cr.execute("SELECT (SELECT COALESCE(max(id), 0) FROM ir_cron_trigger), "
                       "(SELECT COALESCE(max(id), 0) FROM ir_cron_progress)")
            self.trigger_floor, self.progress_floor = cr.fetchone()
        self.addCleanup(self._delete_new_cron_records)

    def _delete_new_cron_records(self):
        # The wake-ups the committed enqueues asked for, and the crons' progress records.
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [self.trigger_floor])
            cr.execute("DELETE FROM ir_cron_progress WHERE id > %s", [self.progress_floor])

    def env_of(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def committed_store(self, name="Concurrency Store"):
        with self.registry.cursor() as cr:
            store_id = create_test_store(self.env_of(cr), name=name).id
        self.addCleanup(self._delete_store, store_id)
        return store_id

    def _delete_store(self, store_id):
        with self.registry.cursor() as cr:
            self.env_of(cr)["connector.store"].browse(store_id).exists().unlink()
