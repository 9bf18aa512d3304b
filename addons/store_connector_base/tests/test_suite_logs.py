"""The suite's log (services/logs.py): every addon logs under ``odoo.store_connector``; one INFO line
per job outcome on ``odoo.store_connector.jobs`` and per API error on ``odoo.store_connector.api``
(never a secret); ``store_connector_log_file`` puts the lines in a file of their own."""

import logging
import os
import tempfile

from odoo.tools import config

from odoo.addons.store_connector_base.models import sync_job
from odoo.addons.store_connector_base.services import api_client, logs

from .test_api_client import ApiClientCase

LEAKED = "leaked-token-3c9e1f"


class TestSuiteLogs(ApiClientCase):
    def test_every_module_logs_under_the_suite_namespace(self):
        self.assertEqual(sync_job._logger.name, "odoo.store_connector.base.models.sync_job")
        self.assertEqual(api_client._logger.name, "odoo.store_connector.base.services.api_client")
        self.assertEqual(logs.get_logger("odoo.addons.store_connector_shopify.models.x").name,
                         "odoo.store_connector.shopify.models.x")
        self.assertEqual(logs.get_logger("odoo.addons.sale.models.x").name, "odoo.addons.sale.models.x")

    def test_one_line_per_job_outcome(self):
        self.serve(lambda request: (200, {}, {"name": "Loopback shop"}))
        done = self.enqueue_call()
        noop = self.env["sync.job"]._enqueue(self.store, "test.noop", "_job_noop", identity_key="noop")
        with self.assertLogs(logs.JOB_LOGGER, logging.INFO) as caught:
            self.run_queue()
        self.assertEqual(done.state, "done")
        lines = {line.split(" in ")[0] for line in caught.output}
        self.assertEqual(lines, {
            f"INFO:{logs.JOB_LOGGER}:job {done.id} store {self.store.id} test.api_call done",
            f"INFO:{logs.JOB_LOGGER}:job {noop.id} store {self.store.id} test.noop done",
        })
        self.assertIn("Loopback shop", "\n".join(caught.output), "the result, summarised")

    def test_a_failed_job_and_its_api_error_are_logged_without_secrets(self):
        self.serve(lambda request: (422, {}, {"message": f"Bad filter; token {self.api_key}"}))
        job = self.enqueue_call(path="/orders", params={"access_token": LEAKED})
        with self.assertLogs("odoo.store_connector", logging.INFO) as caught:
            self.run_queue()
        self.assertEqual(job.state, "failed")
        api_lines = [line for line in caught.output if line.startswith(f"INFO:{logs.API_LOGGER}:")]
        self.assertEqual(len(api_lines), 1, caught.output)
        self.assertIn(f"API error: store {self.store.id} ({self.store.name}) platform ", api_lines[0])
        self.assertIn(" GET /api/orders status 422: ", api_lines[0], "the path, without its query string")
        self.assertIn("Bad filter", api_lines[0])
        job_lines = [line for line in caught.output if line.startswith(f"INFO:{logs.JOB_LOGGER}:")]
        self.assertEqual(len(job_lines), 1, caught.output)
        self.assertIn(f"job {job.id} store {self.store.id} test.api_call failed in ", job_lines[0])
        for line in caught.output:
            self.assertNoSecret(line, self.api_key, LEAKED)

    def test_the_suite_log_file(self):
        self.serve(lambda request: (200, {}, {"name": "Loopback shop"}))
        job = self.enqueue_call()
        suite_logger = logging.getLogger(logs.ROOT_LOGGER)
        level = suite_logger.level
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "sub", "store_connector.log")
            self.patch(config, "options", {**config.options, logs.CONFIG_LOG_FILE: path})
            handler = logs.install_file_handler()
            self.assertIs(logs.install_file_handler(), handler, "once per process")
            try:
                suite_logger.setLevel(logging.INFO)
                self.run_queue()
            finally:
                suite_logger.removeHandler(handler)
                suite_logger.setLevel(level)
                handler.close()
            with open(path, encoding="utf-8") as file:
                text = file.read()
        self.assertIn(" INFO ", text)
        self.assertIn(f"{logs.JOB_LOGGER}: job {job.id} store {self.store.id} test.api_call done in ", text)
