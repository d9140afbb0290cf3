from odoo import api, models

from .hr_employee import check_group_by_mobile, mask_export_rows, mask_read_rows
from .ihospital_staff_workbench import STAFF_GROUPS, WORKBENCH_ACTION
from .res_partner import MOBILE_FIELDS


class ResUsers(models.Model):
    _name = "res.users"
    _inherit = ["res.users", "ihospital.staff.mobile.mixin"]
    # the user's copies of the contact's numbers; searching them is the
    # contact's (res.partner), sorting by them is the user's
    _ihospital_mobile_fields = MOBILE_FIELDS

    def _ihospital_mobile_visible_sql(self, alias, query):
        partner = self.env["res.partner"]
        return partner._ihospital_contact_mobile_visible_sql(self._field_to_sql(alias, "partner_id", query))

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._ihospital_workbench_home()
        return users

    def write(self, vals):
        result = super().write(vals)
        if any(key == "groups_id" or key.startswith(("in_group_", "sel_groups_")) for key in vals):
            self._ihospital_workbench_home()
        return result

    def _ihospital_workbench_home(self):
        """Staff users land on the workbench (工作台), unless they or their
        administrator chose another home."""
        action_id = self.env["ir.model.data"]._xmlid_to_res_id(WORKBENCH_ACTION, raise_if_not_found=False)
        if not action_id:
            return
        staff = self.sudo().filtered(
            lambda user: not user.action_id
            and user._is_internal()
            and any(user.has_group(group) for group in STAFF_GROUPS)
        )
        if staff:
            staff.write({"action_id": action_id})

    @api.model
    def _ihospital_workbench_home_all(self):
        """At install: every staff user without a home gets the workbench."""
        self.sudo().with_context(active_test=False).search([("share", "=", False)])._ihospital_workbench_home()

    def _read_format(self, fnames, load="_classic_read"):
        # hr's mobile_phone is the user's staff record's work mobile
        result = super()._read_format(fnames, load=load)
        if "mobile_phone" in fnames and result:
            employees = {user.id: user.employee_id.id for user in self.browse(row["id"] for row in result)}
            hidden = self.env["hr.employee"]._ihospital_hidden_mobile_ids(employees.values())
            mask_read_rows(result, "mobile_phone", {user_id for user_id, emp in employees.items() if emp in hidden})
        # the user's contact fields (mobile, phone_sanitized) are its
        # partner's: the staff member's work contact, masked as on the contact
        masked = [name for name in MOBILE_FIELDS if name in fnames]
        if masked and result:
            partners = {user.id: user.partner_id.id for user in self.sudo().browse(row["id"] for row in result)}
            hidden = self.env["res.partner"]._ihospital_hidden_work_contacts(list(partners.values()))
            for name in masked:
                mask_read_rows(result, name, {user_id for user_id, partner in partners.items() if partner in hidden})
        return result

    def export_data(self, fields_to_export):
        result = super().export_data(fields_to_export)
        if "mobile_phone" in fields_to_export:
            hidden = self.employee_id._ihospital_hidden_mobiles()
            mask_export_rows(result, fields_to_export, "mobile_phone", hidden)
        if any(name in fields_to_export for name in MOBILE_FIELDS):
            hidden_ids = self.env["res.partner"]._ihospital_hidden_work_contacts(self.sudo().partner_id.ids)
            for name in MOBILE_FIELDS:
                numbers = {user[name] for user in self.sudo() if user.partner_id.id in hidden_ids} - {False}
                mask_export_rows(result, fields_to_export, name, numbers)
        return result

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        check_group_by_mobile(self, ("mobile_phone", *MOBILE_FIELDS), groupby, aggregates, having)
        return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)
