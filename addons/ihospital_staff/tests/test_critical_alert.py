"""Issue 11: critical values (危急值) detected from results, routed at once,
acknowledged with read-back, handled, closed, escalated on timers, with an
append-only trail; and who must not see or act on them."""

import json
from datetime import datetime, timedelta
from unittest.mock import patch

import pytz
from freezegun import freeze_time

from odoo import Command, fields
from odoo.addons.bus.models.bus import channel_with_db, json_dump
from odoo.addons.ihospital_base.tests.common import MockSmsProvider
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CriticalCase, DutyCase

# A batch of critical results raised and routed: the alerts, their
# recipients, trail and live notices, each written once for the batch (the
# trail's hospital in its INSERT, the recipients created as told).
QUERIES_PER_CRITICAL_BATCH = 25


@tagged("post_install", "-at_install")
class TestCriticalDetection(CriticalCase, MockSmsProvider):
    def test_each_critical_line_raises_one_alert_routed_at_once(self):
        report = self._report(
            lines=(("K", "Potassium", "6.8", "HH"), ("NA", "Sodium", "140", "N"), ("GLU", "Glucose", "1.9", "LL"))
        )
        alerts = self._alerts(report)
        self.assertEqual(sorted(alerts.mapped("item")), ["Glucose", "Potassium"])
        potassium = alerts.filtered(lambda a: a.item_code == "K")
        self.assertRecordValues(
            potassium,
            [
                {
                    "state": "to_acknowledge",
                    "value": "6.8",
                    "unit": "mmol/L",
                    "direction": "high",
                    "detected_by": "both",
                    "department_id": self.cardiology.id,
                    "doctor_id": self.emp_doctor.id,
                    "patient_label": "Chen Zhiqiang",
                    "needs_admin": False,
                    "level": 0,
                }
            ],
        )
        self.assertEqual(
            {(r.role, r.user_id) for r in potassium.recipient_ids},
            {("attending", self.user_doctor), ("department_head", self.user_head)},
        )
        self.assertEqual(potassium.next_escalation_at, potassium.detected_at + timedelta(minutes=10))
        self.assertEqual(potassium.event_ids.mapped("kind"), ["detected", "notified", "notified"])
        self.assertTrue(all(potassium.recipient_ids.mapped("notice_due")))

    def test_the_hospitals_limits_catch_what_the_source_did_not_flag(self):
        report = self._report(lines=(("K", "Potassium", "7.1", "H"), ("NA", "Sodium", "141", "N")))
        alert = self._alerts(report)
        self.assertEqual(len(alert), 1)
        limit = self.env["ihospital.critical.limit"].search([("company_id", "=", self.hospital.id), ("code", "=", "K")])
        self.assertRecordValues(alert, [{"detected_by": "rule", "direction": "high", "limit_id": limit.id}])

    def test_a_result_the_limits_cannot_judge_is_alerted_for_review(self):
        report = self._report(lines=(("K", "Potassium", "<7.5", "H"),))
        alert = self._alerts(report)
        self.assertEqual(len(alert), 1, "a bound that may cross the limit is never passed silently")
        self.assertTrue(alert.review_reason)
        self.assertEqual(alert.detected_by, "rule")
        unit = self._report(name="LAB-CV-2", lines=(("K", "Potassium", "9.1", "N"),))
        unit.result_ids.unit = "furlongs"
        self.assertEqual(len(self._alerts(unit)), 1)

    def test_vital_signs_and_critical_findings_alert_too(self):
        sign = self._vital_sign()
        vital = self.Alert.sudo().search([("vital_sign_id", "=", sign.id)])
        self.assertEqual((vital.source, vital.value, vital.department_id), ("vital", "78", self.cardiology))
        self.assertIn(self.user_head, vital.recipient_ids.user_id)
        ecg = self._ecg()
        finding = self.Alert.sudo().search([("imaging_report_id", "=", ecg.id)])
        self.assertEqual((finding.source, finding.value), ("imaging", "Ventricular fibrillation"))
        self.assertIs(finding.with_user(self.user_doctor).action_acknowledge("ventricular  fibrillation"), True)
        ecg.write({"impression": "resent"})
        self.assertEqual(self.Alert.sudo().search_count([("imaging_report_id", "=", ecg.id)]), 1)

    def test_resend_and_more_lines_do_not_duplicate(self):
        report = self._report()
        report.write({"state": "final"})
        report.result_ids.write({"flag": "HH"})
        self.env["ihospital.lab.report"].browse(report.ids)._alert_critical()
        self.assertEqual(len(self._alerts(report)), 1)

    def test_notices_cron_sends_one_activity_and_an_sms_per_recipient(self):
        report = self._report()
        alert = self._alerts(report)
        with self.mockSmsProvider(fail={"+8613800000002": "wrong number format"}):
            self.env["ihospital.critical.recipient"]._cron_send_notices()
        activities = alert.activity_ids
        self.assertEqual(activities.user_id, self.user_doctor | self.user_head)
        self.assertEqual(len(self._sms), 1, "the head's number failed")
        self.assertIn("6.8", self._sms[0]["body"])
        self.assertNotIn("Chen Zhiqiang", self._sms[0]["body"], "no full name in an SMS")
        self.assertEqual(
            {(r.user_id, r.sms_state) for r in alert.recipient_ids},
            {(self.user_doctor, "sent"), (self.user_head, "failed")},
        )
        failed = alert.event_ids.filtered(lambda e: e.kind == "notice_failed")
        self.assertEqual((failed.channel, failed.recipient_user_id), ("sms", self.user_head))
        # told again (an escalation): no second activity for the same person
        alert.recipient_ids._queue_notices()
        with self.mockSmsProvider():
            self.env["ihospital.critical.recipient"]._cron_send_notices()
        self.assertEqual(len(alert.activity_ids), 2)

    def test_notices_cron_yields_after_a_batch(self):
        """A batch per run: with more left, the cron is woken again at once
        instead of running batch after batch ahead of the HIS results."""
        alert = self._alerts(self._report())
        cron = self.env.ref("ihospital_staff.ir_cron_critical_notices")
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        with (
            patch("odoo.addons.ihospital_staff.models.ihospital_critical_recipient.NOTICE_BATCH", 1),
            self.mockSmsProvider(),
        ):
            self.env["ihospital.critical.recipient"]._cron_send_notices()
            self.assertEqual(len(alert.recipient_ids.filtered("notice_due")), 1, "one batch per run")
            self.assertTrue(Trigger.search([("cron_id", "=", cron.id)]), "woken again at once")
            Trigger.search([("cron_id", "=", cron.id)]).unlink()
            self.env["ihospital.critical.recipient"]._cron_send_notices()
            Trigger.search([("cron_id", "=", cron.id)]).unlink()
            self.env["ihospital.critical.recipient"]._cron_send_notices()
        self.assertFalse(alert.recipient_ids.filtered("notice_due"))
        self.assertFalse(Trigger.search([("cron_id", "=", cron.id)]), "nothing left: no wake-up")

    def test_sms_failures_are_in_the_trail_even_when_reported_later(self):
        """Critical-value SMS go through the hospital's SMS provider, sent
        at once by the notices cron: a provider that cannot be reached
        fails them at once (no waiting for retries), and a carrier's
        receipt of non-delivery, arriving later, is recorded too."""
        alert = self._alerts(self._report())
        with (
            self.mockSmsProvider(down=True),
            self.assertLogs("odoo.addons.ihospital_base.models.ihospital_sms_message", "WARNING"),
        ):
            self.env["ihospital.critical.recipient"]._cron_send_notices()
        self.assertEqual(set(alert.recipient_ids.mapped("sms_state")), {"failed"})
        self.assertEqual(len(alert.event_ids.filtered(lambda e: e.kind == "notice_failed")), 2)
        # told again with the provider back; then the doctor's phone is reported off
        alert.recipient_ids._queue_notices()
        with self.mockSmsProvider():
            self.env["ihospital.critical.recipient"]._cron_send_notices()
        doctor = alert.recipient_ids.filtered(lambda r: r.user_id == self.user_doctor)
        self.assertEqual(doctor.sms_state, "sent")
        message = (
            self.env["ihospital.sms.message"]
            .sudo()
            .search([("res_model", "=", doctor._name), ("res_id", "=", doctor.id)], order="id desc", limit=1)
        )
        self.assertEqual((message.purpose, message.number), ("critical_value", "+8613800000001"))
        self.assertNotIn("Chen Zhiqiang", message.body)
        self.env["ihospital.sms"]._apply_receipts(
            alert.company_id, [{"id": message.provider_message_id, "status": "failed", "reason": "用户关机"}]
        )
        self.assertEqual(doctor.sms_state, "failed")
        failed = alert.event_ids.filtered(lambda e: e.kind == "notice_failed" and e.recipient_id == doctor)
        self.assertEqual(len(failed), 2)
        self.assertEqual(failed.sorted("id")[-1].note, "用户关机")

    def test_someone_on_two_posts_is_told_once(self):
        """The department head is the attending doctor of this patient: one
        live notification and one SMS, both posts recorded."""
        alert = self._alerts(self._report(doctor_id=self.emp_head.id))
        self.assertEqual(
            {(r.role, r.user_id) for r in alert.recipient_ids},
            {("attending", self.user_head), ("department_head", self.user_head)},
        )
        self.env.cr.precommit.run()  # the bus notifications are written at commit
        channel = json_dump(channel_with_db(self.env.cr.dbname, self.user_head.partner_id))
        live = [
            json.loads(notification.message)
            for notification in self.env["bus.bus"].sudo().search([("channel", "=", channel)])
        ]
        self.assertEqual(
            [message["payload"]["id"] for message in live if message["type"] == "ihospital_critical/alert"],
            [alert.id],
        )
        with self.mockSmsProvider():
            self.env["ihospital.critical.recipient"]._cron_send_notices()
        self.assertEqual(len(self._sms), 1)
        self.assertEqual(alert.recipient_ids.mapped("sms_state"), ["sent", "sent"])
        self.assertEqual(len(alert.activity_ids), 1)

    def test_unknown_codes_and_unidentified_patient_still_alert(self):
        report = self._report(
            patient_id=False,
            his_patient_ref="P0100",
            department_id=False,
            doctor_id=False,
            his_department_code="X-NEW",
            his_doctor_code="D-NEW",
        )
        alert = self._alerts(report)
        self.assertEqual(len(alert), 1, "no waiting for master data or the patient's registration")
        self.assertTrue(alert.needs_admin)
        self.assertIn("X-NEW", alert.admin_note)
        self.assertIn("P0100", alert.patient_label)
        # nobody on duty is known in this test: the quality officers get it
        self.assertEqual(alert.recipient_ids.user_id, self.user_quality)
        self.assertEqual(alert.recipient_ids.role, "quality_officer")
        # identified: the alert names the patient and says so
        self.env["ihospital.lab.report"]._attach_unmatched(self.hospital, {})
        report.write({"patient_id": self.patient_cardio.id, "department_id": self.cardiology.id})
        self.assertEqual(alert.patient_id, self.patient_cardio)
        self.assertEqual(alert.patient_label, "Chen Zhiqiang")
        self.assertIn("identified", alert.event_ids.mapped("kind"))
        self.assertIn(self.user_head, alert.recipient_ids.user_id, "its department's head is told now")

    def test_correction_to_normal_withdraws_with_the_reason(self):
        report = self._report()
        alert = self._alerts(report)
        line = alert.lab_result_id
        line.write({"value": "4.1", "flag": "N"})
        self.assertEqual(alert.state, "withdrawn")
        self.assertIn("4.1", alert.withdrawn_reason)
        self.assertEqual(alert.lab_result_id, line, "the result line keeps its identity")
        self.assertEqual(alert.event_ids[-1].kind, "withdrawn")
        self.assertFalse(alert.next_escalation_at)

    def test_correction_to_another_critical_value_must_be_read_back_again(self):
        report = self._report()
        alert = self._alerts(report)
        self.assertIs(alert.with_user(self.user_doctor).action_acknowledge("6.8"), True)
        alert.lab_result_id.write({"value": "7.4"})
        self.assertEqual((alert.state, alert.value), ("to_acknowledge", "7.4"))
        corrected = alert.event_ids.filtered(lambda e: e.kind == "corrected")
        self.assertEqual((corrected.value, corrected.note), ("7.4", "was 6.8 mmol/L (HH)"))
        self.assertEqual(alert.event_ids[-1].kind, "notified", "everyone is told the new value")
        self.assertIsNot(alert.with_user(self.user_doctor).action_acknowledge("6.8"), True)
        self.assertIs(alert.with_user(self.user_doctor).action_acknowledge("7.40"), True)


@tagged("post_install", "-at_install")
class TestCriticalAcknowledgement(CriticalCase):
    def setUp(self):
        super().setUp()
        self.alert = self._alerts(self._report())

    def test_read_back_mismatch_is_refused_and_recorded(self):
        result = self.alert.with_user(self.user_nurse).action_acknowledge("8.6")
        self.assertIsInstance(result, str)
        self.assertIn("not the reported value", result)
        self.assertEqual(self.alert.state, "to_acknowledge")
        mismatch = self.alert.event_ids.filtered(lambda e: e.kind == "readback_mismatch")
        self.assertEqual((mismatch.user_id, mismatch.value), (self.user_nurse, "8.6"))

    def test_acknowledge_with_the_value_read_back(self):
        self.assertIs(self.alert.with_user(self.user_nurse).action_acknowledge(" 6.80 "), True)
        self.assertRecordValues(
            self.alert, [{"state": "acknowledged", "acknowledged_by_id": self.user_nurse.id, "receipt_due": True}]
        )
        self.assertGreaterEqual(self.alert.minutes_to_acknowledge, 0)
        self.assertEqual(self.alert.next_escalation_at, self.alert.detected_at + timedelta(minutes=30))
        with self.assertRaisesRegex(UserError, "already acknowledged"):
            self.alert.with_user(self.user_doctor).action_acknowledge("6.8")

    def test_the_ack_wizard_reopens_with_the_error(self):
        action = self.alert.with_user(self.user_doctor).action_open_acknowledge()
        wizard = self.env["ihospital.critical.ack.wizard"].with_user(self.user_doctor).browse(action["res_id"])
        self.assertTrue(wizard.value_is_number)
        wizard.readback_number = 6.3
        again = wizard.action_confirm()
        self.assertEqual(again["res_id"], wizard.id)
        self.assertIn("not the reported value", wizard.error)
        wizard.readback_number = 6.8
        self.assertEqual(wizard.action_confirm()["tag"], "soft_reload")
        self.assertEqual(self.alert.acknowledged_by_id, self.user_doctor)

    def test_handle_then_close(self):
        with self.assertRaisesRegex(UserError, "Acknowledge alert"):
            self.alert.with_user(self.user_doctor).action_handle("treatment", "calcium gluconate IV")
        self.alert.with_user(self.user_nurse).action_acknowledge("6.8")
        with self.assertRaisesRegex(UserError, "only once its handling"):
            self.alert.with_user(self.user_doctor).action_close()
        with self.assertRaisesRegex(UserError, "Describe what was done"):
            self.alert.with_user(self.user_doctor).action_handle("other", " ")
        self.alert.with_user(self.user_nurse).action_handle("doctor_notified", "told Dr Li")
        self.alert.with_user(self.user_doctor).action_handle("treatment", "calcium gluconate IV")
        self.assertEqual(self.alert.state, "handled")
        self.assertEqual(self.alert.handled_by_id, self.user_nurse, "the first handling step counts")
        self.assertIn("calcium gluconate", self.alert.handling_summary)
        with self.assertRaises(AccessError):
            self.alert.with_user(self.user_nurse).action_close()  # doctors close
        self.alert.with_user(self.user_doctor).action_close()
        self.assertEqual(self.alert.state, "closed")
        self.assertEqual(self.alert.event_ids.mapped("kind")[-4:], ["acknowledged", "handled", "handled", "closed"])


@tagged("post_install", "-at_install")
class TestCriticalRights(CriticalCase):
    def setUp(self):
        super().setUp()
        self.alert = self._alerts(self._report())

    def test_another_departments_nurse_neither_sees_nor_acknowledges(self):
        nurse = self.user_surgery_nurse
        self.assertFalse(self.Alert.with_user(nurse).search([("id", "=", self.alert.id)]))
        with self.assertRaises(AccessError):
            self.alert.with_user(nurse).action_acknowledge("6.8")
        self.assertEqual(self.alert.state, "to_acknowledge")

    def test_the_other_hospital_sees_nothing(self):
        doctor = self.user_doctor_2
        self.assertFalse(self.Alert.with_user(doctor).search([]))
        with self.assertRaises(AccessError):
            self.alert.with_user(doctor).read(["value"])
        with self.assertRaises(AccessError):
            self.alert.with_user(doctor).action_acknowledge("6.8")

    def test_supervisors_see_but_do_not_sign_for_clinicians(self):
        for user in (self.user_quality, self.user_director, self.user_admin):
            with self.subTest(user=user.login):
                self.assertEqual(self.Alert.with_user(user).search([("id", "=", self.alert.id)]), self.alert)
                with self.assertRaises(AccessError):
                    self.alert.with_user(user).action_acknowledge("6.8")

    def test_department_colleague_may_acknowledge(self):
        self.assertIn(self.alert, self.Alert.with_user(self.user_nurse).search([]))
        self.assertIs(self.alert.with_user(self.user_nurse).action_acknowledge("6.8"), True)

    def test_portal_has_no_access(self):
        with self.assertRaises(AccessError):
            self.Alert.with_user(self.user_portal).search([])

    def test_nobody_writes_creates_or_deletes_alerts_directly(self):
        for user in (self.user_doctor, self.user_admin):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.alert.with_user(user).write({"state": "closed"})
                with self.assertRaises(AccessError):
                    self.Alert.with_user(user).create(
                        {"company_id": self.hospital.id, "source": "lab", "item": "K", "value": "9"}
                    )
                with self.assertRaises(UserError):
                    self.alert.with_user(user).unlink()
        with self.assertRaises(UserError):
            self.alert.sudo().unlink()

    def test_the_trail_is_append_only_for_everyone(self):
        event = self.alert.event_ids[0]
        with self.assertRaises(UserError):
            event.with_user(self.user_admin).write({"note": "nothing happened"})
        with self.assertRaises(UserError):
            event.sudo().write({"note": "nothing happened"})
        with self.assertRaises(UserError):
            event.sudo().unlink()
        with self.assertRaises(AccessError):
            self.env["ihospital.critical.event"].with_user(self.user_admin).create(
                {"alert_id": self.alert.id, "kind": "closed"}
            )

    def test_unknown_action_or_context_does_not_open_doors(self):
        alert = self.alert.with_user(self.user_surgery_nurse).with_context(ihospital_engine=True, su=True)
        with self.assertRaises(AccessError):
            alert.action_handle("treatment", "x")


@tagged("post_install", "-at_install")
class TestCriticalEscalation(CriticalCase):
    def test_escalation_on_the_hospitals_timers(self):
        start = fields.Datetime.now()
        with freeze_time(start):
            alert = self._alerts(self._report())
        Alert = self.env["ihospital.critical.alert"]
        with freeze_time(start + timedelta(minutes=9)):
            Alert._cron_escalate()
            self.assertEqual((alert.level, alert.escalation_count), (0, 0))
        with freeze_time(start + timedelta(minutes=10, seconds=1)):
            Alert._cron_escalate()
            self.assertEqual((alert.level, alert.escalation_count), (1, 1))
            self.assertEqual(alert.event_ids.filtered(lambda e: e.kind == "escalated").level, 1)
            self.assertEqual(alert.next_escalation_at, start + timedelta(minutes=20, seconds=1))
        with freeze_time(start + timedelta(minutes=20, seconds=2)):
            Alert._cron_escalate()
            self.assertEqual((alert.level, alert.escalation_count), (1, 2), "repeated until acknowledged")
            alert.with_user(self.user_doctor).action_acknowledge("6.8")
            self.assertEqual(alert.next_escalation_at, start + timedelta(minutes=30))
        with freeze_time(start + timedelta(minutes=30, seconds=1)):
            Alert._cron_escalate()
            self.assertEqual((alert.level, alert.escalation_count), (2, 3), "not handled in time")
            alert.with_user(self.user_doctor).action_handle("retest", "repeat potassium")
        with freeze_time(start + timedelta(minutes=45)):
            Alert._cron_escalate()
            self.assertEqual(alert.escalation_count, 3, "handled: no more escalation")
        notified = alert.event_ids.filtered(lambda e: e.kind == "notified" and e.channel == "bus")
        self.assertEqual(len(notified), 2 * 4, "both recipients told at detection and at each of 3 escalations")

    def test_escalations_go_before_the_notices_bookkeeping(self):
        """In each turn of the cron worker the escalation pass runs before the
        activities and SMS of earlier notices (their live notices are out)."""
        escalation = self.env.ref("ihospital_staff.ir_cron_critical_escalation")
        notices = self.env.ref("ihospital_staff.ir_cron_critical_notices")
        (escalation | notices).write({"nextcall": datetime(2000, 1, 1)})
        self.env.flush_all()
        ready = [job["id"] for job in self.env["ir.cron"]._get_all_ready_jobs(self.env.cr)]
        self.assertLess(ready.index(escalation.id), ready.index(notices.id))

    def test_hospital_timers_are_settings(self):
        self.hospital.write({"critical_ack_minutes": 5, "critical_handle_minutes": 15})
        start = fields.Datetime.now()
        with freeze_time(start):
            alert = self._alerts(self._report())
        self.assertEqual(alert.next_escalation_at, start + timedelta(minutes=5))
        with self.assertRaisesRegex(Exception, "before acknowledging"):
            self.hospital.write({"critical_handle_minutes": 3})


@tagged("post_install", "-at_install")
class TestCriticalRouting(CriticalCase, DutyCase):
    """Who is on duty at the moment of the alert, from the roster."""

    def _local_date(self, moment):
        """The duty date of a shift starting at `moment` (hospital time)."""
        tz = pytz.timezone(self.hospital.hospital_tz or "Asia/Shanghai")
        return pytz.utc.localize(moment).astimezone(tz).date()

    def test_a_duty_handset_takes_the_texts(self):
        """A department's duty handset (值班手机) typed in the roster gets the
        text; a landline duty number does not take texts: the clinician's
        work mobile does."""
        now = fields.Datetime.now()
        start, stop = now - timedelta(hours=1), now + timedelta(hours=8)
        night = {"kind": "custom", "start": start, "stop": stop, "date": self._local_date(start)}
        self._shift(self.emp_nurse, "nurse", self.cardiology, duty_phone="13911112222", **night)
        alert = self._alerts(self._report())
        self.assertEqual(alert.recipient_ids.filtered(lambda r: r.role == "duty_nurse").phone, "13911112222")

    def test_on_duty_staff_are_told_and_hospital_posts_on_escalation(self):
        now = fields.Datetime.now()
        start, stop = now - timedelta(hours=1), now + timedelta(hours=8)
        night = {"kind": "custom", "start": start, "stop": stop, "date": self._local_date(start)}
        self._shift(self.emp_surgeon, "doctor", self.surgery, **night)  # another department's
        self._shift(self.emp_nurse, "nurse", self.cardiology, **night)
        self._shift(self.emp_quality, "medical_affairs", **night)
        alert = self._alerts(self._report())
        self.assertEqual(
            {(r.role, r.user_id) for r in alert.recipient_ids},
            {
                ("attending", self.user_doctor),
                ("department_head", self.user_head),
                ("duty_nurse", self.user_nurse),
            },
        )
        duty_nurse = alert.recipient_ids.filtered(lambda r: r.role == "duty_nurse")
        self.assertEqual(duty_nurse.phone, "13800000001", "her work mobile: the roster's number is a landline")
        # she hides it from colleagues: they read it masked, and cannot find it
        Recipient = self.env["ihospital.critical.recipient"].with_user(self.user_head)
        self.assertEqual(Recipient.browse(duty_nurse.id).read(["phone"])[0]["phone"], "138****0001")
        self.assertFalse(Recipient.search([("id", "=", duty_nurse.id), ("phone", "=like", "1380%")]))
        self.assertEqual(Recipient.search([("id", "=", duty_nurse.id), ("phone", "!=", False)]), duty_nurse)
        self.assertEqual(duty_nurse.with_user(self.user_nurse).read(["phone"])[0]["phone"], "13800000001")
        with freeze_time(now + timedelta(minutes=11)):
            self.Alert._cron_escalate()
        self.assertIn(("medical_affairs", self.user_quality), {(r.role, r.user_id) for r in alert.recipient_ids})
        self.assertEqual(alert.recipient_ids.filtered(lambda r: r.role == "medical_affairs").level, 1)

    def test_no_department_goes_to_the_hospital_posts_on_duty(self):
        now = fields.Datetime.now()
        self._shift(
            self.emp_quality,
            "medical_affairs",
            kind="custom",
            start=now - timedelta(hours=1),
            stop=now + timedelta(hours=1),
            date=self._local_date(now - timedelta(hours=1)),
        )
        alert = self._alerts(self._report(department_id=False, doctor_id=False))
        self.assertEqual({(r.role, r.user_id) for r in alert.recipient_ids}, {("medical_affairs", self.user_quality)})
        self.assertTrue(alert.needs_admin)


@tagged("post_install", "-at_install")
class TestCriticalActivities(CriticalCase, MockSmsProvider):
    def test_a_recipient_marks_the_to_do_done_from_the_activity(self):
        alert = self._alerts(self._report())
        with self.mockSmsProvider():
            self.env["ihospital.critical.recipient"]._cron_send_notices()
        activity = alert.activity_ids.filtered(lambda a: a.user_id == self.user_doctor)
        activity.with_user(self.user_doctor).action_feedback(feedback="seen")
        self.assertFalse(activity.exists())
        self.assertEqual(alert.state, "to_acknowledge", "a to-do done is not an acknowledgement")


@tagged("post_install", "-at_install")
class TestCriticalDetectionCost(CriticalCase):
    """Raising and routing a batch of critical values: the same queries for
    5 results as for 10 (a HIS batch applies them all at once)."""

    def _normal_lines(self, count, first):
        reports = self.env["ihospital.lab.report"].create(
            [
                {
                    "name": f"LAB-Q{first + n}",
                    "company_id": self.hospital.id,
                    "patient_id": (self.patient_cardio if n % 2 else self.patient_surgery).id,
                    "department_id": (self.cardiology if n % 2 else self.surgery).id,
                    "doctor_id": (self.emp_doctor if n % 2 else self.emp_surgeon).id,
                    "title": "Electrolytes",
                    "source": "his",
                    "result_ids": [Command.create({"code": "K", "name": "Potassium", "value": "4.1", "flag": "N"})],
                }
                for n in range(count)
            ]
        )
        self.env.flush_all()
        self.env.invalidate_all()
        return reports.result_ids

    def test_a_batch_of_critical_values_costs_a_fixed_number_of_queries(self):
        self._normal_lines(2, 900).write({"value": "7.2", "flag": "HH"})  # warm caches
        for first, count in ((100, 5), (200, 10)):
            lines = self._normal_lines(count, first)
            with self.assertQueryCount(__system__=QUERIES_PER_CRITICAL_BATCH):
                lines.write({"value": "7.2", "flag": "HH"})
                self.env.flush_all()
            alerts = self.Alert.sudo().search([("lab_result_id", "in", lines.ids)])
            self.assertEqual(len(alerts), count)
            self.assertTrue(all(alerts.mapped("recipient_ids")))
