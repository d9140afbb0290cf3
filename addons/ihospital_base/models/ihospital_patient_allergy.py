from odoo import api, fields, models

ALLERGY_TYPES = [("drug", "Drug"), ("food", "Food"), ("environmental", "Environmental"), ("other", "Other")]
ALLERGY_SEVERITIES = [("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe")]
ALLERGY_KINDS = [("allergy", "Allergy"), ("alert", "Alert")]


class IhospitalPatientAllergy(models.Model):
    """An allergy (过敏史) or another alert (警示: 跌倒高风险, 传染病隔离...)
    of a patient: what the HIS reports with its admissions (HL7 AL1) or on
    its own (ADT^A60, JSON patient.allergy), or what an administrator
    enters. One the HIS removed is archived, not deleted: it keeps the time
    of the change, so that an older message arriving late does not bring it
    back (see ihospital_his, patient.allergy)."""

    _name = "ihospital.patient.allergy"
    _description = "Patient Allergy or Alert"
    _inherit = ["ihospital.audited.mixin", "ihospital.guard.mixin"]
    _order = "patient_id, kind, id"
    _rec_name = "allergen"
    _engine_fields = ("his_ref", "his_recorded_at")

    active = fields.Boolean(default=True, help="An allergy or alert the HIS removed (or resolved) is archived.")
    patient_id = fields.Many2one("ihospital.patient", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="patient_id.company_id", store=True, index=True)
    kind = fields.Selection(
        ALLERGY_KINDS,
        required=True,
        default="allergy",
        help="An allergy (过敏), or another alert clinicians must see (警示), e.g. 跌倒高风险.",
    )
    allergen = fields.Char(
        string="Allergen or Alert", required=True, help="e.g. 青霉素, 海鲜; for an alert: 跌倒高风险."
    )
    allergen_code = fields.Char(string="Code", help="The allergen's or alert's code in the HIS.")
    allergy_type = fields.Selection(ALLERGY_TYPES, string="Type")
    severity = fields.Selection(ALLERGY_SEVERITIES)
    reaction = fields.Char(string="Reaction or Note", help="e.g. 皮疹, 呼吸困难; for an alert, what to do.")
    identified_date = fields.Date(string="Identified On")
    source = fields.Selection([("his", "HIS"), ("manual", "Manual")], required=True, default="manual")
    his_ref = fields.Char(string="HIS Reference", readonly=True, copy=False, help="The HIS's own id of this entry.")
    # when the HIS recorded the change this entry shows: an older change
    # (a message that overtook another) never overwrites a newer one
    his_recorded_at = fields.Datetime(string="Recorded in the HIS", readonly=True, copy=False)
    # searched by the clinicians' record rule: correlated with the allergy's
    # own patient_id (a path patient_id.is_my_department_patient would test
    # every patient of the hospital under the rules' OR)
    is_my_department_patient = fields.Boolean(
        string="Patient of My Departments",
        compute="_compute_is_my_department_patient",
        search="_search_is_my_department_patient",
        help="The patient is one of your departments' or your own: see the patient's field of the same name.",
    )

    _sql_constraints = [
        (
            "allergen_code_patient_uniq",
            "unique(patient_id, allergen_code)",
            "This allergen is already recorded for the patient.",
        ),
        ("his_ref_patient_uniq", "unique(patient_id, his_ref)", "This HIS reference is already used for the patient."),
    ]

    @api.depends("patient_id")
    @api.depends_context("uid")
    def _compute_is_my_department_patient(self):
        for allergy in self:
            allergy.is_my_department_patient = allergy.patient_id.is_my_department_patient

    def _search_is_my_department_patient(self, operator, value):
        return self.env["ihospital.patient"]._ihospital_care_domain(self._table, "patient_id", operator, value)

    def _check_access(self, operation):
        # as the patient's: the rules' check in Python computes the field
        # again, with what the database says now
        self.invalidate_model(["is_my_department_patient"])
        self.env["ihospital.patient"].invalidate_model(["is_my_department_patient"])
        return super()._check_access(operation)
