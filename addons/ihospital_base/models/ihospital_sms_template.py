import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .ihospital_sms import SMS_PURPOSES, VARIABLE


class IhospitalSmsTemplate(models.Model):
    """A text approved by the SMS provider (短信模板): its key in the
    platform, why it is sent, the provider's template id (模板ID / 模板CODE)
    and the approved text with its variables (``${code}``).

    A template without hospital is the platform's default: a hospital uses
    it until it has its own of the same key (with the template id its
    provider gave it)."""

    _name = "ihospital.sms.template"
    _description = "SMS Template"
    _order = "purpose, code, company_id, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        string="Key",
        required=True,
        help="How the platform picks the template, e.g. booking_booked; a hospital's own template of a key replaces "
        "the platform's default.",
    )
    purpose = fields.Selection(
        SMS_PURPOSES,
        required=True,
        default="notice",
        help="Why the text is sent. Verification codes, critical values and booking notices reach a number that "
        "replied to opt out (退订); the other texts do not.",
    )
    company_id = fields.Many2one(
        "res.company",
        string="Hospital",
        index=True,
        help="Empty: the platform's default text, used by every hospital without its own template of this key.",
    )
    provider_template_code = fields.Char(
        string="Provider Template ID",
        help="The template id (模板ID / 模板CODE) the SMS provider gave when it approved the text.",
    )
    body = fields.Text(
        string="Text",
        required=True,
        translate=True,
        help="The text as the provider approved it, without the signature; ${name} marks a variable, e.g. " "${code}.",
    )
    variable_names = fields.Char(string="Variables", compute="_compute_variable_names")
    active = fields.Boolean(default=True)

    @api.depends("body")
    def _compute_variable_names(self):
        for template in self:
            template.variable_names = ", ".join(template._variable_names())

    @api.constrains("code", "company_id", "active")
    def _check_code_unique(self):
        for template in self.filtered("active"):
            domain = [
                ("code", "=", template.code),
                ("company_id", "=", template.company_id.id),
                ("id", "!=", template.id),
            ]
            if self.sudo().search_count(domain, limit=1):
                raise ValidationError(
                    _("There is already an SMS template with the key %s for this hospital.", template.code)
                )

    @api.constrains("body")
    def _check_body(self):
        for template in self:
            if re.search(r"\$\{(?!\w+\})", template.body or ""):
                raise ValidationError(
                    _("Write the variables of %s as ${name}, with letters, digits or _ only.", template.name)
                )

    def _variable_names(self):
        """The template's variables, in order of appearance, once each."""
        self.ensure_one()
        return list(dict.fromkeys(VARIABLE.findall(self.sudo().body or "")))

    @api.model
    def _ihospital_resolve(self, company, template):
        """The template to send: a template record as given, or the
        hospital's own active template of the key `template`, else the
        platform's default of that key."""
        if isinstance(template, models.BaseModel):
            template.ensure_one()
            if template.company_id and template.company_id != company:
                raise UserError(_("The SMS template %s belongs to another hospital.", template.name))
            return template.sudo()
        candidates = self.sudo().search([("code", "=", template), ("company_id", "in", (company.id, False))])
        if not candidates:
            raise UserError(_("There is no SMS template with the key %s: nothing was sent.", template))
        return candidates.sorted(lambda candidate: not candidate.company_id)[0]
