from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

DEPARTMENT_CATEGORIES = [
    ("internal", "Internal Medicine"),
    ("surgery", "Surgery"),
    ("obstetrics", "Obstetrics and Gynecology"),
    ("pediatrics", "Pediatrics"),
    ("emergency", "Emergency"),
    ("five_senses", "Eye, ENT and Stomatology"),
    ("tcm", "Traditional Chinese Medicine"),
    ("medical_tech", "Medical Technology"),
    ("nursing", "Nursing"),
    ("administration", "Administration"),
    ("other", "Other"),
]


class HrDepartment(models.Model):
    """A hospital department (科室). Its head is the department manager."""

    _name = "hr.department"
    _inherit = ["hr.department", "ihospital.his.code.mixin"]
    _his_code_kind = "departments"
    _order = "sequence, name"
    _rec_names_search = ["name", "his_code"]

    sequence = fields.Integer(default=10)
    is_clinical = fields.Boolean(string="Clinical", help="Clinical departments see patients and can take bookings.")
    his_code = fields.Char(
        string="HIS Code",
        index=True,
        copy=False,
        help="The department's code in the hospital's HIS; unique in a hospital.",
    )
    ihospital_category = fields.Selection(DEPARTMENT_CATEGORIES, string="Category")
    building_id = fields.Many2one(
        "ihospital.building",
        check_company=True,
        domain="[('company_id', '=', company_id)]",
    )
    floor_id = fields.Many2one(
        "ihospital.floor",
        domain="[('building_id', '=', building_id)]",
    )
    room = fields.Char(string="Room / Area")
    bed_count = fields.Integer(
        string="Staffed Beds",
        help="The beds the department has open for inpatients, for its bed occupancy.",
    )
    phone = fields.Char(string="Department Phone")
    public_description = fields.Html(translate=True)
    is_featured = fields.Boolean(string="Featured Department", help="Shown among the hospital's featured departments.")
    is_published = fields.Boolean(string="Published", help="Visible on the public website.")
    booking_min_age = fields.Integer(
        string="Minimum Age", help="Patients younger than this cannot book here (0: no limit)."
    )
    booking_max_age = fields.Integer(
        string="Maximum Age", help="Patients older than this cannot book here (0: no limit)."
    )
    booking_gender = fields.Selection(
        [("female", "Women only"), ("male", "Men only")],
        string="Gender Restriction",
        help="e.g. gynecology books women only.",
    )
    location_display = fields.Char(string="Location", compute="_compute_location_display")

    _sql_constraints = [
        (
            "his_code_company_uniq",
            "unique(company_id, his_code)",
            "A department's HIS code must be unique in its hospital.",
        ),
        ("bed_count_positive", "CHECK(bed_count >= 0)", "The staffed beds of a department cannot be negative."),
    ]

    @api.depends("building_id.name", "floor_id.name", "room")
    def _compute_location_display(self):
        for department in self:
            parts = [department.building_id.name, department.floor_id.name, department.room]
            department.location_display = " ".join(p for p in parts if p)

    @api.constrains("floor_id", "building_id")
    def _check_floor_building(self):
        for department in self:
            if department.floor_id and department.floor_id.building_id != department.building_id:
                raise ValidationError(
                    _(
                        "Floor %(floor)s is not in building %(building)s.",
                        floor=department.floor_id.name,
                        building=department.building_id.name or _("(none)"),
                    )
                )

    @api.onchange("building_id")
    def _onchange_building_id(self):
        if self.floor_id.building_id != self.building_id:
            self.floor_id = False

    def _ihospital_staff(self, company):
        """The active staff (hr.employee) of these departments and of their
        sub-departments who work at `company`, each once: one search (child_of
        reads the departments' parent_path). In the caller's rights: callers
        that must reach every colleague (audiences, group SMS) pass sudo
        departments after their own checks."""
        if not isinstance(company, models.BaseModel) or company._name != "res.company" or len(company) != 1:
            raise ValueError(f"The staff of departments are searched in one hospital (res.company), not {company!r}.")
        if not self:
            return self.env["hr.employee"]
        return self.env["hr.employee"].search(
            [("department_id", "child_of", self.ids), ("company_id", "=", company.id), ("active", "=", True)]
        )

    @api.model
    def _queue_display_department(self, department_id):
        """The department whose waiting-room screen anyone may see: a
        published clinical one. Sudo because the screen is public; it shows
        queue numbers and masked names only."""
        return self._queue_display_departments([department_id])

    @api.model
    def _queue_display_departments(self, department_ids):
        """The departments of `department_ids` whose screen anyone may see (sudo, see above)."""
        departments_sudo = self.sudo().browse(list(department_ids)).exists()
        return departments_sudo.filtered(lambda d: d.is_clinical and d.is_published)

    def _queue_display_state(self, room=None):
        """Today's published clinics of this department (optionally one room)
        as the payloads the screen shows and the bus pushes."""
        self.ensure_one()
        today = self.company_id._ihospital_today()
        domain = [("department_id", "=", self.id), ("date", "=", today), ("state", "=", "published")]
        if room:
            domain.append(("room", "=", room))
        schedules = self.env["ihospital.schedule"].sudo().search(domain, order="session_start, doctor_id")
        return [schedule._queue_payload() for schedule in schedules]
