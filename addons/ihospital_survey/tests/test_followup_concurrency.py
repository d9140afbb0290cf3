"""The calling console and the HIS finish the same encounter at once, on two
database connections as two Odoo workers would: one follow-up, and the
second transaction goes on without an error."""

import threading
import time

from odoo import SUPERUSER_ID, api
from odoo.addons.ihospital_base.tests.common import CommittedCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestFollowupConcurrency(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            patient = env["ihospital.patient"].search([("company_id.is_hospital", "=", True)], limit=1)
            department = env["hr.department"].search(
                [("company_id", "=", patient.company_id.id), ("is_clinical", "=", True)], limit=1
            )
            plan = env["ihospital.followup.plan"].create(
                {
                    "name": "Race plan",
                    "kind": "outpatient",
                    "company_id": patient.company_id.id,
                    "sequence": 0,
                    "step_ids": [(0, 0, {"name": "Day 1", "day_offset": 1, "action": "message"})],
                }
            )
            visit = env["ihospital.visit"].create(
                {
                    "company_id": patient.company_id.id,
                    "patient_id": patient.id,
                    "department_id": department.id,
                    "source": "his",
                    "external_ref": "RACE-FOLLOWUP-1",
                }
            )
            # ended, as the HIS's record says; the follow-up is started by the two workers below
            env.cr.execute('UPDATE ihospital_visit SET "end" = start WHERE id = %s', (visit.id,))
            cls.ids = {"plan": plan.id, "visit": visit.id}

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            cr.execute("DELETE FROM ihospital_followup WHERE visit_id = %s", (cls.ids["visit"],))
            cr.execute("DELETE FROM ihospital_visit WHERE id = %s", (cls.ids["visit"],))
            cr.execute("DELETE FROM ihospital_followup_plan WHERE id = %s", (cls.ids["plan"],))
        super().tearDownClass()

    def _start(self, cr):
        env = api.Environment(cr, SUPERUSER_ID, {})
        visit = env["ihospital.visit"].browse(self.ids["visit"])
        return env["ihospital.followup"]._ihospital_start_visits(visit)

    def test_one_follow_up_when_two_workers_finish_the_same_visit(self):
        results = {}
        with self.registry.cursor() as cr1:
            first = self._start(cr1)
            self.assertEqual(len(first), 1)
            first.flush_recordset()

            def second_worker():
                try:
                    with self.registry.cursor() as cr2:
                        results["second"] = len(self._start(cr2))
                except Exception as exc:  # noqa: BLE001 - the test reports it
                    results["error"] = repr(exc)

            thread = threading.Thread(target=second_worker)
            thread.start()
            time.sleep(1)  # the second worker waits on the unique index
            cr1.commit()
        thread.join(60)
        self.assertNotIn("error", results, results.get("error"))
        self.assertEqual(results["second"], 0, "the second worker started nothing")
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM ihospital_followup WHERE visit_id = %s", (self.ids["visit"],))
            self.assertEqual(cr.fetchone()[0], 1)
            cr.execute(
                "SELECT count(*) FROM ihospital_followup_message m JOIN ihospital_followup f ON f.id = m.followup_id"
                " WHERE f.visit_id = %s",
                (self.ids["visit"],),
            )
            self.assertEqual(cr.fetchone()[0], 1, "its messages once")
