from odoo import fields, models

from .hr_employee import PROFESSIONAL_TITLES, STAFF_ROLES


class HrEmployeePublic(models.Model):
    """Expose the non-sensitive hospital fields to every internal user
    (users without HR rights read employees through hr.employee.public).
    The pinyin keys are hr.employee's columns, read by the view, so that
    colleagues find each other by pinyin too."""

    _name = "hr.employee.public"
    _inherit = ["hr.employee.public", "ihospital.pinyin.mixin"]

    ihospital_role = fields.Selection(STAFF_ROLES, string="Hospital Role", readonly=True)
    professional_title = fields.Selection(PROFESSIONAL_TITLES, readonly=True)
    specialty = fields.Text(translate=True, readonly=True)
    his_code = fields.Char(string="HIS Code", readonly=True)
    is_expert = fields.Boolean(string="Expert", readonly=True)
    public_profile = fields.Html(translate=True, readonly=True)
    is_published = fields.Boolean(string="Published", readonly=True)
    online_consultation = fields.Boolean(readonly=True)
    phone_consultation = fields.Boolean(string="Phone Consultation Authorized", readonly=True)
