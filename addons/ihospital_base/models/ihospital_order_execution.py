from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

EXECUTION_STATES = [("given", "Given"), ("skipped", "Not Given")]


class IhospitalOrderExecution(models.Model):
    """An execution of a medical order (执行记录) as the nursing or pharmacy
    system reported it: who gave what, when, or why it was not given
    (skipped, with the reason: the patient refused, was fasting, was away
    for an examination...). Only the HIS writes them; staff read those of
    the orders they may read."""

    _name = "ihospital.order.execution"
    _description = "Order Execution"
    _inherit = ["ihospital.audited.mixin", "ihospital.guard.mixin", "ihospital.his.coded.mixin"]
    _order = "executed_at desc, id desc"
    _engine_create_only = True
    _engine_fields = (
        "name", "order_id", "executed_at", "executor_id", "executor_name", "his_executor_code", "state",
        "reason", "dose", "dose_unit", "item_name", "note",
    )  # fmt: skip
    _his_codes = {"his_executor_code": ("executor_id", "doctors")}

    name = fields.Char(
        string="Execution Number",
        required=True,
        index=True,
        copy=False,
        help="The HIS id of the execution record, unique in the hospital.",
    )
    order_id = fields.Many2one("ihospital.medical.order", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="order_id.company_id", string="Hospital", store=True, index=True)
    patient_id = fields.Many2one(related="order_id.patient_id", store=True, index=True)
    kind = fields.Selection(related="order_id.kind")
    executed_at = fields.Datetime(string="Time", required=True, index=True)
    executor_id = fields.Many2one("hr.employee", string="Executed By", index=True)
    his_executor_code = fields.Char(string="HIS Staff Code", readonly=True)
    executor_name = fields.Char(
        string="Executor's Name", help="As the HIS sent it: shown while the staff code is not known."
    )
    state = fields.Selection(EXECUTION_STATES, string="Status", required=True, default="given", index=True)
    reason = fields.Char(help="Why it was not given.")
    item_name = fields.Char(string="Given Item", help="What was given, when the HIS says (else the order's item).")
    dose = fields.Char()
    dose_unit = fields.Char()
    note = fields.Char()

    _sql_constraints = [
        ("name_company_uniq", "unique(company_id, name)", "This execution number is already used in this hospital."),
    ]

    @api.depends("order_id", "executed_at", "state")
    def _compute_display_name(self):
        states = dict(self._fields["state"]._description_selection(self.env))
        for execution in self:
            execution.display_name = " ".join(
                part for part in (execution.order_id.item_name, states.get(execution.state)) if part
            )

    @api.constrains("state", "reason")
    def _check_reason(self):
        for execution in self:
            if execution.state == "skipped" and not execution.reason:
                raise ValidationError(_("Execution %s was skipped: say why.", execution.name))

    @api.constrains("executor_id", "order_id")
    def _check_hospital(self):
        for execution in self:
            company = execution.executor_id.company_id
            if company and company != execution.order_id.company_id:
                raise ValidationError(_("Execution %s must stay within the hospital of its order.", execution.name))
