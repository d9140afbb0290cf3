from datetime import timedelta

from odoo import api, models


class IhospitalDemo(models.AbstractModel):
    _inherit = "ihospital.demo"

    @api.model
    def _generate_duty_roster(self, weeks_back=4, weeks_ahead=2):
        """The demo hospitals' duty rosters from `weeks_back` weeks ago to
        `weeks_ahead` weeks ahead, relative to the install date and
        deterministic (rotations follow the date)."""
        main = self.env.ref("base.main_company")
        second = self.env.ref("ihospital_base.res_company_nanshan_demo")
        vals_list = []
        for company, plan in ((main, self._duty_roster_main), (second, self._duty_roster_second)):
            today = company._ihospital_today()
            days = [today + timedelta(days=n) for n in range(-7 * weeks_back, 7 * weeks_ahead)]
            vals_list += plan(company, days)
        self.env["ihospital.duty.shift"].create(vals_list)

    def _duty_shift_values(self, company, day, kind, post, employee, department=None, note=False):
        return {
            "company_id": company.id,
            "date": day,
            "kind": kind,
            "post": post,
            "employee_id": employee.id,
            "department_id": department.id if department else False,
            "note": note,
        }

    def _duty_roster_main(self, company, days):
        """The tertiary hospital: in every clinical department a day and a
        night doctor and nurse, each team of three rotating day shift, night
        shift, day off; medical affairs on duty (the medical affairs office
        and the department heads) and the administrator on duty (the
        director's office) for 24 hours."""
        Employee = self.env["hr.employee"]
        departments = self.env["hr.department"].search([("company_id", "=", company.id), ("is_clinical", "=", True)])
        staff = Employee.search(
            [("department_id", "in", departments.ids), ("ihospital_role", "in", ("doctor", "nurse"))], order="id"
        )
        vals_list = []
        for department in departments:
            for post in ("doctor", "nurse"):
                team = staff.filtered(lambda e, d=department, p=post: e.department_id == d and e.ihospital_role == p)
                if not team:
                    continue
                for day in days:
                    n = day.toordinal()
                    # a team member works the day shift, the night shift, then rests
                    vals_list.append(
                        self._duty_shift_values(company, day, "day", post, team[n % len(team)], department)
                    )
                    vals_list.append(
                        self._duty_shift_values(company, day, "night", post, team[(n + 2) % len(team)], department)
                    )
        medical_affairs = (
            Employee.search(
                [("department_id", "=", self.env.ref("ihospital_base.hr_department_quality_demo").id)], order="id"
            )
            | departments.manager_id
        )
        administrators = Employee.search(
            [("department_id", "=", self.env.ref("ihospital_base.hr_department_administration_demo").id)], order="id"
        )
        for day in days:
            n = day.toordinal()
            vals_list.append(
                self._duty_shift_values(
                    company, day, "24h", "medical_affairs", medical_affairs[n % len(medical_affairs)]
                )
            )
            vals_list.append(
                self._duty_shift_values(
                    company,
                    day,
                    "24h",
                    "administrator",
                    administrators[n % len(administrators)],
                    note="总值班室：行政楼1楼101室，座机020-83821999。",
                )
            )
        return vals_list

    def _duty_roster_second(self, company, days):
        """The community health centre: a day doctor and nurse in general
        practice from Monday to Saturday, and an administrator on duty (one
        of its doctors, a week each) around the clock."""
        Employee = self.env["hr.employee"]
        general = self.env.ref("ihospital_base.hr_department_nanshan_general_demo")
        doctors = Employee.search([("company_id", "=", company.id), ("ihospital_role", "=", "doctor")], order="id")
        nurses = Employee.search([("company_id", "=", company.id), ("ihospital_role", "=", "nurse")], order="id")
        vals_list = []
        for day in days:
            n = day.toordinal()
            if day.weekday() < 6:
                vals_list.append(
                    self._duty_shift_values(company, day, "day", "doctor", doctors[n % len(doctors)], general)
                )
                vals_list.append(
                    self._duty_shift_values(company, day, "day", "nurse", nurses[n % len(nurses)], general)
                )
            vals_list.append(
                self._duty_shift_values(company, day, "24h", "administrator", doctors[n // 7 % len(doctors)])
            )
        return vals_list
