from collections import defaultdict

from stdnum.cn import ric

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .ihospital_lab_result import RESULT_FLAGS, flag_values


class IhospitalVitalSign(models.Model):
    """One vital sign (生命体征) from a nursing or ICU system: heart rate,
    blood pressure, SpO2, temperature... with the flag the system gave it
    (HH, LL and AA are critical values). A sign whose patient the platform
    does not know yet is stored at once with the HIS reference it came with
    (flagged: no patient), never held back."""

    _name = "ihospital.vital.sign"
    _description = "Vital Sign"
    _inherit = [
        "ihospital.audited.mixin",
        "ihospital.guard.mixin",
        "ihospital.hospital.mixin",
        "ihospital.his.coded.mixin",
    ]
    _order = "observed_at desc, id desc"
    _engine_fields = ("his_patient_ref", "his_ref", "his_department_code")
    _his_codes = {"his_department_code": ("department_id", "departments")}

    patient_id = fields.Many2one(
        "ihospital.patient", index=True, ondelete="restrict", domain="[('company_id', '=', company_id)]"
    )
    his_patient_ref = fields.Char(
        string="HIS Patient Reference",
        readonly=True,
        help="The HIS patient id or medical card number the sign came with, while its patient is not known.",
    )
    admission_id = fields.Many2one("ihospital.admission", index=True, domain="[('patient_id', '=', patient_id)]")
    department_id = fields.Many2one(
        "hr.department", index=True, domain="[('company_id', '=', company_id), ('is_clinical', '=', True)]"
    )
    his_department_code = fields.Char(string="HIS Department Code", readonly=True)
    observed_at = fields.Datetime(string="Observation Time", required=True, default=fields.Datetime.now, index=True)
    code = fields.Char(required=True, help="The hospital's code of the observation, e.g. HR.")
    loinc = fields.Char(string="LOINC", help="e.g. 8867-4 (heart rate).")
    name = fields.Char(string="Observation", required=True, help="e.g. 心率.")
    value = fields.Char(required=True)
    unit = fields.Char()
    reference_range = fields.Char()
    flag = fields.Selection(RESULT_FLAGS)
    is_abnormal = fields.Boolean(string="Abnormal", compute="_compute_flags", store=True)
    is_critical = fields.Boolean(string="Critical", compute="_compute_flags", store=True, index=True)
    source_system = fields.Char(help="The system that observed it, e.g. the ICU's clinical information system.")
    source = fields.Selection([("his", "HIS"), ("manual", "Manual")], required=True, default="manual")
    his_ref = fields.Char(string="HIS Reference", readonly=True, index=True, copy=False)

    _sql_constraints = [
        ("his_ref_company_uniq", "unique(company_id, his_ref)", "This HIS reference is already used in this hospital."),
    ]

    @api.depends("flag")
    def _compute_flags(self):
        for sign in self:
            sign.update(flag_values(sign.flag))

    @api.depends("name", "value", "unit")
    def _compute_display_name(self):
        for sign in self:
            sign.display_name = " ".join(part for part in (sign.name, sign.value, sign.unit) if part)

    @api.constrains("patient_id", "source")
    def _check_patient(self):
        for sign in self:
            if not sign.patient_id and sign.source != "his":
                raise ValidationError(_("A vital sign needs its patient: only signs from the HIS may wait for theirs."))

    @api.constrains("his_patient_ref")
    def _check_his_patient_ref(self):
        """Shown to every role that sees the sign: never an ID number."""
        for sign in self:
            if sign.his_patient_ref and ric.is_valid(sign.his_patient_ref):
                raise ValidationError(
                    _(
                        "The HIS patient reference of a vital sign is the HIS patient id or medical card number, "
                        "never an ID number."
                    )
                )

    @api.constrains("company_id", "patient_id", "department_id", "admission_id")
    def _check_hospital(self):
        for sign in self:
            hospital = sign.company_id
            others = (sign.patient_id.company_id, sign.department_id.company_id, sign.admission_id.company_id)
            if any(company and company != hospital for company in others) or (
                sign.admission_id and sign.admission_id.patient_id != sign.patient_id
            ):
                raise ValidationError(
                    _(
                        "A vital sign must stay within %(hospital)s: its patient, department and admission belong "
                        "to that hospital and patient.",
                        hospital=hospital.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        # the computed marks in the INSERT, not an UPDATE of each sign after it
        signs = super().create([{**flag_values(vals.get("flag")), **vals} for vals in vals_list])
        if signs:
            signs._alert_critical()
        return signs

    def write(self, vals):
        res = super().write(vals)
        if "flag" in vals:
            self._alert_critical()
        return res

    def _alert_critical(self):
        """Called with the signs just created and those whose flag was just
        written, all at once (set-based). Nothing here: the critical-value
        alerts (ihospital_staff) override it."""
        return

    @api.model
    def _attach_by_reference(self, company, ref_patients):
        """Attach to their patients the signs of `company` that came before
        them, by the reference they came with ({HIS patient id or card
        number: patient}): one search, one write per patient."""
        ref_patients = {ref: patient for ref, patient in ref_patients.items() if ref and patient}
        if not ref_patients:
            return self.browse()
        signs_sudo = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("patient_id", "=", False),
                ("his_patient_ref", "in", sorted(ref_patients)),
            ]
        )
        ids_by_patient = defaultdict(list)
        for sign_sudo in signs_sudo:
            ids_by_patient[ref_patients[sign_sudo.his_patient_ref]].append(sign_sudo.id)
        for patient, ids in ids_by_patient.items():
            self.sudo().browse(ids).write({"patient_id": patient.id, "his_patient_ref": False})
        return self.browse(signs_sudo.ids)
