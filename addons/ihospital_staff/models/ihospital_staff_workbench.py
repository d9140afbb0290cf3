from odoo import _, api, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN, DIRECTOR, DOCTOR, HEAD, NURSE, QUALITY
from odoo.exceptions import AccessError
from odoo.tools import SQL, Query, groupby

from .ihospital_critical_alert import OPEN_STATES

# the appointments a doctor still sees today
TODAY_STATES = ("booked", "checked_in", "in_consultation")
WORKBENCH_ACTION = "ihospital_staff.ihospital_staff_workbench_action"
STAFF_GROUPS = (NURSE, DOCTOR, HEAD, QUALITY, DIRECTOR, ADMIN)


class IhospitalStaffWorkbench(models.AbstractModel):
    """The staff app's home (工作台): tiles by role with what waits for the
    user now, who is on duty in their department, and quick search. Every
    figure is counted with the user's own rights (record rules), in the
    user's current hospital, in one query per model whatever the number of
    tiles or of records; the screen (an OWL client action) refreshes it
    when the bus says something changed."""

    _name = "ihospital.staff.workbench"
    _description = "Staff Workbench"

    @api.model
    def get_data(self):
        user = self.env.user
        if not user._is_internal() or not any(user.has_group(group) for group in STAFF_GROUPS):
            raise AccessError(_("The workbench is the hospital staff's."))
        company = self.env.company
        employee = (
            self.env["hr.employee"]
            .sudo()
            .search_fetch(
                [("user_id", "=", user.id), ("company_id", "=", company.id)],
                ["name", "department_id", "job_title"],
                limit=1,
            )
        )
        specs = self._tile_specs(user, company, employee)
        counts = self._count_tiles(specs)
        tiles = [
            {
                "key": spec["key"],
                "label": spec["label"],
                "icon": spec["icon"],
                "count": (count := counts[spec["key"]]),
                "urgent": spec.get("urgent", False) and count > 0,
            }
            for spec in specs
        ]
        return {
            "user": employee.name or user.name,
            "department": employee.department_id.name or "",
            "title": employee.job_title or "",
            "hospital": company.name,
            "tiles": tiles,
            "on_duty": self._on_duty_now(company, employee.department_id),
            # the lookup (ihospital.patient.chart.lookup_patients) masks ID
            # numbers for the roles that see identity masked
            "can_search_patients": self.env["ihospital.patient"].has_access("read"),
            # a patient the search does not find may be another department's:
            # nurses and doctors may break the glass (the engine checks again)
            "can_break_glass": user.has_group(NURSE) or user.has_group(DOCTOR),
        }

    @api.model
    def get_tile_action(self, key):
        """The window a tile opens: the records it counts."""
        user, company = self.env.user, self.env.company
        employee = (
            self.env["hr.employee"].sudo().search([("user_id", "=", user.id), ("company_id", "=", company.id)], limit=1)
        )
        spec = next((spec for spec in self._tile_specs(user, company, employee) if spec["key"] == key), None)
        if spec is None:
            raise AccessError(_("This tile is not on your workbench."))
        action = self.env["ir.actions.actions"]._for_xml_id(spec["xmlid"])
        if action["type"] == "ir.actions.act_window":
            action["domain"] = spec["domain"]
            action["context"] = spec.get("context", {})
        return action

    def _tile_specs(self, user, company, employee):
        """The tiles of `user`'s roles: what each counts (model, domain, with
        the user's rights) and the window it opens."""
        clinician = user.has_group(NURSE) or user.has_group(DOCTOR)
        supervisor = user.has_group(HEAD) or user.has_group(QUALITY) or user.has_group(DIRECTOR)
        specs = []
        if clinician:
            specs.append(
                {
                    "key": "critical",
                    "label": _("Critical Values to Acknowledge"),
                    "icon": "fa-bell",
                    "model": "ihospital.critical.alert",
                    "domain": [
                        ("is_my_alert", "=", True),
                        ("state", "=", "to_acknowledge"),
                        ("company_id", "=", company.id),
                    ],
                    "xmlid": "ihospital_staff.ihospital_critical_alert_action_mine",
                    "context": {},
                    "urgent": True,
                }
            )
        if supervisor:
            specs.append(
                {
                    "key": "critical_open",
                    "label": _("Open Critical Values"),
                    "icon": "fa-heartbeat",
                    "model": "ihospital.critical.alert",
                    "domain": [("state", "in", OPEN_STATES), ("company_id", "=", company.id)],
                    "xmlid": "ihospital_staff.ihospital_critical_alert_action",
                }
            )
        if user.has_group(DOCTOR) and employee:
            specs += [
                {
                    "key": "questions",
                    "label": _("Questions Waiting for My Answer"),
                    "icon": "fa-comments",
                    "model": "ihospital.consultation",
                    "domain": [("doctor_id", "=", employee.id), ("state", "=", "open")],
                    "xmlid": "ihospital_staff.ihospital_consultation_action_inbox",
                },
                {
                    "key": "patients_today",
                    "label": _("My Patients Today"),
                    "icon": "fa-user-md",
                    "model": "ihospital.appointment",
                    "domain": [
                        ("doctor_id", "=", employee.id),
                        ("date", "=", company._ihospital_today()),
                        ("state", "in", TODAY_STATES),
                    ],
                    "xmlid": "ihospital_base.ihospital_appointment_action",
                },
            ]
        if clinician and employee and (user.has_group(DOCTOR) or employee.department_id):
            # a doctor's own inpatients (attending or bed doctor), a nurse's
            # department's; the tile opens "my patients"
            mine = (
                ["|", ("attending_doctor_id", "=", employee.id), ("bed_doctor_id", "=", employee.id)]
                if user.has_group(DOCTOR)
                else [("department_id", "=", employee.department_id.id)]
            )
            specs.append(
                {
                    "key": "my_patients",
                    "label": _("My Inpatients") if user.has_group(DOCTOR) else _("Inpatients of My Department"),
                    "icon": "fa-bed",
                    "model": "ihospital.admission",
                    "domain": [("state", "=", "admitted"), ("company_id", "=", company.id), *mine],
                    "xmlid": "ihospital_staff.ihospital_staff_my_patients_action",
                }
            )
        specs.append(
            {
                "key": "notices",
                "label": _("Unread Notices"),
                "icon": "fa-bullhorn",
                "model": "ihospital.notice",
                "domain": [("is_unread", "=", True), ("company_id", "=", company.id)],
                "xmlid": "ihospital_staff.ihospital_notice_action",
            }
        )
        return specs

    def _count_tiles(self, specs):
        """{tile key: count}, with one query per model however many tiles
        count it: COUNT(*) FILTER (WHERE <the tile's domain>) over the
        records the user may read (the model's record rules, as
        search_count applies them; not sudo)."""
        counts = {}
        for model_name, model_specs in groupby(specs, key=lambda spec: spec["model"]):
            Model = self.env[model_name]
            query = Model._search([])
            conditions = [self._domain_condition(Model, spec["domain"]) for spec in model_specs]
            query.add_where(SQL("(%s)", SQL(" OR ").join(conditions)))
            [row] = self.env.execute_query(
                query.select(*(SQL("COUNT(*) FILTER (WHERE %s)", condition) for condition in conditions))
            )
            counts.update(zip((spec["key"] for spec in model_specs), row, strict=True))
        return counts

    @staticmethod
    def _domain_condition(model, domain):
        """The SQL condition of `domain` on `model`'s table, to count within
        a search of `model`. The tiles' domains follow relations through
        subqueries: a condition that needs a join of its own is refused."""
        condition = model._where_calc(domain)
        if condition.from_clause != Query(model.env, model._table, model._table_sql).from_clause:
            raise ValueError(f"A workbench tile's domain on {model._name} needs a join: {domain}")
        return condition.where_clause or SQL("TRUE")

    def _on_duty_now(self, company, department):
        """Who is on duty now in the user's department, and the hospital's
        posts, with the duty phone to call (one query)."""
        shifts = self.env["ihospital.duty.shift"]._on_duty(company, department_ids=department.ids)
        labels = dict(self.env["ihospital.duty.shift"]._fields["post"]._description_selection(self.env))
        return [
            {
                "id": shift.id,
                "name": shift.employee_id.name,
                "post": labels.get(shift.post, shift.post),
                "department": shift.department_id.name or "",
                "phone": shift.duty_phone or "",
            }
            # the shifts were searched with the user's rights; names and duty phones are the directory's
            for shift in shifts.sudo()
        ]
