from odoo import models

from .hr_employee import mask_export_rows, mask_read_rows


class ResUsers(models.Model):
    _inherit = "res.users"

    def _read_format(self, fnames, load="_classic_read"):
        # hr's mobile_phone is the user's staff record's work mobile
        result = super()._read_format(fnames, load=load)
        if "mobile_phone" in fnames and result:
            employees = {user.id: user.employee_id.id for user in self.browse(row["id"] for row in result)}
            hidden = self.env["hr.employee"]._ihospital_hidden_mobile_ids(employees.values())
            mask_read_rows(result, "mobile_phone", {user_id for user_id, emp in employees.items() if emp in hidden})
        return result

    def export_data(self, fields_to_export):
        result = super().export_data(fields_to_export)
        if "mobile_phone" in fields_to_export:
            hidden = self.employee_id._ihospital_hidden_mobiles()
            mask_export_rows(result, fields_to_export, "mobile_phone", hidden)
        return result
