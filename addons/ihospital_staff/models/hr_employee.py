from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_patient import mask_middle
from odoo.exceptions import AccessError

from .ihospital_staff_mobile_mixin import STAFF_RECORDS_GROUP, staff_may_call_mobiles


def mask_mobile(number):
    """'13998775705' -> '139****5705'."""
    return mask_middle(number, 3, 4)


def mask_read_rows(rows, field, hidden, key="id"):
    """Mask `field` in the rows of a read whose `key` is in `hidden`."""
    for row in rows:
        if row.get(field) and row.get(key) in hidden:
            row[field] = mask_mobile(row[field])
    return rows


def mask_export_rows(result, fields_to_export, field, hidden_numbers):
    """Mask, in export_data()'s rows, the numbers of `field` the user may
    not see (rows of one-to-many lines do not map to records one to one:
    the numbers are matched instead)."""
    if field in fields_to_export and hidden_numbers:
        column = fields_to_export.index(field)
        for row in result["datas"]:
            if row[column] in hidden_numbers:
                row[column] = mask_mobile(row[column])
    return result


def check_group_by_mobile(records, fnames, groupby, aggregates, having):
    """Refuse a grouping or an aggregate over the mobile fields `fnames`
    (a group's value, or mobile_phone:max, is the number unmasked) unless
    the caller sees every number: the engine (superuser) and HR officers."""
    if records.env.su or records.env.user.has_group(STAFF_RECORDS_GROUP):
        return
    specs = [*groupby, *aggregates]
    specs += [term[0] for term in having or () if isinstance(term, list | tuple) and term]
    names = {spec.split(":")[0].split(".")[0] for spec in specs if isinstance(spec, str)}
    if names & set(fnames):
        raise AccessError(_("Staff mobiles cannot be grouped or aggregated: read them in the directory."))


class HrEmployee(models.Model):
    """A staff member's work mobile is shown in the directory only when he
    or she chooses so; otherwise colleagues read it masked, in the
    directory, in forms and over RPC alike (every read of the staff, public
    staff, user and contact records goes through _read_format)."""

    _name = "hr.employee"
    _inherit = ["hr.employee", "ihospital.staff.mobile.mixin"]
    _ihospital_mobile_fields = ("mobile_phone",)

    directory_show_mobile = fields.Boolean(
        string="Show Mobile in the Directory",
        help="Colleagues see and may call this work mobile from the staff directory. Otherwise they see it "
        "masked; HR officers and hospital administrators always see it.",
    )

    @api.model
    def _ihospital_hidden_mobile_ids(self, employee_ids):
        """The ids among `employee_ids` whose work mobile the current user
        may not see: not his or her own, not shown by its owner, or the
        user has no staff role. The engine (superuser) and HR officers see
        them all."""
        employee_ids = {employee_id for employee_id in employee_ids if employee_id and isinstance(employee_id, int)}
        user = self.env.user
        if self.env.su or not employee_ids or user.has_group(STAFF_RECORDS_GROUP):
            return set()
        staff = staff_may_call_mobiles(user)
        employees_sudo = self.sudo().with_context(active_test=False).browse(employee_ids).exists()
        employees_sudo.fetch(["user_id", "directory_show_mobile"])
        return {
            employee.id
            for employee in employees_sudo
            if employee.user_id != user and not (staff and employee.directory_show_mobile)
        }

    def _ihospital_mobile_visible_sql(self, alias, query):
        return self._ihospital_employee_mobile_visible_sql(alias, query)

    def _ihospital_hidden_mobiles(self):
        """The work mobiles of these employees the current user may not see."""
        hidden = self._ihospital_hidden_mobile_ids(self.ids)
        return {employee.mobile_phone for employee in self.sudo() if employee.id in hidden} - {False}

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        if "mobile_phone" in fnames and result:
            mask_read_rows(result, "mobile_phone", self._ihospital_hidden_mobile_ids(row["id"] for row in result))
        return result

    def export_data(self, fields_to_export):
        result = super().export_data(fields_to_export)
        return mask_export_rows(result, fields_to_export, "mobile_phone", self._ihospital_hidden_mobiles())

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        check_group_by_mobile(self, ("mobile_phone",), groupby, aggregates, having)
        return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)
