from odoo.tests import tagged

from .test_portal_booking import PortalCase


@tagged("post_install", "-at_install")
class TestPortalPatients(PortalCase):
    def test_manage_patients_tour(self):
        self.hospital.hospital_max_patients_per_account = 5
        self.start_tour("/my/patients", "ihospital_portal_patients", login="patient")
        added = self.env["ihospital.patient"].with_context(active_test=False).search([("name", "=", "王小测")])
        self.assertEqual(added.id_number, "440103198506123212")
        self.assertEqual(self.patient.address, "越秀区东风中路1号")
        self.assertEqual(added.company_id, self.hospital)
        # the only account managing it: archived, the link kept for history
        self.assertFalse(added.active)
        self.assertEqual(added.account_ids.user_id, self.portal_user)

    def test_account_limit_is_a_clear_message(self):
        self.hospital.hospital_max_patients_per_account = 3
        self.authenticate("patient", "patient")
        page = self.url_open("/my/patients").text
        self.assertIn("o_ihospital_patient_limit", page)
        self.assertNotIn("o_ihospital_patient_add", page)
        token = self._csrf_token("/my/patients/new")
        response = self.url_open(
            "/my/patients/new",
            data={
                "csrf_token": token,
                "name": "王小测",
                "relation": "spouse",
                "id_type": "resident_id",
                "id_number": "440103198506123212",
                "phone": "13800138000",
            },
        )
        self.assertIn("An account may manage at most 3 patients", response.text)
        # what the user typed is kept, and nothing was created
        self.assertIn('value="440103198506123212"', response.text)
        self.assertFalse(
            self.env["ihospital.patient"].with_context(active_test=False).search([("name", "=", "王小测")])
        )

    def test_id_number_cannot_change_once_set(self):
        self.authenticate("patient", "patient")
        number = self.patient.id_number
        url = f"/my/patients/{self.patient.id}/edit"
        token = self._csrf_token(url)
        self.url_open(
            url,
            data={
                "csrf_token": token,
                "phone": "13900139000",
                "address": "A",
                "id_type": "passport",
                "id_number": "E12345678",
            },
        )
        # the phone waits for the code texted to the old phone
        self.assertEqual(self.patient.id_number, number)
        self.assertNotEqual(self.patient.phone, "+8613900139000")

    def test_patient_with_appointments_to_come_stays(self):
        schedule = self._published_schedule()
        self.env["ihospital.appointment"]._book(schedule, self.parent, channel="phone")
        self.authenticate("patient", "patient")
        token = self._csrf_token("/my/patients")
        response = self.url_open(f"/my/patients/{self.parent.id}/archive", data={"csrf_token": token})
        self.assertIn("has appointments to come", response.text)
        self.assertTrue(self.parent.active)
