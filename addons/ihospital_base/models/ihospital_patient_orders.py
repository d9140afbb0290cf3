from datetime import datetime, time, timedelta

import pytz

from odoo import fields, models


class IhospitalPatient(models.Model):
    """The patient's medical orders for the staff screens (kept apart from
    ihospital_patient.py: the orders are their own part of the record)."""

    _inherit = "ihospital.patient"

    def get_active_orders(self):
        """The patient's orders in force now and today's executions (at the
        hospital's date), for the patient's page of the staff app: a dict
        ready for JSON, the orders by kind (drugs first), then start. Read with the caller's rights (the orders' record
        rules: a nurse of another department gets none) and logged in the
        access log like any read of clinical data."""
        self.ensure_one()
        self.check_access("read")
        Order = self.env["ihospital.medical.order"]
        kinds = [kind for kind, _label in Order._fields["kind"].selection]
        orders = Order.search([("patient_id", "=", self.id), *Order._active_domain()]).sorted(
            lambda order: (kinds.index(order.kind), order.start_at, order.id)
        )
        executions = self.env["ihospital.order.execution"].search(
            [("order_id", "in", orders.ids), *self._today_domain("executed_at")], order="executed_at, id"
        )
        self.env["ihospital.access.log"]._log(orders, "read", "get_active_orders")
        self.env["ihospital.access.log"]._log(executions, "read", "get_active_orders")
        labels = {
            name: dict(Order._fields[name]._description_selection(self.env)) for name in ("kind", "term", "state")
        }
        execution_states = dict(executions._fields["state"]._description_selection(self.env))
        by_order = {}
        for execution in executions:
            by_order.setdefault(execution.order_id.id, []).append(
                {
                    "id": execution.id,
                    "executed_at": fields.Datetime.to_string(execution.executed_at),
                    "state": execution.state,
                    "state_label": execution_states[execution.state],
                    "executor": execution.executor_id.name or execution.executor_name or "",
                    "item_name": execution.item_name or "",
                    "dose": " ".join(part for part in (execution.dose, execution.dose_unit) if part),
                    "reason": execution.reason or "",
                }
            )
        return {
            "orders": [
                {
                    "id": order.id,
                    "name": order.name,
                    "kind": order.kind,
                    "kind_label": labels["kind"][order.kind],
                    "term": order.term or "",
                    "term_label": labels["term"].get(order.term, ""),
                    "item_name": order.item_name,
                    "dose": " ".join(part for part in (order.dose, order.dose_unit) if part),
                    "route": order.route or "",
                    "frequency": order.frequency or "",
                    "note": order.note or "",
                    "start_at": fields.Datetime.to_string(order.start_at),
                    "stop_at": fields.Datetime.to_string(order.stop_at) if order.stop_at else "",
                    "state": order.state,
                    "state_label": labels["state"][order.state],
                    "doctor": order.doctor_id.name or "",
                    "department": order.department_id.name or "",
                    "executions": by_order.get(order.id, []),
                }
                for order in orders
            ],
            "execution_count": len(executions),
        }

    def _today_domain(self, field_name):
        """`field_name` (a datetime) falls on today at the patient's hospital."""
        company = self.company_id
        tz = pytz.timezone(company.hospital_tz or "Asia/Shanghai")
        start = tz.localize(datetime.combine(company._ihospital_today(), time.min)).astimezone(pytz.utc)
        start = start.replace(tzinfo=None)
        return [(field_name, ">=", start), (field_name, "<", start + timedelta(days=1))]
