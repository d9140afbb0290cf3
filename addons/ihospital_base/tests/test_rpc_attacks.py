"""The attacks of issue 9 as a tester makes them: JSON-RPC on
/web/dataset/call_kw with the demo logins, against the demo data."""

from odoo.tests import HttpCase, tagged

from .common import RpcMixin


@tagged("post_install", "-at_install")
class TestRpcAttacks(RpcMixin, HttpCase):
    def test_nurse_attacks_over_rpc(self):
        appointment = self.env["ihospital.appointment"].search(
            [("state", "=", "booked"), ("department_id.member_ids.user_id.login", "=", "nurse")],
            order="start desc",
            limit=1,
        )
        self.assertTrue(appointment, "the demo has a booking in the nurse's department")
        self.authenticate("nurse", "nurse")
        _result, error = self._call("ihospital.appointment", "write", [appointment.ids, {"payment_state": "paid"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call(
            "ihospital.schedule", "action_stop_clinic", [appointment.schedule_id.ids, "x"], {"context": {"sudo": 1}}
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call(
            "ihospital.appointment", "action_cancel", [appointment.ids], {"context": {"ihospital_his_inbound": True}}
        )
        self.assertFalse(error, "the nurse may cancel for the patient")
        self.assertEqual(appointment.state, "cancelled")
        self.assertEqual(appointment.schedule_id.state, "published")

    def test_doctor_cannot_reach_a_patient_by_linking_a_visit(self):
        doctor = self.env.ref("ihospital_base.user_doctor_demo")
        department = self.env["hr.employee"].search([("user_id", "=", doctor.id)], limit=1).department_id
        Patient = self.env["ihospital.patient"]
        outsider = Patient.search([]) - Patient.with_user(doctor).search([])
        self.assertTrue(outsider)
        self.authenticate("doctor", "doctor")
        _result, error = self._call(
            "ihospital.visit",
            "create",
            [{"company_id": department.company_id.id, "patient_id": outsider[0].id, "department_id": department.id}],
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call("ihospital.patient", "read", [outsider[:1].ids, ["id_number", "phone"]])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")

    def test_director_reads_the_his_log_masked(self):
        self.authenticate("director", "director")
        result, error = self._call("ihospital.his.message", "search_read", [[]], {"fields": ["raw"], "limit": 1})
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", result)

    def test_patient_reads_no_visits(self):
        self.authenticate("patient", "patient")
        _result, error = self._call("ihospital.visit", "search_read", [[]], {"fields": ["diagnosis"]})
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")

    def test_unmatched_report_reaches_the_lab_only(self):
        report = self.env.ref("ihospital_base.ihospital_lab_report_unmatched_demo")
        self.assertFalse(report.patient_id)
        self.authenticate("lab", "lab")
        result, error = self._call(
            "ihospital.lab.report", "search_read", [[("patient_id", "=", False)]], {"fields": ["name"]}
        )
        self.assertIn(report.id, [row["id"] for row in result or []], error)
        for login in ("nurse", "doctor", "head", "doctor2"):
            self.authenticate(login, login)
            _result, error = self._call("ihospital.lab.report", "read", [report.ids, ["name", "his_patient_ref"]])
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", login)
            _result, error = self._call("ihospital.lab.result", "read", [report.result_ids.ids, ["value"]])
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", login)
        self.authenticate("hospadmin", "hospadmin")
        result, error = self._call("ihospital.lab.report", "read", [report.ids, ["his_patient_ref"]])
        self.assertEqual(result and result[0]["his_patient_ref"], "H00988123", error)
