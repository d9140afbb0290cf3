from odoo import _, api, models
from odoo.exceptions import AccessError


class IhospitalCriticalWizardMixin(models.AbstractModel):
    """A form about one critical value alert (read-back, handling, contact):
    made and changed only by whom may act on that alert, so that a form
    made by hand (an RPC client chooses any alert_id) shows nothing of
    another department's or hospital's patient. Its related fields read the
    alert as the user (related_sudo=False)."""

    _name = "ihospital.critical.wizard.mixin"
    _description = "Form about a Critical Value"

    @api.model_create_multi
    def create(self, vals_list):
        forms = super().create(vals_list)
        if not self.env.su:
            forms.alert_id._check_action_access()
        return forms

    def write(self, vals):
        if "alert_id" in vals and not self.env.su:
            raise AccessError(_("A form stays about the alert it was opened for."))
        return super().write(vals)
