"""Visit records with their charges (就诊记录, 费用明细; DFT^P03)."""

from odoo import Command, _
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
                    "category": charge.get("category") or False,
                    "quantity": message._number(charge.get("quantity") or 1, "quantity"),
                    "unit_price": message._number(charge.get("unit_price") or 0, "unit_price"),
                    "amount": message._number(charge["amount"], "amount"),
                    "insurance_amount": message._number(charge.get("insurance_amount") or 0, "insurance_amount"),
                }
            )
        total = data.get("total_charges")
        vals = {
            "patient_id": patient.id,
            "department_id": department.id,
            "doctor_id": message._doctor(data.get("doctor_code")).id,
            "visit_type": message._enum(
                data.get("visit_type") or "outpatient", ["outpatient", "inpatient", "emergency"], "visit_type"
            ),
            "start": message._datetime(data["start"], "start"),
            "end": message._datetime(data.get("end"), "end"),
            "diagnosis": data.get("diagnosis") or False,
            "total_charges": (
                message._number(total, "total_charges")
                if total not in (None, "")
                else sum(c["amount"] for c in charges)
            ),
            "insurance_amount": message._number(data.get("insurance_amount") or 0, "insurance_amount"),
            "charge_ids": [Command.create(charge) for charge in charges],
        }
        Visit = message.env["ihospital.visit"].sudo()
        message._upsert(Visit, {"source": "his", "external_ref": data["visit_ref"]}, vals, replace="charge_ids")
