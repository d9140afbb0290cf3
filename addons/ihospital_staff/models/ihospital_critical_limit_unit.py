from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lab_values import normalize_unit


class IhospitalCriticalLimitUnit(models.Model):
    """A unit of one test's results that converts to the unit of its
    limits with a factor that depends on the analyte (glucose mg/dL to
    mmol/L, calcium mEq/L to mmol/L). Conversions that hold for any analyte
    (g/dL to g/L) are ihospital.critical.unit.conversion."""

    _name = "ihospital.critical.limit.unit"
    _description = "Unit Conversion of a Critical Limit"
    _order = "limit_id, id"

    limit_id = fields.Many2one("ihospital.critical.limit", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="limit_id.company_id", store=True, index=True)
    unit = fields.Char(string="Result Unit", required=True, help="A unit results of this test may arrive in.")
    factor = fields.Float(
        required=True,
        digits=(16, 8),
        help="A result in this unit multiplied by the factor is in the limit's unit "
        "(glucose: mg/dL × 0.05551 = mmol/L).",
    )

    @api.constrains("unit", "factor", "limit_id")
    def _check_conversion(self):
        for conversion in self:
            limit = conversion.limit_id
            if conversion.factor <= 0:
                raise ValidationError(
                    _("The conversion factor from %(unit)s must be above zero.", unit=conversion.unit)
                )
            unit = normalize_unit(conversion.unit)
            if unit == ("" if limit.unitless else normalize_unit(limit.unit)):
                raise ValidationError(
                    _(
                        "%(unit)s is already the unit of the limits of %(test)s: it needs no conversion.",
                        unit=conversion.unit,
                        test=limit.name,
                    )
                )
            if len(limit.conversion_ids.filtered(lambda other, unit=unit: normalize_unit(other.unit) == unit)) > 1:
                raise ValidationError(
                    _("%(test)s converts %(unit)s twice: keep one conversion.", test=limit.name, unit=conversion.unit)
                )
