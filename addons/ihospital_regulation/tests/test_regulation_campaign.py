"""Issue 14: read-and-confirm campaigns (学习确认) of the regulations
library: one version of a regulation sent to the hospital, to departments or
to roles; each reader confirms it (own receipt, while it runs); reminders to
those who have not confirmed (inbox, text where the hospital reminds by
text) by hand and by the deadline cron; the completion by department for
medical affairs; and who may not launch, confirm or see."""

from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.addons.ihospital_base.tests.common import MockSmsProvider, RpcMixin
from odoo.addons.ihospital_staff.tests.common import CriticalCase
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

CAMPAIGN = "ihospital.regulation.campaign"
REPORT = "ihospital.regulation.campaign.report"
DEADLINE = date(2030, 6, 10)


class CampaignCase(CriticalCase):
    """The two test hospitals, a regulation of each, and a quality officer
    with a staff record (no department)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["hr.employee"].create(
            {"name": "Officer Zhou", "user_id": cls.user_quality.id, "company_id": cls.hospital.id}
        )
        Page = cls.env["document.page"]
        cls.page = Page.create(
            {
                "name": "危急值报告制度",
                "type": "content",
                "company_id": cls.hospital.id,
                "draft_name": "v1",
                "content": "<p>危急值 10 分钟内报告临床科室。</p>",
            }
        )
        cls.page_2 = Page.create(
            {
                "name": "家庭医生签约制度",
                "type": "content",
                "company_id": cls.hospital_2.id,
                "content": "<p>签约服务。</p>",
            }
        )
        cls.Campaign = cls.env[CAMPAIGN]

    def _campaign(self, user=None, **vals):
        values = {
            "name": "危急值报告制度学习确认",
            "page_id": self.page.id,
            "company_id": self.hospital.id,
            "scope": "departments",
            "department_ids": [Command.set([self.cardiology.id])],
            "deadline": DEADLINE,
        }
        values.update(vals)
        return self.Campaign.with_user(user or self.user_quality).create(values)

    def _launched(self, user=None, **vals):
        campaign = self._campaign(user, **vals)
        campaign.with_user(user or self.user_quality).action_launch()
        return campaign

    def _receipt(self, campaign, user):
        return campaign._receipts().filtered(lambda receipt: receipt.user_id == user)


@tagged("post_install", "-at_install")
class TestRegulationCampaign(CampaignCase):
    def test_the_version_to_confirm_is_the_current_one_and_stays(self):
        campaign = self._campaign()
        self.assertTrue(campaign.version_id)
        self.assertEqual(campaign.version_id, self.page.history_head)
        self.assertIn("10 分钟", campaign.version_content)
        campaign.action_launch()
        first = campaign.version_id
        # the regulation changes: the campaign still asks for the version it sent
        self.page.write({"draft_name": "v2", "content": "<p>危急值 15 分钟内报告。</p>"})
        self.assertNotEqual(self.page.history_head, first)
        campaign.invalidate_recordset()
        self.assertEqual(campaign.version_id, first)
        self.assertTrue(campaign.is_version_superseded)
        self.assertIn("10 分钟", campaign.with_user(self.user_nurse).version_content)
        with self.assertRaises(ValidationError):
            self._campaign(version_id=self.page_2.history_head.id)

    def test_audience_hospital_departments_roles(self):
        department = self._launched()
        self.assertEqual(department.audience_user_ids, self.user_nurse | self.user_doctor | self.user_head)
        self.assertEqual(department._receipts().user_id, department.audience_user_ids)
        self.assertEqual((department.receipt_count, department.read_count, department.unread_count), (3, 0, 3))
        # a colleague without a role that reads campaigns (a pharmacist, a
        # clerk) would never be able to confirm: not in the audience
        clerk = new_test_user(
            self.env,
            login="c_clerk",
            groups="base.group_user",
            company_id=self.hospital.id,
            company_ids=[self.hospital.id],
        )
        self.env["hr.employee"].create({"name": "c_clerk", "user_id": clerk.id, "company_id": self.hospital.id})
        hospital = self._launched(scope="hospital", department_ids=[Command.clear()])
        readers = hospital._receipts().user_id
        self.assertNotIn(clerk, readers)
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_surgeon, self.user_surgery_nurse):
            self.assertIn(user, readers, user.login)
        self.assertIn(self.user_quality, readers, "medical affairs works at the hospital too")
        self.assertNotIn(self.user_doctor_2, readers, "the other hospital")
        nurses = self._launched(
            scope="hospital",
            department_ids=[Command.clear()],
            role_group_ids=[Command.set(self.env.ref("ihospital_base.group_nurse").ids)],
        )
        self.assertEqual(nurses._receipts().user_id, self.user_nurse | self.user_surgery_nurse)
        doctors = self._launched(role_group_ids=[Command.set(self.env.ref("ihospital_base.group_doctor").ids)])
        self.assertEqual(doctors._receipts().user_id, self.user_doctor | self.user_head, "a head is a doctor too")

    def test_a_reader_confirms_own_receipt_only_while_running(self):
        draft = self._campaign()
        self.assertFalse(self.Campaign.with_user(self.user_nurse).search([("id", "=", draft.id)]), "not sent yet")
        with self.assertRaises(AccessError):
            draft.with_user(self.user_nurse).action_confirm()
        campaign = draft
        campaign.action_launch()
        as_nurse = campaign.with_user(self.user_nurse)
        self.assertTrue(as_nurse.is_unread)
        self.assertEqual(
            self.Campaign.with_user(self.user_nurse).search([("is_unread", "=", True), ("state", "=", "running")]),
            campaign,
        )
        # opening it is not confirming it
        as_nurse.web_read({"name": {}, "version_content": {}, "page_id": {"fields": {"display_name": {}}}})
        self.assertFalse(self._receipt(campaign, self.user_nurse).read_at)
        as_nurse.action_confirm()
        receipt = self._receipt(campaign, self.user_nurse)
        self.assertTrue(receipt.read_at)
        self.assertTrue(receipt.confirmed_at)
        others = campaign._receipts() - receipt
        self.assertFalse(any(others.mapped("confirmed_at")), "only the caller's own receipt")
        as_nurse.invalidate_recordset()
        self.assertFalse(as_nurse.is_unread)
        first = receipt.confirmed_at
        as_nurse.action_confirm()
        self.assertEqual(receipt.confirmed_at, first, "confirmed once")
        # nobody confirms for somebody else
        with self.assertRaises(AccessError):
            receipt.with_user(self.user_nurse).write({"confirmed_at": False})
        with self.assertRaises(AccessError):
            others[:1].with_user(self.user_nurse).write({"confirmed_at": "2030-01-01 00:00:00"})
        # not sent to them: another department's nurse, the other hospital
        for user in (self.user_surgery_nurse, self.user_doctor_2):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                campaign.with_user(user).action_confirm()
        # medical affairs reads every campaign, but this one was not sent to it
        with self.assertRaisesRegex(UserError, "not sent to you"):
            campaign.with_user(self.user_quality).action_confirm()
        campaign.with_user(self.user_quality).action_close()
        with self.assertRaisesRegex(UserError, "running"):
            campaign.with_user(self.user_doctor).action_confirm()
        self.assertFalse(self._receipt(campaign, self.user_doctor).confirmed_at)

    def test_who_may_launch(self):
        for user in (self.user_nurse, self.user_doctor):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._campaign(user)
        draft = self._campaign()
        for user in (self.user_nurse, self.user_doctor):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                draft.with_user(user).action_launch()
        # a head: his own departments only, never the whole hospital
        with self.assertRaises(AccessError):
            self._campaign(self.user_head, scope="hospital", department_ids=[Command.clear()])
        with self.assertRaises(AccessError):
            self._campaign(self.user_head, department_ids=[Command.set(self.surgery.ids)])
        with self.assertRaises(AccessError):
            self._campaign(self.user_head, department_ids=[Command.set((self.cardiology | self.surgery).ids)])
        own = self._campaign(self.user_head)
        with self.assertRaises(AccessError):
            own.with_user(self.user_head).write({"department_ids": [Command.link(self.surgery.id)]})
        own.with_user(self.user_head).action_launch()
        self.assertEqual((own.state, own.launched_by_id), ("running", self.user_head))
        # medical affairs' campaign to his department is not his to launch or change
        with self.assertRaises(AccessError):
            draft.with_user(self.user_head).action_launch()
        with self.assertRaises(AccessError):
            draft.with_user(self.user_head).write({"name": "改了"})
        self.assertEqual(draft.state, "draft")
        # the engine's fields are the engine's
        with self.assertRaises(AccessError):
            self._campaign(state="running")
        with self.assertRaises(AccessError):
            draft.with_user(self.user_quality).write({"launched_by_id": self.user_director.id})
        with self.assertRaises(AccessError):
            self._campaign(audience_user_ids=[Command.set(self.user_nurse.ids)])
        for user in (self.user_quality, self.user_director, self.user_admin):
            with self.subTest(user=user.login):
                hospital = self._launched(user, scope="hospital", department_ids=[Command.clear()])
                self.assertEqual((hospital.state, hospital.launched_by_id), ("running", user))
        with self.assertRaisesRegex(UserError, "already launched"):
            own.with_user(self.user_head).action_launch()
        empty = self._campaign(department_ids=[Command.clear()])
        with self.assertRaisesRegex(UserError, "departments"):
            empty.action_launch()

    def test_a_launched_campaign_keeps_its_version_and_audience(self):
        campaign = self._launched()
        with self.assertRaisesRegex(UserError, "deadline"):
            campaign.with_user(self.user_quality).write({"name": "改了"})
        with self.assertRaisesRegex(UserError, "deadline"):
            campaign.with_user(self.user_quality).write({"version_id": campaign.version_id.id})
        campaign.with_user(self.user_quality).write({"deadline": DEADLINE + timedelta(days=7)})
        self.assertEqual(campaign.deadline, DEADLINE + timedelta(days=7))
        with self.assertRaises(UserError):
            campaign.with_user(self.user_admin).unlink()
        # its files do not change once launched
        with self.assertRaises(AccessError):
            self.env["ir.attachment"].with_user(self.user_quality).create(
                {"name": "x.txt", "raw": b"x", "res_model": CAMPAIGN, "res_id": campaign.id}
            )
        draft = self._campaign()
        self.env["ir.attachment"].with_user(self.user_quality).create(
            {"name": "slides.txt", "raw": b"slides", "res_model": CAMPAIGN, "res_id": draft.id}
        )
        draft.with_user(self.user_admin).unlink()

    def test_completion_by_department(self):
        campaign = self._launched(scope="hospital", department_ids=[Command.clear()])
        campaign.with_user(self.user_nurse).action_confirm()
        campaign.with_user(self.user_doctor).action_confirm()
        campaign.with_user(self.user_surgeon).action_confirm()
        self.env.flush_all()
        Report = self.env[REPORT].with_user(self.user_quality)
        rows = Report.search([("campaign_id", "=", campaign.id)])
        figures = {
            row.department_id: (row.confirmed_count, row.total_count, row.unconfirmed_count, row.confirmed_rate)
            for row in rows
        }
        self.assertEqual(
            figures,
            {
                self.cardiology: (2, 3, 1, 66.7),
                self.surgery: (1, 2, 1, 50.0),
                self.env["hr.department"]: (0, 1, 1, 0.0),  # medical affairs' officer, no department
            },
        )
        self.assertAlmostEqual(campaign.confirmed_rate, 50.0)
        # the spreadsheet export of the list (Odoo's list export) reads the same figures
        exported = rows.sorted(lambda row: row.department_id.name or "").export_data(
            ["department_id", "confirmed_count", "total_count", "confirmed_rate"]
        )["datas"]
        self.assertIn(["Cardiology", 2, 3, 66.7], exported)
        # and the campaign's button opens it
        action = campaign.with_user(self.user_quality).action_view_completion()
        self.assertEqual(action["res_model"], REPORT)
        self.assertEqual(Report.search(action["domain"]), rows)
        # a head sees his department's figures only; staff none
        as_head = self.env[REPORT].with_user(self.user_head).search([("campaign_id", "=", campaign.id)])
        self.assertEqual(as_head.department_id, self.cardiology)
        self.assertEqual(campaign.with_user(self.user_head).action_view_completion()["res_model"], REPORT)
        with self.assertRaises(AccessError):
            self.env[REPORT].with_user(self.user_nurse).search([])
        with self.assertRaises(AccessError):
            campaign.with_user(self.user_nurse).action_view_completion()
        with self.assertRaises(AccessError):
            campaign.with_user(self.user_nurse).action_view_receipts()

    def test_the_report_is_one_query(self):
        campaigns = self._launched(scope="hospital", department_ids=[Command.clear()])
        campaigns |= self._launched()
        campaigns[0].with_user(self.user_nurse).action_confirm()
        self.env.flush_all()
        Report = self.env[REPORT].with_user(self.user_quality)
        Report.search_read([], ["department_id", "confirmed_count"])  # warm the rights' caches
        self.env.invalidate_all()
        with self.assertQueryCount(3):  # the rows, the departments' names, the campaigns' names
            Report.search_read([], ["campaign_id", "department_id", "confirmed_count", "total_count"])

    def test_the_other_hospital_sees_nothing(self):
        campaign = self._launched(scope="hospital", department_ids=[Command.clear()])
        director_2 = new_test_user(
            self.env,
            login="t_director_2",
            groups="ihospital_base.group_director",
            company_id=self.hospital_2.id,
            company_ids=[self.hospital_2.id],
        )
        for user in (self.user_doctor_2, director_2):
            with self.subTest(user=user.login):
                self.assertFalse(self.Campaign.with_user(user).search([("id", "=", campaign.id)]))
                self.assertFalse(
                    self.env["ihospital.read.receipt"]
                    .with_user(user)
                    .search([("res_model", "=", CAMPAIGN), ("res_id", "=", campaign.id)])
                )
                with self.assertRaises(AccessError):
                    campaign.with_user(user).action_confirm()
        self.assertFalse(self.env[REPORT].with_user(director_2).search([]))
        with self.assertRaises(AccessError):
            campaign.with_user(director_2).action_remind_unread()
        # nor sends its departments a campaign of this hospital
        with self.assertRaises(UserError):
            self._campaign(department_ids=[Command.set(self.general_2.ids)])
        # its own campaign reaches its own staff only
        own = self._launched(
            director_2,
            page_id=self.page_2.id,
            company_id=self.hospital_2.id,
            scope="hospital",
            department_ids=[Command.clear()],
        )
        self.assertEqual(own._receipts().user_id, self.user_doctor_2)
        self.assertFalse(self.Campaign.with_user(self.user_quality).search([("id", "=", own.id)]))


class ReminderCase(CampaignCase, MockSmsProvider):
    """The test hospital reminds by text; the doctor and the head of
    cardiology have a work mobile (CriticalCase), the nurse none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hospital.ihospital_remind_unread_sms = True

    def setUp(self):
        super().setUp()
        self.enterContext(self.mockSmsProvider())

    def _texts(self, campaign):
        return (
            self.env["ihospital.sms.message"]
            .sudo()
            .search([("res_model", "=", "ihospital.read.receipt"), ("res_id", "in", campaign._receipts().ids)])
        )

    def _reminders(self, campaign):
        return (
            self.env["mail.message"]
            .sudo()
            .search([("model", "=", CAMPAIGN), ("res_id", "=", campaign.id), ("subject", "like", "Reminder")])
        )


@tagged("post_install", "-at_install")
class TestCampaignReminders(ReminderCase):
    def test_those_who_have_not_confirmed_are_reminded(self):
        campaign = self._launched()
        campaign.with_user(self.user_doctor).action_confirm()
        campaign.with_user(self.user_quality).action_remind_unread()
        [reminder] = self._reminders(campaign)
        self.assertEqual(reminder.notified_partner_ids, (self.user_nurse | self.user_head).partner_id)
        self.assertEqual(
            {receipt.user_id: receipt.reminder_count for receipt in campaign._receipts()},
            {self.user_nurse: 1, self.user_doctor: 0, self.user_head: 1},
        )
        # by text: the head (the nurse has no mobile, the doctor confirmed)
        self.assertEqual({(text.number, text.state) for text in self._texts(campaign)}, {("+8613800000002", "queued")})
        self.flush_sms()
        [sms] = self._sms
        self.assertEqual(sms["template"], "regulation_campaign_reminder")
        self.assertEqual(
            sms["variables"], {"title": "危急值报告制度", "hospital": "Test General Hospital", "deadline": "2030-06-10"}
        )
        self.assertIn("危急值报告制度", sms["body"])
        self.assertIn("2030-06-10", sms["body"])

    def test_who_may_not_remind(self):
        campaign = self._launched()
        for user in (self.user_nurse, self.user_doctor, self.user_surgeon, self.user_doctor_2):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                campaign.with_user(user).action_remind_unread()
        # medical affairs' campaign is not the head's to remind
        with self.assertRaises(AccessError):
            campaign.with_user(self.user_head).action_remind_unread()
        self.assertFalse(self._texts(campaign))
        campaign.with_user(self.user_quality).action_close()
        with self.assertRaisesRegex(UserError, "running"):
            campaign.with_user(self.user_quality).action_remind_unread()
        self.assertEqual(set(campaign._receipts().mapped("reminder_count")), {0})

    def test_the_deadline_cron_reminds_once_a_day_in_the_last_two_days(self):
        # 03:00 UTC is 11:00 at the hospital (Asia/Shanghai): the same day
        def at(day):
            return freeze_time(datetime.combine(day, datetime.min.time()) + timedelta(hours=3))

        with at(DEADLINE - timedelta(days=10)):
            due = self._launched()
            later = self._launched(deadline=DEADLINE + timedelta(days=5), name="later")
            closed = self._launched(name="closed")
            closed.with_user(self.user_quality).action_close()
            undated = self._launched(deadline=False, name="no deadline")
            due.with_user(self.user_doctor).action_confirm()
        Campaign = self.env[CAMPAIGN]

        def counts(campaign):
            return {receipt.user_id: receipt.reminder_count for receipt in campaign._receipts()}

        with at(DEADLINE - timedelta(days=3)):
            Campaign._cron_remind_deadline()
        self.assertEqual(set(counts(due).values()), {0}, "three days before: not yet")
        with at(DEADLINE - timedelta(days=2)):
            Campaign._cron_remind_deadline()
            Campaign._cron_remind_deadline()  # run again the same day: nobody twice
        self.assertEqual(counts(due), {self.user_nurse: 1, self.user_doctor: 0, self.user_head: 1})
        self.assertEqual(len(self._reminders(due)), 1)
        self.assertEqual(due.auto_reminded_on, DEADLINE - timedelta(days=2))
        with at(DEADLINE):
            Campaign._cron_remind_deadline()
        self.assertEqual(counts(due), {self.user_nurse: 2, self.user_doctor: 0, self.user_head: 2})
        with at(DEADLINE + timedelta(days=1)):
            Campaign._cron_remind_deadline()
        self.assertEqual(counts(due)[self.user_nurse], 2, "past the deadline: medical affairs follows it up")
        for campaign in (later, closed, undated):
            self.assertEqual(set(counts(campaign).values()), {0}, campaign.name)
        self.assertEqual(len(self._texts(due)), 2, "the head is texted on each reminder day")

    def test_the_cron_reminds_many_campaigns_in_one_batch(self):
        with freeze_time(datetime.combine(DEADLINE, datetime.min.time()) + timedelta(hours=3)):
            campaigns = self._launched()
            campaigns |= self._launched(scope="hospital", department_ids=[Command.clear()], name="hospital")
            self.env.flush_all()
            self.env.invalidate_all()
            # one search of the companies, one of the campaigns, then the
            # mixin's reminder for the batch (its query count does not grow
            # with the readers, test_notice.py pins it)
            self.env[CAMPAIGN]._cron_remind_deadline()
        self.assertTrue(all(campaigns.mapped("auto_reminded_on")))
        self.assertEqual(len(self._reminders(campaigns[0])) + len(self._reminders(campaigns[1])), 2)


@tagged("post_install", "-at_install")
class TestCampaignOverRpc(RpcMixin, HttpCase, CampaignCase):
    def _error(self, model, method, args, kwargs=None):
        _result, error = self._call(model, method, args, kwargs)
        return error.get("name")

    def test_a_nurse_neither_launches_nor_confirms_for_others(self):
        draft = self._campaign()
        self.authenticate(self.user_nurse.login, self.user_nurse.login)
        self.assertEqual(self._error(CAMPAIGN, "action_launch", [draft.ids]), "odoo.exceptions.AccessError")
        self.assertEqual(
            self._error(CAMPAIGN, "create", [{"name": "x", "page_id": self.page.id, "scope": "hospital"}]),
            "odoo.exceptions.AccessError",
        )
        self.assertEqual(draft.state, "draft")
        draft.action_launch()
        # a nurse reads the text and confirms, on her own receipt
        result, error = self._call(
            CAMPAIGN, "web_read", [draft.ids], {"specification": {"version_content": {}, "is_unread": {}}}
        )
        self.assertFalse(error, error)
        self.assertIn("10 分钟", result[0]["version_content"])
        self.assertTrue(result[0]["is_unread"])
        result, error = self._call(CAMPAIGN, "action_confirm", [draft.ids])
        self.assertFalse(error, error)
        self.assertTrue(self._receipt(draft, self.user_nurse).confirmed_at)
        doctors = self._receipt(draft, self.user_doctor)
        for method, args in (
            ("write", [draft.ids, {"state": "closed"}]),
            ("action_close", [draft.ids]),
            ("action_remind_unread", [draft.ids]),
        ):
            self.assertEqual(self._error(CAMPAIGN, method, args), "odoo.exceptions.AccessError", method)
        self.assertEqual(
            self._error("ihospital.read.receipt", "write", [doctors.ids, {"confirmed_at": "2030-01-01 00:00:00"}]),
            "odoo.exceptions.AccessError",
        )
        self.assertTrue(self._error(CAMPAIGN, "_mark_read", [draft.ids]), "private methods are not callable")
        self.assertFalse(doctors.confirmed_at)
        self.assertEqual(draft.state, "running")

    def test_a_head_launches_for_his_departments_only(self):
        self.authenticate(self.user_head.login, self.user_head.login)
        values = {"name": "外科制度", "page_id": self.page.id, "scope": "departments"}
        self.assertEqual(
            self._error(CAMPAIGN, "create", [{**values, "department_ids": [Command.set(self.surgery.ids)]}]),
            "odoo.exceptions.AccessError",
        )
        self.assertEqual(
            self._error(CAMPAIGN, "create", [{**values, "scope": "hospital"}]), "odoo.exceptions.AccessError"
        )
        campaign_id, error = self._call(
            CAMPAIGN, "create", [{**values, "department_ids": [Command.set(self.cardiology.ids)]}]
        )
        self.assertFalse(error, error)
        _result, error = self._call(CAMPAIGN, "action_launch", [[campaign_id]])
        self.assertFalse(error, error)
        campaign = self.Campaign.browse(campaign_id)
        self.assertEqual(campaign._receipts().user_id, self.user_nurse | self.user_doctor | self.user_head)


@tagged("post_install", "-at_install")
class TestCampaignUi(HttpCase):
    browser_size = "375x812"
    touch_enabled = True

    def test_a_nurse_confirms_the_critical_value_procedure_on_her_phone(self):
        campaign = self.env.ref("ihospital_regulation.ihospital_regulation_campaign_critical_value_demo")
        nurse = self.env.ref("ihospital_base.user_nurse_demo")
        self.assertIn(nurse, campaign.audience_user_ids)
        receipt = campaign._receipts().filtered(lambda receipt: receipt.user_id == nurse)
        self.assertFalse(receipt.confirmed_at)
        self.start_tour(
            "/odoo/action-ihospital_regulation.ihospital_regulation_campaign_action_to_confirm",
            "ihospital_regulation_confirm",
            login=nurse.login,
        )
        receipt.invalidate_recordset()
        self.assertTrue(receipt.confirmed_at)
