from odoo import api, models

from .hr_employee import STAFF_RECORDS_GROUP, check_group_by_mobile, mask_export_rows, mask_read_rows
from .ihospital_staff_mobile_mixin import is_presence_test

# the contact's numbers that repeat a staff member's work mobile (hr keeps
# the mobile on the work contact; phone_sanitized is derived from it)
MOBILE_FIELDS = ("mobile", "phone_sanitized")


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "ihospital.staff.mobile.mixin"]
    _ihospital_mobile_fields = MOBILE_FIELDS

    def _ihospital_mobile_visible_sql(self, alias, query):
        return self._ihospital_contact_mobile_visible_sql(self._field_to_sql(alias, "id", query))

    def _search_phone_mobile_search(self, operator, value):
        # mail.thread.phone reads the numbers in its own SQL: the hidden
        # work contacts it finds are taken out (see the mobile mixin)
        domain = super()._search_phone_mobile_search(operator, value)
        if is_presence_test(operator, value) or not self._ihospital_hides_mobiles():
            return domain
        if len(domain) != 1 or tuple(domain[0])[:2] != ("id", "in"):
            return domain  # [(0, '=', 1)]: nothing found
        ids = domain[0][2]
        hidden = self._ihospital_hidden_work_contacts(ids)
        return [("id", "in", [partner_id for partner_id in ids if partner_id not in hidden])]

    def _ihospital_hidden_work_contacts(self, partner_ids):
        """The ids among `partner_ids` that are the work contact of a staff
        member whose mobile the current user may not see."""
        partner_ids = [partner_id for partner_id in partner_ids if partner_id and isinstance(partner_id, int)]
        if self.env.su or not partner_ids or self.env.user.has_group(STAFF_RECORDS_GROUP):
            return set()
        employees_sudo = (
            self.env["hr.employee"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch([("work_contact_id", "in", partner_ids)], ["work_contact_id"])
        )
        hidden = self.env["hr.employee"]._ihospital_hidden_mobile_ids(employees_sudo.ids)
        return {employee.work_contact_id.id for employee in employees_sudo if employee.id in hidden}

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        masked = [name for name in MOBILE_FIELDS if name in fnames]
        if masked and result:
            hidden = self._ihospital_hidden_work_contacts([row["id"] for row in result])
            for name in masked:
                mask_read_rows(result, name, hidden)
        return result

    def export_data(self, fields_to_export):
        result = super().export_data(fields_to_export)
        if any(name in fields_to_export for name in MOBILE_FIELDS):
            hidden_ids = self._ihospital_hidden_work_contacts(self.ids)
            for name in MOBILE_FIELDS:
                numbers = {partner[name] for partner in self.sudo() if partner.id in hidden_ids} - {False}
                mask_export_rows(result, fields_to_export, name, numbers)
        return result

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        check_group_by_mobile(self, MOBILE_FIELDS, groupby, aggregates, having)
        return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)
