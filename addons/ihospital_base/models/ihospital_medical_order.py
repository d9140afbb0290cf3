from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression

ORDER_KINDS = [
    ("drug", "Drug"),
    ("lab", "Lab Test"),
    ("exam", "Examination"),
    ("nursing", "Nursing"),
    ("diet", "Diet"),
    ("other", "Other"),
]
ORDER_TERMS = [("long_term", "Long-term"), ("temporary", "Temporary")]
ORDER_STATES = [("new", "Ordered"), ("changed", "Changed"), ("stopped", "Discontinued"), ("cancelled", "Cancelled")]
# the states of an order still in force (until its stop time, if it has one)
RUNNING_STATES = ("new", "changed")


class IhospitalMedicalOrder(models.Model):
    """A medical order (医嘱) as the HIS records it: a drug, lab test,
    examination, nursing or diet order of a patient (an inpatient's stay or
    an outpatient visit), with its dose, route and frequency, its start and
    stop, the doctor who wrote it, and what happened to it since (new,
    changed, stopped, cancelled: the event log). Long-term orders (长期医嘱)
    run until stopped; temporary ones (临时医嘱) are given once.

    Only the HIS writes orders (the platform applies its messages as
    superuser): staff read them under the department rules of the stay
    they belong to, and nobody edits them."""

    _name = "ihospital.medical.order"
    _description = "Medical Order"
    _inherit = [
        "ihospital.audited.mixin",
        "ihospital.guard.mixin",
        "ihospital.hospital.mixin",
        "ihospital.his.coded.mixin",
    ]
    _order = "start_at desc, id desc"
    _rec_names_search = ["name", "item_name"]
    _engine_create_only = True
    _engine_fields = (
        "name", "patient_id", "admission_id", "visit_id", "department_id", "doctor_id", "kind", "term",
        "item_code", "item_name", "dose", "dose_unit", "route", "frequency", "note", "ordered_at", "start_at",
        "stop_at", "state", "reason", "last_event_at", "his_department_code", "his_doctor_code",
        "his_visit_ref", "event_ids", "execution_ids",
    )  # fmt: skip
    _his_codes = {
        "his_department_code": ("department_id", "departments"),
        "his_doctor_code": ("doctor_id", "doctors"),
    }

    name = fields.Char(
        string="Order Number",
        required=True,
        index=True,
        copy=False,
        help="The HIS order number (医嘱号), unique in the hospital.",
    )
    patient_id = fields.Many2one(
        "ihospital.patient", required=True, index=True, ondelete="restrict", domain="[('company_id', '=', company_id)]"
    )
    admission_id = fields.Many2one("ihospital.admission", index=True, domain="[('patient_id', '=', patient_id)]")
    visit_id = fields.Many2one("ihospital.visit", index=True, domain="[('patient_id', '=', patient_id)]")
    his_visit_ref = fields.Char(string="HIS Visit Reference", readonly=True)
    department_id = fields.Many2one(
        "hr.department",
        string="Ordering Department",
        index=True,
        domain="[('company_id', '=', company_id), ('is_clinical', '=', True)]",
    )
    his_department_code = fields.Char(string="HIS Department Code", readonly=True)
    doctor_id = fields.Many2one(
        "hr.employee",
        string="Ordering Doctor",
        index=True,
        domain="[('company_id', '=', company_id)]",
        help="The doctor who wrote the order (开嘱医生).",
    )
    his_doctor_code = fields.Char(string="HIS Doctor Code", readonly=True)
    kind = fields.Selection(ORDER_KINDS, required=True, default="drug", index=True)
    term = fields.Selection(
        ORDER_TERMS,
        help="Long-term orders (长期医嘱) run until they are stopped; temporary orders (临时医嘱) are given once.",
    )
    item_code = fields.Char(help="The HIS code of the drug, test, examination or care item.")
    item_name = fields.Char(string="Item", required=True, help="e.g. 阿司匹林肠溶片 100mg, 一级护理, 低盐低脂饮食.")
    dose = fields.Char(help="The dose of one administration, e.g. 100.")
    dose_unit = fields.Char(help="e.g. mg, ml, 片.")
    route = fields.Char(help="How it is given (给药途径), e.g. 口服, 静脉滴注.")
    frequency = fields.Char(help="How often (频次), e.g. qd, bid, q8h, st.")
    note = fields.Char(string="Instructions", help="The doctor's instructions (嘱托), e.g. 皮试阴性后使用.")
    ordered_at = fields.Datetime(help="When the doctor wrote the order.")
    start_at = fields.Datetime(string="Start", required=True, index=True)
    stop_at = fields.Datetime(string="Stop", index=True)
    state = fields.Selection(ORDER_STATES, string="Status", required=True, default="new", index=True)
    reason = fields.Char(help="Why the order was stopped or cancelled.")
    last_event_at = fields.Datetime(
        string="Last Event",
        readonly=True,
        help="The time of the newest event of the order the HIS reported: an older event arriving late does "
        "not undo it.",
    )
    is_active = fields.Boolean(
        string="Active", compute="_compute_is_active", search="_search_is_active", help="In force now."
    )
    event_ids = fields.One2many("ihospital.medical.order.event", "order_id", string="History", readonly=True)
    execution_ids = fields.One2many("ihospital.order.execution", "order_id", string="Executions", readonly=True)

    _sql_constraints = [
        ("name_company_uniq", "unique(company_id, name)", "This order number is already used in this hospital."),
    ]

    @api.depends("state", "stop_at")
    def _compute_is_active(self):
        now = fields.Datetime.now()
        for order in self:
            order.is_active = order.state in RUNNING_STATES and (not order.stop_at or order.stop_at > now)

    def _search_is_active(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(_("Search active orders with = or != and True or False."))
        domain = expression.normalize_domain(self._active_domain())
        return domain if (operator == "=") == value else ["!", *domain]

    @api.model
    def _active_domain(self):
        """The orders in force now: not stopped nor cancelled, and past no
        stop time."""
        return [
            ("state", "in", RUNNING_STATES),
            "|",
            ("stop_at", "=", False),
            ("stop_at", ">", fields.Datetime.now()),
        ]

    @api.depends("name", "item_name")
    def _compute_display_name(self):
        for order in self:
            order.display_name = " ".join(part for part in (order.item_name, order.dose, order.dose_unit) if part)

    @api.constrains("company_id", "patient_id", "admission_id", "visit_id", "department_id", "doctor_id")
    def _check_hospital(self):
        for order in self:
            strays = order._ihospital_strays(("patient_id", "department_id", "doctor_id", "admission_id"))
            if strays or (order.admission_id and order.admission_id.patient_id != order.patient_id):
                raise ValidationError(
                    _(
                        "Order %(order)s must stay within %(hospital)s: its patient, stay, visit, department and "
                        "doctor belong to that hospital and patient.",
                        order=order.name,
                        hospital=order.company_id.name,
                    )
                )

    @api.constrains("start_at", "stop_at")
    def _check_dates(self):
        for order in self:
            if order.stop_at and order.stop_at < order.start_at:
                raise ValidationError(_("Order %s cannot stop before it starts.", order.name))
