"""Two workers change appointments of the same day at once (two
cancellations, a booking and the HIS's update): both mark the day for the
operations figures, and neither fails with a serialization error."""

import threading
from datetime import date

from odoo.addons.ihospital_base.tests.common import CommittedCase
from odoo.tests import tagged

DAY = date(2031, 5, 6)


@tagged("post_install", "-at_install")
class TestAnalysisMarksConcurrency(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            cls.company_id = env.ref("base.main_company").id
            env.cr.execute("DELETE FROM ihospital_analysis_dirty WHERE date = %s", [DAY])

    @classmethod
    def tearDownClass(cls):
        with cls.committed_env() as env:
            env.cr.execute("DELETE FROM ihospital_analysis_dirty WHERE date = %s", [DAY])
        super().tearDownClass()

    def test_a_day_marked_by_a_transaction_committed_meanwhile(self):
        results = {}
        with self.committed_env() as first:
            # the first worker's snapshot is taken before the second one commits
            first.cr.execute("SELECT count(*) FROM ihospital_analysis_dirty WHERE date = %s", [DAY])
            self.assertEqual(first.cr.fetchone()[0], 0)

            def second_worker():
                try:
                    with self.committed_env() as second:
                        second["ihospital.analysis.day"]._ihospital_mark([(self.company_id, DAY)])
                except Exception as exc:  # noqa: BLE001 - the test reports it
                    results["error"] = repr(exc)

            thread = threading.Thread(target=second_worker)
            thread.start()
            thread.join(60)
            self.assertNotIn("error", results, results.get("error"))
            # a mark the first worker cannot see: before, ON CONFLICT made this a serialization failure
            first["ihospital.analysis.day"]._ihospital_mark([(self.company_id, DAY)])
        with self.committed_env() as env:
            env.cr.execute("SELECT count(*) FROM ihospital_analysis_dirty WHERE date = %s", [DAY])
            self.assertEqual(env.cr.fetchone()[0], 2, "a rare second mark of the day")
            refreshed = env["ihospital.analysis.day"]._ihospital_refresh_marked(date_from=DAY, date_to=DAY)
            self.assertEqual(refreshed, 1, "the day is refreshed once")
            env.cr.execute("SELECT count(*) FROM ihospital_analysis_dirty WHERE date = %s", [DAY])
            self.assertEqual(env.cr.fetchone()[0], 0, "both marks are gone")
            # a day already marked (and visible) is not marked again
            env["ihospital.analysis.day"]._ihospital_mark([(self.company_id, DAY)])
            env["ihospital.analysis.day"]._ihospital_mark([(self.company_id, DAY), (self.company_id, DAY)])
            env.cr.execute("SELECT count(*) FROM ihospital_analysis_dirty WHERE date = %s", [DAY])
            self.assertEqual(env.cr.fetchone()[0], 1)
