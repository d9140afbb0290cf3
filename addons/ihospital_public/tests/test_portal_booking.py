import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged


class PortalCase(HttpCase):
    """The demo portal account `patient` (three managed patients) on the
    demo hospital, in English so that tests read the source sentences."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = cls.env.ref("ihospital_base.user_patient_demo")
        cls.portal_user.lang = "en_US"
        links = cls.env["ihospital.patient.account"].search([("user_id", "=", cls.portal_user.id)])
        cls.patient = links.filtered(lambda link: link.relation == "self").patient_id
        cls.parent = links.filtered(lambda link: link.relation == "parent").patient_id
        cls.hospital = cls.patient.company_id
        cls.department = cls.env.ref("ihospital_base.hr_department_ophthalmology_demo")
        cls.doctor = cls.env.ref("ihospital_base.hr_employee_ophthalmology_3_demo")
        cls.department.is_published = True
        cls.doctor.is_published = True

    @classmethod
    def _published_schedule(cls, **vals):
        schedule = cls.env["ihospital.schedule"].create(
            {
                "company_id": cls.hospital.id,
                "department_id": cls.department.id,
                "doctor_id": cls.doctor.id,
                "date": fields.Date.today() + timedelta(days=2),
                "session": "evening",
                "capacity": 4,
                "release_override": True,
                "release_at_manual": fields.Datetime.now() - timedelta(minutes=1),
                **vals,
            }
        )
        schedule.action_publish()
        return schedule

    def _csrf_token(self, url):
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200, url)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@tagged("post_install", "-at_install")
class TestPortalBooking(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 4 numbers, the last one kept on site (20%); a fee paid online
        cls.schedule = cls._published_schedule(fee=20)
        cls.parent.name = "测试长者"
        cls.env["ihospital.appointment"]._book(cls.schedule, cls.parent, channel="window")
        provider = cls.env.ref("payment.payment_provider_demo")
        provider.write({"state": "test", "is_published": True, "company_id": cls.hospital.id})
        cls.env.ref("payment_demo.payment_method_demo").active = True

    def test_book_and_pay_from_the_department_page(self):
        slug = self.env["ir.http"]._slug(self.department)
        self.start_tour(f"/departments/{slug}?schedule={self.schedule.id}", "ihospital_portal_booking", login="patient")
        appointment = self.env["ihospital.appointment"].search(
            [("patient_id", "=", self.patient.id), ("schedule_id", "=", self.schedule.id)]
        )
        self.assertEqual((appointment.state, appointment.payment_state, appointment.number), ("booked", "paid", 2))
        self.assertEqual(appointment.transaction_ids.filtered(lambda t: t.state == "done").amount, 20)

    def test_booking_page_shows_the_numbers_left_online(self):
        self.authenticate("patient", "patient")
        page = self.url_open(f"/my/book/{self.schedule.id}").text
        self.assertIn("No. 3", page)
        self.assertNotIn("No. 4", page)  # kept for the windows
        slots = self.url_open(f"/my/book/{self.schedule.id}/slots").json()
        self.assertEqual([(s["number"], s["free"]) for s in slots], [(1, False), (2, True), (3, True)])

    def test_a_taken_number_is_refused_with_a_sentence(self):
        self.authenticate("patient", "patient")
        token = self._csrf_token(f"/my/book/{self.schedule.id}")
        first = self.schedule.slot_ids.filtered(lambda s: s.sequence == 1)
        response = self.url_open(
            f"/my/book/{self.schedule.id}",
            data={"csrf_token": token, "slot_id": first.id, "patient_id": self.patient.id},
        )
        self.assertIn("This number was just taken", response.text)
        self.assertEqual(self.schedule.booked_count, 1)

    def test_free_clinic_is_confirmed_at_once(self):
        schedule = self._published_schedule(fee=0, session="afternoon")
        self.authenticate("patient", "patient")
        token = self._csrf_token(f"/my/book/{schedule.id}")
        response = self.url_open(
            f"/my/book/{schedule.id}",
            data={"csrf_token": token, "slot_id": schedule.slot_ids[0].id, "patient_id": self.patient.id},
        )
        self.assertIn("Your appointment is confirmed.", response.text)
        appointment = schedule.appointment_ids
        self.assertEqual((appointment.state, appointment.payment_state), ("booked", "free"))


@tagged("post_install", "-at_install")
class TestPortalSecurity(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.schedule = cls._published_schedule()
        cls.appointment = cls.env["ihospital.appointment"]._book(cls.schedule, cls.patient, channel="phone")
        cls.other = new_test_user(cls.env, login="other_portal", groups="base.group_portal", password="other_portal1")

    def test_another_account_gets_nothing_by_id_or_token(self):
        self.authenticate("other_portal", "other_portal1")
        url = f"/my/appointments/{self.appointment.id}"
        for suffix in ("", "?access_token=guess", "/queue", "/queue?access_token=guess"):
            response = self.url_open(url + suffix)
            self.assertEqual(response.status_code, 404, suffix)
            self.assertNotIn(self.patient.name, response.text)
        self.assertEqual(self.url_open("/my/appointments/999999").status_code, 404)
        listing = self.url_open("/my/appointments?filterby=all").text
        self.assertNotIn(self.appointment.name, listing)
        # nor the account's patients
        self.assertEqual(self.url_open(f"/my/patients/{self.patient.id}/edit").status_code, 404)
        token = self._csrf_token("/my/patients/new")
        response = self.url_open(f"/my/appointments/{self.appointment.id}/cancel", data={"csrf_token": token})
        self.assertEqual(response.status_code, 404)
        response = self.url_open(f"/my/patients/{self.patient.id}/archive", data={"csrf_token": token})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.appointment.state, "booked")
        self.assertTrue(self.patient.active)

    def test_another_account_cannot_pay_for_it(self):
        self.authenticate("other_portal", "other_portal1")
        response = self.url_open(
            f"/my/appointments/{self.appointment.id}/transaction",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": {"access_token": "guess"}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.json()["error"]["data"]["message"], "The access token is invalid.")
        self.assertFalse(self.appointment.transaction_ids)

    def test_the_access_token_opens_the_appointment(self):
        token = self.appointment._portal_ensure_token()
        response = self.url_open(f"/my/appointments/{self.appointment.id}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.appointment.name, response.text)

    def test_post_without_csrf_token_is_refused(self):
        self.authenticate("patient", "patient")
        response = self.url_open(f"/my/appointments/{self.appointment.id}/cancel", data={"x": "1"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.appointment.state, "booked")
        response = self.url_open(
            f"/my/book/{self.schedule.id}", data={"patient_id": self.parent.id, "slot_id": self.schedule.slot_ids[1].id}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(self.schedule.appointment_ids), 1)

    def test_visitors_are_sent_to_log_in_and_back(self):
        for url in (f"/my/book/{self.schedule.id}", "/my/appointments", "/my/patients"):
            response = self.url_open(url)
            login = urlparse(response.url)
            self.assertEqual(login.path.rsplit("/web/", 1)[-1], "login", url)
            self.assertTrue(parse_qs(login.query)["redirect"][0].rstrip("?").endswith(url), login.query)
            # new patients sign up from there, and come back too
            self.assertIn("/web/signup?redirect=", response.text)

    def test_cancel_within_the_rules_and_counters(self):
        self.authenticate("patient", "patient")
        counters = self._counters()
        self.assertEqual(counters["ihospital_patient_count"], 3)
        self.assertGreaterEqual(counters["ihospital_appointment_count"], 1)
        page = self.url_open(f"/my/appointments/{self.appointment.id}").text
        self.assertIn("o_ihospital_cancel", page)
        token = self._csrf_token(f"/my/appointments/{self.appointment.id}")
        self.url_open(f"/my/appointments/{self.appointment.id}/cancel", data={"csrf_token": token})
        self.assertEqual((self.appointment.state, self.appointment.cancelled_by), ("cancelled", "patient"))

    def _counters(self):
        response = self.url_open(
            "/my/counters",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"counters": ["ihospital_patient_count", "ihospital_appointment_count"]},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return response.json()["result"]

    def test_counters_of_another_account_are_empty(self):
        self.authenticate("other_portal", "other_portal1")
        self.assertEqual(self._counters(), {"ihospital_patient_count": 0, "ihospital_appointment_count": 0})

    def test_cancel_too_late_is_explained(self):
        self.hospital.booking_cancel_cutoff_hours = 24 * 5
        self.authenticate("patient", "patient")
        token = self._csrf_token("/my/patients/new")
        response = self.url_open(f"/my/appointments/{self.appointment.id}/cancel", data={"csrf_token": token})
        self.assertIn("Appointments can be cancelled up to 120 hours before their time", response.text)
        self.assertEqual(self.appointment.state, "booked")
