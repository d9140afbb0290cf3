from markupsafe import Markup

from odoo import _, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import QUALITY

# a satisfaction answer at or below this many points (of 5) is a low score
LOW_ANSWER_SCORE = 2


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    ihospital_alerted = fields.Boolean(
        string="Low Score Checked",
        readonly=True,
        copy=False,
        help="The answer was checked for a low score or a complaint (once per answer).",
    )
    ihospital_complaint_id = fields.Many2one("ihospital.complaint", string="Complaint", readonly=True, copy=False)

    def _mark_done(self):
        result = super()._mark_done()
        self._ihospital_alert_low_scores()
        return result

    def _ihospital_alert_low_scores(self):
        """For the follow-up answers just completed: a score below the
        plan's threshold or a satisfaction answer of 1 or 2 (of 5) opens an
        activity for the department head on the follow-up, the answer
        attached; an answer asking for a complaint records one. Once per
        answer, whoever completes it (the patient answers as the public
        user: the engine acts here, as the system, on these answers only)."""
        inputs_sudo = self.sudo().filtered(
            lambda ui: ui.ihospital_followup_message_id and not ui.ihospital_alerted and not ui.ihospital_declined
        )
        if not inputs_sudo:
            return
        inputs_sudo.flush_recordset()
        # claim the answers in one statement (a concurrent completion of the
        # same answer claims nothing): raw SQL for the lock-free "not twice"
        self.env.cr.execute(
            "UPDATE survey_user_input SET ihospital_alerted = TRUE WHERE id IN %s AND ihospital_alerted IS NOT TRUE "
            "RETURNING id",
            [tuple(inputs_sudo.ids)],
        )
        claimed = {row[0] for row in self.env.cr.fetchall()}
        inputs_sudo.invalidate_recordset(["ihospital_alerted"])
        inputs_sudo = inputs_sudo.filtered(lambda ui: ui.id in claimed)
        if not inputs_sudo:
            return
        Line = self.env["survey.user_input.line"].sudo()
        lowest = dict(
            Line._read_group(
                [("user_input_id", "in", inputs_sudo.ids), ("answer_score", ">", 0), ("skipped", "=", False)],
                ["user_input_id"],
                ["answer_score:min"],
            )
        )
        complaining = {
            user_input
            for (user_input,) in Line._read_group(
                [
                    ("user_input_id", "in", inputs_sudo.ids),
                    ("suggested_answer_id.ihospital_complaint", "=", True),
                    ("skipped", "=", False),
                ],
                ["user_input_id"],
            )
        }
        low = inputs_sudo.filtered(
            lambda ui: (ui in lowest and lowest[ui] <= LOW_ANSWER_SCORE)
            or (
                ui in lowest
                and ui.scoring_percentage < ui.ihospital_followup_message_id.followup_id.plan_id.low_score_threshold
            )
        )
        complaints = inputs_sudo.filtered(lambda ui: ui in complaining)
        if low:
            self._ihospital_create_low_score_activities(low)
        if complaints:
            self._ihospital_create_complaints(complaints)

    def _ihospital_answer_summary(self):
        """The answer as text lines: each question and what was answered."""
        self.ensure_one()
        rows = []
        for line in self.user_input_line_ids.filtered(lambda line: not line.skipped):
            if line.suggested_answer_id:
                value = line.suggested_answer_id.value
            else:
                value = line.value_text_box or line.value_char_box or line.display_name or ""
            rows.append((line.question_id.title or "", value))
        return rows

    def _ihospital_answer_html(self):
        self.ensure_one()
        items = Markup("").join(
            Markup("<li>%s: %s</li>") % (question, value) for question, value in self._ihospital_answer_summary()
        )
        link = Markup('<a href="/odoo/ihospital.followup.result/%s">%s</a>') % (
            self.ihospital_followup_message_id.id,
            _("The answer"),
        )
        return Markup("<p>%s (%s %%)</p><ul>%s</ul>") % (link, self.scoring_percentage, items)

    def _ihospital_head_users(self, inputs_sudo):
        """{department: the user who follows its low scores}: its head, or a
        quality officer of the hospital when it has none."""
        users = {}
        fallback = {}
        quality = self.env.ref(QUALITY)
        for user_input in inputs_sudo:
            department = user_input.ihospital_department_id
            company = user_input.company_id
            user = department.manager_id.user_id
            if not user:
                if company not in fallback:
                    fallback[company] = (
                        self.env["res.users"]
                        .sudo()
                        .search(
                            [
                                ("groups_id", "in", quality.ids),
                                ("company_ids", "in", company.ids),
                                ("share", "=", False),
                            ],
                            limit=1,
                            order="id",
                        )
                    )
                user = fallback[company]
            users[user_input] = user
        return users

    def _ihospital_create_low_score_activities(self, inputs_sudo):
        todo = self.env.ref("mail.mail_activity_data_todo")
        model = self.env["ir.model"]._get_id("ihospital.followup")
        users = self._ihospital_head_users(inputs_sudo)
        vals_list = []
        for user_input in inputs_sudo:
            followup = user_input.ihospital_followup_message_id.followup_id
            if not users[user_input]:
                continue
            vals_list.append(
                {
                    "res_model_id": model,
                    "res_id": followup.id,
                    "activity_type_id": todo.id,
                    "user_id": users[user_input].id,
                    "date_deadline": fields.Date.context_today(self),
                    "summary": _("Low follow-up score: %(doctor)s", doctor=user_input.ihospital_doctor_id.name or ""),
                    "note": user_input._ihospital_answer_html(),
                }
            )
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)

    def _ihospital_create_complaints(self, inputs_sudo):
        vals_list = []
        for user_input in inputs_sudo:
            summary = "\n".join(f"{question}: {value}" for question, value in user_input._ihospital_answer_summary())
            vals_list.append(
                {
                    "company_id": user_input.company_id.id,
                    "patient_id": user_input.ihospital_patient_id.id,
                    "department_id": user_input.ihospital_department_id.id,
                    "employee_id": user_input.ihospital_doctor_id.id,
                    "category": _("Follow-up survey"),
                    "content": _("The patient asked for a complaint in the follow-up survey.") + "\n" + summary,
                    "source": "survey",
                    "ihospital_user_input_id": user_input.id,
                }
            )
        complaints = self.env["ihospital.complaint"].sudo().create(vals_list)
        for user_input, complaint in zip(inputs_sudo, complaints, strict=True):
            user_input.ihospital_complaint_id = complaint


class IhospitalComplaint(models.Model):
    _inherit = "ihospital.complaint"
    _engine_fields = ("ihospital_user_input_id",)

    source = fields.Selection(selection_add=[("survey", "Follow-up Survey")], ondelete={"survey": "set default"})
    ihospital_user_input_id = fields.Many2one(
        "survey.user_input", string="Survey Answer", readonly=True, copy=False, index="btree_not_null"
    )
    ihospital_followup_result_id = fields.Many2one(
        "ihospital.followup.result",
        string="Follow-up Answer",
        compute="_compute_ihospital_followup_result_id",
    )

    def _compute_ihospital_followup_result_id(self):
        for complaint, complaint_sudo in zip(self, self.sudo(), strict=True):
            message = complaint_sudo.ihospital_user_input_id.ihospital_followup_message_id
            complaint.ihospital_followup_result_id = self.env["ihospital.followup.result"].browse(message.id)
