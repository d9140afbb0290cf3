from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .ihospital_patient import IDENTITY_GROUP
from .ihospital_sms import mask_number, sms_number


class IhospitalSmsOptout(models.Model):
    """A number that asked one hospital to stop its texts (退订), by
    replying TD / 退订 or through the hospital's desk. Group SMS, notices
    and follow-ups skip it; verification codes, critical values and
    booking notices still reach it. Archived when the person asks to get
    the hospital's texts again."""

    _name = "ihospital.sms.optout"
    _description = "SMS Opt-out"
    _order = "create_date desc, id desc"
    _rec_name = "number_masked"

    company_id = fields.Many2one(
        "res.company", string="Hospital", required=True, index=True, default=lambda self: self.env.company
    )
    number = fields.Char(required=True, groups=IDENTITY_GROUP)
    number_masked = fields.Char(string="Number (masked)", compute="_compute_number_masked", store=True)
    reply = fields.Char(help="The text the number replied with, or how the hospital learnt of the request.")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("company_number_uniq", "unique(company_id, number)", "A number opts out of a hospital's texts once."),
    ]

    @api.depends("number")
    def _compute_number_masked(self):
        for optout in self.sudo():
            optout.number_masked = mask_number(optout.number)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals["number"] = self._ihospital_check_number(vals.get("number"))
        return super().create(vals_list)

    def write(self, vals):
        if "number" in vals:
            vals["number"] = self._ihospital_check_number(vals["number"])
        return super().write(vals)

    @api.model
    def _ihospital_check_number(self, number):
        normalized = sms_number(number)
        if not normalized:
            raise ValidationError(_("%s is not a mobile number.", number or ""))
        return normalized

    @api.model
    def _ihospital_opted_out(self, company, numbers):
        """The numbers of `numbers` (E.164) that opted out of `company`'s texts."""
        if not numbers:
            return set()
        optouts = self.sudo().search([("company_id", "=", company.id), ("number", "in", list(numbers))])
        return set(optouts.mapped("number"))

    @api.model
    def _ihospital_opt_out(self, company, number, reply):
        """Record (or renew) the opt-out of `number` at `company`."""
        Optout = self.sudo().with_context(active_test=False)
        optout = Optout.search([("company_id", "=", company.id), ("number", "=", number)], limit=1)
        if optout:
            optout.write({"active": True, "reply": reply})
            return optout
        return Optout.create({"company_id": company.id, "number": number, "reply": reply})
