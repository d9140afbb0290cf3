from odoo import fields, models


class IhospitalHospitalMixin(models.AbstractModel):
    """A record that belongs to one hospital (company), the current one by
    default; the multi-company record rules keep hospitals apart."""

    _name = "ihospital.hospital.mixin"
    _description = "Belongs to a Hospital"

    company_id = fields.Many2one(
        "res.company",
        string="Hospital",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )

    def _ihospital_strays(self, relations):
        """Whether this record links something of another hospital (one of
        the many2one fields `relations`) or a visit of another patient."""
        self.ensure_one()
        if any(self[name].company_id and self[name].company_id != self.company_id for name in relations):
            return True
        return bool("visit_id" in self._fields and self.visit_id and self.visit_id.patient_id != self.patient_id)
