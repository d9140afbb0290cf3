"""Regulations over JSON-RPC, as a browser's console sends the calls: a
nurse cannot approve, nobody writes a version's state or an approved text."""

from datetime import date

from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.tests import HttpCase, tagged

from .common import CONTENT_1, CONTENT_2, RegulationCase

MODEL = "document.page.history"


@tagged("post_install", "-at_install")
class TestRegulationRpc(RpcMixin, HttpCase, RegulationCase):
    def setUp(self):
        super().setUp()
        self.version = self._draft(self.regulation, CONTENT_1, date(2020, 1, 1))
        self.version.with_user(self.user_quality).action_to_approve()

    def test_a_nurse_cannot_approve(self):
        self.authenticate(self.user_nurse.login, self.user_nurse.login)
        _result, error = self._call(MODEL, "action_approve", [[self.version.id]])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call(MODEL, "write", [[self.version.id], {"state": "approved"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call(
            MODEL, "action_approve", [[self.version.id]], {"context": {"uid": self.user_quality.id, "sudo": True}}
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        for method in ("action_cancel", "action_draft", "action_to_approve", "action_cancel_and_draft"):
            with self.subTest(method=method):
                _result, error = self._call(MODEL, method, [[self.version.id]])
                self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertEqual(self.version.state, "to approve")
        self.assertFalse(self.regulation.history_head)

    def test_the_quality_office_writes_no_state_and_no_approved_text(self):
        self.authenticate(self.user_quality.login, self.user_quality.login)
        for vals in (
            {"state": "approved"},
            {"approved_uid": self.user_quality.id},
            {"approved_date": "2020-01-01 00:00:00"},
        ):
            with self.subTest(vals=vals):
                _result, error = self._call(MODEL, "write", [[self.version.id], vals])
                self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call(
            MODEL,
            "create",
            [{"page_id": self.regulation.id, "content": CONTENT_2}],
            {"context": {"default_state": "approved"}},
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        # the approver approves through the button's method
        result, error = self._call(MODEL, "action_approve", [[self.version.id]])
        self.assertFalse(error)
        self.assertEqual(self.version.state, "approved")
        self.assertEqual(self.regulation.history_head, self.version)
        for vals in ({"content": CONTENT_2}, {"effective_date": "2031-01-01"}, {"state": "superseded"}):
            with self.subTest(vals=vals):
                _result, error = self._call(MODEL, "write", [[self.version.id], vals])
                self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call("document.page", "write", [[self.regulation.id], {"history_head": False}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertIn("15 分钟", self.regulation.content)

    def test_the_other_hospital_reads_nothing(self):
        self.authenticate(self.user_doctor_2.login, self.user_doctor_2.login)
        result, error = self._call("document.page", "search_read", [[["is_regulation", "=", True]], ["name"]])
        self.assertFalse(error)
        self.assertEqual({row["id"] for row in result}, {self.category_2.id, self.regulation_2.id})
        _result, error = self._call(MODEL, "read", [[self.version.id], ["content"]])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
