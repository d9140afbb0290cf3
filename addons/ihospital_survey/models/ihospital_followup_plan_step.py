from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

STEP_ACTIONS = [("message", "Care Message"), ("survey", "Survey")]


class IhospitalFollowupPlanStep(models.Model):
    """One step of a follow-up plan: on day `day_offset` after the event,
    at `hour` (the hospital's time), a care message or a survey invitation,
    sent by text message and shown in the patient's portal."""

    _name = "ihospital.followup.plan.step"
    _description = "Follow-up Plan Step"
    _order = "plan_id, day_offset, sequence, id"

    plan_id = fields.Many2one("ihospital.followup.plan", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True, help="What the step is, e.g. Day 3: satisfaction survey.")
    day_offset = fields.Integer(string="Day", default=1, help="Days after the event (0: the day of the event).")
    hour = fields.Float(string="Send At", default=10.0, help="Time of day the message is sent, hospital time.")
    action = fields.Selection(STEP_ACTIONS, required=True, default="message")
    sms_template_id = fields.Many2one(
        "ihospital.sms.template",
        string="SMS Template",
        domain="[('purpose', '=', 'follow_up'), ('company_id', 'in', (company_id, False))]",
        help="The approved text sent by SMS; empty: the default care message or survey invitation.",
    )
    body = fields.Text(
        string="Portal Message",
        translate=True,
        help="The message shown in the patient's portal; empty: the SMS text.",
    )
    survey_id = fields.Many2one(
        "survey.survey",
        domain="[('ihospital_followup', '=', True), ('company_id', '=', company_id)]",
    )

    def write(self, vals):
        res = super().write(vals)
        if "plan_id" in vals and not self.env.su:
            # the rules are checked before a write, not on the values
            # written: a step moved into another hospital's plan is refused
            self.check_access("write")
        return res

    @api.constrains("day_offset", "hour")
    def _check_timing(self):
        for step in self:
            if step.day_offset < 0 or step.day_offset > 366:
                raise ValidationError(_("Step %s is sent 0 to 366 days after the event.", step.name))
            if not 0 <= step.hour < 24:
                raise ValidationError(_("Step %s is sent at a time of day between 00:00 and 23:59.", step.name))

    @api.constrains("action", "survey_id", "sms_template_id", "company_id")
    def _check_action(self):
        for step in self:
            if step.action == "survey" and not step.survey_id:
                raise ValidationError(_("Survey step %s needs its survey.", step.name))
            if step.survey_id and (
                step.survey_id.company_id != step.company_id or not step.survey_id.ihospital_followup
            ):
                raise ValidationError(
                    _("The survey of step %s is a follow-up survey of the plan's hospital.", step.name)
                )
            template = step.sms_template_id
            if template and (
                template.purpose != "follow_up" or (template.company_id and template.company_id != step.company_id)
            ):
                raise ValidationError(
                    _("The text of step %s is a follow-up SMS template of the hospital or the platform.", step.name)
                )
