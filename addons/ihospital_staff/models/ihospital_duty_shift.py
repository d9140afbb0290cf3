from collections import defaultdict
from datetime import timedelta
from typing import NamedTuple

import pytz

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN, HEAD, QUALITY
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL


class DutyPost(NamedTuple):
    label: str
    department: bool  # a department's post (False: the whole hospital's)
    role: str | None  # the hospital role its staff must have (None: any staff)


# The duty posts (值班岗位), declared once: the selection, the constraints, the
# views and the alert routing derive from this table.
DUTY_POSTS = {
    "doctor": DutyPost("On-duty Doctor", True, "doctor"),
    "nurse": DutyPost("On-duty Nurse", True, "nurse"),
    "medical_affairs": DutyPost("Medical Affairs on Duty", False, None),
    "administrator": DutyPost("Administrator on Duty", False, None),
}
DEPARTMENT_POSTS = tuple(post for post, spec in DUTY_POSTS.items() if spec.department)
HOSPITAL_POSTS = tuple(post for post, spec in DUTY_POSTS.items() if not spec.department)

SHIFT_KINDS = [
    ("day", "Day Shift"),
    ("night", "Night Shift"),
    ("24h", "24-hour Shift"),
    ("custom", "Custom Hours"),
]
# A longer shift is a typing mistake (an end date a month late would keep
# someone "on duty" for a month); a weekend duty lasts 48 hours.
MAX_SHIFT_HOURS = 48
# What the alert routing reads of the shifts on duty, fetched in its one query.
ROUTING_FIELDS = ("company_id", "department_id", "post", "employee_id", "user_id", "duty_phone", "start", "stop")


class IhospitalDutyShift(models.Model):
    """One person on duty (值班) in one post for one shift: a department's
    on-duty doctor or nurse, or a hospital post (medical affairs on duty,
    administrator on duty). Critical values and other urgent matters are
    routed to whoever's shift covers the moment."""

    _name = "ihospital.duty.shift"
    _inherit = ["ihospital.hospital.mixin"]
    _description = "Duty Shift"
    _order = "date desc, department_id, post, start"

    date = fields.Date(
        required=True,
        index=True,
        default=lambda self: self.env.company._ihospital_today(),
        help="The day the shift starts (a night shift ends the next morning).",
    )
    kind = fields.Selection(
        SHIFT_KINDS,
        string="Shift",
        required=True,
        default="day",
        help="Day, night and 24-hour shifts take the hospital's shift times; custom hours are typed in.",
    )
    start = fields.Datetime(
        compute="_compute_times", store=True, readonly=False, precompute=True, required=True, index=True
    )
    stop = fields.Datetime(
        string="End", compute="_compute_times", store=True, readonly=False, precompute=True, required=True, index=True
    )
    post = fields.Selection(
        [(post, spec.label) for post, spec in DUTY_POSTS.items()],
        required=True,
        index=True,
        help="Department posts (on-duty doctor, on-duty nurse) belong to a department; medical affairs and "
        "the administrator on duty serve the whole hospital.",
    )
    department_id = fields.Many2one(
        "hr.department",
        index=True,
        domain="[('company_id', '=', company_id)]",
        help="Required for the on-duty doctor and nurse; empty for the hospital's posts.",
    )
    employee_id = fields.Many2one(
        "hr.employee",
        string="On-duty Staff",
        required=True,
        index=True,
        domain="[('company_id', '=', company_id), ('ihospital_role', '=?', required_role)]",
    )
    user_id = fields.Many2one(related="employee_id.user_id", string="User", store=True, index=True)
    duty_phone = fields.Char(
        compute="_compute_duty_phone",
        store=True,
        readonly=False,
        precompute=True,
        help="The number to call during the shift: unless another is given, the staff member's work mobile "
        "where he or she shows it in the directory, else the work phone. Every staff member of the hospital "
        "sees it.",
    )
    note = fields.Text()
    is_department_post = fields.Boolean(compute="_compute_post_rules")
    required_role = fields.Char(compute="_compute_post_rules")
    is_on_duty_now = fields.Boolean(
        string="On Duty Now", compute="_compute_is_on_duty_now", search="_search_is_on_duty_now"
    )

    @api.depends("date", "kind", "company_id")
    def _compute_times(self):
        for shift in self:
            if shift.date and shift.kind in ("day", "night", "24h"):
                shift.start, shift.stop = shift.company_id._ihospital_duty_times(shift.date, shift.kind)
            elif shift.date and shift.kind == "custom" and not (shift.start and shift.stop):
                # custom hours start from the day shift's, to be edited
                shift.start, shift.stop = shift.company_id._ihospital_duty_times(shift.date, "day")
            else:
                shift.start, shift.stop = shift.start, shift.stop

    @api.depends("employee_id")
    def _compute_duty_phone(self):
        # the roster is read by every staff member: a work mobile its owner
        # hides in the directory is not published here by default (the
        # planner may type it, or another duty number, on purpose)
        for shift in self:
            employee = shift.employee_id.sudo()
            mobile = employee.mobile_phone if employee.directory_show_mobile else False
            shift.duty_phone = mobile or employee.work_phone or False

    @api.depends("post")
    def _compute_post_rules(self):
        for shift in self:
            spec = DUTY_POSTS.get(shift.post)
            shift.is_department_post = bool(spec and spec.department)
            shift.required_role = spec.role if spec else False

    def _compute_is_on_duty_now(self):
        now = fields.Datetime.now()
        for shift in self:
            shift.is_on_duty_now = bool(shift.start and shift.stop and shift.start <= now < shift.stop)

    def _search_is_on_duty_now(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Search shifts on duty now with 'is set' or 'is not set'."))
        now = fields.Datetime.now()
        if (operator == "=") == value:
            return [("start", "<=", now), ("stop", ">", now)]
        return ["|", ("start", ">", now), ("stop", "<=", now)]

    @api.depends("post", "department_id", "employee_id", "company_id")
    def _compute_display_name(self):
        posts = dict(self._fields["post"]._description_selection(self.env))
        for shift in self:
            where = shift.department_id.name or shift.company_id.name
            shift.display_name = " · ".join(p for p in (shift.employee_id.name, posts.get(shift.post), where) if p)

    # ------------------------------------------------------------ constraints
    def _post_label(self):
        return dict(self._fields["post"]._description_selection(self.env)).get(self.post, self.post)

    def _local(self, value):
        """`value` (naive UTC) as the hospital's local time, for messages."""
        tz = pytz.timezone(self.company_id.hospital_tz or "Asia/Shanghai")
        return pytz.utc.localize(value).astimezone(tz)

    @api.constrains("post", "department_id")
    def _check_post_department(self):
        for shift in self:
            if DUTY_POSTS[shift.post].department and not shift.department_id:
                raise ValidationError(
                    _("The %(post)s works for a department: choose the department.", post=shift._post_label())
                )
            if not DUTY_POSTS[shift.post].department and shift.department_id:
                raise ValidationError(
                    _(
                        "The %(post)s serves the whole hospital: leave the department empty.",
                        post=shift._post_label(),
                    )
                )

    @api.constrains("company_id", "department_id", "employee_id")
    def _check_hospital(self):
        # sudo: the message names the other hospital, which the user may not read
        for shift in self.sudo():
            hospital = shift.company_id
            if shift.department_id and shift.department_id.company_id != hospital:
                raise ValidationError(
                    _(
                        "Department %(department)s belongs to %(other)s, not to %(hospital)s.",
                        department=shift.department_id.name,
                        other=shift.department_id.company_id.name,
                        hospital=hospital.name,
                    )
                )
            if shift.employee_id.company_id != hospital:
                raise ValidationError(
                    _(
                        "%(name)s works at %(other)s, not at %(hospital)s.",
                        name=shift.employee_id.name,
                        other=shift.employee_id.company_id.name,
                        hospital=hospital.name,
                    )
                )

    @api.constrains("post", "employee_id")
    def _check_employee_role(self):
        roles = dict(self.env["hr.employee"]._fields["ihospital_role"]._description_selection(self.env))
        for shift in self:
            role = DUTY_POSTS[shift.post].role
            if role and shift.employee_id.sudo().ihospital_role != role:
                raise ValidationError(
                    _(
                        "%(name)s cannot be the %(post)s: this post is for a %(role)s.",
                        name=shift.employee_id.name,
                        post=shift._post_label(),
                        role=roles[role],
                    )
                )

    @api.constrains("date", "start", "stop")
    def _check_times(self):
        for shift in self:
            if shift.stop <= shift.start:
                raise ValidationError(_("A shift must end after it starts (%s).", shift.display_name))
            if shift.stop - shift.start > timedelta(hours=MAX_SHIFT_HOURS):
                raise ValidationError(
                    _(
                        "A shift lasts at most %(hours)s hours: check the end of %(shift)s.",
                        hours=MAX_SHIFT_HOURS,
                        shift=shift.display_name,
                    )
                )
            if shift._local(shift.start).date() != shift.date:
                raise ValidationError(
                    _(
                        "A shift starts on its date: %(shift)s starts on %(start)s, not on %(date)s.",
                        shift=shift.display_name,
                        start=shift._local(shift.start).date(),
                        date=shift.date,
                    )
                )

    @api.constrains("employee_id", "post", "department_id", "start", "stop")
    def _check_overlap(self):
        """Nobody holds the same post of the same department twice at once.
        One query for all the records checked (an import checks hundreds)."""
        self.flush_model(["employee_id", "post", "department_id", "start", "stop"])
        # a self-join over time ranges: what the ORM cannot express in one query
        self.env.cr.execute(
            SQL(
                """SELECT a.id, b.id FROM ihospital_duty_shift a
                   JOIN ihospital_duty_shift b ON b.employee_id = a.employee_id AND b.post = a.post
                    AND b.department_id IS NOT DISTINCT FROM a.department_id AND b.id != a.id
                    AND b.start < a.stop AND a.start < b.stop
                   WHERE a.id IN %s LIMIT 1""",
                tuple(self.ids),
            )
        )
        row = self.env.cr.fetchone()
        if row:
            shift, other = self.browse(row[0]), self.browse(row[1]).sudo()
            raise ValidationError(
                _(
                    "%(name)s is already %(post)s (%(where)s) from %(start)s to %(stop)s.",
                    name=shift.employee_id.name,
                    post=shift._post_label(),
                    where=other.department_id.name or other.company_id.name,
                    start=other._local(other.start).strftime("%Y-%m-%d %H:%M"),
                    stop=other._local(other.stop).strftime("%Y-%m-%d %H:%M"),
                )
            )

    @api.onchange("start")
    def _onchange_start(self):
        if self.kind == "custom" and self.start:
            self.date = self._local(self.start).date()

    @api.onchange("post")
    def _onchange_post(self):
        if self.post and not DUTY_POSTS[self.post].department:
            self.department_id = False

    # -------------------------------------------------------------------- CRUD
    @api.model
    def _check_planner(self, departments, hospital_posts=False):
        """Refuse, in words, a department head who plans another department
        or a hospital post. The record rules decide in any case; this only
        says why (an import names the refused row with it)."""
        user = self.env.user
        if self.env.su or not user.has_group(HEAD) or user.has_group(QUALITY) or user.has_group(ADMIN):
            return
        if hospital_posts:
            raise AccessError(_("Only medical affairs or an administrator may plan the hospital posts."))
        others = departments.sudo().filtered(lambda department: department.manager_id.user_id != user)
        if others:
            raise AccessError(
                _(
                    "You plan the duty roster of the departments you head, not of %s.",
                    ", ".join(others.mapped("name")),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # an empty duty phone (an import's empty cell) takes the staff member's
            if "duty_phone" in vals and not vals["duty_phone"]:
                del vals["duty_phone"]
        if not self.env.su:
            default = self.default_get(["department_id"]).get("department_id") or False
            department_ids = [vals.get("department_id", default) for vals in vals_list]
            self._check_planner(
                self.env["hr.department"].browse([d for d in department_ids if d]),
                hospital_posts=not all(department_ids),
            )
        return super().create(vals_list)

    def write(self, vals):
        self._check_planner(self.department_id, hospital_posts=any(not shift.department_id for shift in self))
        result = super().write(vals)
        if not self.env.su:
            # the rules once more on the new values: a department head cannot
            # move a shift to another department or to a hospital post
            self._check_planner(self.department_id, hospital_posts=any(not shift.department_id for shift in self))
            self.check_access("write")
        return result

    # -------------------------------------------------------- business methods
    @api.model
    def _on_duty(self, company, at=None, department_ids=None):
        """The shifts of `company` covering the moment `at` (start <= at <
        end; now by default): the posts of the departments `department_ids`
        (ids or a recordset; None: every department) and the hospital posts.
        One query, which also fetches ROUTING_FIELDS. Runs with the caller's
        rights; the alert engine calls it as superuser."""
        at = at or fields.Datetime.now()
        domain = [("company_id", "=", company.id), ("start", "<=", at), ("stop", ">", at)]
        if department_ids is not None:
            ids = list(getattr(department_ids, "ids", department_ids))
            domain += ["|", ("department_id", "in", ids), ("department_id", "=", False)]
        return self.search_fetch(domain, ROUTING_FIELDS, order="start, id")

    @api.model
    def _on_duty_map(self, company, at=None, department_ids=None):
        """`_on_duty` as {(department id or False, post): shifts}; a key that
        is missing means nobody is on duty in that post."""
        grouped = defaultdict(list)
        for shift in self._on_duty(company, at=at, department_ids=department_ids):
            grouped[(shift.department_id.id or False, shift.post)].append(shift.id)
        return {key: self.browse(ids) for key, ids in grouped.items()}

    @api.model
    def _my_shifts(self, at=None):
        """The signed-in user's shifts on duty at `at` (now by default) and
        the next one to come, in order."""
        at = at or fields.Datetime.now()
        current = self.search([("user_id", "=", self.env.uid), ("start", "<=", at), ("stop", ">", at)], order="start")
        upcoming = self.search([("user_id", "=", self.env.uid), ("start", ">", at)], order="start, id", limit=1)
        return current | upcoming

    @api.model
    def get_import_templates(self):
        return [
            {
                "label": _("Import Template for the Duty Roster"),
                "template": "/ihospital_staff/static/xls/ihospital_duty_shift.csv",
            },
            {
                "label": _("Import Template for the Duty Roster (Chinese column names)"),
                "template": "/ihospital_staff/static/xls/ihospital_duty_shift_zh_CN.csv",
            },
        ]
