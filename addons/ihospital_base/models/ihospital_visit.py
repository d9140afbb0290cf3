from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .ihospital_admission import is_icd10, normalize_icd10


class IhospitalVisit(models.Model):
    """A visit (就诊记录): an outpatient or emergency encounter, or an
    inpatient stay from admission to discharge. Operations analysis and
    follow-up read these."""

    _name = "ihospital.visit"
    _description = "Visit"
    _inherit = [
        "ihospital.audited.mixin",
        "ihospital.guard.mixin",
        "ihospital.clinic.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "start desc, id desc"
    _rec_names_search = ["name", "external_ref"]
    # the appointment a visit completes is linked by the engine only (the
    # consultation's end, the HIS's visit record naming it)
    _engine_fields = ("appointment_id", "visit_kind", "diagnosis_code")

    name = fields.Char(
        string="Reference",
        required=True,
        copy=False,
        readonly=True,
        index=True,
        default=lambda self: _("New"),
    )
    department_id = fields.Many2one(tracking=True)
    doctor_id = fields.Many2one(tracking=True)
    patient_id = fields.Many2one(
        "ihospital.patient",
        required=True,
        index=True,
        tracking=True,
        domain="[('company_id', '=', company_id)]",
    )
    visit_type = fields.Selection(
        [("outpatient", "Outpatient"), ("emergency", "Emergency"), ("inpatient", "Inpatient")],
        required=True,
        default="outpatient",
        tracking=True,
    )
    start = fields.Datetime(
        string="Start / Admission", required=True, default=fields.Datetime.now, index=True, tracking=True
    )
    end = fields.Datetime(string="End / Discharge", tracking=True)
    diagnosis = fields.Text(tracking=True)
    diagnosis_code = fields.Char(
        string="Diagnosis Code (ICD-10)",
        readonly=True,
        index="btree_not_null",
        tracking=True,
        help="The visit's main diagnosis as an ICD-10 code, as the HIS reports it.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    total_charges = fields.Monetary(tracking=True)
    insurance_amount = fields.Monetary(string="Insurance Covered", tracking=True)
    self_paid_amount = fields.Monetary(string="Self-paid", compute="_compute_self_paid_amount", store=True)
    source = fields.Selection(
        [("his", "HIS"), ("appointment", "Appointment"), ("manual", "Manual")],
        required=True,
        default="manual",
    )
    external_ref = fields.Char(string="External Reference", index=True, copy=False)
    visit_kind = fields.Selection(
        [("first", "First Visit"), ("return", "Return Visit")],
        string="First / Return",
        readonly=True,
        tracking=True,
        help="A first or a return visit, as the HIS reports it; empty when it did not say.",
    )
    # unique when set (init): one visit per appointment
    appointment_id = fields.Many2one(
        "ihospital.appointment",
        readonly=True,
        index=True,
        copy=False,
        ondelete="set null",
        help="The booking this visit was: the consultation's end and the HIS's visit record complete the same visit.",
    )

    _sql_constraints = [
        (
            "external_ref_uniq",
            "unique(company_id, source, external_ref)",
            "This external reference is already used by another visit of this hospital.",
        ),
    ]

    def init(self):
        # one visit per appointment: the platform's consultation and the
        # HIS's visit record of one encounter are one visit
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS ihospital_visit_appointment_uniq
                ON ihospital_visit (appointment_id) WHERE appointment_id IS NOT NULL
            """
        )

    @api.depends("total_charges", "insurance_amount")
    def _compute_self_paid_amount(self):
        for visit in self:
            visit.self_paid_amount = visit.total_charges - visit.insurance_amount

    @api.constrains("company_id", "patient_id")
    def _check_patient_hospital(self):
        for visit in self:
            hospital = visit.company_id
            if visit.patient_id.company_id != hospital:
                raise ValidationError(
                    _(
                        "Patient %(patient)s is registered in %(other)s, not in %(hospital)s.",
                        patient=visit.patient_id.name,
                        other=visit.patient_id.company_id.name,
                        hospital=hospital.name,
                    )
                )

    @api.constrains("diagnosis_code")
    def _check_diagnosis_code(self):
        for visit in self:
            code = visit.diagnosis_code
            if code and not is_icd10(code):
                raise ValidationError(
                    _(
                        "%(code)s is not an ICD-10 code (a letter, two digits, then optionally a dot and more "
                        "characters, e.g. I21.9).",
                        code=code,
                    )
                )

    @api.constrains("start", "end")
    def _check_dates(self):
        for visit in self:
            if visit.end and visit.end < visit.start:
                raise ValidationError(_("A visit cannot end before it starts."))

    @api.constrains("total_charges", "insurance_amount")
    def _check_amounts(self):
        for visit in self:
            if visit.total_charges < 0 or visit.insurance_amount < 0:
                raise ValidationError(_("Charges and insurance amounts cannot be negative."))
            if visit.insurance_amount > visit.total_charges:
                raise ValidationError(_("The insurance cannot cover more than the total charges."))

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._normalize_vals(vals) for vals in vals_list]
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("ihospital.visit") or _("New")
        return super().create(vals_list)

    def write(self, vals):
        return super().write(self._normalize_vals(vals))

    @api.model
    def _normalize_vals(self, vals):
        if vals.get("diagnosis_code"):
            vals = dict(vals, diagnosis_code=normalize_icd10(vals["diagnosis_code"]))
        return vals
