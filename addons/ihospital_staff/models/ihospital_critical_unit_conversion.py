from decimal import Decimal
from types import MappingProxyType

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from ..lab_values import normalize_unit


class IhospitalCriticalUnitConversion(models.Model):
    """A conversion between two units that holds whatever the analyte
    (g/dL to g/L, kPa to mmHg), shared by all hospitals and shipped as data.
    Each conversion also works the other way (by the inverse factor).
    Conversions that depend on the analyte belong to the limit
    (ihospital.critical.limit.unit)."""

    _name = "ihospital.critical.unit.conversion"
    _description = "Unit Conversion"
    _order = "to_unit, from_unit, id"
    _rec_names_search = ["from_unit", "to_unit"]

    from_unit = fields.Char(required=True)
    to_unit = fields.Char(required=True)
    factor = fields.Float(
        required=True,
        digits=(16, 8),
        help="A value in the first unit multiplied by the factor is in the second unit (g/dL × 10 = g/L).",
    )
    note = fields.Char(translate=True)

    @api.depends("from_unit", "to_unit", "factor")
    def _compute_display_name(self):
        for conversion in self:
            conversion.display_name = f"{conversion.from_unit} → {conversion.to_unit} (× {conversion.factor:g})"

    @api.constrains("from_unit", "to_unit", "factor")
    def _check_conversion(self):
        pairs = {}
        for conversion in self.search([]):
            key = frozenset((normalize_unit(conversion.from_unit), normalize_unit(conversion.to_unit)))
            pairs.setdefault(key, []).append(conversion)
        for conversion in self:
            if conversion.factor <= 0:
                raise ValidationError(_("A conversion factor must be above zero."))
            key = frozenset((normalize_unit(conversion.from_unit), normalize_unit(conversion.to_unit)))
            if len(key) < 2:
                raise ValidationError(
                    _(
                        "%(from)s and %(to)s are the same unit.",
                        **{"from": conversion.from_unit, "to": conversion.to_unit},
                    )
                )
            if len(pairs.get(key, [])) > 1:
                raise ValidationError(
                    _(
                        "The conversion between %(from)s and %(to)s is already declared.",
                        **{"from": conversion.from_unit, "to": conversion.to_unit},
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        conversions = super().create(vals_list)
        self.env.registry.clear_cache()
        return conversions

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    @api.model
    @tools.ormcache()
    def _ihospital_factors(self):
        """{(from unit, to unit): Decimal factor} in normalized spellings,
        each declared conversion in both directions. Cached; read once per
        worker until a conversion changes."""
        factors = {}
        for conversion in self.sudo().search([]):
            source, target = normalize_unit(conversion.from_unit), normalize_unit(conversion.to_unit)
            factor = Decimal(repr(conversion.factor))
            factors[(source, target)] = factor
            factors.setdefault((target, source), Decimal(1) / factor)
        return MappingProxyType(factors)
