from odoo import fields, models

ALLERGY_TYPES = [("drug", "Drug"), ("food", "Food"), ("environmental", "Environmental"), ("other", "Other")]
ALLERGY_SEVERITIES = [("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe")]


class IhospitalPatientAllergy(models.Model):
    """An allergy (过敏史) of a patient: what the HIS reports with its
    admissions (HL7 AL1) or what an administrator enters."""

    _name = "ihospital.patient.allergy"
    _description = "Patient Allergy"
    _inherit = ["ihospital.audited.mixin", "ihospital.guard.mixin"]
    _order = "patient_id, id"
    _rec_name = "allergen"

    patient_id = fields.Many2one("ihospital.patient", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="patient_id.company_id", store=True, index=True)
    allergen = fields.Char(required=True, help="e.g. 青霉素, 海鲜.")
    allergen_code = fields.Char(help="The allergen's code in the HIS.")
    allergy_type = fields.Selection(ALLERGY_TYPES, string="Type")
    severity = fields.Selection(ALLERGY_SEVERITIES)
    reaction = fields.Char(help="e.g. 皮疹, 呼吸困难.")
    identified_date = fields.Date(string="Identified On")
    source = fields.Selection([("his", "HIS"), ("manual", "Manual")], required=True, default="manual")

    _sql_constraints = [
        (
            "allergen_code_patient_uniq",
            "unique(patient_id, allergen_code)",
            "This allergen is already recorded for the patient.",
        ),
    ]
