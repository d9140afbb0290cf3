"""Issue 9 on the portal: routes that work as superuser serve portal
accounts acting on the patients they manage, never staff; portal accounts
have no ORM access to clinical data."""

from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_portal_booking import PortalCase


@tagged("post_install", "-at_install")
class TestPortalSecurity(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.schedule = cls._published_schedule()
        cls.appointment = cls.env["ihospital.appointment"]._book(
            cls.schedule, cls.patient, channel="portal", user=cls.portal_user
        )
        cls.phone = cls.patient.phone

    def test_director_cannot_use_the_patient_pages(self):
        self.authenticate("director", "director")
        csrf = self._csrf_token("/my/account")
        edit = f"/my/patients/{self.patient.id}/edit"
        self.assertEqual(self.url_open(edit).status_code, 404)
        response = self.url_open(edit, data={"csrf_token": csrf, "phone": "13900000000", "address": "x"})
        self.assertEqual(response.status_code, 404)
        response = self.url_open(f"/my/patients/{self.patient.id}/archive", data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 404)
        self.assertEqual((self.patient.phone, self.patient.active), (self.phone, True))
        self.assertNotIn(self.patient.name, self.url_open("/my/patients").text)

    def test_director_cannot_open_or_cancel_appointments_on_the_portal(self):
        self.authenticate("director", "director")
        csrf = self._csrf_token("/my/account")
        self.assertEqual(self.url_open(self.appointment.access_url).status_code, 404)
        response = self.url_open(f"{self.appointment.access_url}/cancel", data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.appointment.state, "booked")
        # the patient's own account still can
        self.authenticate("patient", "patient")
        self.assertEqual(self.url_open(self.appointment.access_url).status_code, 200)

    def test_director_cannot_book_for_a_patient(self):
        self.authenticate("director", "director")
        result = self.make_jsonrpc_request(
            "/my/ihospital/book", {"schedule_id": self.schedule.id, "patient_id": self.parent.id}
        )
        self.assertFalse(result["ok"])
        self.assertFalse(self.schedule.appointment_ids.filtered(lambda a: a.patient_id == self.parent))

    def test_portal_reads_no_clinical_data_over_rpc(self):
        for model in ("ihospital.visit", "ihospital.lab.report", "ihospital.imaging.report"):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(self.portal_user).search_read([], ["name"])
        with self.assertRaises(AccessError):
            self.patient.with_user(self.portal_user).read(["visit_ids"])
        with self.assertRaises(AccessError):
            self.appointment.with_user(self.portal_user).read(["visit_id"])

    def test_patients_page_shows_no_text_from_the_link(self):
        self.authenticate("patient", "patient")
        page = self.url_open("/my/patients?message=Call+4008001234+to+claim+your+refund").text
        self.assertNotIn("o_ihospital_message", page)
        self.assertNotIn("Call 4008001234", page)

    def test_booking_route_refuses_a_clinic_not_published_here(self):
        self.authenticate("patient", "patient")
        unpublish = {
            "department": lambda: self.department.write({"is_published": False}),
            "doctor": lambda: self.schedule.doctor_id.write({"is_published": False}),
            "draft clinic": lambda: self.env.cr.execute(
                "UPDATE ihospital_schedule SET state = 'draft' WHERE id = %s", [self.schedule.id]
            ),
        }
        for what, change in unpublish.items():
            with self.subTest(what), self.env.cr.savepoint(flush=False) as savepoint:
                change()
                self.env.flush_all()
                self.env.invalidate_all()
                result = self.make_jsonrpc_request(
                    "/my/ihospital/book", {"schedule_id": self.schedule.id, "patient_id": self.parent.id}
                )
                self.assertEqual(result, {"ok": False, "error": "This clinic cannot be booked."})
                self.assertFalse(self.schedule.appointment_ids.filtered(lambda a: a.patient_id == self.parent))
                savepoint.rollback()
        # the same clinic, published, is booked
        result = self.make_jsonrpc_request(
            "/my/ihospital/book", {"schedule_id": self.schedule.id, "patient_id": self.parent.id}
        )
        self.assertTrue(result["ok"], result)

    def test_appointment_links_expire(self):
        token = self.appointment._portal_ensure_token()
        url = f"{self.appointment.access_url}?access_token={token}"
        self.assertEqual(self.url_open(url).status_code, 200)
        self.env.cr.execute(
            "UPDATE ihospital_appointment SET date = %s WHERE id = %s",
            (self.appointment.date - timedelta(days=30), self.appointment.id),
        )
        self.appointment.invalidate_recordset(["date"])
        self.assertEqual(self.url_open(url).status_code, 404)

    def test_queue_channels_only_for_published_departments(self):
        allowed = self.env["ir.websocket"]._ihospital_channel_allowed
        published = f"ihospital_queue_department_{self.department.id}"
        schedule = f"ihospital_queue_schedule_{self.schedule.id}"
        self.assertTrue(allowed(published))
        self.assertTrue(allowed(schedule))
        self.assertFalse(allowed("ihospital_queue_department_x"))
        self.assertTrue(allowed("broadcast"), "other channels are not ours to judge")
        self.department.is_published = False
        self.assertFalse(allowed(published))
        self.assertFalse(allowed(schedule))

    def test_staff_cannot_register_patients_through_the_portal(self):
        for login in ("director", "doctor2"):
            self.authenticate(login, login)
            csrf = self._csrf_token("/my/account")
            self.assertEqual(self.url_open("/my/patients/new").status_code, 404)
            response = self.url_open(
                "/my/patients/new",
                data={"csrf_token": csrf, "name": "x", "relation": "self", "id_type": "resident_id",
                      "id_number": self.patient.id_number, "phone": "13800000000"},
            )  # fmt: skip
            self.assertEqual(response.status_code, 404)
        self.assertEqual(self.patient.account_ids.user_id, self.portal_user)

    def test_appointment_token_opens_no_mail_route(self):
        token = self.appointment._portal_ensure_token()
        Appointment = self.env["ihospital.appointment"].with_user(self.env.ref("base.public_user"))
        self.assertFalse(Appointment._get_thread_with_access(self.appointment.id, "read", token=token))
        # the portal account that may read it still does
        Appointment = self.env["ihospital.appointment"].with_user(self.portal_user)
        self.assertEqual(Appointment._get_thread_with_access(self.appointment.id, "read"), self.appointment)
