from odoo import api, fields, models

DIAGNOSIS_EDITIONS = [
    ("clinical", "National Clinical Edition 2.0"),
    ("insurance", "National Insurance Edition 2.0"),
    ("hospital", "Hospital's own"),
]


class IhospitalDiagnosisCode(models.Model):
    """A diagnosis code the hospital uses (the national clinical or
    insurance editions extend ICD-10 with more digits, or the hospital's
    own), mapped to the ICD-10 disease it refines."""

    _name = "ihospital.diagnosis.code"
    _inherit = ["ihospital.hospital.mixin", "ihospital.pinyin.mixin"]
    _description = "Diagnosis Code"
    _order = "code"
    _rec_names_search = ["code", "name"]
    _check_company_auto = True

    code = fields.Char(required=True, index=True)
    name = fields.Char(required=True, index="trigram")
    edition = fields.Selection(DIAGNOSIS_EDITIONS, required=True, default="clinical")
    disease_id = fields.Many2one(
        "ihospital.disease", string="ICD-10 Disease", index=True, ondelete="restrict", check_company=True
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "code_edition_company_uniq",
            "unique(code, edition, company_id)",
            "A diagnosis code appears once per edition in a hospital.",
        )
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for diagnosis in self:
            diagnosis.display_name = f"{diagnosis.code} {diagnosis.name or ''}".strip()
