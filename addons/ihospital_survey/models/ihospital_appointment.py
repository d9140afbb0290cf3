from odoo import models


class IhospitalAppointment(models.Model):
    _inherit = "ihospital.appointment"

    def action_finish_consultation(self):
        res = super().action_finish_consultation()
        # the visit the consultation's end made (or completed) starts its
        # follow-up; the visit's own hook did it already when it was created
        visits = self.sudo().visit_id.filtered("end")
        if visits:
            self.env["ihospital.followup"].sudo()._ihospital_start_visits(visits)
        return res
