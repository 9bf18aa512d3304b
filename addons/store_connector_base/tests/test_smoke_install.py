from odoo.tests.common import TransactionCase


class TestInstall(TransactionCase):
    def test_models_and_cron_installed(self):
        self.assertIn("sync.job", self.env)
        self.assertTrue(self.env.ref("store_connector_base.ir_cron_sync_job_runner").active)
