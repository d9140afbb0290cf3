"""Patients (患者) the HIS registers or updates (ADT^A04/A28, A08/A31)."""

from .common import Handler, patient_keys, register


class PatientHandler(Handler):
    brings_patient = True

    def provided_keys(self, env, data):
        patient = data.get("patient")
        return patient_keys(env, patient) if isinstance(patient, dict) else []

    def process(self, message, data):
        message._require(data, "patient")
        # the results that came before their patient's registration are
        # attached by the patient itself (ihospital.patient._his_attach_unmatched)
        message._upsert_patient(data["patient"])


@register
class PatientRegister(PatientHandler):
    message_type = "patient.register"


@register
class PatientUpdate(PatientHandler):
    message_type = "patient.update"
