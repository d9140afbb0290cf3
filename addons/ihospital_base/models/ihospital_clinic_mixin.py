from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class IhospitalClinicMixin(models.AbstractModel):
    """A record of a clinical department and one of its hospital's doctors
    (visits, schedules, weekly templates), checked to stay in one hospital."""

    _name = "ihospital.clinic.mixin"
    _inherit = ["ihospital.hospital.mixin"]
    _description = "Department and Doctor of a Hospital"

    department_id = fields.Many2one(
        "hr.department",
        required=True,
        index=True,
        domain="[('company_id', '=', company_id), ('is_clinical', '=', True)]",
    )
    doctor_id = fields.Many2one(
        "hr.employee",
        index=True,
        domain="[('company_id', '=', company_id), ('ihospital_role', '=', 'doctor')]",
    )

    @api.constrains("company_id", "department_id", "doctor_id")
    def _check_clinic_hospital(self):
        for record in self:
            hospital = record.company_id
            if record.department_id.company_id != hospital:
                raise ValidationError(
                    _(
                        "Department %(department)s belongs to %(other)s, not to %(hospital)s.",
                        department=record.department_id.name,
                        other=record.department_id.company_id.name,
                        hospital=hospital.name,
                    )
                )
            if record.doctor_id and record.doctor_id.company_id != hospital:
                raise ValidationError(
                    _(
                        "Doctor %(doctor)s works at %(other)s, not at %(hospital)s.",
                        doctor=record.doctor_id.name,
                        other=record.doctor_id.company_id.name,
                        hospital=hospital.name,
                    )
                )
