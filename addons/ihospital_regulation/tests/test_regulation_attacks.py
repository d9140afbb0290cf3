"""The regulations library as a hostile client attacks it over JSON-RPC
(the review of issue 14): OCA's own methods and rules as well as ours."""

import base64
from datetime import date

from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.tests import HttpCase, tagged

from .common import CONTENT_1, CONTENT_2, RegulationCase

ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestRegulationAttacks(RpcMixin, HttpCase, RegulationCase):
    def _as(self, user):
        self.authenticate(user.login, user.login)

    def test_only_the_system_administrators_add_menus(self):
        """OCA's create-menu wizard makes, as superuser, a menu anywhere for
        whoever may write the page: a head added one to every hospital's
        back office."""
        parent = self.env.ref("ihospital_base.ihospital_menu_root")
        Menu = self.env["ir.ui.menu"].with_context(active_test=False)
        for user in (self.user_head, self.user_quality, self.user_admin):
            with self.subTest(user=user.login):
                self._as(user)
                wizard_id, error = self._call(
                    "document.page.create.menu",
                    "create",
                    [{"menu_name": "Phishing", "menu_parent_id": parent.id}],
                    {"context": {"active_id": self.procedure.id}},
                )
                self.assertFalse(error)
                _result, error = self._call(
                    "document.page.create.menu",
                    "document_page_menu_create",
                    [[wizard_id]],
                    {"context": {"active_id": self.procedure.id}},
                )
                self.assertEqual(error.get("name"), ACCESS_ERROR)
                _result, error = self._call("document.page", "write", [[self.procedure.id], {"menu_id": parent.id}])
                self.assertEqual(error.get("name"), ACCESS_ERROR)
        self.assertFalse(Menu.search([("name", "=", "Phishing")]))
        self.assertFalse(self.procedure.menu_id)

    def test_an_approved_version_keeps_its_files_and_messages(self):
        """OCA's rules let any editor write an approved version: its files
        and chatter changed past write(), by a head of another department
        or a director, without approval."""
        self.env["res.partner"].browse(
            (self.user_head | self.user_director | self.user_quality).partner_id.ids
        ).email = "staff@example.com"
        version = self._approved(self.regulation, CONTENT_1, date(2020, 1, 1))
        official = self.env["ir.attachment"].create(
            {
                "name": "official.pdf",
                "res_model": "document.page.history",
                "res_id": version.id,
                "raw": b"%PDF-1.4 official",
            }
        )
        for user in (self.user_head, self.user_director, self.user_quality):
            with self.subTest(user=user.login):
                self._as(user)
                _result, error = self._call(
                    "ir.attachment",
                    "create",
                    [
                        {
                            "name": "replacement.pdf",
                            "res_model": "document.page.history",
                            "res_id": version.id,
                            "datas": base64.b64encode(b"%PDF-1.4 forged").decode(),
                        }
                    ],
                )
                self.assertEqual(error.get("name"), ACCESS_ERROR)
                _result, error = self._call("ir.attachment", "unlink", [[official.id]])
                self.assertEqual(error.get("name"), ACCESS_ERROR)
                _result, error = self._call("ir.attachment", "write", [[official.id], {"raw": "forged"}])
                self.assertEqual(error.get("name"), ACCESS_ERROR)
                # its approvers follow it: Odoo lets them discuss it, not
                # attach files to it through the chatter
                _result, error = self._call(
                    "document.page.history",
                    "message_post",
                    [[version.id]],
                    {"body": "The rule changed.", "attachments": [["replacement.pdf", "%PDF-1.4 forged"]]},
                )
                self.assertEqual(error.get("name"), ACCESS_ERROR)
        self._as(self.user_head)
        _result, error = self._call(
            "document.page.history", "message_post", [[version.id]], {"body": "The rule changed."}
        )
        self.assertEqual(error.get("name"), ACCESS_ERROR)
        self.assertEqual(
            self.env["ir.attachment"].search(
                [("res_model", "=", "document.page.history"), ("res_id", "=", version.id)]
            ),
            official,
        )
        self.assertEqual(official.raw, b"%PDF-1.4 official")
        # a draft keeps its files while its writer writes it
        draft = self._draft(self.regulation, CONTENT_2, date(2031, 1, 1))
        self._as(self.user_quality)
        _result, error = self._call(
            "ir.attachment",
            "create",
            [{"name": "draft.pdf", "res_model": "document.page.history", "res_id": draft.id, "raw": "draft"}],
        )
        self.assertFalse(error)

    def test_every_page_belongs_to_a_hospital(self):
        """OCA shows a page without a company to every company: a head or
        a quality officer published to the staff of every hospital."""
        self._as(self.user_quality)
        _result, error = self._call("document.page", "create", [{"name": "To everyone", "company_id": False}])
        self.assertEqual(error.get("name"), "odoo.exceptions.ValidationError")
        self._as(self.user_head)
        _result, error = self._call(
            "document.page",
            "create",
            [{"name": "To everyone", "company_id": False, "department_id": self.cardiology.id}],
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.ValidationError")
        # nor does a head make his procedure a category of his department
        _result, error = self._call("document.page", "write", [[self.procedure.id], {"type": "category"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.ValidationError")
        self.assertFalse(self.env["document.page"].search([("name", "=", "To everyone")]))
        self.assertEqual(self.procedure.type, "content")

    def test_a_campaign_opens_no_draft(self):
        """A campaign shows its version's text as superuser: a head read the
        drafts and submitted versions of any regulation through a draft
        campaign of his own."""
        self._approved(self.regulation, CONTENT_1, date(2020, 1, 1))
        draft = self._draft(self.regulation, "<p>草稿：尚未批准的新规定</p>", date(2031, 1, 1))
        draft.with_user(self.user_quality).action_to_approve()
        self._as(self.user_head)
        _result, error = self._call("document.page.history", "read", [[draft.id], ["content"]])
        self.assertEqual(error.get("name"), ACCESS_ERROR)
        values = {
            "name": "学习确认",
            "page_id": self.regulation.id,
            "scope": "departments",
            "department_ids": [(6, 0, self.cardiology.ids)],
        }
        _result, error = self._call("ihospital.regulation.campaign", "create", [{**values, "version_id": draft.id}])
        self.assertEqual(error.get("name"), ACCESS_ERROR)
        campaign_id, error = self._call("ihospital.regulation.campaign", "create", [values])
        self.assertFalse(error)
        _result, error = self._call("ihospital.regulation.campaign", "write", [[campaign_id], {"version_id": draft.id}])
        self.assertEqual(error.get("name"), ACCESS_ERROR)
        result, error = self._call("ihospital.regulation.campaign", "read", [[campaign_id], ["version_content"]])
        self.assertNotIn("草稿", result[0]["version_content"], error)

    def test_a_version_stays_in_its_hospital(self):
        """A version's hospital is stored from its page, and OCA's
        multi-company rule reads it: a writer moved his draft to another
        hospital's rules by writing it."""
        draft = self._draft(self.regulation, CONTENT_2, date(2031, 1, 1))
        self._as(self.user_quality)
        _result, error = self._call("document.page.history", "write", [[draft.id], {"company_id": self.hospital_2.id}])
        self.assertEqual(error.get("name"), ACCESS_ERROR)
        self.assertEqual(draft.company_id, self.hospital)

    def test_a_category_made_a_regulation_area_brings_in_no_self_approved_page(self):
        """OCA approves the versions of a page outside the library without
        approvers: a head's self-approved page became a regulation in
        effect when its category was made a regulation area."""
        self.user_head.partner_id.email = "head@example.com"
        plain = self.env["document.page"].create(
            {"name": "科室资料", "type": "category", "company_id": self.hospital.id}
        )
        self._as(self.user_head)
        page_id, error = self._call(
            "document.page",
            "create",
            [
                {
                    "name": "未经审批的流程",
                    "parent_id": plain.id,
                    "department_id": self.cardiology.id,
                    "content": "<p>未经审批</p>",
                }
            ],
        )
        self.assertFalse(error)
        page = self.env["document.page"].browse(page_id)
        self.assertEqual(page.history_head.state, "approved", "OCA approves a page outside the library")
        self._as(self.user_quality)
        _result, error = self._call("document.page", "write", [[plain.id], {"regulation_area": "medical"}])
        self.assertEqual(error.get("name"), ACCESS_ERROR)
        self.assertFalse(page.is_regulation)

    def test_what_the_approvers_read_is_what_they_approve(self):
        """A head submitted his procedure, then changed its text while it
        waited: the director approved the text he had not read."""
        self._approved(self.procedure, CONTENT_1, date(2020, 1, 1))
        draft = self._draft(self.procedure, CONTENT_2, date(2020, 6, 1), user=self.user_head)
        self._as(self.user_head)
        _result, error = self._call("document.page.history", "action_to_approve", [[draft.id]])
        self.assertFalse(error)
        for vals in ({"content": "<p>替换后的文本</p>"}, {"effective_date": "2020-02-01"}):
            with self.subTest(vals=vals):
                _result, error = self._call("document.page.history", "write", [[draft.id], vals])
                self.assertEqual(error.get("name"), ACCESS_ERROR)
        _result, error = self._call(
            "ir.attachment",
            "create",
            [{"name": "swap.pdf", "res_model": "document.page.history", "res_id": draft.id, "raw": "swap"}],
        )
        self.assertEqual(error.get("name"), ACCESS_ERROR)
        self.assertEqual(draft.content, CONTENT_2)
        # the approvers still correct it before approving; its author
        # withdraws it to change it himself
        self._as(self.user_quality)
        _result, error = self._call("document.page.history", "write", [[draft.id], {"summary": "措辞修正"}])
        self.assertFalse(error)
        self._as(self.user_head)
        _result, error = self._call("document.page.history", "action_cancel_and_draft", [[draft.id]])
        self.assertFalse(error)
        _result, error = self._call("document.page.history", "write", [[draft.id], {"content": "<p>新文本</p>"}])
        self.assertFalse(error)
