from odoo import api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN, QUALITY

from .ihospital_followup_plan import FOLLOWUP_KINDS

FOLLOWUP_STATES = [("active", "Active"), ("done", "Done"), ("stopped", "Stopped")]
STOP_REASONS = [
    ("opt_out", "Opted Out"),
    ("deceased", "Patient Deceased"),
    ("manual", "Stopped by the Hospital"),
]


class IhospitalFollowup(models.Model):
    """The follow-up (随访) of one encounter: the plan it follows and the
    messages scheduled from its event. One per visit, one per admission:
    the same encounter never starts twice. Created and run by the engine
    only; the doctor and department of the encounter go with the answers."""

    _name = "ihospital.followup"
    _description = "Follow-up"
    _inherit = ["ihospital.guard.mixin", "ihospital.hospital.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "event_at desc, id desc"
    _engine_create_only = True
    _engine_fields = (
        "plan_id",
        "kind",
        "patient_id",
        "visit_id",
        "admission_id",
        "doctor_id",
        "department_id",
        "event_at",
        "state",
        "stop_reason",
        "message_ids",
    )
    _action_groups = {"action_stop": (ADMIN, QUALITY)}

    name = fields.Char(compute="_compute_name")
    plan_id = fields.Many2one("ihospital.followup.plan", required=True, index=True, readonly=True, ondelete="restrict")
    kind = fields.Selection(FOLLOWUP_KINDS, required=True, readonly=True)
    patient_id = fields.Many2one("ihospital.patient", required=True, index=True, readonly=True, ondelete="cascade")
    visit_id = fields.Many2one("ihospital.visit", readonly=True, ondelete="cascade")
    admission_id = fields.Many2one("ihospital.admission", readonly=True, ondelete="cascade")
    doctor_id = fields.Many2one("hr.employee", string="Doctor", index=True, readonly=True)
    department_id = fields.Many2one("hr.department", string="Department", index=True, readonly=True)
    event_at = fields.Datetime(string="Event", required=True, readonly=True, index=True)
    state = fields.Selection(FOLLOWUP_STATES, required=True, default="active", readonly=True, index=True, tracking=True)
    stop_reason = fields.Selection(STOP_REASONS, readonly=True, tracking=True)
    message_ids = fields.One2many(
        "ihospital.followup.message", "followup_id", string="Messages", readonly=True, domain=[], auto_join=False
    )

    _sql_constraints = [
        ("visit_uniq", "unique(visit_id)", "A visit starts one follow-up."),
        ("admission_uniq", "unique(admission_id)", "An admission starts one follow-up."),
        (
            "one_encounter",
            "CHECK((visit_id IS NULL) <> (admission_id IS NULL))",
            "A follow-up is about a visit or an admission.",
        ),
    ]

    @api.depends("plan_id", "patient_id")
    def _compute_name(self):
        for followup in self:
            followup.name = " · ".join(filter(None, [followup.plan_id.name, followup.patient_id.name]))

    def _check_action_access(self):
        # follow-ups are the engine's: the roles allowed act on those they read
        self.check_access("read")

    def action_stop(self):
        """Stop the follow-up: its planned messages are cancelled."""
        self._check_action("action_stop")
        self.sudo()._ihospital_stop("manual")
        return True

    # ------------------------------------------------------------------ engine
    @api.model
    def _ihospital_start_visits(self, visits):
        """Start the follow-ups of finished visits (engine, in sudo)."""
        return self.browse()

    @api.model
    def _ihospital_start_admissions(self, admissions):
        """Start the follow-ups of discharged admissions (engine, in sudo)."""
        return self.browse()

    def _ihospital_stop(self, reason):
        """Stop these follow-ups and cancel their planned messages."""
        self.filtered(lambda followup: followup.state == "active").write({"state": "stopped", "stop_reason": reason})

    @api.model
    def _ihospital_stop_for_patients(self, patients, reason):
        self.search([("patient_id", "in", patients.ids), ("state", "=", "active")])._ihospital_stop(reason)
