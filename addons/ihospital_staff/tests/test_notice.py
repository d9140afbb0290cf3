"""Issue 12: notices (通知公告) with read receipts: sent to the hospital or
to departments, optionally to some roles only; who has read them and who has
not; a reminder to those who have not (in the inbox, and by text where the
hospital wants it); and who may not publish, read or remind."""

import base64
from datetime import timedelta

from odoo import Command, fields
from odoo.addons.ihospital_base.tests.common import MockSmsProvider, RpcMixin
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CriticalCase


class NoticeCase(CriticalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Notice = cls.env["ihospital.notice"]

    def _notice(self, user=None, **vals):
        values = {
            "name": "科室业务学习",
            "body": "<p>周四 17:30 示教室</p>",
            "department_ids": [Command.set([self.cardiology.id])],
        }
        values.update(vals)
        return self.Notice.with_user(user or self.user_head).create(values)

    def _readers(self, notice):
        return notice._receipts().user_id


@tagged("post_install", "-at_install")
class TestNotice(NoticeCase):
    def test_a_department_notice_reaches_its_staff_who_read_it(self):
        notice = self._notice()
        notice.action_publish()
        self.assertEqual(notice.state, "published")
        self.assertEqual(self._readers(notice), self.user_nurse | self.user_doctor | self.user_head)
        self.assertNotIn(self.user_surgery_nurse, notice.audience_user_ids)
        self.assertEqual((notice.receipt_count, notice.read_count, notice.unread_count), (3, 0, 3))
        as_nurse = notice.with_user(self.user_nurse)
        self.assertTrue(as_nurse.is_unread)
        self.assertEqual(self.Notice.with_user(self.user_nurse).search([("is_unread", "=", True)]), notice)
        # opening it reads it
        as_nurse.web_read({"name": {}, "body": {}})
        as_nurse.invalidate_recordset()
        self.assertFalse(as_nurse.is_unread)
        self.assertFalse(self.Notice.with_user(self.user_nurse).search([("is_unread", "=", True)]))
        notice.invalidate_recordset()
        self.assertEqual((notice.read_count, notice.unread_count), (1, 2))
        receipt = notice._receipts().filtered(lambda r: r.user_id == self.user_nurse)
        self.assertEqual(receipt.department_id, self.cardiology)
        first = receipt.read_at
        notice.with_user(self.user_nurse).action_mark_read()
        self.assertEqual(receipt.read_at, first, "read once")

    def test_roles_narrow_a_hospital_notice(self):
        notice = self._notice(
            self.user_director,
            scope="hospital",
            department_ids=[],
            role_group_ids=[Command.set([self.env.ref("ihospital_base.group_doctor").id])],
        )
        notice.action_publish()
        readers = self._readers(notice)
        self.assertIn(self.user_doctor, readers)
        self.assertIn(self.user_surgeon, readers)
        self.assertIn(self.user_head, readers, "a department head is a doctor too")
        self.assertNotIn(self.user_nurse, readers)
        self.assertNotIn(self.user_doctor_2, readers, "the other hospital")

    def test_the_reminder_goes_to_those_who_have_not_read(self):
        notice = self._notice()
        notice.action_publish()
        notice.with_user(self.user_nurse).action_mark_read()
        Message = self.env["mail.message"].sudo()
        before = Message.search([("model", "=", "ihospital.notice"), ("res_id", "=", notice.id)])
        notice.with_user(self.user_head).action_remind_unread()
        reminder = Message.search([("model", "=", "ihospital.notice"), ("res_id", "=", notice.id)]) - before
        self.assertEqual(len(reminder), 1)
        # the head who reminds is the message's author: not notified of it
        self.assertEqual(reminder.notified_partner_ids, self.user_doctor.partner_id)
        receipts = notice._receipts()
        self.assertEqual(
            {r.user_id: r.reminder_count for r in receipts},
            {self.user_nurse: 0, self.user_doctor: 1, self.user_head: 1},
        )

    def test_publishing_again_adds_newcomers_only(self):
        notice = self._notice()
        notice.action_publish()
        with self.assertRaises(UserError):
            notice.action_publish()
        self.assertFalse(notice._open_receipts(), "nobody new")
        newcomer = new_test_user(
            self.env, login="t_new_nurse", groups="ihospital_base.group_nurse", company_id=self.hospital.id
        )
        employee = newcomer.employee_ids or self.env["hr.employee"].create(
            {"name": "Nurse New", "user_id": newcomer.id, "company_id": self.hospital.id, "ihospital_role": "nurse"}
        )
        employee.department_id = self.cardiology
        self.assertEqual(notice.sudo()._open_receipts().user_id, newcomer)

    def test_who_may_publish_and_edit(self):
        for user in (self.user_nurse, self.user_doctor):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self._notice(user)
        with self.assertRaises(AccessError):
            self._notice(scope="hospital", department_ids=[])  # a head, to the whole hospital
        with self.assertRaises(AccessError):
            self._notice(department_ids=[Command.set([self.surgery.id])])  # not their department
        with self.assertRaises(AccessError):
            self._notice(state="published")
        with self.assertRaises(AccessError):
            self._notice(author_id=self.user_director.id)
        hospital = self._notice(self.user_quality, scope="hospital", department_ids=[])
        hospital.action_publish()
        with self.assertRaises(UserError):
            hospital.with_user(self.user_quality).write({"name": "changed"})
        hospital.with_user(self.user_quality).write({"pinned": True})
        with self.assertRaises(AccessError):
            hospital.with_user(self.user_nurse).action_remind_unread()
        draft = self._notice()
        with self.assertRaises(AccessError):
            draft.with_user(self.user_nurse).action_publish()
        empty = self._notice(department_ids=[])
        with self.assertRaisesRegex(UserError, "departments"):
            empty.action_publish()

    def test_who_may_not_read(self):
        notice = self._notice()
        notice.action_publish()
        for user in (self.user_surgery_nurse, self.user_surgeon, self.user_doctor_2):
            with self.subTest(user=user.login):
                self.assertFalse(self.Notice.with_user(user).search([("id", "=", notice.id)]))
        with self.assertRaises(AccessError):
            self.Notice.with_user(self.user_portal).search([("id", "=", notice.id)])
        draft = self._notice(name="not yet")
        self.assertFalse(self.Notice.with_user(self.user_nurse).search([("id", "=", draft.id)]))

    def test_receipts_are_kept_by_the_platform(self):
        notice = self._notice()
        notice.action_publish()
        Receipt = self.env["ihospital.read.receipt"]
        mine = Receipt.with_user(self.user_nurse).search([("res_id", "=", notice.id)])
        self.assertEqual(mine.user_id, self.user_nurse, "a reader sees only their own receipt")
        self.assertEqual(len(Receipt.with_user(self.user_head).search([("res_id", "=", notice.id)])), 3)
        with self.assertRaises(AccessError):
            mine.with_user(self.user_nurse).write({"read_at": "2026-01-01 00:00:00"})
        with self.assertRaises(AccessError):
            Receipt.with_user(self.user_nurse).create(
                {
                    "res_model": "ihospital.notice",
                    "res_id": notice.id,
                    "user_id": self.user_nurse.id,
                    "company_id": self.hospital.id,
                }
            )
        with self.assertRaises(AccessError):
            notice.with_user(self.user_doctor).action_view_receipts()
        action = notice.with_user(self.user_head).action_view_receipts()
        self.assertEqual(action["res_model"], "ihospital.read.receipt")

    def test_a_head_sees_who_of_his_staff_read_the_directors_notice(self):
        """The director's notice to the hospital: the head cannot change it,
        but sees which of his department's staff have read it, and only
        them."""
        notice = self._notice(user=self.user_director, scope="hospital", department_ids=[Command.clear()])
        notice.action_publish()
        with self.assertRaises(AccessError):
            notice.with_user(self.user_head).action_remind_unread()
        action = notice.with_user(self.user_head).action_view_receipts()
        receipts = self.env["ihospital.read.receipt"].with_user(self.user_head).search(action["domain"])
        self.assertEqual(receipts.user_id, self.user_nurse | self.user_doctor | self.user_head)
        self.assertIn(self.user_surgery_nurse, self._readers(notice), "the hospital's other staff got it too")
        with self.assertRaises(AccessError):
            notice.with_user(self.user_nurse).action_view_receipts()


@tagged("post_install", "-at_install")
class TestNoticeOverRpc(RpcMixin, HttpCase, NoticeCase):
    def test_opening_a_notice_reads_it_in_one_go_and_a_nurse_cannot_publish(self):
        notice = self._notice()
        notice.action_publish()
        self.authenticate(self.user_nurse.login, self.user_nurse.login)
        with self.assertNoLogs("odoo.http", "WARNING"):
            result, error = self._call("ihospital.notice", "web_read", [[notice.id], {"name": {}, "body": {}}])
        self.assertFalse(error)
        self.assertEqual(result[0]["name"], notice.name)
        receipt = notice._receipts().filtered(lambda r: r.user_id == self.user_nurse)
        self.assertTrue(receipt.read_at)
        draft = self._notice(name="draft")
        _result, error = self._call("ihospital.notice", "action_publish", [[draft.id]])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call("ihospital.read.receipt", "write", [receipt.ids, {"read_at": False}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")


@tagged("post_install", "-at_install")
class TestNoticeEditorsOverRpc(RpcMixin, HttpCase, NoticeCase):
    """Found at review (holes, over JSON-RPC on the demo): a department head
    rewrote the director's notice to his department and published it, and
    it went out as the director's; the files of a published notice were
    replaced, removed or added by a head it was sent to, and by the
    quality officer on any notice; files attached while the notice was
    first written stayed unreadable to its readers."""

    def _file(self, user, notice, content=b"agenda v1", name="agenda.txt"):
        return (
            self.env["ir.attachment"]
            .with_user(user)
            .create({"name": name, "raw": content, "res_model": "ihospital.notice", "res_id": notice.id})
        )

    def _download(self, user, attachment):
        self.authenticate(user.login, user.login)
        return self.url_open(f"/web/content/{attachment.id}?download=true")

    def test_a_head_neither_rewrites_nor_publishes_the_directors_draft(self):
        draft = self._notice(self.user_director, name="院周会")  # to cardiology, the head's department
        self.authenticate(self.user_head.login, self.user_head.login)
        result, error = self._call("ihospital.notice", "read", [draft.ids, ["name", "author_id"]])
        self.assertFalse(error, "the head reads his department's notices, drafts included")
        for method, args in (
            ("write", [draft.ids, {"name": "院周会（改）", "body": "<p>改了</p>"}]),
            ("action_publish", [draft.ids]),
            ("write", [draft.ids, {"pinned": True}]),
        ):
            _result, error = self._call("ihospital.notice", method, args)
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", method)
        draft.invalidate_recordset()
        self.assertEqual((draft.name, draft.state, draft.pinned), ("院周会", "draft", False))
        # nobody records a publisher of their choosing
        self.authenticate(self.user_director.login, self.user_director.login)
        _result, error = self._call("ihospital.notice", "write", [draft.ids, {"published_by_id": self.user_head.id}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        # the hospital's management may publish the director's draft: it says who did
        self.authenticate(self.user_quality.login, self.user_quality.login)
        result, error = self._call("ihospital.notice", "action_publish", [draft.ids])
        self.assertFalse(error, error)
        draft.invalidate_recordset()
        self.assertEqual(draft.state, "published")
        self.assertEqual((draft.author_id, draft.published_by_id), (self.user_director, self.user_quality))
        # an author publishing their own draft is its publisher
        own = self._notice(name="科室会")
        own.with_user(self.user_head).action_publish()
        self.assertEqual((own.author_id, own.published_by_id), (self.user_head, self.user_head))
        # the head no longer archives the director's notice either
        self.authenticate(self.user_head.login, self.user_head.login)
        _result, error = self._call("ihospital.notice", "action_archive_notice", [draft.ids])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")

    def test_the_files_of_a_published_notice_are_not_changed(self):
        notice = self._notice(self.user_director, name="院周会")
        agenda = self._file(self.user_director, notice)
        notice.with_user(self.user_director).write({"attachment_ids": [Command.link(agenda.id)]})
        notice.with_user(self.user_director).action_publish()
        forged = base64.b64encode(b"forged agenda").decode()
        for user in (self.user_head, self.user_quality, self.user_director, self.user_nurse):
            self.authenticate(user.login, user.login)
            stray, error = self._call(
                "ir.attachment", "create", [{"name": "stray.txt", "datas": forged, "res_model": "ir.ui.view"}]
            )
            self.assertFalse(error, error)
            for method, args in (
                ("write", [agenda.ids, {"datas": forged}]),
                ("write", [agenda.ids, {"res_model": "ir.ui.view", "res_id": 0}]),
                ("unlink", [agenda.ids]),
                (
                    "create",
                    [{"name": "extra.txt", "datas": forged, "res_model": "ihospital.notice", "res_id": notice.id}],
                ),
                ("write", [[stray], {"res_model": "ihospital.notice", "res_id": notice.id}]),
            ):
                _result, error = self._call("ir.attachment", method, args)
                self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", f"{user.login} {method} {args}")
        files = self.env["ir.attachment"].search([("res_model", "=", "ihospital.notice"), ("res_id", "=", notice.id)])
        self.assertEqual(files, agenda)
        self.assertEqual(agenda.raw, b"agenda v1")
        response = self._download(self.user_nurse, agenda)
        self.assertEqual((response.status_code, response.content), (200, b"agenda v1"), "the reader gets the original")
        # a draft's files change with it: by its author, not by a head it goes to
        draft = self._notice(self.user_director, name="草稿")
        draft_file = self._file(self.user_director, draft)
        self.authenticate(self.user_head.login, self.user_head.login)
        _result, error = self._call("ir.attachment", "write", [draft_file.ids, {"datas": forged}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.authenticate(self.user_director.login, self.user_director.login)
        result, error = self._call("ir.attachment", "write", [draft_file.ids, {"datas": forged}])
        self.assertFalse(error, error)
        result, error = self._call("ir.attachment", "unlink", [draft_file.ids])
        self.assertFalse(error, error)

    def test_files_uploaded_while_writing_a_new_notice_reach_its_readers(self):
        self.authenticate(self.user_head.login, self.user_head.login)

        def upload(content, name):
            """What the form's file widget does for a notice not saved yet."""
            data = {"name": name, "datas": base64.b64encode(content).decode()}
            attachment_id, error = self._call(
                "ir.attachment", "create", [{**data, "res_model": "ihospital.notice", "res_id": 0}]
            )
            self.assertFalse(error, error)
            return self.env["ir.attachment"].browse(attachment_id)

        agenda, slides = upload(b"agenda", "agenda.txt"), upload(b"slides", "slides.txt")
        others = (
            self.env["ir.attachment"]
            .with_user(self.user_director)
            .create({"name": "director.txt", "raw": b"not yours", "res_model": "ihospital.notice", "res_id": 0})
        )
        values = {
            "name": "科室业务学习",
            "department_ids": [Command.set(self.cardiology.ids)],
            "attachment_ids": [Command.set((agenda | others).ids)],
        }
        notice_id, error = self._call("ihospital.notice", "create", [values])
        self.assertFalse(error, error)
        _result, error = self._call(
            "ihospital.notice", "write", [[notice_id], {"attachment_ids": [Command.link(slides.id)]}]
        )
        self.assertFalse(error, error)
        _result, error = self._call("ihospital.notice", "action_publish", [[notice_id]])
        self.assertFalse(error, error)
        self.assertEqual(set((agenda | slides).mapped("res_id")), {notice_id})
        self.assertEqual(others.res_id, 0, "another user's upload is not taken over")
        for attachment, content in ((agenda, b"agenda"), (slides, b"slides")):
            response = self._download(self.user_nurse, attachment)
            self.assertEqual((response.status_code, response.content), (200, content))
        self.assertNotEqual(self._download(self.user_nurse, others).status_code, 200)


# A reminder by text costs the same queries for 5 readers as for 50: the
# receipts, the readers' staff records, the hospital's daily cap (its row
# updated, today's texts summed), one queued send (template, opt-outs, one
# insert of the messages) and the inbox message.
QUERIES_PER_REMINDER = 36


class ReminderCase(NoticeCase, MockSmsProvider):
    """The test hospital reminds by text; in cardiology the nurse, the
    doctor and the head have a mobile, a new nurse has none and a new
    doctor's number opted out of the hospital's texts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hospital.ihospital_remind_unread_sms = True
        cls.emp_nurse.mobile_phone = "13800000011"
        cls.user_fellow, cls.user_opted_out = (
            cls._cardiology_user("t_fellow", "ihospital_base.group_nurse", False),
            cls._cardiology_user("t_opted_out", "ihospital_base.group_doctor", "13800000013"),
        )
        cls.env["ihospital.sms"]._receive_reply(cls.hospital, "13800000013", "退订")

    @classmethod
    def _cardiology_user(cls, login, groups, mobile):
        user = new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id],
            notification_type="inbox",
        )
        cls.env["hr.employee"].create(
            {
                "name": login,
                "user_id": user.id,
                "company_id": cls.hospital.id,
                "department_id": cls.cardiology.id,
                "mobile_phone": mobile,
            }
        )
        return user

    def setUp(self):
        super().setUp()
        self.enterContext(self.mockSmsProvider())

    def _reminder_texts(self, notice):
        return (
            self.env["ihospital.sms.message"]
            .sudo()
            .search([("res_model", "=", "ihospital.read.receipt"), ("res_id", "in", notice._receipts().ids)])
        )


@tagged("post_install", "-at_install")
class TestNoticeReminderByText(ReminderCase):
    def test_those_who_have_not_read_get_a_text_on_their_mobile(self):
        notice = self._notice()
        notice.action_publish()
        notice.with_user(self.user_nurse).action_mark_read()
        notice.with_user(self.user_head).action_remind_unread()
        self.assertFalse(self._sms, "queued: nothing is sent inside the request")
        texts = self._reminder_texts(notice)
        self.assertEqual(
            {(text.number, text.state) for text in texts},
            {("+8613800000001", "queued"), ("+8613800000013", "opted_out")},
            "not the reader, not the head who reminds, not the fellow without a mobile",
        )
        self.assertEqual(set(texts.mapped("purpose")), {"notice"})
        self.flush_sms()
        self.assertEqual([sms["number"] for sms in self._sms], ["+8613800000001"])
        self.assertEqual(self._sms[0]["template"], "notice_reminder")
        self.assertEqual(self._sms[0]["variables"], {"title": "科室业务学习", "hospital": "Test General Hospital"})
        self.assertIn('"科室业务学习"', self._sms[0]["body"])
        receipt = texts.filtered(lambda text: text.state == "sent")
        self.assertEqual(
            notice._receipts().browse(receipt.res_id).user_id, self.user_doctor, "logged against the receipt"
        )
        # the inbox reminder goes as before, to everyone who has not read it
        reminder = (
            self.env["mail.message"]
            .sudo()
            .search([("model", "=", "ihospital.notice"), ("res_id", "=", notice.id)], order="id desc", limit=1)
        )
        self.assertEqual(
            reminder.notified_partner_ids, (self.user_doctor | self.user_fellow | self.user_opted_out).partner_id
        )

    def test_a_hospital_notice_reminded_by_medical_affairs_texts_the_head_too(self):
        notice = self._notice(self.user_quality, scope="hospital", department_ids=[])
        notice.action_publish()
        notice.with_user(self.user_quality).action_remind_unread()
        self.flush_sms()
        self.assertIn("+8613800000002", [sms["number"] for sms in self._sms])
        self.assertNotIn("+8613800000013", [sms["number"] for sms in self._sms])

    def test_no_text_where_the_hospital_does_not_remind_by_text(self):
        self.hospital.ihospital_remind_unread_sms = False
        notice = self._notice()
        notice.action_publish()
        Message = self.env["mail.message"].sudo()
        before = Message.search_count([("model", "=", "ihospital.notice"), ("res_id", "=", notice.id)])
        notice.with_user(self.user_head).action_remind_unread()
        self.assertFalse(self._reminder_texts(notice))
        self.assertEqual(
            Message.search_count([("model", "=", "ihospital.notice"), ("res_id", "=", notice.id)]),
            before + 1,
            "the inbox reminder goes",
        )
        self.flush_sms()
        self.assertFalse(self._sms)

    def test_the_hospitals_settings_switch_it(self):
        settings_admin = new_test_user(
            self.env,
            login="t_settings",
            groups="base.group_system",
            company_id=self.hospital.id,
            company_ids=[self.hospital.id],
        )
        settings = self.env["res.config.settings"].with_user(settings_admin).create({})
        self.assertTrue(settings.ihospital_remind_unread_sms)
        settings.ihospital_remind_unread_sms = False
        settings.execute()
        self.assertFalse(self.hospital.ihospital_remind_unread_sms)
        for user in (self.user_head, self.user_admin):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.hospital.with_user(user).write({"ihospital_remind_unread_sms": True})

    def test_reminder_texts_count_against_the_daily_cap_with_group_sms(self):
        """Reminder texts are texts to staff on the hospital's bill, as group
        SMS are: one daily cap for both, or a head publishing and reminding
        notice after notice texts the department beyond it."""
        self.hospital.ihospital_sms_daily_cap = 4  # a reminder text is 2 messages
        notice = self._notice()
        notice.action_publish()
        notice.with_user(self.user_nurse).action_mark_read()
        self.assertIs(notice.with_user(self.user_head).action_remind_unread(), True)
        self.assertEqual(len(self._reminder_texts(notice).filtered(lambda text: text.state == "queued")), 1)
        self.assertEqual(self.hospital._ihospital_staff_sms_left(), 2, "the opted-out number costs nothing")
        template = self.env["ihospital.sms.template"].create(
            {
                "name": "Meeting",
                "code": "t_meeting",
                "purpose": "group",
                "company_id": self.hospital.id,
                "body": "${name}: meeting.",
            }
        )
        campaign = (
            self.env["ihospital.sms.campaign"]
            .with_user(self.user_head)
            .create(
                {
                    "name": "Meeting",
                    "company_id": self.hospital.id,
                    "template_id": template.id,
                    "department_ids": [Command.set(self.cardiology.ids)],
                }
            )
        )
        with self.assertRaisesRegex(UserError, "needs 3 messages, but only 2 of the 4 a day"):
            campaign.action_send()
        # the cap reached, a reminder goes to the inbox only and says so
        self.hospital.ihospital_sms_daily_cap = 2
        second = self._notice(name="第二个通知")
        second.action_publish()
        Message = self.env["mail.message"].sudo()
        result = second.with_user(self.user_head).action_remind_unread()
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn("need 6 messages, but only 0 of the 2 a day", result["params"]["message"])
        self.assertFalse(self._reminder_texts(second))
        self.assertTrue(Message.search([("model", "=", "ihospital.notice"), ("res_id", "=", second.id)]))
        self.flush_sms()
        self.assertEqual([sms["number"] for sms in self._sms], ["+8613800000001"])

    def test_who_may_not_remind_texts_nobody(self):
        notice = self._notice()
        notice.action_publish()
        for user in (self.user_nurse, self.user_doctor, self.user_surgeon, self.user_doctor_2):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                notice.with_user(user).action_remind_unread()
        self.assertFalse(self._reminder_texts(notice))
        self.assertEqual(set(notice._receipts().mapped("reminder_count")), {0})

    def test_a_reminder_costs_the_same_queries_for_5_as_for_50_readers(self):
        """Measured with the workers' cache of users' groups warm: Odoo's
        inbox checks each recipient's groups once (cached) when it tells
        them on the bus."""

        def department_of(count, name):
            users = self.env["res.users"].create(
                [
                    {
                        "name": f"{name} {n}",
                        "login": f"t_{name}_{n}",
                        "company_id": self.hospital.id,
                        "company_ids": [Command.set(self.hospital.ids)],
                        "groups_id": [Command.set(self.env.ref("ihospital_base.group_nurse").ids)],
                        "notification_type": "inbox",
                    }
                    for n in range(count)
                ]
            )
            department = self.env["hr.department"].create(
                {"name": name, "company_id": self.hospital.id, "manager_id": self.emp_head.id}
            )
            self.env["hr.employee"].create(
                [
                    {
                        "name": user.name,
                        "user_id": user.id,
                        "company_id": self.hospital.id,
                        "department_id": department.id,
                        "mobile_phone": f"1390{count:03d}{n:04d}",
                    }
                    for n, user in enumerate(users)
                ]
            )
            return department

        departments = [department_of(count, name) for count, name in ((1, "warm"), (5, "few"), (50, "many"))]
        warm, few, many = (
            self._notice(name=department.name, department_ids=[Command.set(department.ids)]).with_user(self.user_head)
            for department in departments
        )
        (warm | few | many).action_publish()
        # a worker's first reminders fill its caches (rights, template, the
        # bus notifications run at commit)
        for _warm_up in range(2):
            warm.action_remind_unread()
            self.env.flush_all()
            self.env.cr.flush()
        for notice in (few, many):
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(QUERIES_PER_REMINDER):
                notice.action_remind_unread()
        self.assertEqual((len(self._reminder_texts(few)), len(self._reminder_texts(many))), (5, 50))


@tagged("post_install", "-at_install")
class TestNoticeReminderOverRpc(RpcMixin, HttpCase, ReminderCase):
    def test_a_head_reminds_by_text_and_a_nurse_cannot(self):
        notice = self._notice()
        notice.action_publish()
        for user in (self.user_nurse, self.user_doctor):
            self.authenticate(user.login, user.login)
            _result, error = self._call("ihospital.notice", "action_remind_unread", [notice.ids])
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", user.login)
            _result, error = self._call("ihospital.notice", "_remind_unread_by_sms", [notice.ids, []])
            self.assertTrue(error, "private methods are not callable over RPC")
        self.assertFalse(self._reminder_texts(notice))
        self.authenticate(self.user_head.login, self.user_head.login)
        result, error = self._call(
            "ihospital.notice", "action_remind_unread", [notice.ids], {"context": {"active_test": False}}
        )
        self.assertFalse(error)
        self.assertIs(result, True)
        self.assertEqual(
            {(text.number, text.state) for text in self._reminder_texts(notice)},
            {("+8613800000001", "queued"), ("+8613800000011", "queued"), ("+8613800000013", "opted_out")},
        )
        self.flush_sms()
        self.assertEqual(sorted(sms["number"] for sms in self._sms), ["+8613800000001", "+8613800000011"])

    def test_reminding_again_and_again_texts_each_reader_once_a_day(self):
        """Found at review (hole): every call of action_remind_unread texted
        every unread reader again, without limit (a loop over RPC texts the
        colleagues as often as it runs, on the hospital's bill; reminders
        are outside the group SMS daily cap). The inbox reminder goes each
        time; the text at most once per reader and notice in
        REMIND_SMS_INTERVAL."""
        notice = self._notice()
        notice.action_publish()
        self.authenticate(self.user_head.login, self.user_head.login)
        for _attempt in range(3):
            _result, error = self._call("ihospital.notice", "action_remind_unread", [notice.ids])
            self.assertFalse(error, error)
        texts = self._reminder_texts(notice)
        self.assertEqual(
            sorted(texts.mapped("number")),
            ["+8613800000001", "+8613800000011", "+8613800000013"],
            "one text per reader, however often the head reminds",
        )
        self.assertEqual(set(notice._receipts().mapped("reminder_count")) - {0}, {3}, "the inbox reminders go")
        # the next day, a reminder texts again
        notice._receipts().sudo().write({"reminded_at": fields.Datetime.now() - timedelta(days=1)})
        _result, error = self._call("ihospital.notice", "action_remind_unread", [notice.ids])
        self.assertFalse(error, error)
        self.assertEqual(len(self._reminder_texts(notice)), 6)
