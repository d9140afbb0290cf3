from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class IhospitalPatientAccount(models.Model):
    """Link between a portal account and a patient it manages."""

    _name = "ihospital.patient.account"
    _description = "Patient Managing Account"
    _order = "user_id, sequence, id"

    sequence = fields.Integer(default=10)
    patient_id = fields.Many2one("ihospital.patient", required=True, index=True, ondelete="cascade")
    user_id = fields.Many2one("res.users", string="Account", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="patient_id.company_id", store=True, index=True)
    relation = fields.Selection(
        [
            ("self", "Self"),
            ("child", "Child"),
            ("parent", "Parent"),
            ("spouse", "Spouse"),
            ("relative", "Relative"),
            ("other", "Other"),
        ],
        required=True,
        default="self",
    )

    _sql_constraints = [
        ("patient_user_uniq", "unique(patient_id, user_id)", "This account already manages this patient."),
    ]

    @api.constrains("user_id", "patient_id")
    def _check_account_limit(self):
        for link in self.sudo():
            limit = link.company_id.hospital_max_patients_per_account
            count = self.sudo().search_count(
                [
                    ("user_id", "=", link.user_id.id),
                    ("company_id", "=", link.company_id.id),
                    ("patient_id.active", "=", True),
                ]
            )
            if count > limit:
                raise ValidationError(
                    _(
                        "An account may manage at most %(limit)d patients in %(hospital)s.",
                        limit=limit,
                        hospital=link.company_id.name,
                    )
                )
