from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.ihospital_base.models.hr_employee import DOCTOR_TITLES
from odoo.tools.misc import format_date


class Website(models.Model):
    """A hospital's public website: it presents the hospital of its company.

    Visitors have no access to departments, staff or schedules; the
    `_ihospital_*` helpers below read them as superuser, always restricted to
    this website's hospital and to published records, and return only what a
    public page shows (doctors as `hr.employee.public`, which has no private
    fields)."""

    _inherit = "website"

    ihospital_health_blog_id = fields.Many2one(
        "blog.blog",
        string="Health Encyclopedia",
        domain="[('website_id', 'in', (False, id))]",
        help="The blog whose articles this website shows as its health encyclopedia (健康百科).",
    )

    def _ihospital_hospital(self):
        """The hospital this website presents (its company), as superuser:
        the public presentation fields of a hospital are public."""
        self.ensure_one()
        return self.company_id.sudo()

    # ------------------------------------------------------------ departments
    def _ihospital_department_domain(self):
        return [
            ("company_id", "=", self.company_id.id),
            ("is_clinical", "=", True),
            ("is_published", "=", True),
        ]

    def _ihospital_departments(self, search=None, category=None, featured=False):
        """Published clinical departments of this website's hospital."""
        self.ensure_one()
        domain = self._ihospital_department_domain()
        if search:
            domain.append(("name", "ilike", search))
        if category:
            domain.append(("ihospital_category", "=", category))
        if featured:
            domain.append(("is_featured", "=", True))
        return self.env["hr.department"].sudo().search(domain)

    def _ihospital_department(self, department_id):
        """The published department `department_id` of this website's
        hospital, or an empty recordset."""
        self.ensure_one()
        return (
            self.env["hr.department"]
            .sudo()
            .search(self._ihospital_department_domain() + [("id", "=", department_id)], limit=1)
        )

    # ---------------------------------------------------------------- doctors
    def _ihospital_doctor_domain(self):
        return [
            ("company_id", "=", self.company_id.id),
            ("ihospital_role", "=", "doctor"),
            ("is_published", "=", True),
        ]

    @api.model
    def _ihospital_sort_doctors(self, doctors):
        """Chief physicians first, then by name."""
        rank = {key: index for index, (key, _label) in enumerate(DOCTOR_TITLES)}
        return doctors.sorted(lambda d: (rank.get(d.professional_title, len(rank)), d.name or ""))

    def _ihospital_doctors(self, department=None, experts=False, search=None, limit=None):
        """Published doctors of this website's hospital, as hr.employee.public."""
        self.ensure_one()
        domain = self._ihospital_doctor_domain()
        if department is not None:
            domain.append(("department_id", "=", department.id))
        if experts:
            domain.append(("is_expert", "=", True))
        if search:
            domain += ["|", ("name", "ilike", search), ("specialty", "ilike", search)]
        doctors = self._ihospital_sort_doctors(self.env["hr.employee.public"].sudo().search(domain))
        return doctors[:limit] if limit else doctors

    def _ihospital_doctor(self, employee_id):
        """The published doctor `employee_id` of this website's hospital (as
        hr.employee.public), or an empty recordset."""
        self.ensure_one()
        return (
            self.env["hr.employee.public"]
            .sudo()
            .search(self._ihospital_doctor_domain() + [("id", "=", employee_id)], limit=1)
        )

    def _ihospital_public_department(self, doctor):
        """The doctor's department if it is published, else an empty recordset."""
        self.ensure_one()
        return self._ihospital_department(doctor.department_id.id) if doctor.department_id else doctor.department_id

    # ----------------------------------------------------------- availability
    def _ihospital_availability(self, department=None, doctor=None):
        """The coming clinics of this website's hospital whose slots are
        released and still open (放号), with the number of places left for
        online booking. One dict per clinic, in date and session order."""
        self.ensure_one()
        hospital = self._ihospital_hospital()
        now = fields.Datetime.now()
        today = hospital._ihospital_today()
        domain = [
            ("company_id", "=", hospital.id),
            ("state", "=", "published"),
            ("release_at", "<=", now),
            ("session_end", ">", now),
            ("date", "<=", today + timedelta(days=hospital.booking_days_ahead)),
            ("department_id.is_published", "=", True),
            ("doctor_id.is_published", "=", True),
        ]
        if department is not None:
            domain.append(("department_id", "=", department.id))
        if doctor is not None:
            domain.append(("doctor_id", "=", doctor.id))
        schedules_sudo = self.env["ihospital.schedule"].sudo().search(domain, order="session_start, department_id, id")
        # places left for online booking: the on-site share is not for the website
        groups = (
            self.env["ihospital.slot"]
            .sudo()
            ._read_group(
                [("schedule_id", "in", schedules_sudo.ids), ("onsite_only", "=", False)],
                ["schedule_id"],
                ["capacity:sum", "booked_count:sum"],
            )
        )
        free = {schedule.id: capacity - booked for schedule, capacity, booked in groups}
        sessions = dict(schedules_sudo._fields["session"]._description_selection(self.env))
        clinic_types = dict(schedules_sudo._fields["clinic_type"]._description_selection(self.env))
        doctors = self.env["hr.employee.public"].sudo().browse(schedules_sudo.doctor_id.ids)
        return [
            {
                "schedule_id": schedule.id,
                "date": schedule.date,
                "day": format_date(self.env, schedule.date, date_format="MM-dd EEE"),
                "session": sessions.get(schedule.session, ""),
                "clinic_type": clinic_types.get(schedule.clinic_type, ""),
                "doctor": doctors.browse(schedule.doctor_id.id),
                "department": schedule.department_id,
                "fee": schedule.fee,
                "currency": schedule.currency_id,
                "free": max(free.get(schedule.id, 0), 0),
            }
            for schedule in schedules_sudo
        ]

    # ------------------------------------------------- guide, phones, places
    def _ihospital_guide(self):
        """Published visit steps and questions of this website's hospital."""
        self.ensure_one()
        domain = [("company_id", "=", self.company_id.id), ("is_published", "=", True)]
        return (
            self.env["ihospital.guide.step"].sudo().search(domain),
            self.env["ihospital.guide.faq"].sudo().search(domain),
        )

    def _ihospital_phones(self):
        """Service phones of this website's hospital."""
        self.ensure_one()
        return self.env["ihospital.hospital.phone"].sudo().search([("company_id", "=", self.company_id.id)])

    def _ihospital_buildings(self):
        """Buildings (with their floors) of this website's hospital."""
        self.ensure_one()
        return self.env["ihospital.building"].sudo().search([("company_id", "=", self.company_id.id)])

    def _ihospital_merchants(self):
        """Nearby merchants of this website's hospital, nearest first."""
        self.ensure_one()
        return self.env["ihospital.merchant"].sudo().search([("company_id", "=", self.company_id.id)])

    # ------------------------------------------------------ encyclopedia
    def _ihospital_health_posts(self, limit=None):
        """Published articles of this website's health encyclopedia, newest
        first, read with the visitor's own rights."""
        self.ensure_one()
        if not self.ihospital_health_blog_id:
            return self.env["blog.post"]
        return self.env["blog.post"].search(
            [
                ("blog_id", "=", self.ihospital_health_blog_id.id),
                ("website_published", "=", True),
                ("post_date", "<=", fields.Datetime.now()),
            ],
            order="post_date desc, id desc",
            limit=limit,
        )
