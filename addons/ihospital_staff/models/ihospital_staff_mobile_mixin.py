from odoo import models
from odoo.addons.ihospital_base.access_matrix import ROLES, STAFF_ROLES
from odoo.tools import SQL

# Who may call a colleague's work mobile that the colleague shows in the
# directory: the hospital's staff roles (not a technical or integration
# account). HR officers (hospital administrators) see every mobile: they
# keep the staff records.
DIRECTORY_MOBILE_GROUPS = tuple(ROLES[role] for role in STAFF_ROLES)
STAFF_RECORDS_GROUP = "hr.group_hr_user"


def staff_may_call_mobiles(user):
    """Whether `user` has a staff role, to whom colleagues may show their
    mobiles."""
    return any(user.has_group(group) for group in DIRECTORY_MOBILE_GROUPS)


def is_presence_test(operator, value):
    """`field = False` / `field != False`: whether a number is set, which
    the masked number shows anyway."""
    return operator in ("=", "!=") and (value is True or value in (False, None, ""))


class IhospitalStaffMobileMixin(models.AbstractModel):
    """Searching and sorting by a staff member's work mobile (or a copy of
    it) must not recover a number its owner hides: a search with `=like`
    '139%', then '1398%' ... would spell it out digit by digit, and the
    order of the records would rank it. The reads mask the number
    (_read_format); searches and sorts run in SQL, so they are bounded here,
    in SQL too: a hidden number matches no search on its value (whether a
    number is set stays searchable: its masked form shows that) and sorts as
    if empty. The engine (superuser) and HR officers see every number."""

    _name = "ihospital.staff.mobile.mixin"
    _description = "Staff Mobiles Hidden in Searches and Sorts"

    # the stored fields of the model that hold a staff member's work mobile
    _ihospital_mobile_fields = ()

    def _ihospital_hides_mobiles(self):
        return not (self.env.su or self.env.user.has_group(STAFF_RECORDS_GROUP))

    def _ihospital_mobile_visible_sql(self, alias, query):
        """SQL true where the current user may see the number of the row
        `alias`."""
        raise NotImplementedError

    def _condition_to_sql(self, alias, fname, operator, value, query):
        sql = super()._condition_to_sql(alias, fname, operator, value, query)
        if (
            fname in self._ihospital_mobile_fields
            and not is_presence_test(operator, value)
            and self._ihospital_hides_mobiles()
        ):
            sql = SQL("(%s AND %s)", sql, self._ihospital_mobile_visible_sql(alias, query))
        return sql

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        if field_name in self._ihospital_mobile_fields and self._ihospital_hides_mobiles():
            return SQL(
                "(CASE WHEN %s THEN %s END) %s %s",
                self._ihospital_mobile_visible_sql(alias, query),
                self._field_to_sql(alias, field_name, query),
                direction,
                nulls,
            )
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    def _ihospital_employee_mobile_visible_sql(self, alias, query):
        """For staff rows (hr.employee and its public view): the user's own
        number, or a number its owner shows to staff roles."""
        own = SQL("%s = %s", self._field_to_sql(alias, "user_id", query), self.env.uid)
        if not staff_may_call_mobiles(self.env.user):
            return own
        return SQL("(%s OR COALESCE(%s, FALSE))", own, self._field_to_sql(alias, "directory_show_mobile", query))

    def _ihospital_contact_mobile_visible_sql(self, partner_id_sql):
        """For contacts (by the SQL of their id): not the work contact of a
        staff member whose mobile the user may not see."""
        return self._ihospital_no_hidden_mobile_sql(SQL("e.work_contact_id = %s", partner_id_sql))

    def _ihospital_no_hidden_mobile_sql(self, match):
        """SQL true where no staff member `e` matching `match` (SQL on the
        alias e of hr_employee) has a mobile the user may not see."""
        self.env["hr.employee"].flush_model(["work_contact_id", "user_id", "directory_show_mobile", "mobile_phone"])
        shown = (
            SQL("COALESCE(e.directory_show_mobile, FALSE)") if staff_may_call_mobiles(self.env.user) else SQL("FALSE")
        )
        return SQL(
            "NOT EXISTS (SELECT 1 FROM hr_employee e WHERE %s AND e.user_id IS DISTINCT FROM %s AND NOT %s)",
            match,
            self.env.uid,
            shown,
        )
