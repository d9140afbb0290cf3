"""Complaints (投诉) recorded in the hospital's own systems."""

from .common import Handler, HisRetryError, register


@register
class Complaint(Handler):
    message_type = "complaint"

    def process(self, message, data):
        message._require(data, "ref", "content")
        patient = message.env["ihospital.patient"]
        if data.get("patient"):
            try:
                patient = message._patient(data["patient"])
            except HisRetryError:
                # complainants need not be registered patients
                patient = message.env["ihospital.patient"]
        vals = {
            "patient_id": patient.id,
            "department_id": message._department(data.get("department_code")).id,
            "employee_id": message._doctor(data.get("staff_code")).id,
            "category": data.get("category") or False,
            "content": data["content"],
            "contact_phone": data.get("contact_phone") or False,
            "source": "his",
        }
        if data.get("received_at"):
            vals["received_at"] = message._datetime(data["received_at"], "received_at")
        message.patient_id = patient
        message._upsert(message.env["ihospital.complaint"].sudo(), {"ref": data["ref"]}, vals)
