from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from .common import IhospitalCase


class TestReports(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_nurse_2 = new_test_user(
            cls.env,
            login="t_nurse_2",
            groups="ihospital_base.group_nurse",
            company_id=cls.hospital_2.id,
            company_ids=[cls.hospital_2.id],
        )

    def _report(self, flags=("N",), **vals):
        return self.env["ihospital.lab.report"].create(
            {
                "name": "LAB-001",
                "company_id": self.hospital.id,
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "doctor_id": self.emp_doctor.id,
                "title": "Blood count",
                "result_ids": [
                    Command.create({"name": f"Test {index}", "value": "1", "flag": flag})
                    for index, flag in enumerate(flags)
                ],
                **vals,
            }
        )

    def test_printable_reports_render_as_pdf(self):
        """The portal's PDF download needs wkhtmltopdf (Debian package
        wkhtmltopdf); Odoo renders HTML in tests unless forced."""
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        lab = self._report(flags=("N", "HH"))
        content, kind = Report._render_qweb_pdf("ihospital_base.action_report_lab", lab.ids)
        self.assertEqual((kind, content[:5]), ("pdf", b"%PDF-"))
        imaging = self.env["ihospital.imaging.report"].create(
            {
                "name": "IMG-PDF",
                "company_id": self.hospital.id,
                "patient_id": self.patient_cardio.id,
                "exam_name": "Chest CT",
                "findings": "Clear lungs.",
                "impression": "Normal.",
            }
        )
        content, kind = Report._render_qweb_pdf("ihospital_base.action_report_imaging", imaging.ids)
        self.assertEqual((kind, content[:5]), ("pdf", b"%PDF-"))

    def test_critical_marking(self):
        report = self._report(flags=("N", "H", "LL"))
        self.assertTrue(report.is_critical)
        self.assertEqual(report.critical_count, 1)
        self.assertEqual(report.abnormal_count, 2)
        self.assertEqual(report.result_ids.filtered("is_critical").flag, "LL")
        normal = self._report(flags=("N", "A"), name="LAB-002")
        self.assertFalse(normal.is_critical)

    def test_report_number_unique_per_hospital(self):
        self._report()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self._report()
        self.env["ihospital.lab.report"].create(
            {"name": "LAB-001", "company_id": self.hospital_2.id, "patient_id": self.patient_2.id, "title": "CBC"}
        )

    def test_imaging_report_unique_per_hospital(self):
        vals = {
            "name": "RIS-1",
            "company_id": self.hospital.id,
            "patient_id": self.patient_cardio.id,
            "modality": "ct",
            "exam_name": "Chest CT",
        }
        self.env["ihospital.imaging.report"].create(vals)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["ihospital.imaging.report"].create(vals)

    def test_visibility_by_role(self):
        report = self._report(flags=("HH",))
        imaging = self.env["ihospital.imaging.report"].create(
            {
                "name": "RIS-1",
                "company_id": self.hospital.id,
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "modality": "ct",
                "exam_name": "Chest CT",
            }
        )
        # the department's nurse reads, lines included
        self.assertEqual(report.with_user(self.user_nurse).result_ids.mapped("flag"), ["HH"])
        self.assertEqual(imaging.with_user(self.user_nurse).exam_name, "Chest CT")
        # a surgeon of the same hospital does not
        with self.assertRaises(AccessError):
            report.with_user(self.user_surgeon).read(["title"])
        # a nurse of the other hospital does not
        with self.assertRaises(AccessError):
            report.with_user(self.user_nurse_2).read(["title"])
        with self.assertRaises(AccessError):
            imaging.with_user(self.user_nurse_2).read(["exam_name"])
        # nor a portal user, even the patient's own account (the portal comes later)
        for model, record in (("ihospital.lab.report", report), ("ihospital.imaging.report", imaging)):
            with self.assertRaises(AccessError):
                record.with_user(self.user_portal).read(["name"])
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.user_portal).search([])
        # staff read, they do not write
        with self.assertRaises(AccessError):
            report.with_user(self.user_doctor).write({"title": "Changed"})
        self.assertEqual(report.with_user(self.user_director).critical_count, 1)

    def test_complaint_workflow_and_access(self):
        complaint = self.env["ihospital.complaint"].create(
            {
                "company_id": self.hospital.id,
                "department_id": self.cardiology.id,
                "employee_id": self.emp_doctor.id,
                "content": "Waited two hours.",
                "contact_phone": "13800138000",
            }
        )
        self.assertNotEqual(complaint.name, "New")
        as_quality = complaint.with_user(self.user_quality)
        self.assertEqual(as_quality.contact_phone_masked, "138****8000")
        as_quality.action_start()
        with self.assertRaisesMsg(UserError, "Write how"):
            as_quality.action_resolve()
        as_quality.resolution = "Apologised; queue display fixed."
        as_quality.action_resolve()
        as_quality.action_close()
        self.assertEqual(complaint.state, "closed")
        with self.assertRaisesMsg(UserError, "Only new complaints"):
            as_quality.action_start()
        # the head reads the department's complaints; the doctor concerned and others do not
        self.assertEqual(complaint.with_user(self.user_head).state, "closed")
        for user in (self.user_doctor, self.user_nurse, self.user_nurse_2, self.user_portal):
            with self.assertRaises(AccessError):
                complaint.with_user(user).read(["content"])
