"""Physical-exam reports (体检报告) and the patients' alerts: who sees them,
who may change them, over the ORM and over JSON-RPC as the roles
themselves."""

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import IhospitalCase, RpcMixin


class ExamCase(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.health_check = cls.env["hr.department"].create(
            {"name": "Health Check Centre", "company_id": cls.hospital.id}
        )
        cls.hospital.ihospital_exam_department_id = cls.health_check
        cls.user_exam_nurse = new_test_user(
            cls.env,
            login="t_tj",
            groups="ihospital_base.group_nurse",
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id],
        )
        cls.env["hr.employee"].create(
            {
                "name": "Nurse Tang",
                "user_id": cls.user_exam_nurse.id,
                "company_id": cls.hospital.id,
                "department_id": cls.health_check.id,
                "ihospital_role": "nurse",
                "professional_title": "nurse",
            }
        )
        cls.report = cls._exam_report()

    @classmethod
    def _exam_report(cls, **vals):
        """A report as the HIS stores it (superuser): the chief examiner is
        a cardiologist, no department ordered it."""
        return (
            cls.env["ihospital.exam.report"]
            .sudo()
            .create(
                {
                    "name": "TJ-0001",
                    "company_id": cls.hospital.id,
                    "patient_id": cls.patient_cardio.id,
                    "package_name": "入职体检套餐",
                    "exam_date": "2026-01-08",
                    "doctor_id": cls.emp_doctor.id,
                    "source": "his",
                    "item_ids": [
                        Command.create({"section": "一般检查", "name": "收缩压", "value": "146", "flag": "H"}),
                        Command.create({"section": "内科", "name": "心脏听诊", "value": "未见异常", "flag": "N"}),
                    ],
                    "conclusion": "1. 血压偏高",
                    "advice": "低盐饮食。",
                    **vals,
                }
            )
        )


@tagged("post_install", "-at_install")
class TestExamReport(ExamCase):
    def test_a_report_of_the_health_check_centre(self):
        report = self.report
        self.assertEqual(report.performing_department_id, self.health_check, "the hospital's health check centre")
        self.assertEqual((report.abnormal_count, report.section_count), (1, 2))
        self.assertEqual([section for section, _items in report._sections()], ["一般检查", "内科"])
        self.assertEqual(report._ihospital_report_label(), "TJ-0001 入职体检套餐")

    def test_who_sees_a_physical_exam_report(self):
        """The health check centre, the chief examiner and the hospital's
        supervisors; not the clinicians of the patient's departments (a
        physical exam is no department's), nor another hospital, nor a
        portal account (its reports go through /my/reports)."""
        report = self.report
        readers = (self.user_exam_nurse, self.user_doctor, self.user_quality, self.user_director, self.user_admin)
        for user in readers:
            with self.subTest(user=user.login):
                self.assertEqual(report.with_user(user).read(["package_name"])[0]["package_name"], "入职体检套餐")
                self.assertEqual(len(report.item_ids.with_user(user).read(["value"])), 2)
        with self.assertRaises(AccessError):
            self.env["ihospital.exam.report"].with_user(self.user_portal).search([])
        for user in (self.user_nurse, self.user_surgeon, self.user_head, self.user_doctor_2, self.user_portal):
            with self.subTest(user=user.login):
                if user != self.user_portal:
                    self.assertFalse(self.env["ihospital.exam.report"].with_user(user).search([]))
                with self.assertRaises(AccessError):
                    report.with_user(user).read(["package_name"])
                with self.assertRaises(AccessError):
                    report.item_ids.with_user(user).read(["value"])
        # a department that ordered one (a pre-admission exam) sees it
        ordered = self._exam_report(name="TJ-0002", department_id=self.cardiology.id, doctor_id=False)
        for user in (self.user_nurse, self.user_head):
            self.assertEqual(ordered.with_user(user).package_name, "入职体检套餐")
        with self.assertRaises(AccessError):
            ordered.with_user(self.user_surgeon).read(["package_name"])

    def test_only_administrators_change_a_report(self):
        for user in (self.user_exam_nurse, self.user_doctor, self.user_quality, self.user_director):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.report.with_user(user).write({"advice": "不必复查。"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.report.item_ids[0].with_user(user).write({"value": "120"})
        # a report entered on the platform (one from the HIS is the HIS's:
        # TestExamReportIsTheHisRecord)
        manual = self._exam_report(name="TJ-0002", source="manual")
        manual.with_user(self.user_admin).write({"advice": "3个月后复查血压。"})
        self.assertEqual(manual.advice, "3个月后复查血压。")

    def test_every_read_is_logged(self):
        Log = self.env["ihospital.access.log"]
        before = Log.search_count([("res_model", "=", "ihospital.exam.report")])
        self.report.with_user(self.user_exam_nurse).read(["conclusion"])
        self.assertEqual(Log.search_count([("res_model", "=", "ihospital.exam.report")]), before + 1)


@tagged("post_install", "-at_install")
class TestExamReportOverRpc(RpcMixin, HttpCase, ExamCase):
    """The same rules over JSON-RPC, as the roles themselves; and the alerts
    of a patient, which only the HIS and the administrators change."""

    def _login(self, login):
        self.authenticate(login, login + "x" * (8 - len(login)))  # new_test_user's password

    def test_exam_report_over_rpc(self):
        fields = ["name", "package_name", "conclusion", "item_ids"]
        for login in ("t_tj", "t_doctor", "t_director"):
            self._login(login)
            result, error = self._call("ihospital.exam.report", "search_read", [[]], {"fields": fields})
            self.assertFalse(error, login)
            self.assertEqual([row["id"] for row in result], self.report.ids, login)
        for login in ("t_nurse", "t_surgeon", "t_head", "t_doctor_2"):
            self._login(login)
            result, error = self._call("ihospital.exam.report", "search_read", [[]], {"fields": fields})
            self.assertEqual(result, [], login)
            _result, error = self._call("ihospital.exam.report", "read", [self.report.ids, fields])
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", login)
            _result, error = self._call("ihospital.exam.item", "read", [self.report.item_ids.ids, ["value"]])
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", login)
        self._login("t_portal")
        _result, error = self._call("ihospital.exam.report", "search_read", [[]], {"fields": fields})
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        # the health check centre reads, it does not change
        self._login("t_tj")
        _result, error = self._call("ihospital.exam.report", "write", [self.report.ids, {"conclusion": "正常"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertEqual(self.report.conclusion, "1. 血压偏高")

    def test_alerts_over_rpc(self):
        alert = (
            self.env["ihospital.patient.allergy"]
            .sudo()
            .create(
                {
                    "patient_id": self.patient_cardio.id,
                    "kind": "alert",
                    "allergen": "跌倒高风险",
                    "allergen_code": "ALERT-FALL",
                    "source": "his",
                    "his_ref": "JS-1",
                }
            )
        )
        self._login("t_nurse")
        result, error = self._call(
            "ihospital.patient.allergy", "search_read", [[("patient_id", "=", self.patient_cardio.id)]],
            {"fields": ["kind", "allergen"]},
        )  # fmt: skip
        self.assertFalse(error)
        self.assertEqual([(row["kind"], row["allergen"]) for row in result], [("alert", "跌倒高风险")])
        _result, error = self._call("ihospital.patient.allergy", "write", [alert.ids, {"active": False}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", "a nurse does not remove an alert")
        self._login("t_surgeon")
        _result, error = self._call("ihospital.patient.allergy", "read", [alert.ids, ["allergen"]])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", "not a patient of his departments")
        # the HIS's reference and time are the engine's, also for an administrator
        self._login("t_admin")
        _result, error = self._call("ihospital.patient.allergy", "write", [alert.ids, {"his_ref": "JS-2"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        result, error = self._call("ihospital.patient.allergy", "write", [alert.ids, {"severity": "severe"}])
        self.assertFalse(error)
        self.assertEqual((alert.his_ref, alert.severity), ("JS-1", "severe"))


@tagged("post_install", "-at_install")
class TestExamReportIsTheHisRecord(ExamCase):
    def test_an_administrator_cannot_rewrite_it(self):
        report = self.report.with_user(self.user_admin)
        for write in (
            lambda: report.write({"conclusion": "1. 未见异常"}),
            lambda: report.item_ids[0].write({"value": "120", "flag": "N"}),
            lambda: report.item_ids.unlink(),
            lambda: report.env["ihospital.exam.item"].create({"report_id": report.id, "name": "X", "value": "1"}),
            lambda: report.unlink(),
        ):
            with self.assertRaises(AccessError):
                write()
        self.assertEqual(self.report.conclusion, "1. 血压偏高")
        self.assertEqual(len(self.report.item_ids), 2)
