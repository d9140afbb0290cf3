from odoo import _, api, fields, models
from odoo.exceptions import AccessError

MESSAGE_STATES = [
    ("planned", "Planned"),
    ("sent", "Sent"),
    ("answered", "Answered"),
    ("declined", "Declined"),
    ("expired", "Expired"),
    ("skipped", "Skipped"),
    ("cancelled", "Cancelled"),
    ("failed", "Failed"),
]
RECIPIENTS = [("patient", "Patient"), ("guardian", "Guardian")]


class IhospitalFollowupMessage(models.Model):
    """One step of a follow-up for one patient: when it is due, whether and
    to whom it went, and for a survey step the answer (survey.user_input)
    its personal link opens. Written by the engine only."""

    _name = "ihospital.followup.message"
    _description = "Follow-up Message"
    _order = "due_at, id"

    followup_id = fields.Many2one("ihospital.followup", required=True, index=True, readonly=True, ondelete="cascade")
    step_id = fields.Many2one("ihospital.followup.plan.step", required=True, readonly=True, ondelete="restrict")
    name = fields.Char(related="step_id.name")
    action = fields.Selection(related="step_id.action")
    company_id = fields.Many2one(related="followup_id.company_id", store=True, index=True)
    patient_id = fields.Many2one(related="followup_id.patient_id", store=True, index=True)
    doctor_id = fields.Many2one(related="followup_id.doctor_id", store=True, index=True)
    department_id = fields.Many2one(related="followup_id.department_id", store=True, index=True)
    due_at = fields.Datetime(string="Due", required=True, readonly=True)
    state = fields.Selection(MESSAGE_STATES, required=True, default="planned", readonly=True)
    sent_at = fields.Datetime(readonly=True, index=True)
    recipient = fields.Selection(RECIPIENTS, readonly=True)
    sms_message_id = fields.Many2one("ihospital.sms.message", string="Text Message", readonly=True)
    user_input_id = fields.Many2one("survey.user_input", string="Survey Answer", readonly=True, index=True)
    expires_at = fields.Datetime(string="Link Expires", readonly=True)
    skip_reason = fields.Char(readonly=True)
    portal_text = fields.Text(readonly=True, help="The message as shown in the patient's portal.")

    def init(self):
        # the sending cron reads the planned messages due, oldest first
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS ihospital_followup_message_planned_due_idx
                ON ihospital_followup_message (due_at) WHERE state = 'planned'
            """
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._ihospital_check_engine()
        return super().create(vals_list)

    def write(self, vals):
        self._ihospital_check_engine()
        return super().write(vals)

    def _ihospital_check_engine(self):
        """The messages are the engine's: nobody writes them (the ACLs give
        read only; this refuses a sudo-less path that would slip through)."""
        if not self.env.su:
            raise AccessError(_("Follow-up messages are changed by the system only."))
