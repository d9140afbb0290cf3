"""Review of issue 16 (follow-up messages and satisfaction surveys): each
role attacks the follow-up over HTTP and JSON-RPC, as a phone or a
browser's console sends it. `test_fixed_*` failed before their fix; the
others record what held."""

import json
import re
from datetime import timedelta

from odoo import fields
from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.tests import HttpCase, tagged

from .common import FollowupCase

ACCESS_ERROR = "odoo.exceptions.AccessError"
COMMENT = "Fine-r16x"


@tagged("post_install", "-at_install")
class TestFollowupReviewAttacks(RpcMixin, HttpCase, FollowupCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # every internal user is one of Odoo's survey users in production
        # (base.default_user): so are the attackers here
        survey_user = cls.env.ref("survey.group_survey_user")
        (
            cls.user_nurse
            | cls.user_doctor
            | cls.user_surgeon
            | cls.user_head
            | cls.user_director
            | cls.user_admin
            | cls.user_doctor_2
        ).write({"groups_id": [(4, survey_user.id)]})
        for hospital in (cls.hospital, cls.hospital_2):
            hospital.write({"ihospital_followup_quiet_start": 0.0, "ihospital_followup_quiet_end": 0.0})
        cls.followup = cls._finish_visit(cls.visit_cardio)
        cls.message = cls.followup.followup_message_ids
        cls.message.due_at = fields.Datetime.now() - timedelta(minutes=1)
        cls.followup_2 = cls._finish_visit(cls.visit_2)
        cls.followup_2.followup_message_ids.due_at = fields.Datetime.now() - timedelta(minutes=1)
        cls.env["ihospital.followup.message"]._cron_send_due()
        cls.answer = cls.message.user_input_id
        cls.answer_2 = cls.followup_2.followup_message_ids.user_input_id
        # a follow-up whose survey is still to come (the outpatient plan: day 1, day 3)
        cls.followup_later = cls._finish_visit(cls.visit_surgery)
        cls.planned = cls.followup_later.followup_message_ids.filtered(lambda m: m.action == "survey")

    # ------------------------------------------------------------------ helpers
    def _rpc(self, user, model, method, args, kwargs=None):
        self.authenticate(user.login, user.login)
        return self._call(model, method, args, kwargs)

    def assertRefused(self, answer, name=ACCESS_ERROR):
        result, error = answer
        self.assertFalse(result)
        self.assertEqual(error.get("name"), name, error)

    def _submit(self, answer, values):
        response = self.url_open(
            f"/survey/submit/{answer.survey_id.access_token}/{answer.access_token}",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": values}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def _answers(self, scores, complaint=False):
        questions = self.survey.question_ids
        values = {}
        ratings = questions.filtered(lambda q: q.ihospital_question_role == "rating")
        for question, score in zip(ratings, scores, strict=True):
            values[str(question.id)] = str(
                question.suggested_answer_ids.filtered(lambda a, s=score: a.answer_score == s).id
            )
        values[str(questions.filtered(lambda q: q.ihospital_question_role == "comment").id)] = COMMENT
        yes_no = questions.filtered(lambda q: q.ihospital_question_role == "complaint").suggested_answer_ids
        values[str(yes_no.question_id.id)] = str(yes_no.filtered(lambda a: a.ihospital_complaint == complaint).id)
        return values

    # ------------------------------------------------------------------ the patient's link
    def test_fixed_choice_of_another_question_or_hospital(self):
        """Odoo's submit route saves any choice id it is sent: a tampered
        request scored a question with another question's choice, or with a
        choice of the other hospital's survey (its label then shown in this
        hospital's results), or asked for a complaint through a rating."""
        ratings = self.survey.question_ids.filtered(lambda q: q.ihospital_question_role == "rating")
        complaint_yes = self.survey.question_ids.suggested_answer_ids.filtered("ihospital_complaint")
        foreign = self.survey_2.sudo().question_ids.suggested_answer_ids.filtered(lambda a: a.answer_score == 5)[:1]
        for choice in (foreign, complaint_yes, ratings[1].suggested_answer_ids[:1]):
            values = self._answers([5, 5, 5])
            values[str(ratings[0].id)] = str(choice.id)
            self._submit(self.answer, values)
            self.assertEqual(self.answer.state, "new", choice.display_name)
            lines = self.answer.sudo().user_input_line_ids
            self.assertFalse(lines.suggested_answer_id - self.survey.question_ids.suggested_answer_ids)
            self.assertFalse(lines.filtered(lambda line, c=choice: line.suggested_answer_id == c))
        # the patient's own answer still goes through
        result = self._submit(self.answer, self._answers([4, 4, 4]))
        self.assertNotIn("error", result)
        self.assertEqual((self.answer.state, self.answer.scoring_percentage), ("done", 80.0))
        self.assertEqual(self.message.state, "answered")

    def test_replayed_submit_and_other_tokens(self):
        self.assertNotIn("error", self._submit(self.answer, self._answers([5, 5, 5])))
        replay = self._submit(self.answer, self._answers([1, 1, 1], complaint=True))
        self.assertEqual(replay["result"][1], {"error": "unauthorized"})
        self.assertEqual(self.answer.scoring_percentage, 100.0)
        self.assertFalse(self.answer.ihospital_complaint_id)
        # the other hospital's answer token on this survey, and the reverse
        for survey, answer in ((self.survey, self.answer_2), (self.survey_2, self.answer)):
            response = self.url_open(
                f"/survey/submit/{survey.access_token}/{answer.access_token}",
                data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}}),
                headers={"Content-Type": "application/json"},
            )
            self.assertEqual(response.json()["result"][1], {"error": "token_wrong"})
        # the printable view of an answer shows no answers of a satisfaction
        # survey (scored without answers), and none without the token
        page = self.url_open(f"/survey/print/{self.survey.access_token}?answer_token={self.answer.access_token}")
        self.assertNotIn(COMMENT, page.text)
        page = self.url_open(f"/survey/print/{self.survey.access_token}")
        self.assertNotIn(self.patient_cardio.name, page.text)
        # declining a finished answer is refused
        page = self.url_open(f"/ihospital/followup/decline/{self.answer.access_token}")
        self.assertIn("already answered", page.text)
        self.assertNotIn(self.patient_cardio.name, page.text)

    def test_decline_page_names_nobody(self):
        page = self.url_open(f"/ihospital/followup/decline/{self.answer_2.access_token}")
        self.assertEqual(page.status_code, 200)
        for secret in (self.patient_2.name, self.patient_2.phone, self.patient_2.id_number):
            self.assertNotIn(secret, page.text)

    def test_portal_account_reaches_only_its_patients(self):
        self.env["ihospital.patient.account"].sudo().search([("user_id", "=", self.user_portal.id)])._confirm("desk")
        self.authenticate(self.user_portal_other.login, self.user_portal_other.login)
        page = self.url_open("/my/followups")
        self.assertEqual(page.status_code, 200)
        for secret in (self.answer.access_token, self.patient_cardio.name, self.patient_cardio.phone):
            self.assertNotIn(secret, page.text)
        csrf = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)
        for patient_id in (self.patient_cardio.id, self.patient_2.id, "1 OR 1=1", "-1"):
            response = self.url_open(
                "/my/followups/opt_out", data={"csrf_token": csrf, "patient_id": patient_id, "opt_out": "1"}
            )
            self.assertEqual(response.status_code, 404)
            self.assertNotIn(self.patient_cardio.name, response.text)
        self.assertFalse((self.patient_cardio | self.patient_2).filtered("followup_opt_out"))
        # the portal account reads neither answers nor follow-ups over RPC
        for model in ("survey.user_input", "survey.user_input.line", "ihospital.followup.message"):
            self.assertRefused(self._rpc(self.user_portal, model, "search_read", [[]], {"fields": ["id"]}))
        # nor switches a patient's follow-up off but through its route
        for patient in (self.patient_cardio, self.patient_2):
            self.assertRefused(
                self._rpc(self.user_portal, "ihospital.patient", "write", [patient.ids, {"followup_opt_out": True}])
            )

    # ------------------------------------------------------------------ staff over JSON-RPC
    def test_fixed_staff_tie_an_answer_to_a_patients_message(self):
        """Every internal user may create survey answers (Odoo's survey
        users): one tied to a patient's planned message broke the engine's
        sending (the message's answer is unique: the whole batch of texts
        failed), one naming a patient showed the patient's name to a user
        who may not read the patient (another hospital's), a made-up
        answer (done, scored 0) counted in the survey's statistics."""
        vals = {"survey_id": self.survey.id}
        for user in (self.user_nurse, self.user_doctor, self.user_director, self.user_doctor_2):
            self.assertRefused(
                self._rpc(user, "survey.user_input", "create", [{**vals, "state": "done", "scoring_percentage": 0.0}])
            )
            # a test entry stays possible (Odoo's "Test" button), and stays one
            answer_id, error = self._rpc(user, "survey.user_input", "create", [{**vals, "test_entry": True}])
            if not answer_id:
                continue  # (the other hospital's doctor cannot use this survey at all)
            self.assertRefused(self._rpc(user, "survey.user_input", "write", [[answer_id], {"test_entry": False}]))
            self.assertRefused(
                self._rpc(
                    user,
                    "survey.user_input",
                    "write",
                    [[answer_id], {"ihospital_followup_message_id": self.planned.id}],
                )
            )
            self.assertRefused(
                self._rpc(
                    user, "survey.user_input", "write", [[answer_id], {"ihospital_doctor_id": self.emp_surgeon.id}]
                )
            )
        for user in (self.user_nurse, self.user_doctor_2):
            for key, value in (
                ("ihospital_patient_id", self.patient_2.id),
                ("ihospital_patient_id", self.patient_cardio.id),
                ("ihospital_followup_message_id", self.planned.id),
                ("company_id", False),
                ("ihospital_expires_at", "2099-01-01 00:00:00"),
            ):
                result, error = self._rpc(user, "survey.user_input", "create", [{**vals, key: value}])
                self.assertFalse(result, (user.login, key))
                self.assertEqual(error.get("name"), ACCESS_ERROR, error)
            # the same through a default_ context key
            result, error = self._rpc(
                user,
                "survey.user_input",
                "create",
                [vals],
                {"context": {"default_ihospital_patient_id": self.patient_2.id}},
            )
            self.assertFalse(result)
            self.assertEqual(error.get("name"), ACCESS_ERROR, error)
        UserInput = self.env["survey.user_input"].sudo()
        self.assertFalse(
            UserInput.search_count(
                [
                    ("survey_id", "=", self.survey.id),
                    ("test_entry", "=", False),
                    ("ihospital_followup_message_id", "=", False),
                ]
            )
        )
        # the engine still sends the planned survey, with its own answer
        self.planned.sudo().due_at = fields.Datetime.now() - timedelta(minutes=1)
        self.env["ihospital.followup.message"]._cron_send_due()
        self.assertEqual(self.planned.state, "sent")
        self.assertEqual(self.planned.user_input_id.ihospital_patient_id, self.patient_surgery)

    def test_answers_by_role_over_rpc(self):
        self._submit(self.answer, self._answers([2, 2, 2]))
        self.assertEqual(self.answer.state, "done")
        for user in (self.user_nurse, self.user_surgeon, self.user_doctor_2):
            for model, domain in (
                ("survey.user_input", [("id", "=", self.answer.id)]),
                ("survey.user_input.line", [("user_input_id", "=", self.answer.id)]),
            ):
                result, error = self._rpc(user, model, "search_read", [domain], {"fields": ["id"]})
                self.assertEqual((result, error), ([], {}), (user.login, model))
                result, error = self._rpc(user, model, "read_group", [domain, ["id:count"], []], {"lazy": False})
                self.assertFalse(error, error)
                self.assertEqual(result[0]["__count"], 0, (user.login, model))
            result, error = self._rpc(
                user, "survey.user_input", "export_data", [self.answer.ids, ["scoring_percentage"]]
            )
            self.assertFalse(result)
            self.assertIn(error.get("name"), (ACCESS_ERROR, "odoo.exceptions.UserError"), error)
            self.assertRefused(
                self._rpc(user, "survey.user_input", "read", [self.answer.ids, ["ihospital_patient_id"]])
            )
        # the doctor reads the answers about him, the other hospital's never
        result, error = self._rpc(
            self.user_doctor, "survey.user_input", "read", [self.answer.ids, ["scoring_percentage"]]
        )
        self.assertFalse(error, error)
        for user in (self.user_quality, self.user_director, self.user_admin):
            self.assertRefused(self._rpc(user, "survey.user_input", "read", [self.answer_2.ids, ["id"]]))
        # nobody on staff changes the answer or its lines
        for user in (self.user_doctor, self.user_quality, self.user_admin):
            self.assertRefused(self._rpc(user, "survey.user_input", "write", [self.answer.ids, {"state": "new"}]))
            self.assertRefused(self._rpc(user, "survey.user_input", "unlink", [self.answer.ids]))
            self.assertRefused(
                self._rpc(user, "survey.user_input.line", "unlink", [self.answer.sudo().user_input_line_ids.ids])
            )

    def test_odoo_results_page_by_role(self):
        """Odoo's own results page reads the answer lines as the caller."""
        self._submit(self.answer, self._answers([1, 1, 1]))
        for user, sees in ((self.user_nurse, False), (self.user_surgeon, False), (self.user_doctor, True)):
            self.authenticate(user.login, user.login)
            page = self.url_open(f"/survey/results/{self.survey.id}")
            self.assertEqual(COMMENT in page.text, sees, user.login)
        # the other hospital's survey
        self.authenticate(self.user_admin.login, self.user_admin.login)
        page = self.url_open(f"/survey/results/{self.survey_2.id}")
        self.assertNotEqual(page.status_code, 200)

    def test_engine_records_refused(self):
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_quality, self.user_admin):
            self.assertRefused(
                self._rpc(user, "ihospital.followup", "write", [self.followup.ids, {"company_id": self.hospital_2.id}])
            )
            self.assertRefused(
                self._rpc(
                    user,
                    "ihospital.followup",
                    "create",
                    [{"plan_id": self.plan_outpatient.id, "patient_id": self.patient_2.id, "kind": "outpatient"}],
                )
            )
            self.assertRefused(
                self._rpc(user, "ihospital.followup.message", "write", [self.message.ids, {"due_at": "2000-01-01"}])
            )
            self.assertRefused(
                self._rpc(
                    user,
                    "ihospital.followup.message",
                    "create",
                    [{"followup_id": self.followup.id, "step_id": self.message.step_id.id, "due_at": "2000-01-01"}],
                )
            )
            # private engine methods are not reachable
            for model, method in (
                ("ihospital.followup.message", "_cron_send_due"),
                ("ihospital.followup.message", "_ihospital_decline"),
                ("ihospital.followup", "_ihospital_stop"),
            ):
                _result, error = self._rpc(user, model, method, [self.message.ids])
                self.assertTrue(error, (model, method))
        # stopping: the roles allowed, on their hospital only; no context key helps
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_director):
            self.assertRefused(
                self._rpc(
                    user, "ihospital.followup", "action_stop", [self.followup_later.ids], {"context": {"su": True}}
                )
            )
        self.assertRefused(self._rpc(self.user_quality, "ihospital.followup", "action_stop", [self.followup_2.ids]))
        self.assertEqual(self.followup_later.state, "active")

    def test_results_data_scope(self):
        Result = "ihospital.followup.result"
        self.assertRefused(self._rpc(self.user_nurse, Result, "get_results", []))
        self.assertRefused(self._rpc(self.user_doctor, Result, "get_results", [], {"doctor_id": self.emp_surgeon.id}))
        self.assertRefused(self._rpc(self.user_doctor, Result, "get_results", [], {"department_id": self.surgery.id}))
        result, error = self._rpc(self.user_doctor_2, Result, "get_results", [], {"doctor_id": self.emp_doctor.id})
        self.assertFalse(result)
        self.assertEqual(error.get("name"), "odoo.exceptions.UserError", error)
        result, error = self._rpc(
            self.user_doctor, Result, "get_results", [], {"context": {"allowed_company_ids": [self.hospital_2.id]}}
        )
        self.assertFalse(result and result["scope"]["company"]["id"] == self.hospital_2.id, error)

    def test_dashboard_satisfaction_by_role(self):
        self._submit(self.answer, self._answers([5, 5, 5]))
        dashboard = "ihospital.analysis.dashboard"
        self.assertRefused(self._rpc(self.user_nurse, dashboard, "get_dashboard", [], {"period": "today"}))

        def score(user):
            result, error = self._rpc(user, dashboard, "get_dashboard", [], {"period": "today"})
            self.assertFalse(error, error)
            section = next(section for section in result["sections"] if section["key"] == "satisfaction")
            return {figure["key"]: figure["value"] for figure in section["figures"]}["satisfaction_score"]

        self.assertEqual(score(self.user_doctor), 100.0, "his own answer")
        self.assertIsNone(score(self.user_surgeon), "no answer about him")
        self.assertIsNone(score(self.user_doctor_2), "the other hospital's")
        self.assertEqual(score(self.user_director), 100.0)

    # ------------------------------------------------------------------ hospitals kept apart
    def test_fixed_quality_officer_moves_survey_or_plan_to_another_hospital(self):
        """The record rules are checked before a write, not on the values
        written: a quality officer moved the hospital's survey (and with it
        its patients' answers) to the other hospital, or made it a survey
        of no hospital (which every hospital reads), and moved a plan."""
        self.assertRefused(
            self._rpc(
                self.user_quality, "survey.survey", "write", [self.survey.ids, {"company_id": self.hospital_2.id}]
            )
        )
        self.assertRefused(
            self._rpc(
                self.user_quality,
                "survey.survey",
                "write",
                [self.survey.ids, {"ihospital_followup": False, "company_id": False}],
            )
        )
        self.assertEqual(self.survey.company_id, self.hospital)
        self.assertEqual(self.answer.company_id, self.hospital)
        self.assertRefused(
            self._rpc(
                self.user_quality,
                "ihospital.followup.plan",
                "write",
                [self.plan_discharge.ids, {"company_id": self.hospital_2.id}],
            )
        )
        self.assertEqual(self.plan_discharge.company_id, self.hospital)
        # creating one in the other hospital was refused already
        self.assertRefused(
            self._rpc(
                self.user_quality,
                "ihospital.followup.plan",
                "create",
                [{"name": "X", "kind": "outpatient", "company_id": self.hospital_2.id}],
            )
        )
        # the quality officer still keeps the hospital's own
        result, error = self._rpc(self.user_quality, "survey.survey", "write", [self.survey.ids, {"title": "Ours"}])
        self.assertFalse(error, error)
        result, error = self._rpc(
            self.user_quality, "ihospital.followup.plan", "write", [self.plan_discharge.ids, {"name": "Discharge"}]
        )
        self.assertFalse(error, error)

    def test_fixed_quality_officer_moves_questions_and_steps_to_another_hospital(self):
        """The same for what the survey and the plan hold: a question moved
        into the other hospital's survey (asked to its patients), a choice
        into its question, a care message step into its plan."""
        question = self.survey.question_ids.filtered(lambda q: q.ihospital_question_role == "comment")
        choice = self.survey.question_ids.suggested_answer_ids[:1]
        question_2 = self.survey_2.sudo().question_ids.filtered(lambda q: q.ihospital_question_role == "rating")[:1]
        step = self.plan_discharge.step_ids
        for model, record, vals in (
            ("survey.question", question, {"survey_id": self.survey_2.id}),
            ("survey.question.answer", choice, {"question_id": question_2.id}),
            ("ihospital.followup.plan.step", step, {"plan_id": self.plan_2.id}),
        ):
            self.assertRefused(self._rpc(self.user_quality, model, "write", [record.ids, vals]))
        self.assertEqual(question.survey_id, self.survey)
        self.assertEqual(choice.question_id.survey_id, self.survey)
        self.assertEqual(step.plan_id, self.plan_discharge)
        self.assertEqual(len(self.survey_2.sudo().question_ids), 5)
        # moving within the hospital stays possible
        result, error = self._rpc(
            self.user_quality, "ihospital.followup.plan.step", "write", [step.ids, {"plan_id": self.plan_surgery.id}]
        )
        self.assertFalse(error, error)

    def test_survey_actions_of_the_other_hospital(self):
        for method in ("action_test_survey", "action_print_survey", "action_send_survey"):
            self.assertRefused(self._rpc(self.user_admin, "survey.survey", method, [self.survey_2.ids]))
        for user in (self.user_quality, self.user_director):
            result, error = self._rpc(
                user, "survey.survey", "read", [self.survey_2.ids, ["answer_count", "answer_score_avg"]]
            )
            self.assertEqual(error.get("name"), ACCESS_ERROR, error)
        # a doctor's statistics of the hospital's survey count only what the doctor reads
        self._submit(self.answer, self._answers([1, 1, 1]))
        result, error = self._rpc(self.user_surgeon, "survey.survey", "read", [self.survey.ids, ["answer_done_count"]])
        self.assertFalse(error, error)
        self.assertEqual(result[0]["answer_done_count"], 0)

    # ------------------------------------------------------------------ HIS fields
    def test_his_fields_are_the_engines(self):
        Admission = self.env["ihospital.admission"].sudo()
        stay = Admission.create(
            {
                "company_id": self.hospital.id,
                "name": "ZY-R1",
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "attending_doctor_id": self.emp_doctor.id,
                "admitted_at": fields.Datetime.now() - timedelta(days=3),
            }
        )
        now = fields.Datetime.to_string(fields.Datetime.now() - timedelta(hours=1))
        writes = (
            ("ihospital.patient", self.patient_cardio, {"deceased": True}),
            ("ihospital.patient", self.patient_cardio, {"deceased_at": now}),
            ("ihospital.visit", self.visit_cardio, {"diagnosis_code": "I10"}),
            ("ihospital.admission", stay, {"surgery_at": now}),
            ("ihospital.admission", stay, {"surgery_name": "Appendectomy"}),
        )
        for user in (
            self.user_nurse,
            self.user_doctor,
            self.user_head,
            self.user_quality,
            self.user_director,
            self.user_admin,
            self.user_doctor_2,
        ):
            for model, record, vals in writes:
                self.assertRefused(self._rpc(user, model, "write", [record.ids, vals]))
        creates = (
            ("ihospital.patient", {"name": "R", "company_id": self.hospital.id, "deceased": True}),
            (
                "ihospital.admission",
                {
                    "company_id": self.hospital.id,
                    "name": "ZY-R2",
                    "patient_id": self.patient_cardio.id,
                    "department_id": self.cardiology.id,
                    "admitted_at": now,
                    "surgery_at": now,
                },
            ),
        )
        for model, vals in creates:
            self.assertRefused(self._rpc(self.user_admin, model, "create", [vals]))
        self.assertRefused(
            self._rpc(
                self.user_admin,
                "ihospital.patient",
                "create",
                [{"name": "R", "company_id": self.hospital.id}],
                {"context": {"default_deceased": True}},
            )
        )
        self.assertFalse(self.patient_cardio.deceased)
        self.assertFalse(stay.surgery_at)
        self.assertEqual(self.followup.state, "done")
        self.assertEqual(self.followup_later.state, "active")
