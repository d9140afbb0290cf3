from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .ihospital_guard_mixin import ADMIN, QUALITY
from .ihospital_patient import IDENTITY_GROUP, mask_middle

COMPLAINT_STATES = [
    ("new", "New"),
    ("in_progress", "In Progress"),
    ("resolved", "Resolved"),
    ("closed", "Closed"),
]


class IhospitalComplaint(models.Model):
    """A complaint (投诉) received by the hospital, about a department or a
    staff member, followed by the quality office until it is resolved."""

    _name = "ihospital.complaint"
    _description = "Complaint"
    _inherit = ["ihospital.guard.mixin", "ihospital.hospital.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "received_at desc, id desc"
    _engine_fields = ("state", "source")
    _action_groups = {
        "action_start": (QUALITY, ADMIN),
        "action_resolve": (QUALITY, ADMIN),
        "action_close": (QUALITY, ADMIN),
        "action_reopen": (QUALITY, ADMIN),
    }
    _rec_names_search = ["name", "ref"]

    name = fields.Char(string="Number", required=True, readonly=True, copy=False, default=lambda self: _("New"))
    ref = fields.Char(string="HIS Reference", index=True, copy=False)
    patient_id = fields.Many2one("ihospital.patient", index=True, domain="[('company_id', '=', company_id)]")
    department_id = fields.Many2one("hr.department", index=True, domain="[('company_id', '=', company_id)]")
    employee_id = fields.Many2one(
        "hr.employee", string="Staff Concerned", index=True, domain="[('company_id', '=', company_id)]"
    )
    category = fields.Char()
    content = fields.Text(required=True)
    contact_phone = fields.Char(groups=IDENTITY_GROUP)
    contact_phone_masked = fields.Char(string="Contact Phone (masked)", compute="_compute_contact_phone_masked")
    received_at = fields.Datetime(string="Received", required=True, default=fields.Datetime.now, index=True)
    state = fields.Selection(COMPLAINT_STATES, required=True, default="new", readonly=True, tracking=True, index=True)
    source = fields.Selection([("manual", "Manual"), ("his", "HIS")], required=True, default="manual")
    resolution = fields.Text(tracking=True)

    _sql_constraints = [
        ("ref_company_uniq", "unique(company_id, ref)", "This complaint reference is already used in this hospital."),
    ]

    def _compute_contact_phone_masked(self):
        for complaint, complaint_sudo in zip(self, self.sudo(), strict=True):
            complaint.contact_phone_masked = mask_middle(complaint_sudo.contact_phone, 3, 4)

    @api.constrains("company_id", "patient_id", "department_id", "employee_id")
    def _check_complaint_hospital(self):
        for complaint in self:
            others = (
                complaint.patient_id.company_id,
                complaint.department_id.company_id,
                complaint.employee_id.company_id,
            )
            if any(company and company != complaint.company_id for company in others):
                raise ValidationError(
                    _(
                        "The patient, department and staff of a complaint must belong to %s.",
                        complaint.company_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].sudo().next_by_code("ihospital.complaint") or _("New")
        return super().create(vals_list)

    def action_start(self):
        self._check_action("action_start")
        for complaint in self.sudo():
            if complaint.state != "new":
                raise UserError(_("Only new complaints can be taken in hand (%s).", complaint.name))
            complaint.state = "in_progress"
        return True

    def action_resolve(self):
        self._check_action("action_resolve")
        for complaint in self.sudo():
            if complaint.state not in ("new", "in_progress"):
                raise UserError(_("%s is already resolved or closed.", complaint.name))
            if not (complaint.resolution or "").strip():
                raise UserError(_("Write how %s was resolved before marking it resolved.", complaint.name))
            complaint.state = "resolved"
        return True

    def action_close(self):
        self._check_action("action_close")
        for complaint in self.sudo():
            if complaint.state != "resolved":
                raise UserError(_("Only resolved complaints can be closed (%s).", complaint.name))
            complaint.state = "closed"
        return True

    def action_reopen(self):
        self._check_action("action_reopen")
        for complaint in self.sudo():
            if complaint.state not in ("resolved", "closed"):
                raise UserError(_("Only resolved or closed complaints can be reopened (%s).", complaint.name))
            complaint.state = "in_progress"
        return True
