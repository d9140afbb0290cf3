from odoo import api, models


class IhospitalAdmission(models.Model):
    _inherit = "ihospital.admission"

    @api.model_create_multi
    def create(self, vals_list):
        admissions = super().create(vals_list)
        discharged = admissions.sudo().filtered(lambda admission: admission.state == "discharged")
        if discharged:
            self.env["ihospital.followup"].sudo()._ihospital_start_admissions(discharged)
        return admissions

    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") == "discharged":
            discharged = self.sudo().filtered(lambda admission: admission.state == "discharged")
            if discharged:
                self.env["ihospital.followup"].sudo()._ihospital_start_admissions(discharged)
        return res
