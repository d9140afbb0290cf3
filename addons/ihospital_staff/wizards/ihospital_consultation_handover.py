from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN, DOCTOR
from odoo.exceptions import AccessError


class IhospitalConsultationHandover(models.TransientModel):
    """Hand a patient's question over to a colleague (转交): the form
    chooses the colleague; the question's own action_hand_over checks who
    hands over and to whom. The form is made only by whom may act on the
    question, so that a form made by hand over RPC shows nothing of another
    department's or hospital's question."""

    _name = "ihospital.consultation.handover"
    _inherit = ["ihospital.guard.mixin"]
    _description = "Hand a Question Over"
    _action_groups = {"action_confirm": (DOCTOR, ADMIN)}
    _patient_link_fields = ()

    consultation_id = fields.Many2one("ihospital.consultation", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="consultation_id.company_id", related_sudo=False)
    subject = fields.Char(related="consultation_id.subject", related_sudo=False)
    current_doctor_id = fields.Many2one(related="consultation_id.doctor_id", related_sudo=False, string="With")
    department_id = fields.Many2one(related="consultation_id.department_id", related_sudo=False)
    doctor_id = fields.Many2one(
        "hr.employee",
        string="Hand Over To",
        required=True,
        domain="[('company_id', '=', company_id), ('online_consultation', '=', True), ('user_id', '!=', False), "
        "('id', '!=', current_doctor_id)]",
        help="A doctor of this hospital who takes online questions.",
    )
    note = fields.Text(string="Note for the Colleague", help="Kept in the question's internal notes.")

    @api.model_create_multi
    def create(self, vals_list):
        forms = super().create(vals_list)
        if not self.env.su:
            forms.consultation_id._check_action("action_hand_over")
        return forms

    def write(self, vals):
        if "consultation_id" in vals and not self.env.su:
            raise AccessError(_("A form stays about the question it was opened for."))
        return super().write(vals)

    def action_confirm(self):
        self.ensure_one()
        self._check_action("action_confirm")
        self.consultation_id.action_hand_over(self.doctor_id.id, self.note)
        # the question may have left what this user sees: back to the inbox
        action = self.env["ir.actions.act_window"]._for_xml_id("ihospital_staff.ihospital_consultation_action_inbox")
        action["target"] = "main"
        return action
