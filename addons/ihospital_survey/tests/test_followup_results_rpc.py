from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.tests import HttpCase, tagged

from .results_common import MARCH, ResultCase

RESULT = "ihospital.followup.result"
ACCESS = "odoo.exceptions.AccessError"
MARCH_ROWS = [[("day", ">=", "2026-03-01"), ("day", "<=", "2026-03-31")]]


@tagged("post_install", "-at_install")
class TestFollowupResultsRpc(RpcMixin, HttpCase, ResultCase):
    """Each role over JSON-RPC, as a browser's console sends it: the rows
    and the per-doctor results of its own scope, nothing beyond."""

    def login(self, user):
        self.authenticate(user.login, user.login)

    def ok(self, method, args, kwargs=None):
        result, error = self._call(RESULT, method, args, kwargs)
        self.assertFalse(error, error)
        return result

    def refused(self, method, args, kwargs=None):
        result, error = self._call(RESULT, method, args, kwargs)
        self.assertFalse(result, result)
        self.assertEqual(error.get("name"), ACCESS, error)

    def rows(self):
        return self.ok("search_read", MARCH_ROWS, {"fields": ["doctor_id", "department_id", "company_id", "score"]})

    def test_doctor_own_scores(self):
        self.login(self.user_doctor)
        self.assertEqual({row["doctor_id"][0] for row in self.rows()}, {self.emp_doctor.id})
        data = self.ok("get_results", [], MARCH)
        self.assertEqual((data["summary"]["sent"], data["summary"]["score"]), (6, 66.7))
        self.assertEqual(data["scope"]["level"], "doctor")
        self.refused("get_results", [], {**MARCH, "doctor_id": self.emp_surgeon.id})
        self.refused("get_results", [], {**MARCH, "department_id": self.surgery.id})
        surgeon_row = self.env[RESULT].search([("doctor_id", "=", self.emp_surgeon.id)], limit=1)
        self.refused("read", [surgeon_row.ids, ["score"]])

    def test_head_departments(self):
        self.login(self.user_head)
        self.assertEqual({row["department_id"][0] for row in self.rows()}, {self.cardiology.id})
        data = self.ok("get_results", [], {**MARCH, "doctor_id": self.emp_doctor.id})
        self.assertEqual(data["summary"]["answered"], 3)
        self.assertEqual([d["id"] for d in data["scope"]["departments"]], [self.cardiology.id])
        self.refused("get_results", [], {**MARCH, "department_id": self.surgery.id})
        self.refused("get_results", [], {**MARCH, "doctor_id": self.emp_surgeon.id})

    def test_quality_and_director_hospital(self):
        for user in (self.user_quality, self.user_director):
            with self.subTest(user=user.login):
                self.login(user)
                rows = self.rows()
                self.assertEqual(len(rows), 8)
                self.assertEqual({row["company_id"][0] for row in rows}, {self.hospital.id})
                data = self.ok("get_results", [], {**MARCH, "department_id": self.surgery.id})
                self.assertEqual((data["summary"]["sent"], data["summary"]["score"]), (2, 60.0))
                # the other hospital's doctor: unknown here
                result, error = self._call(RESULT, "get_results", [], {**MARCH, "doctor_id": self.emp_doctor_2.id})
                self.assertFalse(result)
                self.assertTrue(error)

    def test_nurse_nothing(self):
        self.login(self.user_nurse)
        self.refused("search_read", MARCH_ROWS, {"fields": ["score"]})
        self.refused("get_results", [], MARCH)
        self.refused("read_group", MARCH_ROWS, {"fields": ["score:avg"], "groupby": ["doctor_id"]})

    def test_other_hospital_nothing(self):
        self.login(self.user_doctor_2)
        rows = self.rows()
        self.assertEqual({row["company_id"][0] for row in rows}, {self.hospital_2.id})
        # asking for the first hospital through the context changes nothing
        result, error = self._call(
            RESULT,
            "search_read",
            MARCH_ROWS,
            {"fields": ["score"], "context": {"allowed_company_ids": [self.hospital.id]}},
        )
        self.assertFalse(result)
        self.assertTrue(error)

    def test_read_only(self):
        self.login(self.user_director)
        row = self.env[RESULT].search([("company_id", "=", self.hospital.id)], limit=1)
        self.refused("write", [row.ids, {"score": 100}])
        self.refused("create", [{"score": 100}])
        self.refused("unlink", [row.ids])
