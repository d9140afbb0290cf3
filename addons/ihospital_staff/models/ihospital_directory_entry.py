import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# What a number in the directory may look like: digits with the usual
# separators and an optional extension (120, 020-83821110, +86 20 8382 1110,
# (020) 83821110, 8110, 020-83821000 转 8110).
_NUMBER = re.compile(r"\+?\(?[0-9][0-9 ()\-]{1,24}(?:\s*(?:转|ext\.?|x)\s*[0-9]{1,6})?", re.IGNORECASE)


class IhospitalDirectoryEntry(models.Model):
    """A number of the hospital's own directory (定制通讯录), beside the staff:
    external and shared numbers (ambulance, security, partner hospitals,
    on-call lines). Kept by the hospital's administrators, read by all its
    staff, found by name, pinyin and initials like colleagues."""

    _name = "ihospital.directory.entry"
    _inherit = ["ihospital.hospital.mixin", "ihospital.pinyin.mixin"]
    _description = "Directory Number"
    _order = "category_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, index="trigram")
    category_id = fields.Many2one(
        "ihospital.directory.category",
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    phone = fields.Char(required=True)
    phone_2 = fields.Char(string="Other Number", help="An internal extension (内线) or a second number.")
    note = fields.Char(help="Hours, location, when to call...")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    @api.constrains("phone", "phone_2")
    def _check_numbers(self):
        for entry in self:
            for number in (entry.phone, entry.phone_2):
                if number and not _NUMBER.fullmatch(number.strip()):
                    raise ValidationError(
                        _(
                            "%(number)s is not a phone number (digits, spaces, dashes; 转 and an extension).",
                            number=number,
                        )
                    )
