from odoo import api, models

# what finishes a visit: its end (the consultation's end, the HIS's visit
# record), or the visit becoming the appointment's
FINISHING_FIELDS = ("end", "appointment_id", "visit_type")


class IhospitalVisit(models.Model):
    _inherit = "ihospital.visit"

    @api.model_create_multi
    def create(self, vals_list):
        visits = super().create(vals_list)
        finished = visits.sudo().filtered("end")
        if finished:
            self.env["ihospital.followup"].sudo()._ihospital_start_visits(finished)
        return visits

    def write(self, vals):
        res = super().write(vals)
        if any(name in vals for name in FINISHING_FIELDS):
            finished = self.sudo().filtered("end")
            if finished:
                self.env["ihospital.followup"].sudo()._ihospital_start_visits(finished)
        return res
