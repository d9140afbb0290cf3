"""Issue 12: notices (通知公告) with read receipts: sent to the hospital or
to departments, optionally to some roles only; who has read them and who has
not; a reminder to those who have not; and who may not publish or read."""

from odoo import Command
from odoo.addons.ihospital_base.tests.common import RpcMixin
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
