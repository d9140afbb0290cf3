import json
import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.addons.ihospital_base.models.ihospital_report_verification import (
    MAX_ATTEMPTS,
    IhospitalReportVerification,
)
from odoo.tests import new_test_user, tagged

from .common import DemoPatientSmsCase

TOUR_ID_NUMBER = "11010519491231002X"
TOUR_CODE = "246810"


class PortalReportsCase(DemoPatientSmsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient.write({"id_number": TOUR_ID_NUMBER, "phone": "+8613800138123"})
        cls.hospital = cls.patient.company_id
        cls.lab = cls.env["ihospital.lab.report"].create(
            {
                "company_id": cls.hospital.id,
                "name": "LAB-TOUR-1",
                "patient_id": cls.patient.id,
                "title": "Tour Blood Count",
                "result_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Haemoglobin",
                            "value": "128",
                            "unit": "g/L",
                            "reference_range": "115-150",
                            "flag": "N",
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Potassium",
                            "value": "2.6",
                            "unit": "mmol/L",
                            "reference_range": "3.5-5.3",
                            "flag": "LL",
                        },
                    ),
                ],
            }
        )
        cls.imaging = cls.env["ihospital.imaging.report"].create(
            {
                "company_id": cls.hospital.id,
                "name": "IMG-TOUR-1",
                "patient_id": cls.patient.id,
                "exam_name": "Chest X-ray",
                "findings": "Clear lung fields.",
                "impression": "No abnormality seen.",
            }
        )
        # Another account with its own patient and report.
        cls.other_user = new_test_user(cls.env, login="other_patient", groups="base.group_portal")
        cls.other_patient = cls.env["ihospital.patient"].search(
            [("company_id", "=", cls.hospital.id), ("account_ids", "=", False), ("id", "!=", cls.patient.id)], limit=1
        )
        cls.env["ihospital.patient.account"].create({"user_id": cls.other_user.id, "patient_id": cls.other_patient.id})
        cls.other_lab = cls.env["ihospital.lab.report"].create(
            {
                "company_id": cls.hospital.id,
                "name": "LAB-OTHER-1",
                "patient_id": cls.other_patient.id,
                "title": "Secret Panel",
                "result_ids": [(0, 0, {"name": "Glucose", "value": "5.1", "flag": "N"})],
            }
        )

    def _csrf(self, url):
        response = self.url_open(url)
        match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        self.assertTrue(match, "the page has a CSRF-protected form")
        return match.group(1)

    def _verification(self, patient=None, user=None):
        return self.env["ihospital.report.verification"].search(
            [("user_id", "=", (user or self.portal_user).id), ("patient_id", "=", (patient or self.patient).id)]
        )


@tagged("post_install", "-at_install")
class TestPortalReports(PortalReportsCase):
    def test_report_refused_before_verification_then_read(self):
        self.authenticate("patient", "patient")
        listing = self.url_open("/my/reports")
        self.assertEqual(listing.status_code, 200)
        # listed by number; titles show only after the identity check
        self.assertIn("LAB-TOUR-1", listing.text)
        self.assertIn("IMG-TOUR-1", listing.text)
        self.assertNotIn("Tour Blood Count", listing.text)
        self.assertNotIn("Chest X-ray", listing.text)
        self.assertNotIn("Secret Panel", listing.text)

        page = self.url_open(f"/my/reports/lab/{self.lab.id}")
        self.assertIn("o_ihospital_report_verify", page.text)
        self.assertNotIn("Potassium", page.text)
        pdf = self.url_open(f"/my/reports/lab/{self.lab.id}/pdf", allow_redirects=False)
        self.assertIn(pdf.status_code, (302, 303))
        self.assertNotIn("Potassium", pdf.text)
        self.assertFalse(self.env["ihospital.report.view.log"].search([("report_id", "=", self.lab.id)]))

        with patch.object(IhospitalReportVerification, "_generate_code", return_value=TOUR_CODE):
            self.start_tour("/my/reports", "ihospital_reports_tour", login="patient")
        self.assertTrue(self._verification()._is_verified())
        self.flush_sms()
        self.assertTrue(any(TOUR_CODE in sms["body"] for sms in self._sms), "the code was texted to the patient")
        self.assertEqual(self._sms[-1]["number"], "+8613800138123")

        pdf = self.url_open(f"/my/reports/lab/{self.lab.id}/pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertIn("Potassium", pdf.text)
        imaging = self.url_open(f"/my/reports/imaging/{self.imaging.id}")
        self.assertIn("No abnormality seen.", imaging.text, "the check covers all reports of that patient")
        logs = self.env["ihospital.report.view.log"].search([("patient_id", "=", self.patient.id)])
        self.assertEqual(
            sorted(logs.mapped(lambda log: (log.report_kind, log.report_id, log.action))),
            sorted([("lab", self.lab.id, "view"), ("lab", self.lab.id, "pdf"), ("imaging", self.imaging.id, "view")]),
        )
        self.assertEqual(set(logs.user_id), {self.portal_user})
        self.assertTrue(all(logs.mapped("ip_address")))

    def test_other_accounts_report_gets_nothing(self):
        self.authenticate("patient", "patient")
        for url in (
            f"/my/reports/lab/{self.other_lab.id}",
            f"/my/reports/lab/{self.other_lab.id}/pdf",
            f"/my/reports/imaging/{self.other_lab.id}",
            f"/my/reports/other/{self.lab.id}",
        ):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn("Secret Panel", response.text)
        csrf = self._csrf(f"/my/reports/lab/{self.lab.id}")
        response = self.url_open(f"/my/reports/lab/{self.other_lab.id}/send-code", data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self._verification(patient=self.other_patient))
        self.flush_sms()
        self.assertFalse(self._sms)

    def test_unmatched_reports_never_reach_the_portal(self):
        """A report whose patient the HIS has not registered yet belongs to
        nobody: no account lists, counts or opens it, even one whose
        identity check is valid and whose patient's HIS keys it carries."""
        self.patient.sudo().write({"his_patient_id": "P-TOUR"})
        verification = self.env["ihospital.report.verification"]._get_for(self.portal_user, self.patient)
        verification.sudo().write({"verified_until": fields.Datetime.now() + timedelta(minutes=10)})
        self.authenticate("patient", "patient")

        def counter():
            response = self.url_open(
                "/my/counters",
                data=json.dumps({"params": {"counters": ["ihospital_report_count"]}}),
                headers={"Content-Type": "application/json"},
            )
            return response.json()["result"]["ihospital_report_count"]

        before = counter()
        unmatched = (
            self.env["ihospital.lab.report"]
            .sudo()
            .create(
                {
                    "company_id": self.hospital.id,
                    "name": "LIS-UNMATCHED-1",
                    "source": "his",
                    "his_patient_ref": "P-TOUR",
                    "his_patient_keys": " patient:his:P-TOUR ",
                    "title": "Unmatched Panel",
                    "result_ids": [(0, 0, {"name": "Troponin", "value": "9.9", "flag": "HH"})],
                }
            )
        )
        self.assertEqual(counter(), before)
        listing = self.url_open("/my/reports")
        self.assertIn("LAB-TOUR-1", listing.text, "the account's own reports are listed and readable")
        self.assertIn("Tour Blood Count", listing.text)
        self.assertNotIn("LIS-UNMATCHED-1", listing.text)
        self.assertNotIn("Unmatched Panel", listing.text)
        for url in (
            f"/my/reports/lab/{unmatched.id}",
            f"/my/reports/lab/{unmatched.id}/pdf",
            f"/my/reports?patient={self.patient.id}",
        ):
            response = self.url_open(url)
            self.assertNotIn("Troponin", response.text, url)
            self.assertNotIn("LIS-UNMATCHED-1", response.text, url)
        self.assertEqual(self.url_open(f"/my/reports/lab/{unmatched.id}").status_code, 404)

    def test_physical_exam_reports_are_reports_like_the_others(self):
        exam = self.env["ihospital.exam.report"].create(
            {
                "company_id": self.hospital.id,
                "name": "EXAM-TOUR-1",
                "patient_id": self.patient.id,
                "package_name": "Tour Annual Checkup",
                "exam_date": "2026-01-08",
                "item_ids": [
                    (0, 0, {"section": "Internal medicine", "name": "Blood pressure", "value": "146/95", "flag": "H",
                            "conclusion": "High blood pressure"}),
                    (0, 0, {"section": "Eyes", "name": "Colour vision", "value": "Normal", "flag": "N"}),
                ],
                "conclusion": "1. High blood pressure",
                "advice": "Less salt; measure the blood pressure weekly.",
            }
        )  # fmt: skip
        self.authenticate("patient", "patient")
        listing = self.url_open("/my/reports")
        self.assertIn("EXAM-TOUR-1", listing.text)
        self.assertNotIn("Tour Annual Checkup", listing.text, "its package shows only after the identity check")
        page = self.url_open(f"/my/reports/exam/{exam.id}")
        self.assertIn("o_ihospital_report_verify", page.text)
        self.assertNotIn("Blood pressure", page.text)
        pdf = self.url_open(f"/my/reports/exam/{exam.id}/pdf", allow_redirects=False)
        self.assertIn(pdf.status_code, (302, 303))
        # the identity check passed (the tour above goes through it)
        self.env["ihospital.report.verification"]._get_for(self.portal_user, self.patient).write(
            {"verified_until": fields.Datetime.now() + timedelta(minutes=10)}
        )
        self.assertIn("Tour Annual Checkup", self.url_open("/my/reports").text)
        page = self.url_open(f"/my/reports/exam/{exam.id}")
        self.assertIn("o_ihospital_report_exam", page.text)
        for text in ("High blood pressure", "Less salt; measure the blood pressure weekly.", "Colour vision", "Eyes"):
            self.assertIn(text, page.text)
        pdf = self.url_open(f"/my/reports/exam/{exam.id}/pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertIn(pdf.headers["Content-Type"].split(";")[0], ("application/pdf", "text/html"))
        logs = self.env["ihospital.report.view.log"].search([("report_kind", "=", "exam")])
        self.assertEqual(sorted(logs.mapped("action")), ["pdf", "view"])
        self.assertEqual(set(logs.mapped("report_id")), {exam.id})
        # another account gets nothing
        self.authenticate("other_patient", "other_patient")
        self.assertEqual(self.url_open(f"/my/reports/exam/{exam.id}").status_code, 404)
        self.assertNotIn("EXAM-TOUR-1", self.url_open("/my/reports").text)

    def test_no_portal_access_rights_on_reports(self):
        """Without them the identity check cannot be bypassed over JSON-RPC."""
        for model in (
            "ihospital.lab.report",
            "ihospital.lab.result",
            "ihospital.imaging.report",
            "ihospital.exam.report",
            "ihospital.exam.item",
        ):
            self.assertFalse(self.env[model].with_user(self.portal_user).has_access("read"), model)

    def test_post_without_csrf_token_is_refused(self):
        self.authenticate("patient", "patient")
        self.url_open(f"/my/reports/lab/{self.lab.id}")
        response = self.url_open(
            f"/my/reports/lab/{self.lab.id}/verify", data={"id_number": TOUR_ID_NUMBER, "code": "123456"}
        )
        self.assertEqual(response.status_code, 400)
        response = self.url_open(f"/my/reports/lab/{self.lab.id}/send-code", data={"patient": "1"})
        self.assertEqual(response.status_code, 400)
        self.flush_sms()
        self.assertFalse(self._sms)
        self.assertFalse(self._verification().attempts)

    def test_brute_force_locks_out(self):
        self.authenticate("patient", "patient")
        url = f"/my/reports/lab/{self.lab.id}"
        csrf = self._csrf(url)  # valid for the session, also once the form is gone
        with patch.object(IhospitalReportVerification, "_generate_code", return_value=TOUR_CODE):
            self.url_open(f"{url}/send-code", data={"csrf_token": csrf})
        for attempt in range(MAX_ATTEMPTS):
            response = self.url_open(
                f"{url}/verify", data={"csrf_token": csrf, "id_number": TOUR_ID_NUMBER, "code": f"{attempt:06d}"}
            )
            self.assertNotIn("Potassium", response.text)
        verification = self._verification()
        self.assertTrue(verification._is_locked())
        self.assertIn("alert-danger", response.text)
        self.assertNotIn('name="code"', response.text, "no code form while locked")
        # The right code is refused while locked (the form is gone, the route still refuses).
        response = self.url_open(
            f"{url}/verify", data={"csrf_token": csrf, "id_number": TOUR_ID_NUMBER, "code": TOUR_CODE}
        )
        self.assertNotIn("Potassium", response.text)
        self.assertFalse(verification._is_verified())
        response = self.url_open(f"{url}/send-code", data={"csrf_token": csrf})
        self.assertIn("alert-danger", response.text)
        self.assertNotIn('name="code"', response.text, "no code form while locked")
        # When the lock-out ends, a new code works.
        verification.write({"locked_until": fields.Datetime.now() - timedelta(seconds=1), "code_sent_at": False})
        with patch.object(IhospitalReportVerification, "_generate_code", return_value="135790"):
            self.url_open(f"{url}/send-code", data={"csrf_token": csrf})
        response = self.url_open(
            f"{url}/verify", data={"csrf_token": csrf, "id_number": TOUR_ID_NUMBER.lower(), "code": "135790"}
        )
        self.assertIn("Potassium", response.text)

    def test_wrong_id_digits_with_right_code_fail(self):
        verification = (
            self.env["ihospital.report.verification"]
            .with_user(self.portal_user)
            ._get_for(self.portal_user, self.patient)
        )
        with patch.object(IhospitalReportVerification, "_generate_code", return_value=TOUR_CODE):
            verification._send_code()
        # the last four characters (shown on the portal) are not enough
        ok, error = verification._check_code("002X", TOUR_CODE)
        self.assertFalse(ok)
        self.assertIn(str(MAX_ATTEMPTS - 1), error)
        self.assertEqual(verification.attempts, 1)
        ok, _error = verification._check_code(TOUR_ID_NUMBER, TOUR_CODE)
        self.assertTrue(ok)
        verification.verified_until = fields.Datetime.now() - timedelta(seconds=1)
        self.assertFalse(verification._is_verified(), "verification expires")

    def test_report_ready_message(self):
        partner = self.portal_user.partner_id
        send_notices = self.env["ihospital.lab.report"]._cron_send_ready_notices
        # queued by the report's creation, sent by the notices cron right after commit
        self.assertTrue(self.lab.ready_notice_due)
        send_notices()
        self.assertFalse(self.lab.ready_notice_due)
        message = self.lab.message_ids.filtered(lambda m: partner in m.partner_ids)
        self.assertEqual(len(message), 1)
        self.assertNotIn("Potassium", message.body, "the notice does not carry the results")
        # nor the report's title (an HIV test...)
        self.assertNotIn("Tour Blood Count", f"{message.subject} {message.body}")
        preliminary = self.env["ihospital.imaging.report"].create(
            {
                "company_id": self.hospital.id,
                "name": "IMG-PRELIM-1",
                "patient_id": self.patient.id,
                "exam_name": "Abdominal ultrasound",
                "state": "preliminary",
            }
        )
        send_notices()
        self.assertFalse(preliminary.message_ids.filtered(lambda m: partner in m.partner_ids))
        preliminary.state = "final"
        send_notices()
        self.assertTrue(preliminary.message_ids.filtered(lambda m: partner in m.partner_ids))
