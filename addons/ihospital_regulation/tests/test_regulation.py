"""Regulations: versions, their effective dates, approval and who may do
what (the JSON-RPC refusals are in test_regulation_rpc.py)."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import CONTENT_1, CONTENT_2, RegulationCase


@tagged("post_install", "-at_install")
class TestVersions(RegulationCase):
    def test_effective_today_future_and_superseded(self):
        with freeze_time("2030-03-01 04:00:00"):
            v1 = self._approved(self.regulation, CONTENT_1, date(2030, 1, 1))
            self.assertEqual(v1.state, "approved")
            self.assertEqual(v1.version, "1.0", "a version without a number gets the next one")
            self.assertEqual(self.regulation.history_head, v1)
            self.assertIn("15 分钟", self.regulation.content)
            v2 = self._approved(self.regulation, CONTENT_2, date(2030, 4, 1))
            self.assertEqual(v2.state, "scheduled")
            self.assertEqual(v2.version, "2.0")
            self.assertEqual(self.regulation.history_head, v1, "a version takes effect on its date, not before")
            self.env["document.page"]._cron_refresh_versions()
            self.assertEqual((v1.state, v2.state), ("approved", "scheduled"))
        with freeze_time("2030-04-01 01:00:00"):  # 09:00 in Guangzhou
            self.env["document.page"]._cron_refresh_versions()
            self.assertEqual((v1.state, v2.state), ("superseded", "approved"))
            self.assertEqual(self.regulation.history_head, v2)
            self.assertIn("30 分钟", self.regulation.content)
            self.assertEqual(self.regulation.current_version, "2.0")
            self.assertEqual(self.regulation.effective_date, date(2030, 4, 1))
            # the cron again changes nothing
            self.env["document.page"]._cron_refresh_versions()
            self.assertEqual((v1.state, v2.state), ("superseded", "approved"))
        # every reader reads the former version too
        former = v1.with_user(self.user_nurse)
        self.assertIn("15 分钟", former.content)
        self.assertIn(v1, self.History.with_user(self.user_nurse).search([("page_id", "=", self.regulation.id)]))

    def test_approval_of_a_version_due_today_puts_it_in_effect(self):
        with freeze_time("2030-03-01 04:00:00"):
            v1 = self._approved(self.regulation, CONTENT_1, date(2030, 1, 1))
            v2 = self._approved(self.regulation, CONTENT_2, date(2030, 3, 1))
            self.assertEqual((v1.state, v2.state), ("superseded", "approved"))
            self.assertEqual(self.regulation.history_head, v2)
            self.assertEqual(self.regulation.approved_uid, self.user_director)

    def test_the_hospitals_today_decides(self):
        """2030-03-31 17:00 UTC is 2030-04-01 01:00 in Guangzhou."""
        with freeze_time("2030-03-01 04:00:00"):
            self._approved(self.regulation, CONTENT_1, date(2030, 1, 1))
            v2 = self._approved(self.regulation, CONTENT_2, date(2030, 4, 1))
        with freeze_time("2030-03-31 17:00:00"):
            self.env["document.page"]._cron_refresh_versions()
            self.assertEqual(v2.state, "approved")

    def test_diff_compares_with_the_version_before_in_effective_order(self):
        with freeze_time("2030-03-01 04:00:00"):
            v1 = self._approved(self.regulation, "<p>第一版</p>", date(2030, 1, 1))
            # the June version is approved before the May one
            june = self._approved(self.regulation, "<p>六月版</p>", date(2030, 6, 1), "3.0")
            may = self._approved(self.regulation, "<p>五月版</p>", date(2030, 5, 1), "2.0")
            self.assertEqual((may.state, june.state), ("scheduled", "scheduled"))
            self.assertEqual(june._ihospital_previous_version(), may)
            self.assertEqual(may._ihospital_previous_version(), v1)
            self.assertIn("五月版", june.diff)
            self.assertIn("六月版", june.diff)
            self.assertNotIn("第一版", june.diff)
            draft = self._draft(self.regulation, "<p>草稿</p>", date(2030, 7, 1))
            self.assertEqual(draft._ihospital_previous_version(), june)
            # the page's history stays readable: every version is listed
            self.assertEqual(len(self.regulation.version_ids), 4)

    def test_an_earlier_date_than_the_version_in_effect_is_refused(self):
        with freeze_time("2030-03-01 04:00:00"):
            self._approved(self.regulation, CONTENT_1, date(2030, 2, 1))
            late = self._draft(self.regulation, CONTENT_2, date(2030, 1, 1))
            with self.assertRaises(UserError):
                late.with_user(self.user_quality).action_to_approve()

    def test_cancelled_stays_and_approved_cannot_be_cancelled(self):
        with freeze_time("2030-03-01 04:00:00"):
            v1 = self._approved(self.regulation, CONTENT_1, date(2030, 1, 1))
            v2 = self._approved(self.regulation, CONTENT_2, date(2030, 5, 1))
            with self.assertRaises(UserError):
                v1.with_user(self.user_quality).action_cancel()
            v2.with_user(self.user_director).action_cancel()
            self.assertEqual(v2.state, "cancelled")
        with freeze_time("2030-06-01 04:00:00"):
            self.env["document.page"]._cron_refresh_versions()
            self.assertEqual((v1.state, v2.state), ("approved", "cancelled"))
            self.assertEqual(self.regulation.history_head, v1)
            v2.with_user(self.user_quality).action_draft()
            self.assertEqual((v2.state, v2.approved_uid.id), ("draft", False))

    def test_version_numbers_are_unique_per_regulation(self):
        self._approved(self.regulation, CONTENT_1, date(2020, 1, 1), "1.0")
        with self.assertRaises(ValidationError):
            self._draft(self.regulation, CONTENT_2, date(2031, 1, 1), "1.0")
        self._draft(self.procedure, CONTENT_2, date(2031, 1, 1), "1.0")

    def test_a_regulation_belongs_to_a_hospital(self):
        with self.assertRaises(ValidationError):
            self.env["document.page"].create({"name": "无主制度", "parent_id": self.category.id, "company_id": False})
        with self.assertRaises(ValidationError):
            self.env["document.page"].create(
                {"name": "跨院制度", "parent_id": self.category_2.id, "company_id": self.hospital.id}
            )
        self.assertTrue(self.regulation.is_regulation)
        self.assertEqual(self.regulation.regulation_area, "medical")

    def test_page_content_edit_makes_a_version_to_approve(self):
        page = (
            self.env["document.page"]
            .with_user(self.user_quality)
            .create(
                {
                    "name": "查对制度",
                    "parent_id": self.category.id,
                    "company_id": self.hospital.id,
                    "content": "<p>三查八对</p>",
                }
            )
        )
        version = page.version_ids
        self.assertEqual(version.state, "to approve")
        self.assertFalse(page.history_head, "nothing is in effect before the approval")
        version.with_user(self.user_director).action_approve()
        self.assertEqual(page.history_head, version)
        self.assertIn("三查八对", page.content)


@tagged("post_install", "-at_install")
class TestRights(RegulationCase):
    def test_approval_is_by_the_categorys_roles(self):
        self.category.regulation_approver_group_ids = self.env.ref("ihospital_base.group_quality_officer")
        draft = self._draft(self.regulation, CONTENT_1, date(2020, 1, 1))
        draft.with_user(self.user_quality).action_to_approve()
        self.assertEqual(draft.state, "to approve")
        with self.assertRaises(AccessError):
            draft.with_user(self.user_director).action_approve()
        self.assertFalse(draft.with_user(self.user_director).am_i_approver)
        self.assertTrue(draft.with_user(self.user_quality).am_i_approver)
        draft.with_user(self.user_quality).action_approve()
        self.assertEqual(draft.state, "approved")

    def test_nurse_and_doctor_never_approve(self):
        # even a category naming the nurses' and doctors' groups, and a
        # nurse given OCA's approver group by hand
        self.category.sudo().regulation_approver_group_ids |= self.env.ref("ihospital_base.group_nurse") | self.env.ref(
            "ihospital_base.group_doctor"
        )
        self.user_nurse.groups_id |= self.env.ref("document_page_approval.group_document_approver_user")
        draft = self._draft(self.regulation, CONTENT_1, date(2020, 1, 1))
        draft.with_user(self.user_quality).action_to_approve()
        for user in (self.user_nurse, self.user_doctor, self.user_head):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                draft.with_user(user).action_approve()
        self.assertEqual(draft.state, "to approve")

    def test_approval_is_always_required(self):
        """OCA lets anyone approve a page that does not require approval or
        names no approver group: not a regulation. A category naming no
        role falls back on the default approver roles."""
        self.category.sudo().write({"approval_required": False, "approver_gid": False})
        self.category.sudo().regulation_approver_group_ids = False
        self.assertTrue(self.regulation.is_approval_required)
        draft = self._draft(self.regulation, CONTENT_1, date(2020, 1, 1))
        draft.with_user(self.user_quality).action_to_approve()
        self.assertEqual(draft.state, "to approve", "submitting does not approve")
        for user in (self.user_nurse, self.user_doctor, self.user_head):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                draft.with_user(user).action_approve()
        draft.with_user(self.user_director).action_approve()
        self.assertEqual(draft.state, "approved")

    def test_engine_fields_refuse_direct_writes(self):
        draft = self._draft(self.regulation, CONTENT_1, date(2020, 1, 1))
        quality = draft.with_user(self.user_quality)
        for vals in ({"state": "approved"}, {"approved_uid": self.user_quality.id}, {"approved_date": "2030-01-01"}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                quality.write(vals)
        with self.assertRaises(AccessError):
            self.History.with_user(self.user_quality).with_context(default_state="approved").create(
                {"page_id": self.regulation.id, "content": CONTENT_1}
            )
        quality.action_to_approve()
        draft.with_user(self.user_director).action_approve()
        # an approved text and date are frozen, also for the approvers
        for user in (self.user_quality, self.user_director, self.user_admin):
            for vals in ({"content": CONTENT_2}, {"effective_date": "2031-01-01"}, {"state": "draft"}):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    draft.with_user(user).write(vals)
        # the page's version in effect is the engine's too
        other = self._draft(self.regulation, CONTENT_2, date(2031, 1, 1))
        with self.assertRaises(AccessError):
            self.regulation.with_user(self.user_quality).write({"history_head": other.id})
        with self.assertRaises(AccessError):
            self.regulation.with_user(self.user_quality).write({"draft_summary": "changed"})
        self.assertEqual(self.regulation.history_head, draft)

    def test_head_keeps_his_departments_procedures_only(self):
        version = self._draft(self.procedure, CONTENT_1, date(2020, 1, 1), user=self.user_head)
        version.with_user(self.user_head).write({"summary": "首版"})
        version.with_user(self.user_head).action_to_approve()
        self.assertEqual(version.state, "to approve")
        with self.assertRaises(AccessError):
            version.with_user(self.user_head).action_approve()
        self.procedure.with_user(self.user_head).write({"regulation_number": "心内〔2030〕1号"})
        # the hospital's regulations and another department's procedures: refused
        with self.assertRaises(AccessError):
            self._draft(self.regulation, CONTENT_1, date(2020, 1, 1), user=self.user_head)
        with self.assertRaises(AccessError):
            self.regulation.with_user(self.user_head).write({"regulation_number": "x"})
        with self.assertRaises(AccessError):
            self.procedure.with_user(self.user_head).write({"department_id": self.surgery.id})
        with self.assertRaises(AccessError):
            self.env["document.page"].with_user(self.user_head).create(
                {
                    "name": "外科流程",
                    "parent_id": self.category.id,
                    "department_id": self.surgery.id,
                    "company_id": self.hospital.id,
                }
            )
        quality_draft = self._draft(self.regulation, CONTENT_1, date(2020, 1, 1))
        with self.assertRaises(AccessError):
            quality_draft.with_user(self.user_head).action_to_approve()

    def test_a_regulation_stays_in_the_library(self):
        """Outside a regulation category OCA lets anyone approve: a head
        cannot take his procedure out, change it there and bring it back."""
        plain = self.env["document.page"].create({"name": "Wiki", "type": "category", "company_id": self.hospital.id})
        with self.assertRaises(AccessError):
            self.procedure.with_user(self.user_head).write({"parent_id": plain.id})
        with self.assertRaises(AccessError):
            self.category.with_user(self.user_quality).write({"regulation_area": False})
        page = self.env["document.page"].create(
            {"name": "Old wiki page", "parent_id": plain.id, "company_id": self.hospital.id, "content": "<p>x</p>"}
        )
        self.assertEqual(page.version_ids.state, "approved", "OCA approves a page needing no approval")
        with self.assertRaises(AccessError):
            page.with_user(self.user_quality).write({"parent_id": self.category.id})
        self.assertEqual(self.procedure.parent_id, self.category)

    def test_nurse_doctor_and_director_write_nothing(self):
        self._approved(self.regulation, CONTENT_1, date(2020, 1, 1))
        for user in (self.user_nurse, self.user_doctor, self.user_director):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.regulation.with_user(user).write({"name": "x"})
                with self.assertRaises(AccessError):
                    self._draft(self.regulation, CONTENT_2, date(2031, 1, 1), user=user)
        # they read the version in effect
        self.assertIn("15 分钟", self.regulation.with_user(self.user_nurse).content)

    def test_the_other_hospital_sees_nothing(self):
        self._approved(self.regulation, CONTENT_1, date(2020, 1, 1))
        Page = self.env["document.page"].with_user(self.user_doctor_2)
        self.assertFalse(Page.search([("company_id", "=", self.hospital.id)]))
        found = Page.search([("is_regulation", "=", True)])
        self.assertEqual(found, self.category_2 | self.regulation_2)
        with self.assertRaises(AccessError):
            self.regulation.with_user(self.user_doctor_2).read(["name"])
        self.assertFalse(self.History.with_user(self.user_doctor_2).search([("page_id", "=", self.regulation.id)]))
        # nor does it approve there
        self.assertFalse(self.regulation.can_user_approve_this_page(self.user_doctor_2))

    def test_readers_get_the_files_of_the_version_in_effect(self):
        Attachment = self.env["ir.attachment"].with_user(self.user_quality)

        def attach(version, name, raw):
            return Attachment.create(
                {"name": name, "raw": raw, "res_model": "document.page.history", "res_id": version.id}
            )

        # the files go with the draft, written by its author, and stay with it
        first = self._draft(self.regulation, CONTENT_1, date(2020, 1, 1), version="1.0")
        original = attach(first, "危急值报告制度（1.0）.pdf", b"%PDF-1.4 v1")
        first.with_user(self.user_quality).action_to_approve()
        first.with_user(self.user_director).action_approve()
        page = self.regulation.with_user(self.user_nurse)
        self.assertEqual(page.file_ids, original)
        self.assertEqual(page.file_ids.raw, b"%PDF-1.4 v1")
        # a file attached to the page itself is not part of the regulation
        self.env["ir.attachment"].create(
            {"name": "note.txt", "raw": b"x", "res_model": "document.page", "res_id": self.regulation.id}
        )
        self.regulation.invalidate_recordset(["file_ids"])
        self.assertEqual(page.file_ids, original)
        # the next version in effect brings its own files; the former stay on it
        second = self._draft(self.regulation, CONTENT_2, date(2021, 1, 1), version="2.0")
        revised = attach(second, "危急值报告制度（2.0）.pdf", b"%PDF-1.4 v2")
        second.with_user(self.user_quality).action_to_approve()
        second.with_user(self.user_director).action_approve()
        self.regulation.invalidate_recordset(["file_ids"])
        self.assertEqual(page.file_ids, revised)
        self.assertEqual(original.with_user(self.user_nurse).raw, b"%PDF-1.4 v1")
        # the other hospital reads none of them
        with self.assertRaises(AccessError):
            revised.with_user(self.user_doctor_2).read(["raw"])

    def test_content_is_sanitized(self):
        draft = self._draft(
            self.regulation,
            '<p>正文</p><script>alert("x")</script><img src="x" onerror="alert(1)"><a href="javascript:alert(2)">a</a>',
            date(2020, 1, 1),
        )
        self.assertIn("正文", draft.content)
        for bad in ("<script", "onerror", "javascript:"):
            self.assertNotIn(bad, draft.content)
        # a page title is text in the category's index
        self.env["document.page"].create(
            {"name": "<img src=x onerror=alert(1)>", "parent_id": self.category.id, "company_id": self.hospital.id}
        )
        self.assertNotIn("<img", self.category.content)
        self.assertIn("&lt;img", self.category.content)


@tagged("post_install", "-at_install")
class TestDemo(RegulationCase):
    def test_demo_versions(self):
        page = self.env.ref("ihospital_regulation.document_page_critical_value_demo")
        v1 = self.env.ref("ihospital_regulation.document_page_critical_value_v1_demo")
        v2 = self.env.ref("ihospital_regulation.document_page_critical_value_v2_demo")
        self.assertEqual((v1.state, v2.state), ("superseded", "approved"))
        self.assertEqual(page.history_head, v2)
        self.assertIn("10 分钟", page.content)
        self.assertEqual(self.env.ref("ihospital_regulation.document_page_hand_hygiene_v2_demo").state, "scheduled")
        nurse = self.env.ref("ihospital_base.user_nurse_demo")
        self.assertIn("15 分钟", v1.with_user(nurse).content)
        self.assertFalse(
            self.env["document.page"]
            .with_user(nurse)
            .search([("company_id", "=", self.env.ref("ihospital_base.res_company_nanshan_demo").id)])
        )


@tagged("post_install", "-at_install")
class TestViews(RegulationCase):
    def test_a_nurse_opens_the_reading_views(self):
        self._approved(self.regulation, CONTENT_1, date(2020, 1, 1))
        Page = self.env["document.page"].with_user(self.user_nurse)
        views = Page.get_views(
            [
                (self.env.ref("ihospital_regulation.document_page_view_kanban").id, "kanban"),
                (self.env.ref("ihospital_regulation.document_page_view_form_read").id, "form"),
                (self.env.ref("ihospital_regulation.document_page_view_form").id, "form"),
            ]
        )
        self.assertIn("content", views["models"]["document.page"]["fields"])
        action = self.env.ref("ihospital_regulation.document_page_action_read")
        found = Page.search(safe_eval(action.domain))
        self.assertEqual(found, self.regulation)
        page = found.web_read({"name": {}, "content": {}, "current_version": {}, "effective_date": {}})
        self.assertIn("15 分钟", page[0]["content"])
        History = self.env["document.page.history"]
        version = self.regulation.history_head
        self.assertFalse(version.with_user(self.user_nurse).am_i_writer)
        self.assertFalse(version.with_user(self.user_nurse).am_i_approver)
        self.assertTrue(version.with_user(self.user_quality).am_i_writer)
        self.assertFalse(version.with_user(self.user_head).am_i_writer)
        History.with_user(self.user_nurse).get_views(
            [(self.env.ref("ihospital_regulation.document_page_history_view_form").id, "form")]
        )
