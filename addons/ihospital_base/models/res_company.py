from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

HOSPITAL_GRADES = [
    ("3a", "Tertiary Grade A"),
    ("3b", "Tertiary Grade B"),
    ("3c", "Tertiary Grade C"),
    ("2a", "Secondary Grade A"),
    ("2b", "Secondary Grade B"),
    ("2c", "Secondary Grade C"),
    ("1", "Primary"),
    ("none", "Not graded"),
]


class ResCompany(models.Model):
    """A hospital is a company: one database serves many hospitals, each
    isolated by Odoo's multi-company rules."""

    _inherit = "res.company"

    is_hospital = fields.Boolean(
        string="Is a Hospital",
        help="Companies flagged as hospitals appear in the iHospital apps.",
    )
    hospital_grade = fields.Selection(
        HOSPITAL_GRADES,
    )
    hospital_introduction = fields.Html(string="Introduction", translate=True)
    hospital_latitude = fields.Float(string="Latitude", digits=(10, 7))
    hospital_longitude = fields.Float(string="Longitude", digits=(10, 7))
    hospital_transport = fields.Text(
        string="Transport Routes", translate=True, help="Bus, metro and car routes to the hospital."
    )
    hospital_opening_hours = fields.Text(string="Opening Hours", translate=True)
    hospital_phone_ids = fields.One2many("ihospital.hospital.phone", "company_id", string="Service Phones")
    hospital_building_ids = fields.One2many("ihospital.building", "company_id", string="Buildings")
    hospital_merchant_ids = fields.One2many("ihospital.merchant", "company_id", string="Nearby Merchants")
    hospital_max_patients_per_account = fields.Integer(
        string="Patients per Account",
        default=5,
        help="How many patients (self, children, parents...) one portal account may manage.",
    )

    @api.constrains("hospital_latitude", "hospital_longitude")
    def _check_hospital_coordinates(self):
        for company in self:
            if not -90 <= company.hospital_latitude <= 90:
                raise ValidationError(_("The latitude must be between -90 and 90 degrees."))
            if not -180 <= company.hospital_longitude <= 180:
                raise ValidationError(_("The longitude must be between -180 and 180 degrees."))

    @api.constrains("hospital_max_patients_per_account")
    def _check_hospital_max_patients_per_account(self):
        for company in self:
            if company.hospital_max_patients_per_account < 1:
                raise ValidationError(_("An account must be allowed to manage at least one patient."))
