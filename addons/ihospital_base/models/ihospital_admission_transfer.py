from odoo import api, fields, models


class IhospitalAdmissionTransfer(models.Model):
    """A transfer (转科, 转床) of an inpatient to another department, ward or
    bed, as the HIS reported it. A record of what happened: written by the
    platform from the HIS's messages, never edited."""

    _name = "ihospital.admission.transfer"
    _description = "Admission Transfer"
    _inherit = ["ihospital.audited.mixin"]
    _order = "transferred_at desc, id desc"

    admission_id = fields.Many2one("ihospital.admission", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="admission_id.company_id", store=True, index=True)
    patient_id = fields.Many2one(related="admission_id.patient_id", store=True, index=True)
    transferred_at = fields.Datetime(string="Transfer Time", required=True, default=fields.Datetime.now, index=True)
    from_department_id = fields.Many2one("hr.department")
    from_ward = fields.Char()
    from_bed = fields.Char()
    to_department_id = fields.Many2one("hr.department")
    to_ward = fields.Char()
    to_bed = fields.Char()
    his_to_department_code = fields.Char(
        string="HIS Code of the New Department", help="As the HIS sent it, also when the platform does not know it."
    )

    @api.depends("admission_id", "to_ward", "to_bed", "transferred_at")
    def _compute_display_name(self):
        for transfer in self:
            transfer.display_name = " ".join(
                part for part in (transfer.admission_id.name, transfer.to_ward, transfer.to_bed) if part
            )
