"""Scheduling and sending: each step on its day at its hour in the
hospital's time zone; never in the quiet hours; at most the weekly cap of
messages a patient; nothing to an opted-out number or a deceased patient;
a minor's messages to the guardian; the sending cron's queries pinned."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.addons.ihospital_base.tests.common import ID_CHILD_2018
from odoo.tests import tagged

from .common import FollowupCase, local

# the event of most tests: 2026-03-10 15:00 in Beijing
EVENT = local(2026, 3, 10, 15, 0)


@tagged("post_install", "-at_install")
class TestFollowupSchedule(FollowupCase):
    def _followup(self, visit=None, event=EVENT):
        with freeze_time(event):
            return self._finish_visit(visit or self.visit_surgery, end=event)

    def _run_at(self, when):
        with freeze_time(when):
            self._send_due()

    def test_due_times_in_the_hospital_time_zone(self):
        followup = self._followup()
        self.assertEqual(
            followup.followup_message_ids.sorted("due_at").mapped("due_at"),
            [local(2026, 3, 11, 10, 0), local(2026, 3, 13, 10, 0)],
            "day 1 and day 3 at 10:00 Beijing time",
        )
        # a hospital in another time zone: 10:00 in Berlin is 09:00 UTC in March
        self.hospital_2.hospital_tz = "Europe/Berlin"
        with freeze_time("2026-03-10 12:00:00"):
            other = self._finish_visit(self.visit_2, end=fields.Datetime.now())
        self.assertEqual(other.followup_message_ids.due_at, fields.Datetime.to_datetime("2026-03-11 09:00:00"))
        # the event's day in the hospital's time: 23:30 in Beijing on the 10th is still the 10th
        late = self.visit_cardio.copy({"external_ref": "V-L", "source": "his"})
        self.plan_cardiology.step_ids.day_offset = 0
        followup = self._followup(late, event=local(2026, 3, 10, 23, 30))
        self.assertEqual(
            followup.followup_message_ids.due_at, local(2026, 3, 10, 23, 30), "day 0 at 09:30 passed: at once"
        )

    def test_sent_by_sms_with_the_personal_link(self):
        followup = self._followup()
        self._run_at(local(2026, 3, 11, 10, 0))
        care, survey = followup.followup_message_ids.sorted("due_at")
        self.assertEqual((care.state, survey.state), ("sent", "planned"))
        self.assertEqual(care.recipient, "patient")
        self.assertEqual(care.sms_message_id.number, "+8613912345678")
        self.assertEqual(care.sms_message_id.template_id.code, "followup_care")
        self.assertIn("Liang Wanting", care.portal_text)
        self._run_at(local(2026, 3, 13, 10, 5))
        answer = survey.user_input_id
        self.assertEqual(survey.state, "sent")
        self.assertEqual(answer.survey_id, self.survey)
        self.assertEqual(
            (
                answer.company_id,
                answer.ihospital_doctor_id,
                answer.ihospital_department_id,
                answer.ihospital_patient_id,
            ),
            (self.hospital, self.emp_surgeon, self.surgery, self.patient_surgery),
        )
        self.assertEqual(answer.ihospital_expires_at, local(2026, 3, 13, 10, 5) + timedelta(days=14))
        self.assertEqual(survey.expires_at, answer.ihospital_expires_at)
        self.assertIn(
            f"/survey/start/{self.survey.access_token}?answer_token={answer.access_token}", survey.sms_message_id.body
        )
        # the link expires
        self._run_at(local(2026, 3, 27, 10, 6))
        self.assertEqual(survey.state, "expired")
        self.assertEqual(followup.state, "done")

    def test_never_at_night(self):
        followup = self._followup()
        care = followup.followup_message_ids.sorted("due_at")[0]
        care.due_at = local(2026, 3, 11, 6, 0)
        self._run_at(local(2026, 3, 11, 7, 0))
        self.assertEqual((care.state, care.due_at), ("planned", local(2026, 3, 11, 8, 0)), "until 08:00")
        care.due_at = local(2026, 3, 11, 20, 0)
        self._run_at(local(2026, 3, 11, 22, 30))
        self.assertEqual((care.state, care.due_at), ("planned", local(2026, 3, 12, 8, 0)), "the next morning")
        self._run_at(local(2026, 3, 12, 8, 0))
        self.assertEqual(care.state, "sent")
        # the hospital's own quiet hours
        self.hospital.write({"ihospital_followup_quiet_start": 12.0, "ihospital_followup_quiet_end": 14.0})
        survey = followup.followup_message_ids - care
        survey.due_at = local(2026, 3, 13, 12, 0)
        self._run_at(local(2026, 3, 13, 12, 30))
        self.assertEqual(survey.due_at, local(2026, 3, 13, 14, 0))

    def test_weekly_cap(self):
        visits = [self.visit_surgery] + [
            self.visit_surgery.copy({"external_ref": f"V-C{index}", "source": "his"}) for index in range(2)
        ]
        followups = self.Followup.browse()
        for visit in visits:
            followups |= self._followup(visit)
        self.assertEqual(len(followups.followup_message_ids), 6)
        first = local(2026, 3, 14, 10, 30)
        self._run_at(first)
        sent = followups.followup_message_ids.filtered("sent_at")
        self.assertEqual(len(sent), 2, "two a week")
        waiting = followups.followup_message_ids - sent
        self.assertEqual(set(waiting.mapped("state")), {"planned"}, "pushed, not dropped")
        self.assertEqual(set(waiting.mapped("due_at")), {first + timedelta(days=7, seconds=1)})
        self._run_at(first + timedelta(days=6))
        self.assertEqual(len(followups.followup_message_ids.filtered("sent_at")), 2)
        self._run_at(first + timedelta(days=7, seconds=2))
        self.assertEqual(len(followups.followup_message_ids.filtered("sent_at")), 4)
        # the hospital's cap
        self.hospital.ihospital_followup_weekly_cap = 3
        self._run_at(first + timedelta(days=14, seconds=3))
        self.assertEqual(len(followups.followup_message_ids.filtered("sent_at")), 6)

    def test_sms_opt_out_stops(self):
        followup = self._followup()
        self.env["ihospital.sms"]._receive_reply(self.hospital, "13912345678", "退订")
        self._run_at(local(2026, 3, 11, 10, 0))
        care, survey = followup.followup_message_ids.sorted("due_at")
        self.assertEqual((care.state, survey.state), ("skipped", "cancelled"))
        self.assertFalse(care.sms_message_id)
        self.assertEqual((followup.state, followup.stop_reason), ("stopped", "opt_out"))
        self.assertFalse(self.env["ihospital.sms.message"].sudo().search([("res_model", "=", care._name)]))

    def test_deceased_cancels_at_once(self):
        followup = self._followup()
        self.patient_surgery.sudo().write({"deceased": True, "deceased_at": EVENT + timedelta(hours=3)})
        self.assertEqual(set(followup.followup_message_ids.mapped("state")), {"cancelled"})
        self.assertEqual((followup.state, followup.stop_reason), ("stopped", "deceased"))
        self._run_at(local(2026, 3, 14, 10, 0))
        self.assertFalse(followup.followup_message_ids.sms_message_id)

    def test_portal_switch_cancels_at_once(self):
        followup = self._followup()
        self.patient_surgery.sudo().write({"followup_opt_out": True})
        self.assertEqual(set(followup.followup_message_ids.mapped("state")), {"cancelled"})
        self.assertEqual(followup.stop_reason, "opt_out")
        # a new encounter of that patient starts nothing
        other = self.visit_surgery.copy({"external_ref": "V-O", "source": "his"})
        self.assertFalse(self._followup(other))

    def test_minor_to_the_guardian(self):
        child = self.env["ihospital.patient"].create(
            {
                "name": "Chen Xiaoyu",
                "company_id": self.hospital.id,
                "id_number": ID_CHILD_2018,
                "guardian_name": "Chen Zhiqiang",
                "guardian_phone": "13700137000",
                "phone": "13600136000",
            }
        )
        visit = self.visit_surgery.copy({"patient_id": child.id, "external_ref": "V-K", "source": "his"})
        followup = self._followup(visit)
        self._run_at(local(2026, 3, 11, 10, 0))
        care = followup.followup_message_ids.sorted("due_at")[0]
        self.assertEqual((care.state, care.recipient), ("sent", "guardian"))
        self.assertEqual(care.sms_message_id.number, "+8613700137000")

    def test_no_number_fails_visibly(self):
        self.patient_surgery.sudo().phone = False
        followup = self._followup()
        self._run_at(local(2026, 3, 11, 10, 0))
        care = followup.followup_message_ids.sorted("due_at")[0]
        self.assertEqual(care.state, "failed")
        self.assertTrue(care.skip_reason)

    def test_sending_cron_queries(self):
        """The cron's queries do not grow with the batch."""
        Patient = self.env["ihospital.patient"]

        def batch(count, first_number):
            followups = self.Followup.browse()
            for index in range(count):
                patient = Patient.create(
                    {
                        "name": f"P{first_number + index}",
                        "company_id": self.hospital.id,
                        "phone": f"1380013{first_number + index:04d}",
                    }
                )
                visit = self.visit_surgery.copy(
                    {"patient_id": patient.id, "external_ref": f"V-Q{first_number + index}"}
                )
                followups |= self._followup(visit)
            # both steps due at once: a care message and a survey each
            followups.followup_message_ids.write({"due_at": local(2026, 3, 11, 9, 0)})
            return followups

        # a first run warms Odoo's caches (templates, xml ids, the hospital), as on a running server
        batch(1, 50)
        with freeze_time(local(2026, 3, 11, 10, 0)):
            self._send_due()
        small = batch(2, 100)
        self.env.invalidate_all()
        with freeze_time(local(2026, 3, 11, 10, 0)), self.assertQueryCount(__system__=QUERIES):
            self._send_due()
        self.assertEqual(set(small.followup_message_ids.mapped("state")), {"sent"})
        large = batch(6, 200)
        self.env.invalidate_all()
        with freeze_time(local(2026, 3, 11, 10, 0)), self.assertQueryCount(__system__=QUERIES):
            self._send_due()
        self.assertEqual(set(large.followup_message_ids.mapped("state")), {"sent"})


# the sending cron's run, whatever the batch (4 or 12 messages, half of them
# surveys): the due search, the reads, the opt-outs, the weekly window, the
# answers' and the texts' INSERTs, one UPDATE of the messages, the wake-ups
QUERIES = 34
