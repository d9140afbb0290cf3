"""Issue 9, item 12: consultation images and report PDFs reach only those
who may see their record, through /web/content, /web/image and /report."""

import base64

from odoo.tests import new_test_user, tagged

from .common import DemoPatientCase

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestAttachmentAccess(DemoPatientCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.doctor = cls.env.ref("ihospital_base.hr_employee_cardiology_3_demo")
        cls.consultation = (
            cls.env["ihospital.consultation"]
            .sudo()
            .create(
                {
                    "company_id": cls.patient.company_id.id,
                    "doctor_id": cls.doctor.id,
                    "patient_id": cls.patient.id,
                    "user_id": cls.portal_user.id,
                    "subject": "Rash",
                    "question": "See the photo",
                }
            )
        )
        # uploaded by the asking account, as the portal route does
        attachment = (
            cls.env["ir.attachment"]
            .with_user(cls.portal_user)
            .sudo()
            .create(
                {"name": "rash.png", "datas": base64.b64encode(PNG), "res_model": "mail.compose.message", "res_id": 0}
            )
        )
        cls.consultation.with_user(cls.portal_user).sudo().message_post(
            body="photo", attachment_ids=attachment.ids, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        cls.image = attachment
        cls.lab = cls.env["ihospital.lab.report"].create(
            {"company_id": cls.patient.company_id.id, "name": "LAB-ATT-1", "patient_id": cls.patient.id,
             "title": "Secret Panel"}
        )  # fmt: skip
        new_test_user(cls.env, login="other_portal", password="other_portal", groups="base.group_portal")

    def _gets_image(self, url):
        """Whether the response is the image itself (/web/image answers a
        placeholder image, status 200, to those it refuses)."""
        response = self.url_open(url, allow_redirects=False)
        return response.status_code == 200 and response.content == PNG

    def test_consultation_images(self):
        self.assertEqual((self.image.res_model, self.image.res_id), ("ihospital.consultation", self.consultation.id))
        urls = (f"/web/content/{self.image.id}", f"/web/image/{self.image.id}")
        for login in ("doctor2", "other_portal", "nurse"):
            self.authenticate(login, login)
            for url in urls:
                self.assertFalse(self._gets_image(url), f"{login} {url}")
        # the consultation's doctor downloads it (the asker sees it in the
        # portal's chatter, with the token Odoo gives the thread's readers);
        # the read-only routes are run again read-write for the access log,
        # without a failed query in the server log
        self.authenticate("doctor", "doctor")
        with self.assertNoLogs("odoo.sql_db", "ERROR"):
            self.assertTrue(self._gets_image(urls[0]))
            self.assertTrue(self._gets_image(urls[1]))
        # the doctor's download is in the access log
        doctor = self.env.ref("ihospital_base.user_doctor_demo")
        downloads = self.env["ihospital.access.log"].search(
            [("user_id", "=", doctor.id), ("operation", "=", "download")]
        )
        self.assertEqual(len(downloads), 2)
        self.assertEqual(set(downloads.mapped("res_ids")), {str(self.consultation.id)})
        self.assertEqual(set(downloads.mapped("res_model")), {"ihospital.consultation"})
        self.authenticate(None, None)
        for url in urls:
            self.assertFalse(self._gets_image(url), f"visitor {url}")
            self.assertFalse(self._gets_image(f"{url}?access_token=x"), f"visitor {url} with a token")

    def test_report_pdf_route(self):
        url = f"/report/html/ihospital_base.report_lab/{self.lab.id}"
        for login in ("patient", "doctor2", "other_portal"):
            self.authenticate(login, login)
            response = self.url_open(url)
            self.assertNotIn("Secret Panel", response.text, login)
        self.authenticate("director", "director")
        self.assertIn("Secret Panel", self.url_open(url).text)
