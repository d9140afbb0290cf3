from odoo import Command, _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN, QUALITY
from odoo.exceptions import AccessError, ValidationError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# The satisfaction survey about the treating doctor (see
# _ihospital_create_satisfaction_survey): English source, zh_CN in i18n/.
SURVEY_TITLE = _lt("Satisfaction with Your Doctor")
SURVEY_DESCRIPTION = _lt("Thank you for your visit. Your answers help the hospital improve its care.")
RATING_QUESTIONS = (
    _lt("How well did the doctor explain your condition and treatment?"),
    _lt("How attentive and respectful was the doctor?"),
    _lt("Overall, how satisfied are you with your doctor?"),
)
SCALE = (
    _lt("Very dissatisfied"),
    _lt("Dissatisfied"),
    _lt("Neutral"),
    _lt("Satisfied"),
    _lt("Very satisfied"),
)
COMMENT_QUESTION = _lt("Anything you would like to tell us?")
COMPLAINT_QUESTION = _lt("Do you want us to open a complaint?")
ANSWER_NO = _lt("No")
ANSWER_YES = _lt("Yes")
QUESTION_ROLES = [
    ("rating", "Doctor Rating"),
    ("comment", "Comment"),
    ("complaint", "Complaint Request"),
]

# Who keeps a hospital's surveys (and their questions); the others read.
SURVEY_MANAGERS = (ADMIN, QUALITY)


def check_survey_manager(records):
    """Refuse a change of a hospital's survey (its questions, its answers'
    choices) by anyone but its administrators and quality officers: Odoo
    gives every internal user the survey user group."""
    env = records.env
    if env.su or not records:
        return
    hospital = records.sudo().filtered(lambda record: record.company_id)
    if hospital and not any(env.user.has_group(group) for group in SURVEY_MANAGERS):
        raise AccessError(_("Only the hospital's administrators and quality officers change its surveys."))


class SurveySurvey(models.Model):
    """Odoo's surveys, given a hospital: Odoo's surveys are not multi-company;
    a hospital's surveys (and their questions and answers) are kept apart by
    record rules on company_id."""

    _inherit = "survey.survey"

    company_id = fields.Many2one(
        "res.company",
        string="Hospital",
        index=True,
        default=lambda self: self.env.company if self.env.company.is_hospital else False,
    )
    ihospital_followup = fields.Boolean(
        string="Follow-up Survey",
        help="Sent by follow-up plans: answered through the personal, expiring link only.",
    )

    @api.constrains("ihospital_followup", "company_id")
    def _check_ihospital_followup(self):
        for survey in self:
            if survey.ihospital_followup and not survey.company_id:
                raise ValidationError(_("Follow-up survey %s belongs to a hospital.", survey.title))

    @api.model_create_multi
    def create(self, vals_list):
        surveys = super().create(vals_list)
        check_survey_manager(surveys)
        return surveys

    def write(self, vals):
        check_survey_manager(self)
        if "company_id" in vals and not self.env.su and not vals["company_id"] and self.sudo().filtered("company_id"):
            # a hospital's survey (and its answers, whose hospital is the
            # survey's) never becomes one every hospital reads
            raise AccessError(_("A hospital's survey stays in a hospital."))
        res = super().write(vals)
        if "company_id" in vals:
            check_survey_manager(self)
            if not self.env.su:
                # the rules are checked before a write, not on the values
                # written: a survey (with its answers) moved to a hospital
                # the user does not keep is refused
                self.check_access("write")
        return res

    def unlink(self):
        check_survey_manager(self)
        return super().unlink()

    @api.model
    def _ihospital_create_satisfaction_survey(self, company):
        """Create `company`'s satisfaction survey about the treating doctor
        (a follow-up survey, answered through personal links only): three
        questions scored 1 to 5, a free comment and whether the patient
        wants a complaint opened. English source with its zh_CN
        translation. Returns the survey (sudo); r16's demo reuses it."""
        company.ensure_one()
        Survey = self.sudo().with_context(lang="en_US")
        en = Survey.env._

        def rating(title, sequence):
            return Command.create(
                {
                    "title": en(title),
                    "sequence": sequence,
                    "question_type": "simple_choice",
                    "constr_mandatory": True,
                    "ihospital_question_role": "rating",
                    "suggested_answer_ids": [
                        Command.create({"value": en(label), "answer_score": score, "sequence": score})
                        for score, label in enumerate(SCALE, start=1)
                    ],
                }
            )

        survey = Survey.create(
            {
                "title": en(SURVEY_TITLE),
                "description": en(SURVEY_DESCRIPTION),
                "company_id": company.id,
                "ihospital_followup": True,
                "access_mode": "token",
                "questions_layout": "one_page",
                "scoring_type": "scoring_without_answers",
                "question_and_page_ids": [
                    *(rating(title, (index + 1) * 10) for index, title in enumerate(RATING_QUESTIONS)),
                    Command.create(
                        {
                            "title": en(COMMENT_QUESTION),
                            "sequence": 40,
                            "question_type": "text_box",
                            "ihospital_question_role": "comment",
                        }
                    ),
                    Command.create(
                        {
                            "title": en(COMPLAINT_QUESTION),
                            "sequence": 50,
                            "question_type": "simple_choice",
                            "constr_mandatory": True,
                            "ihospital_question_role": "complaint",
                            "suggested_answer_ids": [
                                Command.create({"value": en(ANSWER_NO), "sequence": 1}),
                                Command.create({"value": en(ANSWER_YES), "sequence": 2, "ihospital_complaint": True}),
                            ],
                        }
                    ),
                ],
            }
        )
        if self.env["res.lang"]._lang_get("zh_CN"):
            survey._ihospital_translate("zh_CN")
        return survey

    def _ihospital_translate(self, lang):
        """Write the `lang` translation of the satisfaction survey's texts
        (the module's terms), source text by source text."""
        terms = [SURVEY_TITLE, SURVEY_DESCRIPTION, *RATING_QUESTIONS, COMMENT_QUESTION, COMPLAINT_QUESTION]
        terms += [*SCALE, ANSWER_NO, ANSWER_YES]
        en, other = self.with_context(lang="en_US").env._, self.with_context(lang=lang).env._
        translations = {en(term): other(term) for term in terms}
        for records, names in (
            (self, ("title", "description")),
            (self.question_ids, ("title",)),
            (self.question_ids.suggested_answer_ids, ("value",)),
        ):
            for record in records.with_context(lang="en_US"):
                values = {}
                for name in names:
                    source = str(record[name] or "")
                    if source in translations and translations[source] != source:
                        values[name] = translations[source]
                if values:
                    record.with_context(lang=lang).write(values)
