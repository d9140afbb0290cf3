"""Over HTTP, as a phone and a browser's JSON-RPC client send it: the
personal link (expired, someone else's, another hospital's, reused), the
decline route, the portal switch, each hospital's surveys and follow-ups
kept apart, and the roles refused."""

import json
import re
from datetime import timedelta

from odoo import fields
from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.tests import HttpCase, tagged

from .common import FollowupCase


@tagged("post_install", "-at_install")
class TestFollowupHttp(RpcMixin, HttpCase, FollowupCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.followup = cls._finish_visit(cls.visit_cardio)
        cls.message = cls.followup.followup_message_ids
        cls.message.due_at = fields.Datetime.now() - timedelta(minutes=1)
        cls.hospital.write({"ihospital_followup_quiet_start": 0.0, "ihospital_followup_quiet_end": 0.0})
        cls.hospital_2.write({"ihospital_followup_quiet_start": 0.0, "ihospital_followup_quiet_end": 0.0})
        cls.followup_2 = cls._finish_visit(cls.visit_2)
        cls.followup_2.followup_message_ids.due_at = fields.Datetime.now() - timedelta(minutes=1)
        cls.env["ihospital.followup.message"]._cron_send_due()
        cls.answer = cls.message.user_input_id
        cls.answer_2 = cls.followup_2.followup_message_ids.user_input_id

    def _csrf(self, url):
        page = self.url_open(url)
        return re.search(r'csrf_token: "([^"]+)"', page.text).group(1)

    def _link(self, answer, survey=None):
        return f"/survey/start/{(survey or answer.survey_id).access_token}?answer_token={answer.access_token}"

    def _submit(self, answer, values):
        response = self.url_open(
            f"/survey/submit/{answer.survey_id.access_token}/{answer.access_token}",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": values}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()["result"]

    def _answers(self, scores, complaint=False, comment="Very kind"):
        questions = self.survey.question_ids
        values = {}
        for question, score in zip(
            questions.filtered(lambda q: q.ihospital_question_role == "rating"), scores, strict=True
        ):
            values[str(question.id)] = str(
                question.suggested_answer_ids.filtered(lambda a, s=score: a.answer_score == s).id
            )
        values[str(questions.filtered(lambda q: q.ihospital_question_role == "comment").id)] = comment
        yes_no = questions.filtered(lambda q: q.ihospital_question_role == "complaint").suggested_answer_ids
        values[str(yes_no.filtered(lambda a: a.ihospital_complaint == complaint).id)] = ""
        values[str(yes_no.question_id.id)] = str(yes_no.filtered(lambda a: a.ihospital_complaint == complaint).id)
        return values

    def test_the_link_opens_the_patients_survey_and_takes_one_answer(self):
        self.assertEqual((self.message.state, self.answer.state), ("sent", "new"))
        response = self.url_open(self._link(self.answer))
        self.assertEqual(response.status_code, 200)
        self.assertIn("Satisfaction with Your Doctor", response.text)
        self.assertIn(f"/ihospital/followup/decline/{self.answer.access_token}", response.text)
        result = self._submit(self.answer, self._answers([5, 4, 3]))
        self.assertNotIn("error", result[1] if isinstance(result, list) else result, result)
        self.assertEqual(self.answer.state, "done")
        self.assertEqual(self.answer.scoring_percentage, 80.0, "12 of 15")
        self.assertEqual(self.message.state, "answered")
        self.assertEqual(self.followup.state, "done")
        # reused: a second submit is refused, the retry route starts nothing
        again = self._submit(self.answer, self._answers([1, 1, 1]))
        self.assertEqual(again[1], {"error": "unauthorized"})
        self.url_open(f"/survey/retry/{self.survey.access_token}/{self.answer.access_token}")
        self.assertEqual(self.env["survey.user_input"].sudo().search_count([("survey_id", "=", self.survey.id)]), 1)
        self.assertEqual(self.answer.scoring_percentage, 80.0)

    def test_expired_link(self):
        self.answer.sudo().write({"ihospital_expires_at": fields.Datetime.now() - timedelta(minutes=1)})
        response = self.url_open(self._link(self.answer))
        self.assertIn("survey expired", response.text)
        result = self._submit(self.answer, self._answers([5, 5, 5]))
        self.assertEqual(result[1], {"error": "answer_deadline"})
        self.assertEqual(self.answer.state, "new")

    def test_someone_elses_or_another_hospitals_token(self):
        # another hospital's answer token on this hospital's survey
        response = self.url_open(self._link(self.answer_2, survey=self.survey))
        self.assertIn("Survey Access Error", response.text)
        response = self.url_open(
            f"/survey/submit/{self.survey.access_token}/{self.answer_2.access_token}",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.json()["result"][1], {"error": "token_wrong"})
        # no token: the survey cannot be taken without a personal link
        response = self.url_open(f"/survey/start/{self.survey.access_token}")
        self.assertNotIn("Start Survey", response.text)
        self.assertEqual(self.env["survey.user_input"].sudo().search_count([("survey_id", "=", self.survey.id)]), 1)
        # a made-up token
        response = self.url_open(f"/survey/start/{self.survey.access_token}?answer_token=nope")
        self.assertIn("Survey Access Error", response.text)
        # the link of a patient who died is closed
        self.assertIn("Start Survey", self.url_open(self._link(self.answer)).text)
        self.patient_cardio.sudo().write({"deceased": True})
        response = self.url_open(self._link(self.answer))
        self.assertNotIn("Start Survey", response.text)
        self.assertIn("survey expired", response.text)

    def test_open_while_logged_in(self):
        self.authenticate(self.user_portal.login, self.user_portal.login)
        response = self.url_open(self._link(self.answer))
        self.assertIn("Start Survey", response.text, "the link is the credential, whoever is logged in")

    def test_decline(self):
        url = f"/ihospital/followup/decline/{self.answer.access_token}"
        self.assertIn("Decline the survey", self.url_open(url).text)
        response = self.url_open(url, data={"csrf_token": self._csrf(url)})
        self.assertIn("You declined this survey", response.text)
        self.assertEqual((self.message.state, self.answer.ihospital_declined), ("declined", True))
        result = self._submit(self.answer, self._answers([5, 5, 5]))
        self.assertEqual(result[1], {"error": "survey_closed"})
        # without the CSRF token nothing happens
        response = self.url_open(f"/ihospital/followup/decline/{self.answer_2.access_token}", data={"x": "1"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.followup_2.followup_message_ids.state, "sent")
        # a bad token
        response = self.url_open("/ihospital/followup/decline/nope")
        self.assertIn("This link is not valid", response.text)

    def test_portal_lists_pending_surveys_and_switches_off(self):
        self.env["ihospital.patient.account"].sudo().search([("user_id", "=", self.user_portal.id)])._confirm("desk")
        self.authenticate(self.user_portal.login, self.user_portal.login)
        home = self.url_open("/my/home")
        self.assertEqual(home.status_code, 200)
        self.assertIn("/my/followups", home.text)
        page = self.url_open("/my/followups")
        self.assertIn(self.answer.access_token, page.text)
        csrf = self._csrf("/my/followups")
        self.assertNotIn(self.answer_2.access_token, page.text)
        response = self.url_open(
            "/my/followups/opt_out",
            data={"csrf_token": csrf, "patient_id": self.patient_cardio.id, "opt_out": "1"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(self.patient_cardio.followup_opt_out)
        # a patient the account does not manage: refused, unchanged
        response = self.url_open(
            "/my/followups/opt_out",
            data={"csrf_token": csrf, "patient_id": self.patient_surgery.id, "opt_out": "1"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.patient_surgery.followup_opt_out)
        # an unconfirmed account manages nothing
        self.authenticate(self.user_portal_other.login, self.user_portal_other.login)
        csrf = self._csrf("/my/followups")
        # (made by the portal routes, as the account: unconfirmed)
        link = (
            self.env["ihospital.patient.account"]
            .with_user(self.user_portal_other)
            .sudo()
            .create({"patient_id": self.patient_surgery.id, "user_id": self.user_portal_other.id, "relation": "self"})
        )
        self.assertEqual(link.state, "unconfirmed")
        response = self.url_open(
            "/my/followups/opt_out",
            data={"csrf_token": csrf, "patient_id": self.patient_surgery.id, "opt_out": "1"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.patient_surgery.followup_opt_out)

    # ------------------------------------------------------------------ JSON-RPC
    def _rpc(self, user, model, method, args, kwargs=None):
        self.authenticate(user.login, user.login)
        return self._call(model, method, args, kwargs)

    def assertRefused(self, answer):
        result, error = answer
        self.assertFalse(result)
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", error)

    def test_hospitals_kept_apart(self):
        for model, other in (
            ("survey.survey", self.survey_2),
            ("survey.question", self.survey_2.question_ids[0]),
            ("survey.user_input", self.answer_2),
            ("ihospital.followup.plan", self.plan_2),
            ("ihospital.followup", self.followup_2),
            ("ihospital.followup.message", self.followup_2.followup_message_ids),
        ):
            result, error = self._rpc(self.user_admin, model, "search_read", [[]], {"fields": ["company_id"]})
            self.assertFalse(error, error)
            self.assertTrue(result, model)
            self.assertFalse(
                [row for row in result if row["company_id"] and row["company_id"][0] != self.hospital.id], model
            )
            self.assertRefused(self._rpc(self.user_admin, model, "read", [other.ids, ["company_id"]]))
        # the other hospital's doctor sees none of this hospital's follow-ups
        result, error = self._rpc(self.user_doctor_2, "ihospital.followup", "search_read", [[]], {"fields": ["id"]})
        self.assertFalse(error, error)
        self.assertNotIn(self.followup.id, [row["id"] for row in result])
        self.assertIn(self.followup_2.id, [row["id"] for row in result])

    def test_roles(self):
        vals = {"name": "By RPC", "kind": "outpatient", "company_id": self.hospital.id}
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_director):
            self.assertRefused(self._rpc(user, "ihospital.followup.plan", "create", [vals]))
            self.assertRefused(self._rpc(user, "survey.survey", "write", [self.survey.ids, {"title": "Hacked"}]))
        for user in (self.user_quality, self.user_admin):
            result, error = self._rpc(user, "ihospital.followup.plan", "create", [vals])
            self.assertFalse(error, error)
        result, error = self._rpc(
            self.user_quality, "survey.survey", "write", [self.survey.ids, {"title": "Satisfaction"}]
        )
        self.assertFalse(error, error)
        # follow-ups are the engine's: nobody writes them, answers are the patients'
        for user in (self.user_admin, self.user_quality):
            self.assertRefused(self._rpc(user, "ihospital.followup", "write", [self.followup.ids, {"state": "done"}]))
            self.assertRefused(
                self._rpc(user, "ihospital.followup.message", "write", [self.message.ids, {"state": "sent"}])
            )
            self.assertRefused(
                self._rpc(user, "survey.user_input", "write", [self.answer.ids, {"scoring_percentage": 100}])
            )
        # stopping is for the quality office and the administrators
        active = self._finish_visit(self.visit_surgery)
        self.assertRefused(self._rpc(self.user_surgeon, "ihospital.followup", "action_stop", [active.ids]))
        result, error = self._rpc(self.user_quality, "ihospital.followup", "action_stop", [active.ids])
        self.assertFalse(error, error)
        self.assertEqual((active.state, active.stop_reason), ("stopped", "manual"))
        self.assertEqual(set(active.followup_message_ids.mapped("state")), {"cancelled"})
        _result, error = self._rpc(self.user_quality, "ihospital.followup", "action_stop", [active.ids])
        self.assertEqual(error.get("name"), "odoo.exceptions.UserError", error)
        # a doctor reads his own follow-ups, not another department's
        result, error = self._rpc(self.user_surgeon, "ihospital.followup", "search_read", [[]], {"fields": ["id"]})
        self.assertFalse(error, error)
        self.assertNotIn(self.followup.id, [row["id"] for row in result])
        result, error = self._rpc(self.user_doctor, "ihospital.followup", "search_read", [[]], {"fields": ["id"]})
        self.assertIn(self.followup.id, [row["id"] for row in result])
