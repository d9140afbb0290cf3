"""Medical orders (医嘱; ORM^O01, OMP^O09) and their executions (执行记录;
RAS^O17).

One order per HIS order number and hospital. Its four events (new,
changed, stopped, cancelled) are applied by event time, whatever order
they arrive in: an older change arriving late is recorded in the order's
history without undoing a newer one; a stopped order stays stopped and a
cancelled one cancelled. A change, stop or cancellation that overtakes its
order creates it from what it carries when it carries the whole order (as
an HL7 ORC/RXO message does), else it waits for the order (waiting key
order:<number>), and so does an execution: both are processed the moment
the order arrives.

An order's patient must be known (registered, or admitted): an order of a
patient the platform does not know waits for the registration. Department
and doctor codes the platform does not know yet never hold an order back:
they are kept and flagged like a report's."""

from collections import defaultdict

from odoo import _
from odoo.exceptions import UserError, ValidationError

from .common import Handler, HisRetryError, changed_vals, register, waiting_key
from .report import MACHINE_CREATE
from .vital import VitalSigns

ORDER_KINDS = ["drug", "lab", "exam", "nursing", "diet", "other"]
ORDER_TERMS = ["long_term", "temporary"]
EXECUTION_STATES = ["given", "skipped"]
# canonical key -> (code field on the order, the field it resolves to, code model)
CODED = {
    "department_code": ("his_department_code", "department_id", "hr.department"),
    "doctor_code": ("his_doctor_code", "doctor_id", "hr.employee"),
}
TEXT_FIELDS = ("item_code", "item_name", "dose", "dose_unit", "route", "frequency", "note")
TIME_FIELDS = ("ordered_at", "start_at", "stop_at")
# what an order needs to be created from a message
WHOLE_ORDER = ("kind", "item_name", "start_at")
ENDED = ("stopped", "cancelled")


def order_key(number):
    return waiting_key("order", number)


class OrderEvent(Handler):
    """What the four order events share: the order's values, its patient,
    stay and visit, the upsert by order number, the event log."""

    event = None  # the state (and event) this message brings
    event_field = None  # the data key of the event's time

    def provided_keys(self, env, data):
        """An order message may create its order: what waits for it may go on."""
        return [order_key(data["order_no"])] if data.get("order_no") else []

    # ------------------------------------------------------------------ values
    def checked(self, message, data):
        """(order number, the order's values the message gives, the event's
        time, reason) from `data`, validated before anything is looked up:
        raises ValidationError for bad data. Values not sent leave what the
        platform knows as it is."""
        message._require(data, "order_no", "patient", *([self.event_field] if self.event_field else []))
        if not isinstance(data["patient"], dict) or not message._patient_identifiers(data["patient"]):
            raise ValidationError(_("The field patient must be an object with an identifier."))
        vals = {}
        if data.get("kind"):
            vals["kind"] = message._enum(data["kind"], ORDER_KINDS, "kind")
        if data.get("term"):
            vals["term"] = message._enum(data["term"], ORDER_TERMS, "term")
        for key in TEXT_FIELDS:
            if data.get(key) not in (None, ""):
                vals[key] = str(data[key]).strip()
        for key in TIME_FIELDS:
            if data.get(key):
                vals[key] = message._datetime(data[key], key)
        for key, (code_field, _field, _model) in CODED.items():
            if data.get(key):
                vals[code_field] = str(data[key]).strip()
        event_at = self.event_time(message, data, vals)
        return str(data["order_no"]).strip(), vals, event_at, data.get("reason") or False

    def event_time(self, message, data, vals):
        return message._datetime(data[self.event_field], self.event_field)

    @staticmethod
    def resolved(vals, departments, doctors):
        """`vals` with the department and doctor their codes name ({code: id}
        of each kind; an unknown code leaves the field empty: flagged)."""
        resolved = dict(vals)
        for code_field, field, model in CODED.values():
            if code_field in vals:
                known = departments if model == "hr.department" else doctors
                resolved[field] = known.get(vals[code_field], False)
        return resolved

    @staticmethod
    def context_vals(data, patient, vals, admission, visits):
        """Whose order it is: the patient, the stay (the one named, else the
        patient's current stay, unless the order names a visit), the visit
        (else the reference it came with), the stay's department when the
        order names none."""
        context = {"patient_id": patient.id}
        visit_ref = str(data.get("visit_ref") or "").strip()
        if visit_ref:
            context.update(visit_id=visits.get(visit_ref, False), his_visit_ref=visit_ref)
        if admission and (data.get("admission_no") or not visit_ref):
            context["admission_id"] = admission.id
            if "department_id" not in vals and "his_department_code" not in vals:
                context["department_id"] = admission.department_id.id
        return context

    @staticmethod
    def visits_of(message, hospital, datas):
        """{HIS visit reference: visit id} of the visits `datas` name, in one search."""
        refs = sorted({str(data["visit_ref"]).strip() for data in datas if data.get("visit_ref")})
        if not refs:
            return {}
        visits = (
            message.env["ihospital.visit"]
            .sudo()
            .search_fetch([("company_id", "=", hospital.id), ("external_ref", "in", refs)], ["external_ref"])
        )
        return {visit.external_ref: visit.id for visit in visits}

    def event_vals(self, order_id, vals, event_at, reason, message, changes=""):
        return {
            "order_id": order_id,
            "event": self.event,
            "event_at": event_at,
            "doctor_id": vals.get("doctor_id") or False,
            "reason": reason,
            "changes": changes or False,
            "control_id": message.control_id,
        }

    def new_vals(self, number, vals, event_at, reason):
        """An order that this event is the first news of."""
        new = dict(vals, name=number, state=self.event, last_event_at=event_at)
        if self.event in ENDED:
            new["reason"] = reason
        return new

    # ------------------------------------------------------------------ one message
    def process(self, message, data):
        number, vals, event_at, reason = self.checked(message, data)
        hospital = message._hospital
        patient = message._patient(data["patient"])
        message.patient_id = patient
        departments = message._codes_of(hospital, "hr.department", [vals.get("his_department_code")])
        doctors = message._codes_of(hospital, "hr.employee", [vals.get("his_doctor_code")])
        vals = self.resolved(vals, departments, doctors)
        Order = message.env["ihospital.medical.order"].sudo().with_context(**MACHINE_CREATE)
        order = Order.search([("company_id", "=", hospital.id), ("name", "=", number)], limit=1)
        if order and order.patient_id != patient:
            raise ValidationError(
                _(
                    "Order %(number)s is an order of another patient in %(hospital)s.",
                    number=number,
                    hospital=hospital.name,
                )
            )
        Event = message.env["ihospital.medical.order.event"].sudo()
        if order:
            changes = self.apply(order, vals, event_at, reason)
            repeated = order.event_ids.filtered(lambda e: e.event == self.event and e.event_at == event_at)
            if not repeated:
                Event.create(self.event_vals(order.id, vals, event_at, reason, message, changes))
            message._link(order, "updated")
            return
        if any(not vals.get(key) for key in WHOLE_ORDER):
            raise HisRetryError(
                _(
                    "Order %(number)s is not known in %(hospital)s yet (its order.new message may come later).",
                    number=number,
                    hospital=hospital.name,
                ),
                keys=[order_key(number)],
            )
        admission = VitalSigns.admissions_of(message, hospital, [(data, patient)])[0]
        visits = self.visits_of(message, hospital, [data])
        vals.update(self.context_vals(data, patient, vals, admission, visits))
        order = Order.create(dict(self.new_vals(number, vals, event_at, reason), company_id=hospital.id))
        Event.create(self.event_vals(order.id, vals, event_at, reason, message))
        message._link(order, "created")

    def apply(self, order, vals, event_at, reason):
        """This event of an order the platform knows; returns what it
        changed, for the history."""
        newest = not order.last_event_at or event_at >= order.last_event_at
        if order.state in ENDED or not newest:
            # an older event arriving late: it fills in what the order lacks, it undoes nothing
            changes = {field: value for field, value in vals.items() if value and not order[field]}
        else:
            changes = changed_vals(order, vals)
        write = dict(changes)
        if newest and order.state not in ENDED and self.event != "new":
            write.update(state=self.event, last_event_at=event_at)
            if self.event == "stopped":
                write["reason"] = reason
        if write:
            order.write(write)
        return self.describe(order, changes)

    @staticmethod
    def describe(order, changes):
        """What changed, as the history shows it: "Dose: 200; Frequency: bid"."""
        parts = []
        for field, value in changes.items():
            if field.startswith("his_") or field.endswith("_id") or field in TIME_FIELDS:
                continue
            parts.append(f"{order._fields[field]._description_string(order.env)}: {value}")
        return "; ".join(parts)


@register
class OrderNew(OrderEvent):
    """ORC-1 NW: the doctor writes the order. Arrives in volume: a run of
    new orders is created set-based."""

    message_type = "order.new"
    event = "new"
    batched = True

    def checked(self, message, data):
        message._require(data, *WHOLE_ORDER)
        return super().checked(message, data)

    def event_time(self, message, data, vals):
        return vals.get("ordered_at") or vals["start_at"]

    def process_batch(self, messages):
        """Create the new orders of a run set-based: one search per kind of
        lookup, one create of orders, events and links. Left for the
        one-by-one path, in order: an order already known or named again in
        the run, a patient not known yet, bad data."""
        rest_ids, done_ids = [], []
        by_hospital = defaultdict(list)
        for message in messages:
            data = message.sudo().data or {}
            try:
                number, vals, event_at, reason = self.checked(message, data)
            except (ValidationError, UserError, KeyError, TypeError):
                rest_ids.append(message.id)  # the one-by-one path says what is wrong and parks it
                continue
            by_hospital[message._hospital].append((message, data, number, vals, event_at, reason))
        links = []
        for hospital, items in by_hospital.items():
            Message = items[0][0]
            env = Message.env
            Order = env["ihospital.medical.order"].sudo().with_context(**MACHINE_CREATE)
            numbers = [item[2] for item in items]
            deferred = set(
                Order.search_fetch([("company_id", "=", hospital.id), ("name", "in", numbers)], ["name"]).mapped("name")
            )
            patients = Message._patients_of(hospital, [item[1]["patient"] for item in items])
            departments = Message._codes_of(
                hospital, "hr.department", [item[3].get("his_department_code") for item in items]
            )
            doctors = Message._codes_of(hospital, "hr.employee", [item[3].get("his_doctor_code") for item in items])
            admissions = VitalSigns.admissions_of(
                Message, hospital, [(item[1], patient) for item, patient in zip(items, patients, strict=True)]
            )
            visits = self.visits_of(Message, hospital, [item[1] for item in items])
            vals_list, created = [], []
            for item, patient, admission in zip(items, patients, admissions, strict=True):
                message, data, number, vals, event_at, reason = item
                if number in deferred or not patient:
                    deferred.add(number)  # later messages of this order follow it, in order
                    rest_ids.append(message.id)
                    continue
                deferred.add(number)
                vals = self.resolved(vals, departments, doctors)
                vals.update(self.context_vals(data, patient, vals, admission, visits))
                vals_list.append(dict(self.new_vals(number, vals, event_at, reason), company_id=hospital.id))
                created.append((message, patient, vals, event_at, reason))
            orders = Order.create(vals_list)
            env["ihospital.medical.order.event"].sudo().create(
                [
                    self.event_vals(order.id, vals, event_at, reason, message)
                    for (message, _patient, vals, event_at, reason), order in zip(created, orders, strict=True)
                ]
            )
            for (message, patient, *_rest), order in zip(created, orders, strict=True):
                message.patient_id = patient
                links.append(message._link_vals(order))
                done_ids.append(message.id)
        messages.env["ihospital.his.message.link"].sudo().create(links)
        return messages.browse(done_ids), messages.browse(rest_ids)


@register
class OrderChange(OrderEvent):
    """ORC-1 XO: the doctor changes the order (dose, frequency...)."""

    message_type = "order.change"
    event = "changed"
    event_field = "changed_at"


@register
class OrderStop(OrderEvent):
    """ORC-1 DC: the doctor stops the order (停止医嘱)."""

    message_type = "order.stop"
    event = "stopped"
    event_field = "stop_at"

    def apply(self, order, vals, event_at, reason):
        """A stop is a stop whenever it arrives (a cancelled order stays
        cancelled): the order stops at the time the message says."""
        if order.state == "cancelled":
            return super().apply(order, vals, event_at, reason)
        newest = not order.last_event_at or event_at >= order.last_event_at
        if newest:
            changes = changed_vals(order, vals)
        else:
            changes = {field: value for field, value in vals.items() if value and not order[field]}
            if order.stop_at != vals["stop_at"]:
                changes["stop_at"] = vals["stop_at"]
        last = max(event_at, order.last_event_at or event_at)
        order.write(dict(changes, state="stopped", reason=reason or order.reason, last_event_at=last))
        return self.describe(order, changes)


@register
class OrderCancel(OrderEvent):
    """ORC-1 CA: the order was written by mistake (作废). Whatever came
    before or after, a cancelled order stays cancelled."""

    message_type = "order.cancel"
    event = "cancelled"

    def event_time(self, message, data, vals):
        # the time of a cancellation is a courtesy: the order is cancelled whenever it was
        return message._datetime(data.get("cancelled_at"), "cancelled_at") or message.received_at

    def apply(self, order, vals, event_at, reason):
        changes = {field: value for field, value in vals.items() if value and not order[field]}
        order.write(dict(changes, state="cancelled", reason=reason or order.reason, last_event_at=event_at))
        return self.describe(order, changes)


@register
class OrderExecution(Handler):
    """RAS^O17: an order carried out (or skipped, with the reason), as the
    nursing or pharmacy system records it. One record per execution
    number: a resend corrects it. Arrives in volume: a run is created
    set-based."""

    message_type = "order.execution"
    batched = True

    def checked(self, message, data):
        """(execution number, order number, the record's values) from `data`,
        validated before anything is looked up."""
        message._require(data, "execution_no", "order_no", "patient", "status", "executed_at")
        if not isinstance(data["patient"], dict) or not message._patient_identifiers(data["patient"]):
            raise ValidationError(_("The field patient must be an object with an identifier."))
        state = message._enum(data["status"], EXECUTION_STATES, "status")
        if state == "skipped" and not data.get("reason"):
            raise ValidationError(_("A skipped execution needs its reason."))
        vals = {
            "state": state,
            "executed_at": message._datetime(data["executed_at"], "executed_at"),
            "his_executor_code": str(data.get("executor_code") or "").strip() or False,
            "executor_name": data.get("executor_name") or False,
            "item_name": data.get("item_name") or False,
            "dose": str(data["dose"]) if data.get("dose") not in (None, "") else False,
            "dose_unit": data.get("dose_unit") or False,
            "reason": data.get("reason") or False,
            "note": data.get("note") or False,
        }
        return str(data["execution_no"]).strip(), str(data["order_no"]).strip(), vals

    @staticmethod
    def orders_of(message, hospital, numbers):
        """{order number: order} of `hospital`, in one search."""
        orders = (
            message.env["ihospital.medical.order"]
            .sudo()
            .search_fetch(
                [("company_id", "=", hospital.id), ("name", "in", sorted(set(numbers)))],
                ["name", "patient_id", "company_id"],
            )
        )
        return {order.name: order for order in orders}

    @staticmethod
    def check_patient(message, hospital, number, order, patient):
        if patient != order.patient_id:
            raise ValidationError(
                _(
                    "Order %(number)s is an order of another patient in %(hospital)s.",
                    number=number,
                    hospital=hospital.name,
                )
            )

    def process(self, message, data):
        name, number, vals = self.checked(message, data)
        hospital = message._hospital
        order = self.orders_of(message, hospital, [number]).get(number)
        if not order:
            raise HisRetryError(
                _(
                    "Order %(number)s is not known in %(hospital)s yet (its order.new message may come later).",
                    number=number,
                    hospital=hospital.name,
                ),
                keys=[order_key(number)],
            )
        patient = message._patients_of(hospital, [data["patient"]])[0]
        self.check_patient(message, hospital, number, order, patient)
        message.patient_id = patient
        executors = message._codes_of(hospital, "hr.employee", [vals["his_executor_code"]])
        vals = dict(vals, order_id=order.id, executor_id=executors.get(vals["his_executor_code"], False))
        Execution = message.env["ihospital.order.execution"].sudo().with_context(**MACHINE_CREATE)
        execution = Execution.search([("company_id", "=", hospital.id), ("name", "=", name)], limit=1)
        if execution:
            if execution.order_id != order:
                raise ValidationError(
                    _(
                        "Execution %(name)s belongs to another order (%(order)s).",
                        name=name,
                        order=execution.order_id.name,
                    )
                )
            changes = changed_vals(execution, vals)
            if changes:
                execution.write(changes)
            message._link(execution, "updated")
        else:
            message._link(Execution.create(dict(vals, name=name)), "created")

    def process_batch(self, messages):
        """Create the executions of a run with one search per kind of
        lookup and one create. Left for the one-by-one path, in order: an
        execution already known or repeated in the run (a correction), one
        whose order is not known yet (it waits), bad data."""
        rest_ids, done_ids = [], []
        by_hospital = defaultdict(list)
        for message in messages:
            data = message.sudo().data or {}
            try:
                name, number, vals = self.checked(message, data)
            except (ValidationError, UserError, KeyError, TypeError):
                rest_ids.append(message.id)
                continue
            by_hospital[message._hospital].append((message, data, name, number, vals))
        links = []
        for hospital, items in by_hospital.items():
            Message = items[0][0]
            Execution = Message.env["ihospital.order.execution"].sudo().with_context(**MACHINE_CREATE)
            known = set(
                Execution.search_fetch(
                    [("company_id", "=", hospital.id), ("name", "in", [item[2] for item in items])], ["name"]
                ).mapped("name")
            )
            orders = self.orders_of(Message, hospital, [item[3] for item in items])
            patients = Message._patients_of(hospital, [item[1]["patient"] for item in items])
            executors = Message._codes_of(hospital, "hr.employee", [item[4]["his_executor_code"] for item in items])
            vals_list, created_for = [], []
            for (message, _data, name, number, vals), patient in zip(items, patients, strict=True):
                order = orders.get(number)
                if name in known or not order or order.patient_id != patient:
                    known.add(name)  # later messages of this execution follow it, in order
                    rest_ids.append(message.id)
                    continue
                known.add(name)
                executor = executors.get(vals["his_executor_code"], False)
                vals_list.append(dict(vals, name=name, order_id=order.id, executor_id=executor))
                created_for.append((message, patient))
            executions = Execution.create(vals_list)
            for (message, patient), execution in zip(created_for, executions, strict=True):
                message.patient_id = patient
                links.append(message._link_vals(execution))
                done_ids.append(message.id)
        messages.env["ihospital.his.message.link"].sudo().create(links)
        return messages.browse(done_ids), messages.browse(rest_ids)
