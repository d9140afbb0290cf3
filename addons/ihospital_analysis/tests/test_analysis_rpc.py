"""The dashboard over JSON-RPC, as a browser sends it: each role's scope,
the refusals, and the spreadsheet route."""

import io
from urllib.parse import urlencode

import openpyxl

from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.tests import HttpCase, tagged

from .common import PERIOD, AnalysisCase

MODEL = "ihospital.analysis.dashboard"


@tagged("post_install", "-at_install")
class TestAnalysisRpc(RpcMixin, HttpCase, AnalysisCase):
    def _get(self, user, **kwargs):
        self.authenticate(user.login, user.login)
        return self._call(MODEL, "get_dashboard", [], {**PERIOD, **kwargs})

    def _refused(self, user, **kwargs):
        result, error = self._get(user, **kwargs)
        self.assertFalse(result)
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", error)

    def test_director_sees_the_hospital(self):
        data, error = self._get(self.user_director)
        self.assertFalse(error, error)
        self.assertEqual(data["scope"]["level"], "hospital")
        self.assertEqual(self.values(data)["visits"], 3)
        self.assertEqual(self.values(data)["insurance_amount"], 3580.0)

    def test_quality_officer_sees_the_hospital(self):
        data, error = self._get(self.user_quality)
        self.assertFalse(error, error)
        self.assertEqual(self.values(data)["charges_total"], 5300.0)

    def test_nurse_is_refused(self):
        self._refused(self.user_nurse)
        self.authenticate(self.user_nurse.login, self.user_nurse.login)
        _result, error = self._call("ihospital.analysis.day", "search_read", [[]], {"fields": ["visits"]})
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", error)

    def test_head_sees_own_department_only(self):
        data, error = self._get(self.user_head)
        self.assertFalse(error, error)
        self.assertEqual(data["scope"]["level"], "department")
        self.assertEqual(self.values(data)["charges_total"], 300.0)
        self._refused(self.user_head, department_id=self.surgery.id)

    def test_doctor_sees_own_workload_only(self):
        data, error = self._get(self.user_doctor)
        self.assertFalse(error, error)
        self.assertEqual([section["key"] for section in data["sections"]], ["workload", "satisfaction"])
        self.assertEqual([(row["name"], row["visits"]) for row in data["workload"]], [("Dr Li", 2)])
        self._refused(self.user_doctor, doctor_id=self.emp_surgeon.id)
        # a context key does not widen the scope
        self.authenticate(self.user_doctor.login, self.user_doctor.login)
        data, _error = self._call(MODEL, "get_dashboard", [], {**PERIOD, "context": {"ihospital_scope": "hospital"}})
        self.assertEqual(data["scope"]["level"], "doctor")

    def test_other_hospital_sees_nothing_of_this_one(self):
        data, error = self._get(self.user_director_2)
        self.assertFalse(error, error)
        self.assertEqual(data["scope"]["company"]["id"], self.hospital_2.id)
        self.assertEqual(self.values(data)["visits"], 1)
        self.assertNotIn(self.cardiology.id, [department["id"] for department in data["scope"]["departments"]])
        _result, error = self._get(self.user_director_2, department_id=self.cardiology.id)
        self.assertTrue(error)

    def test_xlsx_route(self):
        self.authenticate(self.user_director.login, self.user_director.login)
        response = self.url_open(f"/ihospital/analysis/export.xlsx?{urlencode(PERIOD)}")
        self.assertEqual(response.status_code, 200)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        rows = {row[1]: row[2] for row in sheet.iter_rows(min_row=4, values_only=True)}
        self.assertEqual(rows["Visits"], 3)
        self.authenticate(self.user_nurse.login, self.user_nurse.login)
        response = self.url_open(f"/ihospital/analysis/export.xlsx?{urlencode(PERIOD)}")
        self.assertEqual(response.status_code, 403)
