from odoo import fields, models

ID_TYPES_OUT = {"other": "foreigner_permit"}


class IhospitalPatient(models.Model):
    _inherit = "ihospital.patient"

    def _his_patient_data(self):
        """The protocol's `patient` object (identity included: the HIS is
        the hospital's own system)."""
        self.ensure_one()
        patient = self.sudo()
        return {
            "his_patient_id": patient.his_patient_id or "",
            "medical_card_number": patient.medical_card_number or "",
            "id_type": ID_TYPES_OUT.get(patient.id_type, patient.id_type or ""),
            "id_number": patient.id_number or "",
            "name": patient.name,
            "gender": patient.gender or "",
            "birth_date": fields.Date.to_string(patient.birth_date) if patient.birth_date else "",
            "phone": patient.phone or "",
            "address": patient.address or "",
        }
