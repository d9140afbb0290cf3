from datetime import timedelta

import pytz

from odoo import _, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN, HEAD, QUALITY
from odoo.exceptions import AccessError, UserError

from ..models.ihospital_duty_shift import HOSPITAL_POSTS


def week_start(day):
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


class IhospitalDutyShiftCopy(models.TransientModel):
    """Copy one week of a department's duty roster, or of the hospital
    posts, to another week: rosters repeat from week to week."""

    _name = "ihospital.duty.shift.copy"
    _inherit = ["ihospital.guard.mixin"]
    _description = "Copy a Week of the Duty Roster"
    _action_groups = {"action_copy": (HEAD, QUALITY, ADMIN)}
    _patient_link_fields = ()

    company_id = fields.Many2one("res.company", string="Hospital", required=True, default=lambda self: self.env.company)
    department_id = fields.Many2one(
        "hr.department",
        domain="[('company_id', '=', company_id)]",
        help="Leave empty to copy the hospital posts (medical affairs and administrator on duty).",
    )
    source_date = fields.Date(
        string="Copy the Week of",
        required=True,
        default=lambda self: self.env.company._ihospital_today(),
        help="Any day of the week to copy (weeks start on Monday).",
    )
    target_date = fields.Date(
        string="To the Week of",
        required=True,
        default=lambda self: self.env.company._ihospital_today() + timedelta(days=7),
        help="Any day of the week to fill.",
    )
    replace = fields.Boolean(
        string="Replace the Target Week",
        help="Delete the shifts already planned in the target week (of this department, or the hospital "
        "posts) before copying. Otherwise they are kept and only the missing shifts are added.",
    )

    def _check_may_plan(self):
        """Medical affairs and administrators plan their hospitals' rosters;
        a department head plans the departments he or she heads (the
        shifts' own rule, checked before anything is read or deleted)."""
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(_("You do not work at %s.", self.company_id.sudo().name))
        self.env["ihospital.duty.shift"]._check_planner(self.department_id, hospital_posts=not self.department_id)

    def _scope_domain(self, first_day):
        domain = [
            ("company_id", "=", self.company_id.id),
            ("date", ">=", first_day),
            ("date", "<=", first_day + timedelta(days=6)),
        ]
        if self.department_id:
            return domain + [("department_id", "=", self.department_id.id)]
        return domain + [("post", "in", HOSPITAL_POSTS)]

    def _moved(self, value, days):
        """`value` (naive UTC) moved by `days` days of the hospital's local
        time (a custom shift keeps its hours on the wall clock)."""
        tz = pytz.timezone(self.company_id.hospital_tz or "Asia/Shanghai")
        local = pytz.utc.localize(value).astimezone(tz).replace(tzinfo=None) + timedelta(days=days)
        return tz.localize(local).astimezone(pytz.utc).replace(tzinfo=None)

    def action_copy(self):
        self.ensure_one()
        self._check_action("action_copy")
        self._check_may_plan()
        if self.department_id.company_id and self.department_id.company_id != self.company_id:
            raise UserError(_("%s is not a department of this hospital.", self.department_id.name))
        source, target = week_start(self.source_date), week_start(self.target_date)
        if source == target:
            raise UserError(_("Choose another week to copy to: both dates are in the week of %s.", source))
        Shift = self.env["ihospital.duty.shift"]
        shifts = Shift.search(self._scope_domain(source), order="date, start, id")
        if not shifts:
            raise UserError(_("There are no shifts to copy in the week of %s.", source))
        planned = Shift.search(self._scope_domain(target))
        if self.replace:
            planned.unlink()
            planned = Shift
        days = (target - source).days
        existing = {(s.employee_id.id, s.post, s.department_id.id, s.date, s.kind) for s in planned}
        vals_list = []
        for shift in shifts:
            day = shift.date + timedelta(days=days)
            if (shift.employee_id.id, shift.post, shift.department_id.id, day, shift.kind) in existing:
                continue
            vals = {
                "company_id": shift.company_id.id,
                "department_id": shift.department_id.id,
                "post": shift.post,
                "employee_id": shift.employee_id.id,
                "date": day,
                "kind": shift.kind,
                "duty_phone": shift.duty_phone,
                "note": shift.note,
            }
            if shift.kind == "custom":
                vals.update(start=self._moved(shift.start, days), stop=self._moved(shift.stop, days))
            vals_list.append(vals)
        created = Shift.create(vals_list)
        return {
            "type": "ir.actions.act_window",
            "name": _("Copied Shifts"),
            "res_model": "ihospital.duty.shift",
            "view_mode": "list,form",
            "domain": [("id", "in", created.ids)],
        }
