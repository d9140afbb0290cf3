"""Visit records with their charges (就诊记录, 费用明细; DFT^P03).

A visit record naming the platform's appointment (`appointment_ref`)
completes the visit of that appointment: the one its consultation's end
created, or the one the consultation's end will reuse. One encounter is one
visit, whichever comes first."""

from odoo import Command, _
from odoo.addons.ihospital_base.models.ihospital_admission import is_icd10, normalize_icd10
from odoo.exceptions import ValidationError

from .common import Handler, register


@register
class VisitRecord(Handler):
    message_type = "visit.record"

    def process(self, message, data):
        message._require(data, "visit_ref", "patient", "start")
        patient = message._patient(data["patient"])
        message.patient_id = patient
        department = message._department(data.get("department_code"), required=True)
        charges = []
        for index, charge in enumerate(data.get("charges") or []):
            if not isinstance(charge, dict):
                raise ValidationError(_("Each charge must be an object."))
            message._require(charge, "name", "amount")
            charges.append(
                {
                    "sequence": index + 1,
                    "code": charge.get("code") or False,
                    "name": charge["name"],
                    "category": (charge.get("category") or "").strip() or False,
                    "quantity": message._number(charge.get("quantity") or 1, "quantity"),
                    "unit_price": message._number(charge.get("unit_price") or 0, "unit_price"),
                    "amount": message._number(charge["amount"], "amount"),
                    "insurance_amount": message._number(charge.get("insurance_amount") or 0, "insurance_amount"),
                }
            )
        total = data.get("total_charges")
        diagnosis, code = self._diagnosis(data)
        vals = {
            "patient_id": patient.id,
            "department_id": department.id,
            "doctor_id": message._doctor(data.get("doctor_code")).id,
            "visit_type": message._enum(
                data.get("visit_type") or "outpatient", ["outpatient", "inpatient", "emergency"], "visit_type"
            ),
            "start": message._datetime(data["start"], "start"),
            "end": message._datetime(data.get("end"), "end"),
            "visit_kind": self._visit_kind(message, data.get("visit_kind")),
            "diagnosis": diagnosis or False,
            "diagnosis_code": code or False,
            "total_charges": (
                message._number(total, "total_charges")
                if total not in (None, "")
                else sum(c["amount"] for c in charges)
            ),
            "insurance_amount": message._number(data.get("insurance_amount") or 0, "insurance_amount"),
            "charge_ids": [Command.create(charge) for charge in charges],
        }
        Visit = message.env["ihospital.visit"].sudo()
        key = {"source": "his", "external_ref": data["visit_ref"]}
        if not data.get("appointment_ref"):
            message._upsert(Visit, key, vals, replace="charge_ids")
            return
        appointment = self._appointment(message, data["appointment_ref"], patient)
        message.write({"appointment_id": appointment.id})
        visit = self._visit_of(message, appointment, data["visit_ref"])
        vals.update(key, appointment_id=appointment.id)
        if visit:
            visit.charge_ids.unlink()
            visit.write(vals)
            message._link(visit, "updated")
        else:
            visit = Visit.create(dict(vals, company_id=message._hospital.id))
            message._link(visit, "created")
        if appointment.visit_id != visit:
            appointment.visit_id = visit

    @staticmethod
    def _diagnosis(data):
        """(diagnosis text, ICD-10 code) of the visit: a code that is not
        ICD-10 is kept readable in the text, as an admission's is, and never
        holds the visit back."""
        diagnosis = str(data.get("diagnosis") or "").strip()
        code = str(data.get("diagnosis_code") or "").strip()
        if code and not is_icd10(code):
            if code not in diagnosis:
                diagnosis = f"{diagnosis} ({code})".strip()
            code = ""
        return diagnosis, normalize_icd10(code) if code else ""

    @staticmethod
    def _visit_kind(message, kind):
        """first (初诊) or return (复诊); False when the HIS did not say."""
        return message._enum(kind, ["first", "return"], "visit_kind") if kind else False

    @staticmethod
    def _appointment(message, ref, patient):
        """The appointment of this hospital named `ref`, of this patient.
        An unknown reference (another hospital's too) parks the message:
        the platform creates its appointments before the HIS hears of them,
        so it is a wrong reference, and the visit is not recorded apart
        from its appointment."""
        appointment = (
            message.env["ihospital.appointment"]
            .sudo()
            .search([("company_id", "=", message._hospital.id), ("name", "=", ref)], limit=1)
        )
        if not appointment:
            raise ValidationError(
                _(
                    "Appointment %(ref)s is not an appointment of %(hospital)s: check appointment_ref (or leave it "
                    "out for a visit that was not booked on the platform).",
                    ref=ref,
                    hospital=message._hospital.name,
                )
            )
        if appointment.patient_id != patient:
            raise ValidationError(
                _("Appointment %(ref)s is not the appointment of this visit's patient.", ref=appointment.name)
            )
        return appointment

    @staticmethod
    def _visit_of(message, appointment, visit_ref):
        """The visit this record completes: the appointment's (the
        platform's consultation ended first) or the HIS's visit of that
        reference (sent before); refused when they are two visits."""
        Visit = message.env["ihospital.visit"].sudo()
        linked = appointment.visit_id or Visit.search([("appointment_id", "=", appointment.id)], limit=1)
        his_visit = Visit.search(
            [("company_id", "=", message._hospital.id), ("source", "=", "his"), ("external_ref", "=", visit_ref)],
            limit=1,
        )
        if (linked and his_visit and linked != his_visit) or (
            linked.source == "his" and linked.external_ref != visit_ref
        ):
            raise ValidationError(
                _(
                    "Appointment %(ref)s already has visit %(visit)s; visit %(his)s cannot be a second visit of it.",
                    ref=appointment.name,
                    visit=linked.display_name,
                    his=visit_ref,
                )
            )
        if his_visit.appointment_id and his_visit.appointment_id != appointment:
            raise ValidationError(
                _(
                    "Visit %(his)s belongs to appointment %(other)s, not to %(ref)s.",
                    his=visit_ref,
                    other=his_visit.appointment_id.name,
                    ref=appointment.name,
                )
            )
        return linked or his_visit
