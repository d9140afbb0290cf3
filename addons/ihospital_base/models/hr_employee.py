from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

STAFF_ROLES = [
    ("doctor", "Doctor"),
    ("nurse", "Nurse"),
    ("technician", "Technician"),
    ("pharmacist", "Pharmacist"),
    ("administrative", "Administrative"),
]

DOCTOR_TITLES = [
    ("chief_physician", "Chief Physician"),
    ("associate_chief_physician", "Associate Chief Physician"),
    ("attending_physician", "Attending Physician"),
    ("resident_physician", "Resident Physician"),
]
NURSE_TITLES = [
    ("chief_nurse", "Chief Nurse"),
    ("associate_chief_nurse", "Associate Chief Nurse"),
    ("nurse_in_charge", "Nurse-in-charge"),
    ("senior_nurse", "Senior Nurse"),
    ("nurse", "Nurse"),
]
PROFESSIONAL_TITLES = DOCTOR_TITLES + NURSE_TITLES


class HrEmployee(models.Model):
    """Hospital staff: doctors, nurses, technicians, pharmacists, administrators."""

    _name = "hr.employee"
    _inherit = ["hr.employee", "ihospital.his.code.mixin", "ihospital.pinyin.mixin"]
    _his_code_kind = "doctors"
    _rec_names_search = ["name", "his_code"]

    # trigram indexes: a name search (characters, pinyin, HIS code) is one
    # index scan, also with thousands of staff
    name = fields.Char(index="trigram")

    ihospital_role = fields.Selection(STAFF_ROLES, string="Hospital Role", tracking=True)
    professional_title = fields.Selection(PROFESSIONAL_TITLES, tracking=True)
    specialty = fields.Text(translate=True, help="What the staff member is good at.")
    his_code = fields.Char(string="HIS Code", index="trigram", copy=False)
    licence_number = fields.Char(copy=False, groups="hr.group_hr_user")
    is_expert = fields.Boolean(string="Expert")
    public_profile = fields.Html(translate=True)
    is_published = fields.Boolean(string="Published", help="Visible on the public website.")
    online_consultation = fields.Boolean(
        help="Patients may ask this doctor questions online.",
    )
    phone_consultation = fields.Boolean(
        string="Phone Consultation Authorized",
        help="The doctor agrees that patients see a number to call.",
    )
    consultation_phone = fields.Char(groups="hr.group_hr_user")

    _sql_constraints = [
        (
            "his_code_company_uniq",
            "unique(company_id, his_code)",
            "A staff member's HIS code must be unique in the hospital.",
        ),
    ]

    @api.constrains("ihospital_role", "professional_title")
    def _check_professional_title(self):
        doctor_titles = {key for key, _label in DOCTOR_TITLES}
        nurse_titles = {key for key, _label in NURSE_TITLES}
        for employee in self:
            title = employee.professional_title
            if not title:
                continue
            if employee.ihospital_role == "doctor" and title not in doctor_titles:
                raise ValidationError(_("%s is a doctor: choose a physician's title.", employee.name))
            if employee.ihospital_role == "nurse" and title not in nurse_titles:
                raise ValidationError(_("%s is a nurse: choose a nursing title.", employee.name))
            if employee.ihospital_role not in ("doctor", "nurse"):
                raise ValidationError(
                    _("Professional titles apply to doctors and nurses; %s has another role.", employee.name)
                )

    @api.constrains("phone_consultation", "consultation_phone")
    def _check_consultation_phone(self):
        for employee in self:
            if employee.phone_consultation and not employee.consultation_phone:
                raise ValidationError(
                    _("Give the number patients may call before authorizing phone consultation for %s.", employee.name)
                )
