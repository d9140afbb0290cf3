import json
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import IhospitalCase, MockSmsProvider


class BookingCase(IhospitalCase, MockSmsProvider):
    """Booking tests; texts go to the mock SMS provider, never the internet."""

    def setUp(self):
        super().setUp()
        self.enterContext(self.mockSmsProvider())

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hospital.write({"booking_onsite_share": 20, "booking_checkin_before": 3 * 24 * 60})
        cls.schedule = cls._schedule(capacity=5)
        cls.patient_3 = cls.env["ihospital.patient"].create(
            {
                "name": "Zhou Huimin",
                "company_id": cls.hospital.id,
                "id_type": "passport",
                "id_number": "E55555555",
                "gender": "female",
                "birth_date": "1980-01-01",
            }
        )

    # Two days ahead by default: far from any cancellation cut-off, whatever
    # the time of day the tests run at.
    @classmethod
    def _schedule(cls, capacity=5, fee=0, days=2, doctor=None, department=None, session="morning", publish=True):
        schedule = cls.env["ihospital.schedule"].create(
            {
                "company_id": cls.hospital.id,
                "department_id": (department or cls.cardiology).id,
                "doctor_id": (doctor or cls.emp_doctor).id,
                "date": cls.hospital._ihospital_today() + timedelta(days=days),
                "session": session,
                "capacity": capacity,
                "fee": fee,
                "slot_minutes": 10,
                "room": "301",
                "release_override": True,
                "release_at_manual": fields.Datetime.now() - timedelta(hours=1),
            }
        )
        if publish:
            schedule.action_publish()
        return schedule

    def _notices_cron_triggered(self):
        cron = self.env.ref("ihospital_base.ir_cron_appointment_notices")
        return self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", cron.id)])

    def _book(self, schedule=None, patient=None, channel="portal", user=None):
        return self.env["ihospital.appointment"]._book(
            schedule or self.schedule, patient or self.patient_cardio, channel=channel, user=user or self.user_portal
        )


@tagged("post_install", "-at_install")
class TestSchedule(BookingCase):
    def test_publish_creates_numbered_slots_with_onsite_share(self):
        slots = self.schedule.slot_ids
        self.assertEqual(slots.mapped("sequence"), [1, 2, 3, 4, 5])
        self.assertEqual(slots.filtered("onsite_only").mapped("sequence"), [5])
        self.assertTrue(all(self.schedule.session_start <= s.start < self.schedule.session_end for s in slots))
        self.assertEqual(self.schedule.available_count, 5)

    def test_release_time_from_hospital_rule(self):
        schedule = self._schedule(days=3, publish=False)
        schedule.release_override = False
        self.hospital.write({"booking_days_ahead": 2, "booking_release_time": 8.5})
        # 08:30 Shanghai time two days before, stored in UTC
        expected_day = schedule.date - timedelta(days=2)
        self.assertEqual(schedule.release_at.date(), expected_day)
        self.assertEqual((schedule.release_at.hour, schedule.release_at.minute), (0, 30))

    def test_cannot_publish_twice_or_in_the_past(self):
        with self.assertRaisesMsg(UserError, "Only draft schedules"):
            self.schedule.action_publish()
        past = self._schedule(days=-1, publish=False, doctor=self.emp_head)
        with self.assertRaisesMsg(UserError, "in the past"):
            past.action_publish()

    def test_one_clinic_per_doctor_session(self):
        with self.assertRaisesMsg(ValidationError, "already has a clinic"):
            self._schedule(publish=False)

    def test_published_schedule_is_frozen(self):
        with self.assertRaisesMsg(UserError, "cannot change"):
            self.schedule.capacity = 50

    def test_doctor_of_another_hospital_is_refused(self):
        with self.assertRaisesMsg(ValidationError, "works at Test Community Hospital"):
            self._schedule(doctor=self.emp_doctor_2, publish=False)

    def test_weekly_templates_generate_schedules_once(self):
        today = self.hospital._ihospital_today()
        template = self.env["ihospital.schedule.template"].create(
            {
                "company_id": self.hospital.id,
                "department_id": self.surgery.id,
                "doctor_id": self.emp_surgeon.id,
                "weekday": str(today.weekday()),
                "session": "afternoon",
                "capacity": 8,
                "fee": 20,
            }
        )
        created = template._generate_schedules(today, today + timedelta(days=13), publish=True)
        self.assertEqual(len(created), 2)
        self.assertTrue(all(s.state == "published" and len(s.slot_ids) == 8 for s in created))
        self.assertFalse(template._generate_schedules(today, today + timedelta(days=13)))

    def test_reset_to_draft_only_without_booking_history(self):
        empty = self._schedule(doctor=self.emp_head)
        empty.action_cancel()
        empty.action_reset_to_draft()
        self.assertEqual((empty.state, len(empty.slot_ids)), ("draft", 0))
        appointment = self._book()
        appointment.action_cancel()
        self.schedule.action_cancel()
        with self.assertRaisesMsg(UserError, "booking history"):
            self.schedule.action_reset_to_draft()

    def test_template_and_generation_input_is_checked(self):
        with self.assertRaisesMsg(ValidationError, "must be positive"):
            self.env["ihospital.schedule.template"].create(
                {
                    "company_id": self.hospital.id,
                    "department_id": self.surgery.id,
                    "doctor_id": self.emp_surgeon.id,
                    "weekday": "1",
                    "capacity": 0,
                }
            )
        today = self.hospital._ihospital_today()
        Generate = self.env["ihospital.schedule.generate"]
        with self.assertRaisesMsg(UserError, "end date comes before"):
            Generate.create({"company_id": self.hospital.id, "date_from": today, "date_to": today - timedelta(1)})
        with self.assertRaisesMsg(UserError, "No weekly template"):
            Generate.create({"company_id": self.hospital.id, "date_from": today, "date_to": today}).action_generate()
        with self.assertRaises(AccessError):
            Generate.with_user(self.user_director).create(
                {"company_id": self.hospital.id, "date_from": today, "date_to": today}
            )

    def test_cancel_refused_with_appointments(self):
        self._book()
        with self.assertRaisesMsg(UserError, "stop the clinic instead"):
            self.schedule.action_cancel()


@tagged("post_install", "-at_install")
class TestBookingRules(BookingCase):
    def test_free_booking_is_booked_at_once(self):
        appointment = self._book()
        self.assertEqual(appointment.state, "booked")
        self.assertEqual(appointment.payment_state, "free")
        self.assertEqual(appointment.number, 1)
        self.assertEqual(self.schedule.booked_count, 1)
        self.assertTrue(appointment.name.startswith("A"))

    def test_a_chosen_number_is_booked_or_refused(self):
        online = self.schedule.slot_ids.filtered(lambda s: not s.onsite_only).sorted("sequence")
        Appointment = self.env["ihospital.appointment"]
        chosen = Appointment._book(self.schedule, self.patient_cardio, user=self.user_portal, slot=online[-1])
        self.assertEqual(chosen.slot_id, online[-1])
        with self.assertRaisesMsg(UserError, "just taken"):
            Appointment._book(self.schedule, self.patient_surgery, user=self.user_portal, slot=online[-1])
        # numbers kept for the window cannot be chosen online
        onsite = self.schedule.slot_ids.filtered("onsite_only")[:1]
        self.assertTrue(onsite)
        with self.assertRaisesMsg(UserError, "just taken"):
            Appointment._book(self.schedule, self.patient_surgery, user=self.user_portal, slot=onsite)

    def test_paid_online_booking_is_held(self):
        schedule = self._schedule(fee=50, doctor=self.emp_head)
        appointment = self._book(schedule)
        self.assertEqual(appointment.state, "held")
        self.assertEqual(appointment.payment_state, "pending")
        self.assertAlmostEqual(
            appointment.hold_expires_at, fields.Datetime.now() + timedelta(minutes=15), delta=timedelta(minutes=1)
        )

    def test_window_booking_pays_at_window_and_may_take_onsite_slots(self):
        self.hospital.booking_onsite_share = 100
        schedule = self._schedule(capacity=1, fee=30, doctor=self.emp_head)  # its only slot is on-site
        with self.assertRaisesMsg(UserError, "No slot left"):
            self._book(schedule)
        appointment = self._book(schedule, channel="window")
        self.assertEqual((appointment.state, appointment.payment_state), ("booked", "at_window"))

    def test_not_released_yet(self):
        self.schedule.release_at_manual = fields.Datetime.now() + timedelta(hours=2)
        with self.assertRaisesMsg(UserError, "released at"):
            self._book()

    def test_beyond_days_ahead(self):
        schedule = self._schedule(days=20, doctor=self.emp_head)
        with self.assertRaisesMsg(UserError, "7 days ahead"):
            self._book(schedule)

    def test_draft_and_stopped_schedules(self):
        draft = self._schedule(doctor=self.emp_head, publish=False)
        with self.assertRaisesMsg(UserError, "not open for booking"):
            self._book(draft)
        self.schedule.action_stop_clinic("Doctor at a conference")
        with self.assertRaisesMsg(UserError, "Doctor at a conference"):
            self._book()

    def test_no_second_booking_of_the_same_schedule(self):
        self._book()
        before = self.env["ihospital.appointment"].search_count([])
        with self.assertRaisesMsg(UserError, "already has an appointment"):
            self._book()
        self.assertEqual(self.env["ihospital.appointment"].search_count([]), before)
        self.assertEqual(self.schedule.booked_count, 1)

    def test_per_department_and_per_day_limits(self):
        self._book()
        other = self._schedule(doctor=self.emp_head, session="afternoon")
        with self.assertRaisesMsg(UserError, "already has an appointment in Cardiology"):
            self._book(other)
        self.hospital.write({"booking_max_per_department_day": 5, "booking_max_per_day": 1})
        with self.assertRaisesMsg(UserError, "the most allowed"):
            self._book(other)

    def test_no_show_suspension_online_only(self):
        for days in (-3, -4, -5):
            schedule = self._schedule(days=days, doctor=self.emp_head, publish=False)
            schedule.write({"state": "published"})
            schedule._generate_slots()
            self.env["ihospital.appointment"].create(
                {
                    "company_id": self.hospital.id,
                    "patient_id": self.patient_cardio.id,
                    "schedule_id": schedule.id,
                    "slot_id": schedule.slot_ids[0].id,
                    "state": "no_show",
                    "channel": "portal",
                }
            )
        with self.assertRaisesMsg(UserError, "online booking is suspended"):
            self._book()
        self.assertEqual(self._book(channel="window").state, "booked")

    def test_department_gender_and_age_restrictions(self):
        self.cardiology.booking_gender = "female"
        with self.assertRaisesMsg(UserError, "only sees women"):
            self._book()  # patient_cardio is a man
        self.cardiology.write({"booking_gender": False, "booking_max_age": 14})
        with self.assertRaisesMsg(UserError, "up to 14 years old"):
            self._book()

    def test_real_name_booking(self):
        anonymous = self.env["ihospital.patient"].create(
            {"name": "No Papers", "company_id": self.hospital.id, "id_type": "other"}
        )
        with self.assertRaisesMsg(UserError, "Real-name booking"):
            self._book(patient=anonymous)
        self.hospital.booking_real_name = False
        self.assertEqual(self._book(patient=anonymous).state, "booked")

    def test_patient_of_another_hospital(self):
        with self.assertRaisesMsg(UserError, "not registered at"):
            self._book(patient=self.patient_2)

    def test_no_slot_left(self):
        schedule = self._schedule(capacity=1, doctor=self.emp_head)
        self.hospital.booking_onsite_share = 0
        self._book(schedule)
        with self.assertRaisesMsg(UserError, "No slot left"):
            self._book(schedule, patient=self.patient_3)
        self.assertEqual(schedule.booked_count, 1)


@tagged("post_install", "-at_install")
class TestBookingLifecycle(BookingCase):
    def test_unpaid_hold_expires_and_frees_the_slot(self):
        schedule = self._schedule(fee=50, doctor=self.emp_head)
        appointment = self._book(schedule)
        appointment.hold_expires_at = fields.Datetime.now() - timedelta(minutes=1)
        self.env["ihospital.appointment"]._cron_expire_holds()
        self.assertEqual(appointment.state, "expired")
        self.assertEqual(schedule.booked_count, 0)

    def _paid_appointment(self, support_refund="none"):
        provider = self.env["payment.provider"].create(
            {
                "name": "Test Provider",
                "code": "none",
                "state": "test",
                "payment_method_ids": [Command.set(self.env.ref("payment.payment_method_unknown").ids)],
            }
        )
        schedule = self._schedule(fee=50, doctor=self.emp_head)
        appointment = self._book(schedule)
        tx = appointment._create_payment_transaction(
            provider, self.env.ref("payment.payment_method_unknown"), self.user_portal.partner_id
        )
        self.assertEqual(tx.amount, 50)
        with patch.object(type(provider), "support_refund", support_refund, create=True):
            tx._set_done()
        return appointment, tx

    def test_late_payment_takes_a_slot_again_or_is_refunded(self):
        schedule = self._schedule(fee=50, doctor=self.emp_head, capacity=1)
        appointment = self._book(schedule)
        appointment._expire()
        appointment._on_payment_done()
        self.assertEqual((appointment.state, appointment.payment_state), ("booked", "paid"))
        # the slot went to someone else meanwhile: refund instead
        appointment.slot_id._release()
        appointment.write({"state": "expired"})
        self._book(schedule, patient=self.patient_3, channel="window")
        appointment._on_payment_done()
        self.assertEqual((appointment.state, appointment.payment_state), ("expired", "refund_manual"))

    def test_notifications_go_to_the_patients_accounts(self):
        appointment = self.env["ihospital.appointment"]._book(
            self.schedule, self.patient_cardio, channel="window", user=self.user_nurse
        )
        self.assertFalse(appointment.message_ids, "nothing is rendered or posted inside the booking")
        Message = self.env["ihospital.sms.message"].sudo()
        self.assertFalse(Message.search([("number", "=", "+8613800138000")]))
        self.assertTrue(self._notices_cron_triggered(), "the notices cron is woken for right after commit")
        self.env["ihospital.appointment"]._cron_send_notices()  # what the notices cron does
        self.assertFalse(appointment.notice_pending)
        message = appointment.message_ids.filtered(lambda m: "confirmed" in (m.subject or ""))
        self.assertEqual(message.partner_ids, self.user_portal.partner_id)
        queued = Message.search([("number", "=", "+8613800138000"), ("state", "=", "queued")])
        self.assertIn("confirmed", queued.body, "the SMS waits for the cron, not sent inside the booking")
        self.assertEqual(
            (queued.purpose, queued.res_model, queued.res_id), ("booking_notice", appointment._name, appointment.id)
        )
        self.assertFalse(self._sms)
        self.flush_sms()
        self.assertSmsSent(["+8613800138000"], content="confirmed")
        self.assertEqual(queued.state, "sent")

    def test_notices_of_a_rush_go_out_in_one_batch_woken_once(self):
        """Every booking queues its confirmation; the first wakes the
        notices cron and the others find it already due."""
        first = self._book()
        second = self._book(patient=self.patient_surgery)
        self.assertEqual(self._notices_cron_triggered(), 1)
        self.assertEqual((first.notice_pending, second.notice_pending), ("booked", "booked"))
        first.action_cancel()
        self.assertEqual(first.notice_pending, "booked,cancelled", "both go out, in order")
        self.env["ihospital.appointment"]._cron_send_notices()
        self.assertFalse((first | second).filtered("notice_pending"))
        subjects = first.message_ids.sorted("id").mapped("subject")
        self.assertEqual(len(subjects), 2)
        self.assertIn("confirmed", subjects[0])
        self.assertIn("cancelled", subjects[1])
        self.assertTrue(second.message_ids.filtered(lambda m: "confirmed" in (m.subject or "")))

    def test_a_notice_that_fails_does_not_hold_back_the_others(self):
        first = self._book()
        second = self._book(patient=self.patient_surgery)
        Appointment = type(self.env["ihospital.appointment"])
        send = Appointment._send_notice

        def failing_for_first(appointments, kind):
            if first in appointments:
                raise ValueError("a broken template")
            return send(appointments, kind)

        with (
            patch.object(Appointment, "_send_notice", failing_for_first),
            mute_logger("odoo.addons.ihospital_base.models.ihospital_appointment"),
        ):
            self.env["ihospital.appointment"]._cron_send_notices()
        self.assertFalse((first | second).filtered("notice_pending"), "the failing one is dropped, not retried forever")
        self.assertFalse(first.message_ids)
        self.assertTrue(second.message_ids.filtered(lambda m: "confirmed" in (m.subject or "")))

    def test_payment_confirms_the_hold(self):
        appointment, _tx = self._paid_appointment()
        self.assertEqual((appointment.state, appointment.payment_state), ("booked", "paid"))

    def test_cancellation_refunds_or_flags_manual_refund(self):
        appointment, _tx = self._paid_appointment()
        appointment.action_cancel()
        self.assertEqual(appointment.state, "cancelled")
        self.assertEqual(appointment.payment_state, "refund_manual")
        self.assertTrue(appointment.activity_ids)
        self.assertEqual(appointment.schedule_id.booked_count, 0)

    def test_cancellation_refunds_through_provider(self):
        appointment, tx = self._paid_appointment()
        with (
            patch.object(type(tx.provider_id), "support_refund", "full_only", create=True),
            patch.object(type(tx), "_send_refund_request") as refund,
        ):
            appointment.action_cancel()
        refund.assert_called_once()
        self.assertEqual(appointment.payment_state, "refunded")

    def test_cancellation_cut_off(self):
        appointment = self._book()
        self.hospital.booking_cancel_cutoff_hours = 72
        with self.assertRaisesMsg(UserError, "up to 72 hours before"):
            appointment.action_cancel()
        self.assertEqual(appointment.state, "booked")

    def test_stop_clinic_cancels_and_notifies(self):
        appointment = self._book()
        self.env["ihospital.appointment"]._cron_send_notices()
        self.flush_sms()  # the booking confirmation goes first
        self._sms.clear()
        with self.assertRaisesMsg(UserError, "Give the reason"):
            self.schedule.action_stop_clinic(" ")
        self.schedule.action_stop_clinic("Emergency surgery")
        self.assertEqual(self.schedule.state, "stopped")
        self.assertEqual((appointment.state, appointment.cancelled_by), ("cancelled", "hospital"))
        self.assertIn("Emergency surgery", appointment.cancel_reason)
        self.env["ihospital.appointment"]._cron_send_notices()
        self.assertTrue(appointment.message_ids.filtered(lambda m: "confirmed" in (m.subject or "")))
        self.assertTrue(appointment.message_ids.filtered(lambda m: "stopped" in (m.subject or "")))
        self.flush_sms()  # what the SMS cron does
        self.assertSmsSent(["+8613800138000"], content="is stopped")

    def test_no_show_after_session(self):
        appointment = self._book()
        self.schedule.session_end = fields.Datetime.now() - timedelta(minutes=1)
        self.env["ihospital.schedule"]._cron_mark_no_shows()
        self.assertEqual(appointment.state, "no_show")

    def test_a_full_clinic_is_refused_cheaply(self):
        """The bulk of a booking rush is refusals: they do not lock (update)
        the patient or count the rules, and their cost is pinned."""
        full = self._schedule(capacity=1, days=3, doctor=self.emp_head)
        self._book(full)
        self.env.flush_all()
        self.env.cr.execute("SELECT xmin::text FROM ihospital_patient WHERE id = %s", [self.patient_surgery.id])
        before = self.env.cr.fetchone()
        with self.assertQueryCount(4), self.assertRaisesMsg(UserError, "No slot left"):
            self._book(full, patient=self.patient_surgery)
        self.env.cr.execute("SELECT xmin::text FROM ihospital_patient WHERE id = %s", [self.patient_surgery.id])
        self.assertEqual(self.env.cr.fetchone(), before, "the patient's row was not touched")

    def test_day_before_reminder(self):
        tomorrow = self._schedule(days=1, doctor=self.emp_head, session="evening")
        appointment = self._book(tomorrow)
        later = self._book(patient=self.patient_surgery)  # two days ahead
        self.hospital.booking_reminder_hour = 0.0  # due all day
        self.env["ihospital.appointment"]._cron_send_reminders()
        self.assertTrue(appointment.reminder_sent)
        self.assertFalse(later.reminder_sent, "only tomorrow's")

    def test_reminders_wait_for_the_hospitals_hour(self):
        self.hospital.write({"hospital_tz": "Asia/Shanghai", "booking_reminder_hour": 18.0})
        # 09:59 and 10:00 UTC are 17:59 and 18:00 in Guangzhou
        self.assertFalse(self.hospital._ihospital_reminders_due(fields.Datetime.to_datetime("2026-12-04 09:59:00")))
        self.assertTrue(self.hospital._ihospital_reminders_due(fields.Datetime.to_datetime("2026-12-04 10:00:00")))
        tomorrow = self._schedule(days=1, doctor=self.emp_head, session="evening")
        appointment = self._book(tomorrow)
        with patch.object(type(self.hospital), "_ihospital_reminders_due", return_value=False):
            self.env["ihospital.appointment"]._cron_send_reminders()
        self.assertFalse(appointment.reminder_sent)

    def test_reminders_go_out_in_batches_until_none_is_left(self):
        """More bookings than a batch: the cron reports what is left and
        runs again (Odoo reruns a cron that reports remaining work)."""
        self.hospital.booking_reminder_hour = 0.0
        tomorrow = self._schedule(capacity=6, days=1, doctor=self.emp_head, session="evening")
        self.hospital.booking_max_per_day = 5
        appointments = self._book(tomorrow) | self._book(tomorrow, patient=self.patient_surgery)
        appointments |= self._book(tomorrow, patient=self.patient_3)
        progress = []
        Cron = type(self.env["ir.cron"])
        with (
            patch("odoo.addons.ihospital_base.models.ihospital_appointment.REMINDER_BATCH", 2),
            patch.object(
                Cron,
                "_notify_progress",
                lambda cron, done, remaining, deactivate=False: progress.append((done, remaining)),
            ),
        ):
            self.env["ihospital.appointment"]._cron_send_reminders()
            self.assertEqual(progress[-1], (2, 1))
            self.env["ihospital.appointment"]._cron_send_reminders()
            self.assertEqual(progress[-1], (1, 0))
        self.assertTrue(all(appointments.mapped("reminder_sent")))

    def test_check_in_queue_and_consultation(self):
        first = self._book()
        second = self._book(patient=self.patient_surgery)
        third = self._book(patient=self.patient_3)
        (first | second | third).action_check_in()
        self.assertEqual([first.queue_number, second.queue_number, third.queue_number], [1, 2, 3])
        self.assertEqual(third.people_ahead, 2)
        with self.assertRaisesMsg(UserError, "cannot be checked in"):
            first.action_check_in()
        self.schedule.with_user(self.user_nurse).action_call_next()
        self.assertEqual(self.schedule.current_appointment_id, first)
        self.assertEqual(first.queue_state, "called")
        self.schedule.with_user(self.user_nurse).action_recall()
        self.assertEqual(first.recall_count, 1)
        first.with_user(self.user_nurse).action_skip()
        self.schedule.with_user(self.user_nurse).action_call_next()
        self.assertEqual(self.schedule.current_appointment_id, second)
        first.with_user(self.user_nurse).action_requeue()
        second.with_user(self.user_doctor).action_start_consultation()
        second.with_user(self.user_doctor).action_finish_consultation()
        self.assertEqual(second.state, "done")
        self.assertEqual(second.visit_id.source, "appointment")
        # the returning patient goes before number 3
        self.schedule.with_user(self.user_nurse).action_call_next()
        self.assertEqual(self.schedule.current_appointment_id, first)
        self.assertEqual(third.people_ahead, 1)
        self.assertGreater(third.estimated_wait_minutes, 0)

    def test_check_in_window(self):
        appointment = self._book()
        self.hospital.booking_checkin_before = 30
        with self.assertRaisesMsg(UserError, "Check-in opens 30 minutes"):
            appointment.action_check_in()

    def test_queue_changes_are_pushed_on_the_bus(self):
        appointment = self._book()
        appointment.action_check_in()
        self.env.cr.precommit.run()  # the bus writes its notifications at commit time
        channel = f'["{self.env.cr.dbname}","ihospital_queue_department_{self.cardiology.id}"]'
        notes = self.env["bus.bus"].sudo().search([("channel", "=", channel)])
        self.assertTrue(notes)
        payload = json.loads(notes[-1].message)["payload"]
        self.assertEqual((payload["waiting_count"], payload["next_numbers"]), (1, [1]))


@tagged("post_install", "-at_install")
class TestBookingSecurity(BookingCase):
    def test_director_and_quality_cannot_run_clinic(self):
        appointment = self._book()
        for user in (self.user_director, self.user_quality):
            with self.assertRaises(AccessError):
                appointment.with_user(user).action_check_in()

    def test_staff_of_another_department_cannot_call(self):
        self._book().action_check_in()
        with self.assertRaises(AccessError):
            self.schedule.with_user(self.user_surgeon).action_call_next()

    def test_portal_cannot_run_the_queue_or_read_others(self):
        appointment = self._book()
        with self.assertRaises(AccessError):
            self.schedule.with_user(self.user_portal).action_call_next()
        with self.assertRaises(AccessError):
            appointment.with_user(self.user_portal_other).read(["name"])
        self.assertEqual(appointment.with_user(self.user_portal).read(["state"])[0]["state"], "booked")

    def test_other_hospital_sees_nothing(self):
        appointment = self._book()
        self.assertFalse(
            self.env["ihospital.appointment"].with_user(self.user_doctor_2).search([("id", "=", appointment.id)])
        )
        self.assertFalse(
            self.env["ihospital.schedule"].with_user(self.user_doctor_2).search([("id", "=", self.schedule.id)])
        )

    def test_only_heads_and_admins_stop_clinics(self):
        with self.assertRaises(AccessError):
            self.env["ihospital.schedule.stop"].with_user(self.user_doctor).create(
                {"schedule_id": self.schedule.id, "reason": "x"}
            )
        wizard = (
            self.env["ihospital.schedule.stop"]
            .with_user(self.user_head)
            .create({"schedule_id": self.schedule.id, "reason": "Sick leave"})
        )
        wizard.action_confirm()
        self.assertEqual(self.schedule.state, "stopped")

    def test_nurse_books_for_a_patient_at_the_window(self):
        wizard = (
            self.env["ihospital.appointment.book"]
            .with_user(self.user_nurse)
            .create({"schedule_id": self.schedule.id, "patient_id": self.patient_cardio.id, "channel": "window"})
        )
        action = wizard.action_book()
        appointment = self.env["ihospital.appointment"].browse(action["res_id"])
        self.assertEqual((appointment.channel, appointment.user_id), ("window", self.user_nurse))
        with self.assertRaises(AccessError):
            self.env["ihospital.appointment.book"].with_user(self.user_director).create(
                {"schedule_id": self.schedule.id, "patient_id": self.patient_surgery.id}
            )
