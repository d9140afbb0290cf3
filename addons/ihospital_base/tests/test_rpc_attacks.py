"""The attacks of issue 9 as a tester makes them: JSON-RPC on
/web/dataset/call_kw with the demo logins, against the demo data."""

import json

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestRpcAttacks(HttpCase):
    def _call(self, model, method, args, kwargs=None):
        """The JSON-RPC answer: the result, or the error's data."""
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
                }
            ),
            headers={"Content-Type": "application/json"},
        ).json()
        return response.get("result"), response.get("error", {}).get("data", {})

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
