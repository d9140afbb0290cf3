"""Replying to patients over JSON-RPC, as a browser console sends it: each
role that must be refused is refused and nothing changes; the staff app's
reply goes through with its files; bad files come back as a clear error."""

import json

from odoo.tests import HttpCase, tagged

from .common import RpcMixin
from .test_consultation_replies import PNG, WEBM, ConsultationCase, b64

MODEL = "ihospital.consultation"


@tagged("post_install", "-at_install")
class TestConsultationRpc(RpcMixin, HttpCase, ConsultationCase):
    def setUp(self):
        super().setUp()
        self.consultation = self._ask()

    def _as(self, user):
        self.authenticate(user.login, user.login)

    def _refused(self, user, method, args, kwargs=None):
        self._as(user)
        _result, error = self._call(MODEL, method, args, kwargs)
        self.assertIn(error.get("name"), ("odoo.exceptions.AccessError", "odoo.exceptions.UserError"), error)
        return error

    def test_reply_over_rpc(self):
        self._as(self.user_doctor)
        message_id, error = self._call(
            MODEL,
            "action_reply",
            [[self.consultation.id]],
            {
                "body": "Apply the cream.",
                "images": [{"name": "care.png", "data": b64(PNG)}],
                "voice": {"name": "voice", "data": b64(WEBM), "mimetype": "audio/webm;codecs=opus"},
            },
        )
        self.assertFalse(error, error)
        message = self.env["mail.message"].browse(message_id)
        self.assertEqual(sorted(message.attachment_ids.mapped("mimetype")), ["audio/webm", "image/png"])
        self.assertEqual(self.consultation.state, "answered")

    def test_bad_voice_is_a_clear_error(self):
        self._as(self.user_doctor)
        _result, error = self._call(
            MODEL,
            "action_reply",
            [[self.consultation.id]],
            {"body": "Listen", "voice": {"name": "voice", "data": b64(PNG), "mimetype": "audio/webm"}},
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.UserError")
        self.assertIn("not audio", error["message"])
        self.assertEqual(self.consultation.state, "open")
        self.assertFalse(self._public_messages(self.consultation).filtered(lambda m: m.author_id.user_ids))

    def test_refusals(self):
        cid = self.consultation.id
        refusals = [
            (self.user_colleague, "action_reply", [[cid]], {"body": "Dear patient"}),
            (self.user_nurse, "action_reply", [[cid]], {"body": "Dear patient"}),
            (self.user_portal, "action_reply", [[cid]], {"body": "I answer myself"}),
            (self.user_doctor_2, "action_reply", [[cid]], {"body": "Other hospital"}),
            (self.user_head, "action_authorize_phone", [[cid]], {}),
            (self.user_portal, "action_authorize_phone", [[cid]], {}),
            (self.user_head, "action_withdraw_phone", [[cid]], {}),
            (self.user_portal, "action_withdraw_phone", [[cid]], {}),
            (self.user_colleague, "action_hand_over", [[cid], self.emp_colleague.id], {}),
            (self.user_doctor_2, "action_hand_over", [[cid], self.emp_doctor_2.id], {}),
            (self.user_doctor, "action_hand_over", [[cid], self.emp_doctor_2.id], {}),
            (self.user_quality, "action_hand_over", [[cid], self.emp_colleague.id], {}),
            (self.user_doctor, "write", [[cid], {"phone_authorized": True}], {}),
            (self.user_doctor, "write", [[cid], {"doctor_id": self.emp_colleague.id}], {}),
            (self.user_doctor, "write", [[cid], {"state": "closed", "close_reason": "rated"}], {}),
            (self.user_admin, "write", [[cid], {"reminded_date": "2030-01-01 00:00:00"}], {}),
            (self.user_doctor, "write", [[cid], {"answer_deadline": "2030-01-01 00:00:00"}], {}),
            (self.user_nurse, "read", [[cid], ["subject"]], {}),
            (self.user_doctor_2, "read", [[cid], ["subject"]], {}),
            (self.user_portal_other, "read", [[cid], ["doctor_phone"]], {}),
        ]
        for user, method, args, kwargs in refusals:
            with self.subTest(user=user.login, method=method):
                self._refused(user, method, args, kwargs)
        # staff can no longer close a question: the method is gone
        self._as(self.user_doctor)
        _result, error = self._call(MODEL, "action_close", [[cid]])
        self.assertTrue(error)
        self.assertEqual(
            (self.consultation.state, self.consultation.doctor_id, self.consultation.phone_authorized),
            ("open", self.emp_doctor, False),
        )
        self.assertFalse(self.consultation.reminded_date or self.consultation.close_reason)

    def test_withdraw_phone_over_rpc(self):
        """Only the doctor the question is with takes the call back; every
        other role is refused with a clear error and the number stays."""
        cid = self.consultation.id
        self.consultation.with_user(self.user_doctor).action_authorize_phone()
        not_yours = "Only the doctor the question is with withdraws a call to their own number."
        role_refused = "Your role does not allow this action (action_withdraw_phone)"
        for user, message in (
            (self.user_head, not_yours),
            (self.user_admin, not_yours),
            (self.user_colleague, "doesn't have 'write' access"),  # reads the department's, changes none
            (self.user_doctor_2, "doesn't have 'write' access"),  # another hospital
            (self.user_nurse, role_refused),
            (self.user_quality, role_refused),
            (self.user_portal, role_refused),  # the asker
            (self.user_portal_other, role_refused),
        ):
            with self.subTest(user=user.login):
                error = self._refused(user, "action_withdraw_phone", [[cid]])
                self.assertEqual(error["name"], "odoo.exceptions.AccessError")
                self.assertIn(message, error["message"])
        self._refused(self.user_doctor, "write", [[cid], {"phone_authorized": False}])
        self.assertTrue(self.consultation.phone_authorized)

        self._as(self.user_doctor)
        result, error = self._call(MODEL, "action_withdraw_phone", [[cid]])
        self.assertFalse(error, error)
        self.assertTrue(result)
        self.consultation.invalidate_recordset()
        self.assertFalse(self.consultation.phone_authorized)
        self.assertFalse(self.consultation.with_user(self.user_portal).doctor_phone)
        # withdrawn already: a clear error, not a silent success
        _result, error = self._call(MODEL, "action_withdraw_phone", [[cid]])
        self.assertEqual(error.get("name"), "odoo.exceptions.UserError")
        self.assertIn("No phone consultation is authorized on this question: nothing to withdraw.", error["message"])
        # and the doctor may authorize it again
        result, error = self._call(MODEL, "action_authorize_phone", [[cid]])
        self.assertFalse(error, error)
        self.consultation.invalidate_recordset()
        self.assertTrue(self.consultation.phone_authorized)

    def test_colleague_cannot_write_to_the_patient_through_the_chatter(self):
        self._as(self.user_colleague)
        post = {
            "thread_model": MODEL,
            "thread_id": self.consultation.id,
            "post_data": {"body": "Dear patient", "message_type": "comment", "subtype_xmlid": "mail.mt_comment"},
        }
        response = self.url_open(
            "/mail/message/post",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": post}),
            headers={"Content-Type": "application/json"},
        ).json()
        self.assertIn("error", response)
        # a note goes through, and does not answer
        post["post_data"]["subtype_xmlid"] = "mail.mt_note"
        response = self.url_open(
            "/mail/message/post",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": post}),
            headers={"Content-Type": "application/json"},
        ).json()
        self.assertNotIn("error", response)
        self.assertEqual(self.consultation.state, "open")
        self.assertFalse(self._public_messages(self.consultation).filtered(lambda m: "Dear patient" in m.body))

    def test_the_doctor_cannot_rate_or_rename_his_own_question(self):
        """Found at review (hole): the rating (rating_last_value, stored by
        rating.mixin) and the reference were plain fields the doctor the
        question is with could write over RPC: a 5/5 the patient never
        gave, shown to the quality office and on the patient's page."""
        reference = self.consultation.name
        self._as(self.user_doctor)
        for vals in ({"rating_last_value": 5}, {"name": "ZX-FORGED"}):
            with self.subTest(vals=vals):
                _result, error = self._call(MODEL, "write", [[self.consultation.id], vals])
                self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", error)
        self.consultation.invalidate_recordset()
        self.assertEqual((self.consultation.sudo().rating_last_value, self.consultation.name), (0, reference))
