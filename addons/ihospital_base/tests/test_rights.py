"""Rights enforced in the methods: each attack of issue #9 as the role that
must be refused, beside the role that may."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .test_booking import BookingCase


@tagged("post_install", "-at_install")
class TestPatientLinks(BookingCase):
    """A create or write that links a patient needs access to that patient
    first: linking is no way to widen a record rule."""

    def test_doctor_cannot_reach_a_patient_by_creating_a_visit(self):
        Visit = self.env["ihospital.visit"].with_user(self.user_doctor)
        with self.assertRaisesMsg(AccessError, "patient you have no access to"):
            Visit.create(
                {
                    "company_id": self.hospital.id,
                    "patient_id": self.patient_surgery.id,
                    "department_id": self.cardiology.id,
                }
            )
        with self.assertRaises(AccessError):
            self.patient_surgery.with_user(self.user_doctor).read(["id_number", "phone"])
        # own department's patient: allowed
        visit = Visit.create(
            {"company_id": self.hospital.id, "patient_id": self.patient_cardio.id, "department_id": self.cardiology.id}
        )
        self.assertEqual(visit.patient_id, self.patient_cardio)

    def test_doctor_cannot_move_a_visit_to_another_patient(self):
        visit = self.visit_cardio.with_user(self.user_doctor)
        with self.assertRaises(AccessError):
            visit.write({"patient_id": self.patient_surgery.id})
        self.assertEqual(self.visit_cardio.patient_id, self.patient_cardio)
        visit.write({"diagnosis": "Stable angina"})
        self.assertEqual(self.visit_cardio.diagnosis, "Stable angina")

    def test_appointments_come_from_the_booking_engine_only(self):
        for user in (self.user_nurse, self.user_doctor, self.user_admin):
            with self.assertRaisesMsg(AccessError, "created by the system only"):
                self.env["ihospital.appointment"].with_user(user).create(
                    {
                        "company_id": self.hospital.id,
                        "patient_id": self.patient_cardio.id,
                        "schedule_id": self.schedule.id,
                        "slot_id": self.schedule.slot_ids[0].id,
                    }
                )
        self.assertFalse(self.schedule.appointment_ids)

    def test_booking_wizard_only_for_visible_patients(self):
        Wizard = self.env["ihospital.appointment.book"].with_user(self.user_nurse)
        with self.assertRaises(AccessError):
            Wizard.create({"schedule_id": self.schedule.id, "patient_id": self.patient_surgery.id})
        self.assertFalse(self.schedule.appointment_ids)
        wizard = Wizard.create({"schedule_id": self.schedule.id, "patient_id": self.patient_cardio.id})
        wizard.action_book()
        self.assertEqual(self.schedule.appointment_ids.patient_id, self.patient_cardio)


@tagged("post_install", "-at_install")
class TestEngineRights(BookingCase):
    """Actions check the caller's role in the method; fields the engine owns
    refuse users' writes."""

    def test_nurse_cannot_stop_a_clinic(self):
        appointment = self._book()
        with self.assertRaisesMsg(AccessError, "does not allow"):
            self.schedule.with_user(self.user_nurse).action_stop_clinic("Doctor ill")
        self.assertEqual(self.schedule.state, "published")
        self.assertEqual(appointment.state, "booked")

    def test_department_head_stops_own_department_clinic_only(self):
        appointment = self._book()
        surgery = self._schedule(doctor=self.emp_surgeon, department=self.surgery, days=3)
        with self.assertRaises(AccessError):
            surgery.with_user(self.user_head).action_stop_clinic("Doctor ill")
        self.assertEqual(surgery.state, "published")
        self.schedule.with_user(self.user_head).action_stop_clinic("Doctor ill")
        self.assertEqual(self.schedule.state, "stopped")
        self.assertEqual(appointment.state, "cancelled")

    def test_stop_wizard_is_no_way_around(self):
        wizard = self.env["ihospital.schedule.stop"].create({"schedule_id": self.schedule.id, "reason": "x"})
        with self.assertRaises(AccessError):
            wizard.with_user(self.user_nurse).action_confirm()
        self.assertEqual(self.schedule.state, "published")

    def test_nurse_cannot_mark_an_unpaid_booking_paid(self):
        schedule = self._schedule(fee=50, days=3)
        appointment = self._book(schedule)
        self.assertEqual(appointment.payment_state, "pending")
        for vals in (
            {"payment_state": "paid"},
            {"state": "booked"},
            {"fee": 0},
            {"queue_number": 1},
            {"notice_pending": False},
        ):
            with self.assertRaisesMsg(AccessError, "changed by the system only"):
                appointment.with_user(self.user_nurse).write(vals)
        self.assertEqual((appointment.state, appointment.payment_state, appointment.fee), ("held", "pending", 50))

    def test_roles_that_may_not_act_on_appointments(self):
        appointment = self._book()
        for user in (self.user_director, self.user_quality):
            with self.assertRaises(AccessError):
                appointment.with_user(user).action_cancel()
        with self.assertRaises(AccessError):
            appointment.with_user(self.user_nurse).action_cancel_by_hospital()
        with self.assertRaises(AccessError):
            appointment.with_user(self.user_portal).action_cancel()
        # a nurse of another department may not check in this patient
        with self.assertRaises(AccessError):
            appointment.with_user(self.user_surgeon).action_check_in()
        self.assertEqual(appointment.state, "booked")
        appointment.with_user(self.user_nurse).action_check_in()
        self.assertEqual(appointment.state, "checked_in")
        with self.assertRaises(AccessError):
            appointment.with_user(self.user_nurse).action_start_consultation()
        appointment.with_user(self.user_doctor).action_start_consultation()
        self.assertEqual(appointment.state, "in_consultation")

    def test_nurse_cancels_for_the_patient(self):
        appointment = self._book()
        appointment.with_user(self.user_nurse).action_cancel()
        self.assertEqual((appointment.state, appointment.cancelled_by), ("cancelled", "patient"))

    def test_clinic_staff_change_the_room_only(self):
        schedule = self.schedule.with_user(self.user_nurse)
        schedule.write({"room": "302"})
        self.assertEqual(self.schedule.room, "302")
        for vals in ({"fee": 0}, {"state": "draft"}, {"queue_last_number": 9}):
            with self.assertRaises(AccessError):
                schedule.write(vals)
        with self.assertRaises(AccessError):
            self._schedule(days=4, publish=False).with_user(self.user_nurse).action_publish()

    def test_queue_is_run_by_the_clinic_staff(self):
        appointment = self._book()
        appointment.action_check_in()
        with self.assertRaises(AccessError):
            self.schedule.with_user(self.user_director).action_call_next()
        with self.assertRaises(AccessError):
            self.schedule.with_user(self.user_surgeon).action_call_next()
        self.schedule.with_user(self.user_nurse).action_call_next()
        self.assertEqual(appointment.queue_state, "called")
        self.schedule.with_user(self.user_nurse).action_recall()
        self.assertEqual(appointment.recall_count, 1)

    def test_complaints_are_handled_by_the_quality_office(self):
        complaint = self.env["ihospital.complaint"].create(
            {"company_id": self.hospital.id, "content": "Long wait", "department_id": self.cardiology.id}
        )
        with self.assertRaises(AccessError):
            complaint.with_user(self.user_head).action_start()
        with self.assertRaises(AccessError):
            complaint.with_user(self.user_quality).write({"state": "closed"})
        complaint.with_user(self.user_quality).action_start()
        self.assertEqual(complaint.state, "in_progress")

    def test_every_action_declares_its_roles(self):
        """A type, a role, a rule is declared once: every public action_*
        of the suite's models says which roles may call it."""
        missing = []
        for name, model in self.env.registry.items():
            if not name.startswith("ihospital.") or model._abstract:
                continue
            actions = {
                attr
                for attr in dir(model)
                if attr.startswith("action_")
                and getattr(getattr(model, attr), "__module__", "").startswith("odoo.addons.ihospital_")
            }
            guarded = issubclass(model, self.env.registry["ihospital.guard.mixin"])
            declared = set(model._ihospital_declared("_action_groups")) if guarded else set()
            missing += [f"{name}.{action}" for action in sorted(actions - declared)]
        self.assertFalse(missing, "actions without declared roles")


@tagged("post_install", "-at_install")
class TestNoContextBypass(BookingCase):
    def test_context_keys_grant_nothing(self):
        appointment = self._book()
        nurse_env = self.env(user=self.user_nurse, context={"ihospital_his_inbound": True, "sudo": True})
        with self.assertRaises(AccessError):
            appointment.with_env(nurse_env).write({"payment_state": "paid"})
        with self.assertRaises(AccessError):
            self.schedule.with_env(nurse_env).action_stop_clinic("x")


@tagged("post_install", "-at_install")
class TestReviewFindings(BookingCase):
    """Attacks a reviewer made over JSON-RPC against the first version."""

    def test_context_defaults_are_values_too(self):
        Visit = self.env["ihospital.visit"].with_user(self.user_doctor)
        with self.assertRaises(AccessError):
            Visit.with_context(default_patient_id=self.patient_surgery.id).create(
                {"company_id": self.hospital.id, "department_id": self.cardiology.id}
            )
        defaults = {"default_patient_id": self.patient_surgery.id, "default_department_id": self.cardiology.id}
        with self.assertRaises(AccessError):
            Visit.with_context(**defaults).name_create("V-attack")
        with self.assertRaises(AccessError):
            self.patient_surgery.with_user(self.user_doctor).read(["name"])
        Complaint = self.env["ihospital.complaint"].with_user(self.user_quality)
        with self.assertRaises(AccessError):
            Complaint.with_context(default_state="closed").create({"company_id": self.hospital.id, "content": "x"})
        with self.assertRaises(AccessError):
            self.env["ihospital.schedule"].with_user(self.user_admin).with_context(
                default_state="published", default_queue_last_number=42
            ).create(
                {
                    "company_id": self.hospital.id,
                    "department_id": self.cardiology.id,
                    "doctor_id": self.emp_doctor.id,
                    "date": self.hospital._ihospital_today(),
                    "session": "evening",
                }
            )
        with self.assertRaises(AccessError):
            self.env["ihospital.his.message"].with_user(self.user_admin).create({})
        # plain records still work with the model's own defaults
        complaint = Complaint.create({"company_id": self.hospital.id, "content": "Long wait"})
        self.assertEqual(complaint.state, "new")

    def test_engine_state_of_slots_links_and_tokens(self):
        slot = self.schedule.slot_ids[0]
        with self.assertRaises(AccessError):
            slot.with_user(self.user_admin).write({"booked_count": 0, "capacity": 5})
        link = self.patient_cardio.account_ids[:1]
        with self.assertRaises(UserError):
            link.with_user(self.user_admin).write({"patient_id": self.patient_surgery.id})
        appointment = self._book()
        with self.assertRaises(AccessError):
            appointment.with_user(self.user_admin).write({"access_token": "abc"})

    def test_staff_work_that_must_keep_working(self):
        # a nurse updates a patient's phone: the hospital's registration
        self.patient_cardio.with_user(self.user_nurse).write({"phone": "13911110000"})
        self.assertEqual((self.patient_cardio.phone, self.patient_cardio.phone_source), ("+8613911110000", "hospital"))
        # a nurse confirms at the desk that an account manages a patient
        link = (
            self.env["ihospital.patient.account"]
            .with_user(self.user_portal_other)
            .sudo()
            .create({"patient_id": self.patient_cardio.id, "user_id": self.user_portal_other.id, "requested_name": "x"})
        )
        link.with_user(self.user_nurse).action_confirm_at_desk()
        self.assertEqual((link.state, link.confirmation), ("confirmed", "desk"))
        # the nurse of another department may not
        other = (
            self.env["ihospital.patient.account"]
            .with_user(self.user_portal_other)
            .sudo()
            .create(
                {"patient_id": self.patient_surgery.id, "user_id": self.user_portal_other.id, "requested_name": "y"}
            )
        )
        with self.assertRaises(AccessError):
            other.with_user(self.user_nurse).action_confirm_at_desk()
