from odoo import api, fields, models


class IhospitalHisCodedMixin(models.AbstractModel):
    """A record the HIS sends with department or staff codes (reports,
    admissions, vital signs). Patient safety does not wait for master data:
    a code the platform does not know yet is kept on the record (flagged
    for the administrator, `codes_to_resolve`) and resolved when the
    department or staff member arrives (ihospital.his.code.mixin).

    A model declares `_his_codes`: {field keeping the HIS code: (the
    relational field it resolves to, "departments" or "doctors")}."""

    _name = "ihospital.his.coded.mixin"
    _description = "Record with HIS Codes"
    _his_codes = {}

    codes_to_resolve = fields.Boolean(
        string="Unknown HIS Codes",
        compute="_compute_codes_to_resolve",
        store=True,
        index=True,
        help="The HIS sent a department or doctor code the platform does not know yet: add it to the master data.",
    )

    def _his_codes_depends(self):
        return [name for code_field, (field, _kind) in self._his_codes.items() for name in (code_field, field)]

    @api.depends(lambda self: self._his_codes_depends())
    def _compute_codes_to_resolve(self):
        for record in self:
            record.codes_to_resolve = any(
                record[code_field] and not record[field] for code_field, (field, _kind) in self._his_codes.items()
            )

    @api.model
    def _resolve_his_codes(self, company, departments=None, doctors=None):
        """Fill in the departments and staff of the records that waited for
        these codes (new master data of `company`)."""
        arrived = {"departments": departments or [], "doctors": doctors or []}
        for code_field, (field, kind) in self._his_codes.items():
            for record in arrived[kind]:
                self.sudo().search(
                    [("company_id", "=", company.id), (field, "=", False), (code_field, "=", record.his_code)]
                ).write({field: record.id})

    @api.model
    def _his_coded_models(self):
        """Every model whose records keep HIS codes to resolve."""
        models = self.env.registry.descendants(["ihospital.his.coded.mixin"], "_inherit")
        return sorted(model for model in models if not self.env[model]._abstract)
