"""Complaints (投诉) recorded in the hospital's own systems."""

from .common import Handler, HisRetryError, register


@register
class Complaint(Handler):
    message_type = "complaint"

    def process(self, message, data):
        message._require(data, "ref", "content")
        hospital = message._hospital
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
        Complaint = message.env["ihospital.complaint"].sudo()
        complaint = Complaint.search([("company_id", "=", hospital.id), ("ref", "=", data["ref"])], limit=1)
        if complaint:
            complaint.write(vals)
            message._link(complaint, "updated")
        else:
            complaint = Complaint.create(dict(vals, ref=data["ref"], company_id=hospital.id))
            message._link(complaint, "created")
