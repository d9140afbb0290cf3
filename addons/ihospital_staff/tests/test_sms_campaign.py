"""Issue 12: group SMS (短信群发) to chosen staff and whole departments:
preview, the hospital's daily cap, sending in the background in batches,
the delivery report, and the roles the hospital allows."""

from unittest.mock import patch

from odoo import Command
from odoo.addons.ihospital_base.models import ihospital_sms_message
from odoo.addons.ihospital_base.tests.common import MockSmsProvider, RpcMixin
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import DutyCase

MODEL = "ihospital.sms.campaign"
# The SMS cron's batch: the texts, their answers and the delivery report,
# the same queries for 2 texts as for 4.
QUERIES_PER_SMS_BATCH = 8


class CampaignCase(DutyCase, MockSmsProvider):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hospital.ihospital_sms_signature = "测试总院"
        cls.emp_head.mobile_phone = "13800000005"
        cls.emp_doctor.mobile_phone = False  # a landline only (work_phone)
        cls.template = cls.env["ihospital.sms.template"].create(
            {
                "name": "Staff meeting",
                "code": "group_meeting",
                "purpose": "group",
                "company_id": cls.hospital.id,
                "body": "${name}: staff meeting at ${time} in ${place}.",
            }
        )
        cls.admin_2 = new_test_user(
            cls.env,
            login="t_admin_2",
            groups="ihospital_base.group_admin",
            company_id=cls.hospital_2.id,
            company_ids=[cls.hospital_2.id],
        )

    def setUp(self):
        super().setUp()
        self.enterContext(self.mockSmsProvider())

    def _campaign(self, user=None, **vals):
        Campaign = self.env[MODEL].with_user(user or self.user_head)
        campaign = Campaign.create(
            {
                "name": "Weekly meeting",
                "company_id": self.hospital.id,
                "template_id": self.template.id,
                "department_ids": [Command.set(self.cardiology.ids)],
                **vals,
            }
        )
        campaign._onchange_template_id()
        for line in campaign.value_ids:
            line.value = {"time": "Monday 8:00", "place": "Room 3"}[line.name]
        return campaign


@tagged("post_install", "-at_install")
class TestCampaign(CampaignCase):
    def test_preview_counts_recipients_and_messages(self):
        campaign = self._campaign(
            self.user_admin, employee_ids=[Command.set((self.emp_nurse | self.emp_surgery_nurse).ids)]
        )
        self.assertEqual(campaign.value_ids.mapped("name"), ["time", "place"], "name is the recipient's own")
        # cardiology: the nurse (also chosen by name: counted once), the head, the doctor without a mobile;
        # and the surgery nurse
        self.assertEqual((campaign.recipient_count, campaign.no_phone_count), (3, 1))
        self.assertEqual(campaign.message_count, 3)
        self.assertTrue(campaign.preview_body.startswith("【测试总院】"))
        self.assertIn("staff meeting at Monday 8:00 in Room 3", campaign.preview_body)
        # a long text: two messages each (67 characters a part)
        campaign.value_ids.filtered(lambda line: line.name == "place").value = "门诊楼" * 20
        self.assertGreater(campaign.preview_chars, 70)
        self.assertEqual(campaign.message_count, 6)
        campaign.value_ids.filtered(lambda line: line.name == "time").value = False
        self.assertEqual(campaign.missing_variables, "${time}")
        with self.assertRaisesMsg(UserError, r"Fill in \$\{time\}"):
            campaign.action_send()
        self.assertFalse(campaign.recipient_ids)
        self.flush_sms()
        self.assertFalse(self._sms)

    def test_sent_in_the_background_with_a_delivery_report(self):
        self.env["ihospital.sms"]._receive_reply(self.hospital, "13800000005", "退订")  # the head opted out
        campaign = self._campaign(self.user_admin, employee_ids=[Command.set(self.emp_surgery_nurse.ids)])
        self.assertEqual(campaign.opted_out_preview_count, 1)
        self.assertEqual(campaign.message_count, 2, "the opted-out head is not billed")
        with self.mockSmsProvider(fail={"+8613800000003": "用户关机"}):
            self.assertIs(campaign.with_user(self.user_admin).action_send(), True)
            self.assertEqual(campaign.state, "queued")
            self.assertFalse(self._sms, "nothing is sent inside the request")
            self.flush_sms()
        self.assertEqual(campaign.state, "done")
        self.assertEqual([sms["number"] for sms in self._sms], ["+8613800000001"])
        self.assertEqual(self._sms[0]["template"], "group_meeting")
        self.assertIn("Nurse Huang: staff meeting", self._sms[0]["body"])
        report = {line.employee_id: (line.state, line.number_masked) for line in campaign.recipient_ids}
        self.assertEqual(
            report,
            {
                self.emp_nurse: ("sent", "+86138****0001"),
                self.emp_head: ("opted_out", "+86138****0005"),
                self.emp_doctor: ("no_phone", False),
                self.emp_surgery_nurse: ("failed", "+86138****0003"),
            },
        )
        self.assertEqual(
            campaign.recipient_ids.filtered(lambda line: line.state == "failed").failure_reason, "用户关机"
        )
        # the carrier's receipt
        message = (
            self.env["ihospital.sms.message"]
            .sudo()
            .search([("res_model", "=", "ihospital.sms.campaign.recipient"), ("state", "=", "sent")])
        )
        self.env["ihospital.sms"]._apply_receipts(
            self.hospital, [{"id": message.provider_message_id, "status": "delivered"}]
        )
        self.assertEqual(
            (campaign.report_delivered, campaign.report_sent, campaign.report_failed, campaign.report_other),
            (1, 0, 1, 2),
        )
        # a sent group SMS is kept as it went
        with self.assertRaisesMsg(UserError, "only while it is a draft"):
            campaign.with_user(self.user_admin).write({"name": "Other"})
        with self.assertRaisesMsg(UserError, "Only a draft group SMS can be sent"):
            campaign.with_user(self.user_admin).action_send()
        with self.assertRaises(AccessError):
            campaign.with_user(self.user_head).unlink()
        with self.assertRaisesMsg(UserError, "kept with its delivery report"):
            campaign.with_user(self.user_admin).unlink()

    def test_sent_in_batches_with_a_pinned_cost(self):
        """The SMS cron sends a batch per run; a batch of texts and their
        delivery report cost the same queries for 2 texts as for 4."""
        employees = self.env["hr.employee"].create(
            [
                {
                    "name": f"Nurse {n}",
                    "company_id": self.hospital.id,
                    "department_id": self.cardiology.id,
                    "mobile_phone": f"1390000{n:04d}",
                }
                for n in range(8)
            ]
        )
        small = self._campaign(department_ids=[Command.clear()], employee_ids=[Command.set(employees[:2].ids)])
        large = self._campaign(department_ids=[Command.clear()], employee_ids=[Command.set(employees[2:6].ids)])
        batched = self._campaign(department_ids=[Command.clear()], employee_ids=[Command.set(employees[6:].ids)])
        Message = self.env["ihospital.sms.message"]
        small.action_send()
        self.env.flush_all()
        with self.assertQueryCount(QUERIES_PER_SMS_BATCH):
            Message._cron_send()
        large.action_send()
        self.env.flush_all()
        with self.assertQueryCount(QUERIES_PER_SMS_BATCH):
            Message._cron_send()
        self.assertEqual((small.state, large.state, len(self._sms)), ("done", "done", 6))
        # one batch per run: a group SMS is "sending" until its last batch
        batched.action_send()
        with patch.object(ihospital_sms_message, "SEND_BATCH", 1):
            Message._cron_send()
            self.assertEqual(batched.state, "sending")
            Message._cron_send()
        self.assertEqual(batched.state, "done")

    def test_the_daily_cap_refuses_what_would_pass_it(self):
        self.hospital.ihospital_sms_daily_cap = 3
        big = self._campaign(
            self.user_admin, employee_ids=[Command.set((self.emp_surgery_nurse | self.emp_quality).ids)]
        )
        self.assertEqual(big.message_count, 4)
        with self.assertRaisesMsg(UserError, "needs 4 messages, but only 3 of the 3 a day"):
            big.action_send()
        self.assertEqual((big.state, big.recipient_ids), ("draft", self.env["ihospital.sms.campaign.recipient"]))
        small = self._campaign()  # the nurse and the head
        small.action_send()
        self.flush_sms()
        again = self._campaign(self.user_admin, department_ids=[Command.set(self.surgery.ids)])  # the surgery nurse
        again.action_send()  # 2 used, 1 left: it fits
        third = self._campaign(self.user_admin, department_ids=[Command.set(self.surgery.ids)])
        with self.assertRaisesMsg(UserError, "only 0 of the 3 a day allowed at Test General Hospital are left today"):
            third.action_send()
        # verification codes are never capped
        code = self.env["ihospital.sms"]._send(
            self.hospital, "verification_report", [("13800000009", {"code": "1", "minutes": 1}, False)]
        )
        self.assertEqual(code.state, "queued")

    def test_cancel_stops_what_was_not_sent(self):
        campaign = self._campaign()
        campaign.action_send()
        campaign.with_user(self.user_head).action_cancel()
        self.flush_sms()
        self.assertFalse(self._sms)
        self.assertEqual(campaign.state, "cancelled")
        self.assertEqual(set(campaign.recipient_ids.mapped("state")), {"cancelled", "no_phone"})
        with self.assertRaisesMsg(UserError, "still a draft or being sent"):
            campaign.action_cancel()

    def test_recipients_and_template_belong_to_the_hospital(self):
        campaign = self._campaign()
        with self.assertRaises(AccessError):
            campaign.employee_ids = [Command.link(self.emp_nurse_2.id)]  # the head does not see them
        campaign = campaign.sudo()  # the constraint itself
        with self.assertRaisesMsg(ValidationError, "do not belong to Test General Hospital"):
            campaign.employee_ids = [Command.link(self.emp_nurse_2.id)]
        other = self.template.copy({"company_id": self.hospital_2.id})
        with self.assertRaisesMsg(ValidationError, "Choose a group SMS template of Test General Hospital"):
            campaign.template_id = other
        with self.assertRaisesMsg(ValidationError, "Choose a group SMS template"):
            campaign.template_id = self.env.ref("ihospital_base.sms_template_verification_report")


@tagged("post_install", "-at_install")
class TestCampaignRoles(CampaignCase):
    def test_only_the_roles_the_hospital_allows_send(self):
        for user in (self.user_nurse, self.user_doctor, self.user_quality, self.user_director):
            with self.subTest(user=user.login), self.assertRaisesMsg(AccessError, "sent by these roles only"):
                self._campaign(user=user)
        with self.assertRaisesMsg(AccessError, "You do not work at Test General Hospital"):
            self._campaign(user=self.admin_2)
        # heads and administrators by default
        self._campaign(user=self.user_admin).action_send()
        campaign = self._campaign(user=self.user_head)
        # the hospital lets nurses send, and no longer heads
        self.hospital.ihospital_sms_sender_group_ids = [Command.set(self.env.ref("ihospital_base.group_nurse").ids)]
        with self.assertRaisesMsg(AccessError, "sent by these roles only: Nurse"):
            campaign.with_user(self.user_head).action_send()
        self.assertEqual(campaign.state, "draft")
        self._campaign(user=self.user_nurse).with_user(self.user_nurse).action_send()

    def test_a_sender_sees_their_own_group_sms_and_administrators_the_hospitals(self):
        campaign = self._campaign()
        campaign.action_send()
        Campaign = self.env[MODEL]
        self.assertEqual(Campaign.with_user(self.user_head).search([]), campaign)
        self.assertEqual(Campaign.with_user(self.user_admin).search([]), campaign)
        self.assertFalse(Campaign.with_user(self.admin_2).search([]))
        self.assertEqual(
            self.env["ihospital.sms.campaign.recipient"].with_user(self.user_head).search_count([]),
            len(campaign.recipient_ids),
        )
        self.assertFalse(self.env["ihospital.sms.campaign.recipient"].with_user(self.user_nurse).search([]))
        with self.assertRaises(AccessError):
            campaign.with_user(self.admin_2).action_cancel()
        with self.assertRaises(AccessError):
            campaign.recipient_ids[:1].with_user(self.user_admin).write({"state": "delivered"})
        with self.assertRaises(AccessError):
            campaign.with_user(self.user_head).action_view_messages()
        self.assertEqual(
            campaign.with_user(self.user_admin).action_view_messages()["res_model"], "ihospital.sms.message"
        )

    def test_engine_fields_refuse_direct_writes(self):
        with self.assertRaises(AccessError):
            self._campaign(state="done")
        campaign = self._campaign()
        with self.assertRaises(AccessError):
            campaign.with_user(self.user_head).write({"state": "done"})
        with self.assertRaises(AccessError):
            self.env[MODEL].with_user(self.user_head).with_context(default_user_id=self.user_admin.id).create(
                {"name": "x", "company_id": self.hospital.id, "template_id": self.template.id}
            )


class ReachCase(CampaignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ward = cls.env["hr.department"].create(
            {"name": "Cardiology Ward", "company_id": cls.hospital.id, "parent_id": cls.cardiology.id}
        )
        cls.emp_ward_nurse = cls.env["hr.employee"].create(
            {
                "name": "Nurse Mo",
                "company_id": cls.hospital.id,
                "department_id": cls.ward.id,
                "ihospital_role": "nurse",
                "mobile_phone": "13800000006",
            }
        )


@tagged("post_install", "-at_install")
class TestCampaignReach(ReachCase):
    """Who a sender texts: the hospital's management anyone of the
    hospital, a department head the staff of the departments they head."""

    def test_a_head_texts_the_departments_they_head(self):
        campaign = self._campaign(employee_ids=[Command.set(self.emp_ward_nurse.ids)])
        self.assertEqual(campaign.recipient_count, 3, "the nurse, the head and the ward's nurse")
        self.assertIs(campaign.action_send(), True)
        self.flush_sms()
        self.assertEqual(
            sorted(sms["number"] for sms in self._sms), ["+8613800000001", "+8613800000005", "+8613800000006"]
        )
        ward = self._campaign(department_ids=[Command.set(self.ward.ids)])
        self.assertEqual(ward.recipient_count, 1, "a sub-department of theirs")

    def test_a_head_cannot_text_another_department(self):
        with self.assertRaisesMsg(AccessError, r"^Out of your reach: Surgery\. You text the staff of Cardiology only"):
            self._campaign(department_ids=[Command.set(self.surgery.ids)])
        with self.assertRaisesMsg(AccessError, "Out of your reach: Nurse Liang, Officer Zhou."):
            self._campaign(employee_ids=[Command.set((self.emp_surgery_nurse | self.emp_quality).ids)])
        campaign = self._campaign()
        with self.assertRaisesMsg(AccessError, "Out of your reach: Surgery."):
            campaign.write({"department_ids": [Command.link(self.surgery.id)]})
        with self.assertRaisesMsg(AccessError, "Out of your reach: Dr Zhang."):
            campaign.write({"employee_ids": [Command.link(self.emp_surgeon.id)]})
        self.assertEqual((campaign.department_ids, campaign.employee_ids), (self.cardiology, self.env["hr.employee"]))
        self.assertFalse(self.env[MODEL].sudo().search([("department_ids", "in", self.surgery.ids)]))

    def test_the_reach_is_checked_again_when_sending(self):
        """A draft made while the sender headed the department is not sent
        once they no longer head it."""
        campaign = self._campaign()
        self.cardiology.manager_id = self.emp_doctor
        with self.assertRaisesMsg(AccessError, "Out of your reach: Cardiology. You have no department at Test General"):
            campaign.action_send()
        self.assertEqual((campaign.state, campaign.recipient_ids.ids), ("draft", []))
        # a draft made for the head by the platform is checked as the head sends it
        foreign = (
            self.env[MODEL]
            .sudo()
            .create(
                {
                    "name": "x",
                    "company_id": self.hospital.id,
                    "template_id": self.template.id,
                    "user_id": self.user_head.id,
                    "employee_ids": [Command.set(self.emp_surgery_nurse.ids)],
                    "value_ids": [
                        Command.create({"name": "time", "value": "8:00"}),
                        Command.create({"name": "place", "value": "Room 3"}),
                    ],
                }
            )
        )
        self.cardiology.manager_id = self.emp_head
        with self.assertRaisesMsg(AccessError, "Out of your reach: Nurse Liang."):
            foreign.with_user(self.user_head).action_send()
        self.flush_sms()
        self.assertFalse(self._sms)

    def test_the_hospitals_management_texts_anyone_of_the_hospital(self):
        director = self.env.ref("ihospital_base.group_director")
        self.hospital.ihospital_sms_sender_group_ids = [Command.link(director.id)]
        everyone = [Command.set((self.emp_surgery_nurse | self.emp_quality).ids)]
        for user in (self.user_admin, self.user_director):
            with self.subTest(user=user.login):
                campaign = self._campaign(user, department_ids=[Command.set(self.surgery.ids)], employee_ids=everyone)
                self.assertEqual(campaign.recipient_count, 2)
                self.assertIs(campaign.action_send(), True)
        # the other hospital's staff stay out, for everyone
        with self.assertRaises(AccessError):
            self._campaign(self.user_admin, employee_ids=[Command.set(self.emp_nurse_2.ids)])

    def test_a_nurse_the_hospital_lets_send_texts_her_department(self):
        self.hospital.ihospital_sms_sender_group_ids = [Command.set(self.env.ref("ihospital_base.group_nurse").ids)]
        campaign = self._campaign(self.user_nurse, employee_ids=[Command.set(self.emp_ward_nurse.ids)])
        self.assertIs(campaign.action_send(), True)
        with self.assertRaisesMsg(AccessError, "Out of your reach: Surgery. You text the staff of Cardiology only"):
            self._campaign(self.user_nurse, department_ids=[Command.set(self.surgery.ids)])


@tagged("post_install", "-at_install")
class TestCampaignRpc(RpcMixin, HttpCase, ReachCase):
    """Over JSON-RPC, as a browser's console sends it: the refusals hold."""

    def test_refused_roles_over_rpc(self):
        values = {"name": "x", "company_id": self.hospital.id, "template_id": self.template.id}
        self.authenticate(self.user_nurse.login, self.user_nurse.login)
        _result, error = self._call(MODEL, "create", [values])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        campaign = self._campaign()
        for user in (self.user_nurse, self.user_doctor, self.admin_2):
            self.authenticate(user.login, user.login)
            _result, error = self._call(MODEL, "action_send", [campaign.ids])
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", user.login)
            _result, error = self._call(MODEL, "write", [campaign.ids, {"state": "done"}])
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", user.login)
        campaign.invalidate_recordset()
        self.assertEqual(campaign.state, "draft")
        self.authenticate(self.user_head.login, self.user_head.login)
        _result, error = self._call(MODEL, "_check_daily_cap", [campaign.ids, 0])
        self.assertTrue(error, "private methods are not callable over RPC")
        result, error = self._call(MODEL, "action_send", [campaign.ids])
        self.assertFalse(error)
        self.assertIs(result, True)
        campaign.invalidate_recordset()
        self.assertEqual(campaign.state, "queued")

    def test_a_head_texts_their_departments_only_over_rpc(self):
        values = {"name": "x", "company_id": self.hospital.id, "template_id": self.template.id}
        self.authenticate(self.user_head.login, self.user_head.login)
        result, error = self._call(MODEL, "create", [{**values, "department_ids": [Command.set(self.surgery.ids)]}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertIn("Out of your reach: Surgery.", error.get("message"))
        self.assertFalse(self.env[MODEL].sudo().search([("department_ids", "in", self.surgery.ids)]))
        # a context key changes nothing
        result, error = self._call(
            MODEL,
            "create",
            [{**values, "employee_ids": [Command.set(self.emp_surgeon.ids)]}],
            {"context": {"ihospital_sms_reach": "hospital", "active_test": False}},
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        own, error = self._call(MODEL, "create", [{**values, "department_ids": [Command.set(self.cardiology.ids)]}])
        self.assertFalse(error)
        campaign = self.env[MODEL].browse(own)
        _result, error = self._call(MODEL, "write", [[own], {"employee_ids": [Command.link(self.emp_surgeon.id)]}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertFalse(campaign.employee_ids)
        campaign.sudo().value_ids = [
            Command.create({"name": "time", "value": "8:00"}),
            Command.create({"name": "place", "value": "Room 3"}),
        ]
        # a draft the head may see, made to other departments behind their back
        campaign.sudo().employee_ids = [Command.link(self.emp_surgeon.id)]
        _result, error = self._call(MODEL, "action_send", [[own]])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertIn("Out of your reach: Dr Zhang.", error.get("message"))
        campaign.invalidate_recordset()
        self.assertEqual(campaign.state, "draft")
        campaign.sudo().employee_ids = [Command.clear()]
        result, error = self._call(MODEL, "action_send", [[own]])
        self.assertFalse(error)
        self.assertIs(result, True)
        campaign.invalidate_recordset()
        self.assertEqual(
            campaign.recipient_ids.employee_id, self.emp_nurse | self.emp_doctor | self.emp_head | self.emp_ward_nurse
        )
        self.assertEqual(campaign.state, "queued")
