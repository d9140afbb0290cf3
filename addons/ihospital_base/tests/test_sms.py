"""Issue 12: the SMS provider layer. Each hospital texts through its own
provider with its signature and approved templates; texts leave after
commit; delivery receipts and opt-out replies come back authenticated;
numbers are masked; Odoo's own SMS never reach Odoo's IAP service."""

import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.addons.ihospital_base.models import ihospital_sms_message
from odoo.addons.ihospital_base.models.ihospital_sms import sms_number, sms_segments
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import IhospitalCase, MockSmsProvider

PHONE = "+8613800138000"
MESSAGE_LOGGER = "odoo.addons.ihospital_base.models.ihospital_sms_message"


class SmsCase(IhospitalCase, MockSmsProvider):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hospital.ihospital_sms_signature = "【测试总院】"
        cls.Sms = cls.env["ihospital.sms"]
        cls.Message = cls.env["ihospital.sms.message"].sudo()
        cls.group_template = cls.env["ihospital.sms.template"].create(
            {
                "name": "Staff meeting",
                "code": "group_meeting",
                "purpose": "group",
                "company_id": cls.hospital.id,
                "provider_template_code": "SMS_0001",
                "body": "${name}, the staff meeting is at ${time}.",
            }
        )

    def setUp(self):
        super().setUp()
        self.enterContext(self.mockSmsProvider())

    def _messages(self, number=PHONE):
        return self.Message.search([("number", "=", number)], order="id")


@tagged("post_install", "-at_install")
class TestSmsSending(SmsCase):
    def test_each_hospital_texts_through_its_provider_with_its_signature_and_templates(self):
        own = self.env["ihospital.sms.template"].create(
            {
                "name": "Report code (approved)",
                "code": "verification_report",
                "purpose": "verification",
                "company_id": self.hospital.id,
                "provider_template_code": "SMS_0002",
                "body": "Code ${code}, valid ${minutes} minutes.",
            }
        )
        self.hospital_2.ihospital_sms_provider = "none"
        values = {"code": "135790", "minutes": 10}
        first = self.Sms._send(self.hospital, "verification_report", [(PHONE, values, False)])
        second = self.Sms._send(self.hospital_2, "verification_report", [("13800138001", values, False)])
        self.flush_sms()
        self.assertEqual(len(self._sms), 1, "the hospital without a provider texts nobody")
        sent = self._sms[0]
        self.assertEqual((sent["company"], sent["template"]), (self.hospital, "verification_report"))
        self.assertEqual(sent["body"], "【测试总院】Code 135790, valid 10 minutes.")
        self.assertEqual(sent["variables"], {"code": "135790", "minutes": "10"})
        self.assertEqual((first.template_id, first.state, first.provider), (own, "sent", "demo"))
        self.assertEqual(first.provider_message_id, f"mock-{first.id}")
        self.assertEqual(second.template_id, self.env.ref("ihospital_base.sms_template_verification_report"))
        self.assertEqual((second.state, second.provider), ("failed", "none"))
        self.assertIn("no SMS provider", second.failure_reason)
        self.assertTrue(second.body.startswith("【Test Community Hospital】"), "no signature: the hospital's name")

    def test_a_patient_is_told_at_once_when_the_hospital_cannot_text(self):
        """The portal shows the error and keeps the request's writes: the
        check comes before a code is stored or counted."""
        verification = self.env["ihospital.report.verification"]._get_for(self.user_portal, self.patient_cardio)
        self.hospital.ihospital_sms_provider = "none"
        error = None
        try:
            verification._send_code()
        except UserError as exc:
            error = str(exc)
        self.assertIn("cannot text this phone now", error or "")
        self.assertFalse(verification.code_sent_at or verification.code_hash)
        self.assertFalse(self.env["ihospital.code.sent"].search([("user_id", "=", self.user_portal.id)]))
        self.assertFalse(self._messages())
        self.hospital.ihospital_sms_provider = "demo"
        verification._send_code()
        self.flush_sms()
        self.assertEqual((self._sms[-1]["number"], self._sms[-1]["template"]), (PHONE, "verification_report"))

    def test_a_provider_kind_added_by_an_addon_is_used_by_its_name(self):
        """The extension point: an addon adds a kind to the selection and
        its _provider_send_<kind> adapter (the kind is written in SQL here:
        this test adds no selection value)."""
        self.env.cr.execute("UPDATE res_company SET ihospital_sms_provider = 'acme' WHERE id = %s", [self.hospital.id])
        self.hospital.invalidate_recordset(["ihospital_sms_provider"])
        calls = []

        def send(messages):
            calls.append(messages.mapped("number"))
            return {message.id: ("delivered", f"acme-{message.id}", False) for message in messages}

        Message = type(self.env["ihospital.sms.message"])
        with patch.object(Message, "_provider_send_acme", send, create=True):
            message = self.Sms._send(
                self.hospital, self.group_template, [(PHONE, {"name": "Li", "time": "8:00"}, False)]
            )
            self.flush_sms()
        self.assertEqual(calls, [[PHONE]])
        self.assertEqual((message.state, message.provider_message_id), ("delivered", f"acme-{message.id}"))
        self.assertTrue(message.delivered_at)
        self.assertFalse(self._sms, "the demo adapter was not used")

    def test_a_missing_variable_is_a_clear_error_and_nothing_is_sent(self):
        before = self.Message.search_count([])
        recipients = [(PHONE, {"name": "Li", "time": "8:00"}, False), ("13912345678", {"name": "Wang"}, False)]
        with self.assertRaisesMsg(UserError, r"needs a value for \$\{time\}: nothing was sent"):
            self.Sms._send(self.hospital, self.group_template, recipients)
        with self.assertRaisesMsg(UserError, "no SMS template with the key nonsense"):
            self.Sms._send(self.hospital, "nonsense", [(PHONE, {}, False)])
        other = self.group_template.copy({"company_id": self.hospital_2.id})
        with self.assertRaisesMsg(UserError, "belongs to another hospital"):
            self.Sms._send(self.hospital, other, [(PHONE, {"name": "Li", "time": "8:00"}, False)])
        self.assertEqual(self.Message.search_count([]), before)
        self.flush_sms()
        self.assertFalse(self._sms)

    def test_templates_are_checked(self):
        with self.assertRaisesMsg(ValidationError, r"as \$\{name\}"):
            self.group_template.body = "Hello ${na me}"
        with self.assertRaisesMsg(ValidationError, "already an SMS template with the key group_meeting"):
            self.group_template.copy()
        self.assertEqual(self.group_template.variable_names, "name, time")

    def test_texts_leave_after_commit_through_the_cron(self):
        message = self.Sms._send(self.hospital, self.group_template, [(PHONE, {"name": "Li", "time": "8:00"}, False)])
        self.assertEqual(message.state, "queued")
        self.assertFalse(self._sms, "nothing goes out inside the transaction")
        cron = self.env.ref("ihospital_base.ir_cron_sms_send")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the SMS cron is woken")
        self.assertEqual(message.sudo().variables, {"name": "Li", "time": "8:00"})
        self.env["ihospital.sms.message"]._cron_send()  # what the cron does after commit
        self.assertEqual((message.state, len(self._sms)), ("sent", 1))
        self.assertTrue(message.sent_at)
        self.assertFalse(message.sudo().variables, "the variables are dropped once sent")

    def test_verification_codes_are_hidden_in_the_log_once_sent(self):
        message = self.Sms._send(
            self.hospital, "verification_report", [(PHONE, {"code": "246810", "minutes": 10}, False)]
        )
        self.assertIn("246810", message.body)
        self.flush_sms()
        self.assertIn("246810", self._sms[0]["body"], "the patient got the code")
        self.assertNotIn("246810", message.body)
        self.assertIn("******", message.body)

    def test_a_provider_that_cannot_be_reached_is_retried_then_failed(self):
        message = self.Sms._send(self.hospital, self.group_template, [(PHONE, {"name": "Li", "time": "8:00"}, False)])
        with self.mockSmsProvider(down=True), self.assertLogs(MESSAGE_LOGGER, "WARNING"):
            self.env["ihospital.sms.message"]._cron_send()
            self.assertEqual((message.state, message.attempts), ("queued", 1))
            self.assertGreater(message.next_try_at, fields.Datetime.now())
            self.env["ihospital.sms.message"]._cron_send()
            self.assertEqual(message.attempts, 1, "not tried again before its time")
            for _attempt in range(2):
                message.write({"next_try_at": fields.Datetime.now() - timedelta(seconds=1)})
                self.env["ihospital.sms.message"]._cron_send()
        self.assertEqual(message.state, "failed")
        self.assertIn("unreachable", message.failure_reason)

    def test_an_urgent_text_fails_at_once_when_the_provider_is_down(self):
        with self.mockSmsProvider(down=True), self.assertLogs(MESSAGE_LOGGER, "WARNING"):
            message = self.Sms._send(
                self.hospital, self.group_template, [(PHONE, {"name": "Li", "time": "8:00"}, False)], urgent=True
            )
        self.assertEqual(message.state, "failed", "the caller acts on the outcome now")

    def test_numbers_that_cannot_receive_texts_fail_and_are_masked(self):
        messages = self.Sms._send(
            self.hospital,
            self.group_template,
            [
                ("020-83821000", {"name": "Desk", "time": "8:00"}, False),
                ("139 1234 5678", {"name": "Li", "time": "8:00"}, False),
            ],
        )
        self.assertEqual(messages.mapped("state"), ["failed", "queued"])
        self.assertIn("cannot receive text messages", messages[0].failure_reason)
        self.assertEqual(messages[1].number, "+8613912345678")
        self.assertEqual(messages[1].number_masked, "+86139****5678")
        self.assertEqual(sms_number("13800138000"), PHONE)
        self.assertFalse(sms_number("020-83821000"), "a landline gets no texts")

    def test_billed_messages(self):
        self.assertEqual([sms_segments("字" * n) for n in (0, 1, 70, 71, 134, 135)], [0, 1, 1, 2, 2, 3])
        message = self.Sms._send(
            self.hospital, self.group_template, [(PHONE, {"name": "李" * 60, "time": "8:00"}, False)]
        )
        self.assertEqual(message.segments, 2, "signature included, over 70 characters")

    def test_the_demo_provider_logs_masked_numbers(self):
        message = self.Sms._send(self.hospital, self.group_template, [(PHONE, {"name": "Li", "time": "8:00"}, False)])
        # (the test run's log level hides INFO lines: the logger's calls are read)
        with patch.object(ihospital_sms_message._logger, "info") as info:
            answers = ihospital_sms_message.IhospitalSmsMessage._provider_send_demo(message)  # not the mock
        output = "\n".join(call.args[0] % call.args[1:] for call in info.call_args_list)
        self.assertIn("+86138****8000", output)
        self.assertNotIn("13800138000", output)
        self.assertEqual(answers, {message.id: ("sent", f"demo-{message.id}", False)})


@tagged("post_install", "-at_install")
class TestSmsOptOut(SmsCase):
    def test_an_opt_out_reply_stops_group_texts_but_not_codes_critical_values_or_booking_notices(self):
        Sms = self.Sms
        self.assertFalse(Sms._receive_reply(self.hospital, "13800138000", "谢谢"), "not an opt-out")
        self.assertTrue(Sms._receive_reply(self.hospital, "13800138000", " 退订。"))
        self.assertTrue(Sms._receive_reply(self.hospital, "+86 138 0013 8000", "td"), "again: one opt-out")
        optout = self.env["ihospital.sms.optout"].search([("company_id", "=", self.hospital.id)])
        self.assertEqual((len(optout), optout.number_masked, optout.reply), (1, "+86138****8000", "td"))

        group = Sms._send(self.hospital, self.group_template, [(PHONE, {"name": "Li", "time": "8:00"}, False)])
        code = Sms._send(self.hospital, "verification_report", [(PHONE, {"code": "111222", "minutes": 10}, False)])
        variables = {"alert": "CV1", "patient": "陈*强", "bed": "12", "item": "K", "value": "6.8", "unit": "mmol/L"}
        critical = Sms._send(self.hospital, "critical_value", [(PHONE, variables, False)], urgent=True)
        booking = {"appointment": "A1", "doctor": "Dr Li", "date": "2030-01-01", "number": 3, "place": "101"}
        notice = Sms._send(self.hospital, "booking_booked", [(PHONE, booking, False)])
        elsewhere = Sms._send(self.hospital_2, "critical_value", [(PHONE, variables, False)])
        self.flush_sms()
        self.assertEqual(group.state, "opted_out")
        self.assertEqual((code.state, critical.state, notice.state, elsewhere.state), ("sent",) * 4)
        self.assertEqual(len(self._sms), 4)
        self.assertNotIn("staff meeting", " ".join(sms["body"] for sms in self._sms))
        # the person asks for the texts again: the administrator archives the opt-out
        optout.action_archive()
        again = Sms._send(self.hospital, self.group_template, [(PHONE, {"name": "Li", "time": "8:00"}, False)])
        self.assertEqual(again.state, "queued")

    def test_opt_outs_are_per_hospital_and_kept_by_its_administrators(self):
        self.Sms._receive_reply(self.hospital, PHONE, "TD")
        admin_2 = new_test_user(
            self.env,
            login="t_admin_2",
            groups="ihospital_base.group_admin",
            company_id=self.hospital_2.id,
            company_ids=[self.hospital_2.id],
        )
        Optout = self.env["ihospital.sms.optout"]
        self.assertFalse(Optout.with_user(admin_2).search([]))
        self.assertEqual(len(Optout.with_user(self.user_admin).search([])), 1)
        for user in (self.user_nurse, self.user_doctor, self.user_director):
            with self.assertRaises(AccessError):
                Optout.with_user(user).search([])
        with self.assertRaisesMsg(ValidationError, "not a mobile number"):
            Optout.with_user(self.user_admin).create({"company_id": self.hospital.id, "number": "123"})
        desk = Optout.with_user(self.user_admin).create(
            {"company_id": self.hospital.id, "number": "13912345678", "reply": "phoned the desk"}
        )
        self.assertEqual(desk.number, "+8613912345678")


@tagged("post_install", "-at_install")
class TestSmsReceipts(SmsCase):
    def _sent(self, count=2):
        numbers = ["13800138000", "13912345678"][:count]
        messages = self.Sms._send(
            self.hospital, self.group_template, [(n, {"name": "Li", "time": "8:00"}, False) for n in numbers]
        )
        self.flush_sms()
        return messages

    def test_receipts_mark_delivered_or_failed(self):
        first, second = self._sent()
        applied = self.Sms._apply_receipts(
            self.hospital,
            [
                {"id": first.provider_message_id, "status": "delivered"},
                {"id": second.provider_message_id, "status": "failed", "reason": "用户关机 13912345678"},
                {"id": "unknown", "status": "delivered"},
            ],
        )
        self.assertEqual(applied, 2)
        self.assertEqual((first.state, second.state), ("delivered", "failed"))
        self.assertTrue(first.delivered_at)
        self.assertEqual(second.failure_reason, "用户关机 139****5678", "numbers in a reason are masked")
        # a late or repeated receipt does not change a final state
        self.assertEqual(
            self.Sms._apply_receipts(self.hospital, [{"id": first.provider_message_id, "status": "failed"}]), 0
        )
        self.assertEqual(first.state, "delivered")
        # another hospital's receipts never touch this hospital's texts
        self.assertEqual(
            self.Sms._apply_receipts(self.hospital_2, [{"id": second.provider_message_id, "status": "delivered"}]), 0
        )
        with self.assertRaisesMsg(ValidationError, "needs the message id and a status"):
            self.Sms._apply_receipts(self.hospital, [{"id": first.provider_message_id, "status": "read"}])

    def test_the_source_record_is_told(self):
        """The record a text is about learns how it went (critical-value
        recipients and group SMS recipients use it)."""
        seen = []
        Partner = type(self.env["res.partner"])

        def status(records, messages):
            seen.append((records, messages.mapped("state")))

        partner = self.env["res.partner"].create({"name": "Li"})
        with patch.object(Partner, "_ihospital_sms_status", status, create=True):
            message = self.Sms._send(
                self.hospital, self.group_template, [(PHONE, {"name": "Li", "time": "8:00"}, partner)]
            )
            self.assertFalse(seen, "nothing final yet")
            self.flush_sms()
            self.Sms._apply_receipts(self.hospital, [{"id": message.provider_message_id, "status": "delivered"}])
        self.assertEqual(seen, [(partner, ["sent"]), (partner, ["delivered"])])


@tagged("post_install", "-at_install")
class TestSmsLogAccess(SmsCase):
    def test_only_administrators_read_the_log_and_nobody_writes_it(self):
        message = self.Sms._send(self.hospital, self.group_template, [(PHONE, {"name": "Li", "time": "8:00"}, False)])
        log = self.env["ihospital.sms.message"].with_user(self.user_admin).browse(message.id)
        self.assertEqual((log.number, log.number_masked), (PHONE, "+86138****8000"))
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_quality, self.user_director):
            with self.assertRaises(AccessError):
                self.env["ihospital.sms.message"].with_user(user).browse(message.id).read(["number_masked"])
        with self.assertRaises(AccessError):
            log.write({"state": "delivered"})
        with self.assertRaises(AccessError):
            self.env["ihospital.sms.message"].with_user(self.user_admin).create(
                {"company_id": self.hospital.id, "number": PHONE}
            )

    def test_administrators_keep_their_hospitals_templates_not_the_platforms(self):
        Template = self.env["ihospital.sms.template"]
        default = self.env.ref("ihospital_base.sms_template_booking_booked")
        self.assertIn(default, Template.with_user(self.user_nurse).search([]), "staff read the templates")
        with self.assertRaises(AccessError):
            default.with_user(self.user_admin).write({"body": "changed ${appointment}"})
        with self.assertRaises(AccessError):
            self.group_template.with_user(self.user_head).write({"body": "changed"})
        own = Template.with_user(self.user_admin).create(
            {
                "name": "Booked",
                "code": "booking_booked",
                "purpose": "booking_notice",
                "company_id": self.hospital.id,
                "body": "${appointment} OK",
            }
        )
        self.assertEqual(Template._ihospital_resolve(self.hospital, "booking_booked"), own)
        self.assertEqual(Template._ihospital_resolve(self.hospital_2, "booking_booked"), default)
        with self.assertRaises(AccessError):
            Template.with_user(self.user_admin).create(
                {"name": "x", "code": "x", "company_id": self.hospital_2.id, "body": "x"}
            )


@tagged("post_install", "-at_install")
class TestOdooSms(SmsCase):
    def test_odoo_sms_go_to_the_hospitals_provider_never_to_iap(self):
        """Odoo's own texts (chatter, SMS composer) through the provider:
        the mock refuses any call to Odoo's IAP service."""
        partner = self.env["res.partner"].create({"name": "Li", "phone": PHONE, "company_id": self.hospital.id})
        message = partner._message_sms("Hello from the ward", partner_ids=partner.ids)
        log = self.Message.search([("purpose", "=", "other")], order="id desc", limit=1)
        self.assertEqual((log.company_id, log.number, log.state), (self.hospital, PHONE, "sent"))
        self.assertTrue(log.sms_uuid)
        self.assertIn("Hello from the ward", self._sms[-1]["body"])
        self.assertTrue(self._sms[-1]["body"].startswith("【测试总院】"))
        notification = message.notification_ids
        self.assertEqual(notification.notification_status, "pending", "sent to the provider (Odoo's 'Sent')")
        self.Sms._apply_receipts(self.hospital, [{"id": log.provider_message_id, "status": "delivered"}])
        self.assertEqual(notification.notification_status, "sent", "the chatter shows it delivered")

    def test_an_odoo_sms_of_a_hospital_without_provider_fails(self):
        self.hospital.ihospital_sms_provider = "none"
        sms = self.env["sms.sms"].sudo().create({"number": PHONE, "body": "Hello"})
        sms.with_company(self.hospital).send(unlink_failed=False)
        self.assertEqual((sms.state, sms.failure_type), ("error", "sms_server"))
        self.assertFalse(self._sms)


@tagged("post_install", "-at_install")
class TestSmsCallback(MockSmsProvider, HttpCase, IhospitalCase):
    """The route the provider posts receipts and replies to."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hospital._ihospital_sms_new_token()
        cls.hospital_2._ihospital_sms_new_token()
        cls.Sms = cls.env["ihospital.sms"]

    def setUp(self):
        super().setUp()
        self.enterContext(self.mockSmsProvider())
        template = self.env.ref("ihospital_base.sms_template_booking_reminder")
        self.message = self.Sms._send(self.hospital, template, [(PHONE, {"doctor": "Dr Li", "number": 3}, False)])
        self.flush_sms()

    def _post(self, company, token, payload, kind="demo"):
        return self.url_open(
            f"/ihospital/sms/callback/{company.id}/{kind}",
            data=payload if isinstance(payload, str) else json.dumps(payload),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )

    def test_receipts_and_replies_need_the_hospitals_token(self):
        token = self.hospital.sudo().ihospital_sms_callback_token
        receipt = {"receipts": [{"id": self.message.provider_message_id, "status": "delivered"}]}
        for company, bad_token, kind in (
            (self.hospital, "wrong", "demo"),
            (self.hospital, "", "demo"),
            (self.hospital, self.hospital_2.sudo().ihospital_sms_callback_token, "demo"),
            (self.hospital, token, "aliyun"),
        ):
            response = self._post(company, bad_token, receipt, kind=kind)
            self.assertEqual(response.status_code, 403)
        self.assertEqual(self.message.state, "sent", "nothing changed")
        # the other hospital's own (valid) call cannot reach this hospital's texts
        response = self._post(self.hospital_2, self.hospital_2.sudo().ihospital_sms_callback_token, receipt)
        self.assertEqual(response.json(), {"ok": True, "receipts": 0, "replies": 0})
        self.assertEqual(self.message.state, "sent")

        self.assertEqual(self._post(self.hospital, token, "{not json").status_code, 400)
        self.assertEqual(self._post(self.hospital, token, {"receipts": {"id": 1}}).status_code, 400)
        response = self._post(self.hospital, token, {**receipt, "replies": [{"number": "13800138000", "text": "TD"}]})
        self.assertEqual(response.json(), {"ok": True, "receipts": 1, "replies": 1})
        self.assertEqual(self.message.state, "delivered")
        self.assertTrue(
            self.env["ihospital.sms.optout"].search([("company_id", "=", self.hospital.id), ("number", "=", PHONE)])
        )
