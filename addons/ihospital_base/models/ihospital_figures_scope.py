from datetime import date

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .ihospital_guard_mixin import DOCTOR, HEAD, HOSPITAL_WIDE


def custom_period(env, date_from, date_to, max_days):
    """(first day, last day) of a period a user chose with two dates (the
    figures' screens): dates or ISO strings, in order, between 1900 and
    2100, at most `max_days` days; a clear UserError otherwise."""
    try:
        day_from = fields.Date.to_date(date_from) if date_from else None
        day_to = fields.Date.to_date(date_to) if date_to else None
    except (TypeError, ValueError) as error:
        raise UserError(env._("Choose the period with two dates (from and to).")) from error
    if not isinstance(day_from, date) or not isinstance(day_to, date):
        raise UserError(env._("Choose the period with two dates (from and to)."))
    if day_from.year < 1900 or day_to.year > 2100:
        raise UserError(env._("Choose dates between 1900 and 2100."))
    if day_from > day_to:
        raise UserError(env._("The period starts after it ends: check the dates."))
    if (day_to - day_from).days >= max_days:
        raise UserError(env._("Choose a period of at most %s days.", max_days))
    return day_from, day_to


class IhospitalFiguresScope(models.AbstractModel):
    """Whose figures a staff member sees (the operations analysis, the
    follow-up results), declared once: the director, quality officers and
    administrators the hospital's, a department head the departments he or
    she heads, a doctor his or her own; nurses none. From the caller's
    groups and staff records, never from the context. A model of figures
    inherits it and names its refusal (`_ihospital_scope_refusal`)."""

    _name = "ihospital.figures.scope"
    _description = "Scope of the Figures a Staff Member Sees"

    # the department pickers list the clinical departments only
    _ihospital_scope_clinical_only = False

    @api.model
    def _ihospital_scope_refusal(self):
        """The sentence for a role that sees none of these figures."""
        return _("These figures are for the hospital's director, quality officers, department heads and doctors.")

    @api.model
    def _ihospital_scope(self, department_id=None, doctor_id=None):
        """{company, level (hospital, department or doctor), department_ids
        (those headed, or None for the hospital), department, employee (the
        filters, checked against the level; the doctor's own staff record at
        the doctor level)}. AccessError outside the caller's scope,
        UserError for an unknown department or doctor."""
        for value in (department_id, doctor_id):
            if value and (not isinstance(value, int) or isinstance(value, bool)):
                raise UserError(_("Choose the department and the doctor from the lists."))
        user, company = self.env.user, self.env.company
        Department, Employee = self.env["hr.department"].sudo(), self.env["hr.employee"].sudo()
        scope = {"company": company, "department_ids": None, "employee": Employee, "department": Department}

        def own():
            return Employee.search([("company_id", "=", company.id), ("user_id", "=", user.id)], limit=1)

        if any(user.has_group(group) for group in HOSPITAL_WIDE):
            scope["level"] = "hospital"
        else:
            headed = (
                Department.search([("company_id", "=", company.id), ("manager_id.user_id", "=", user.id)])
                if user.has_group(HEAD)
                else Department
            )
            if headed:
                scope.update(level="department", department_ids=headed.ids)
            elif user.has_group(DOCTOR):
                employee = own()
                if not employee:
                    raise AccessError(_("You have no staff record at %s: ask the administrator.", company.name))
                scope.update(level="doctor", employee=employee)
            else:
                raise AccessError(self._ihospital_scope_refusal())
        if department_id:
            department = Department.browse(department_id).exists()
            if not department or department.company_id != company:
                raise UserError(_("Unknown department."))
            if scope["level"] == "doctor" or (
                scope["level"] == "department" and department.id not in scope["department_ids"]
            ):
                raise AccessError(_("You may not see the figures of %s.", department.name))
            scope["department"] = department
        if doctor_id:
            doctor = Employee.browse(doctor_id).exists()
            if not doctor or doctor.company_id != company:
                raise UserError(_("Unknown doctor."))
            allowed = (
                scope["level"] == "hospital"
                or (scope["level"] == "department" and doctor.department_id.id in scope["department_ids"])
                or doctor == (scope["employee"] or own())
            )
            if not allowed:
                raise AccessError(_("You may not see the figures of %s.", doctor.name))
            scope["employee"] = doctor
        return scope

    @api.model
    def _ihospital_scope_domain(self, scope, department="department_id", doctor="doctor_id"):
        """The scope as a domain on a model with a hospital, a department
        and a doctor (its records' own rules apply too); `doctor` False:
        the model has no doctor."""
        domain = [("company_id", "=", scope["company"].id)]
        if scope["department_ids"] is not None:
            domain.append((department, "in", scope["department_ids"]))
        if scope["department"]:
            domain.append((department, "=", scope["department"].id))
        if scope["employee"] and doctor:
            domain.append((doctor, "=", scope["employee"].id))
        return domain

    @api.model
    def _ihospital_scope_json(self, scope):
        """The scope and the department and doctor pickers the caller may use."""
        company = scope["company"]
        Department, Employee = self.env["hr.department"].sudo(), self.env["hr.employee"].sudo()
        if scope["level"] == "doctor":
            departments, doctors = Department, scope["employee"]
        else:
            domain = [("company_id", "=", company.id)]
            if self._ihospital_scope_clinical_only:
                domain.append(("is_clinical", "=", True))
            if scope["department_ids"] is not None:
                domain = [("id", "in", scope["department_ids"])]
            departments = Department.search(domain)
            doctors = Employee.search(
                [
                    ("company_id", "=", company.id),
                    ("ihospital_role", "=", "doctor"),
                    ("department_id", "in", departments.ids),
                ]
            )
        return {
            "level": scope["level"],
            "company": {"id": company.id, "name": company.name},
            "departments": [{"id": department.id, "name": department.name} for department in departments],
            "doctors": [{"id": doctor.id, "name": doctor.name} for doctor in doctors],
            "department_id": scope["department"].id or False,
            "doctor_id": scope["employee"].id or False,
            "doctor_name": scope["employee"].name or "",
        }
