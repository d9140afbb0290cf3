from collections import defaultdict

from odoo import api, fields, models

from ..handlers import patient_keys

ID_TYPES_OUT = {"other": "foreigner_permit"}
IDENTIFIERS = ("his_patient_id", "medical_card_number", "id_number")


class IhospitalPatient(models.Model):
    _inherit = "ihospital.patient"

    @api.model_create_multi
    def create(self, vals_list):
        patients = super().create(vals_list)
        patients._his_attach_unmatched()
        return patients

    def write(self, vals):
        res = super().write(vals)
        if any(vals.get(key) for key in IDENTIFIERS):
            self._his_attach_unmatched()
        return res

    def _his_attach_unmatched(self):
        """Results and vital signs the HIS sent before the platform knew
        their patient (unmatched) are attached as soon as a patient has one of
        their identifiers, however it got it: a registration from the HIS,
        the HIS's answer to patient.sync, the back office. One search per
        kind of report and hospital."""
        keys = defaultdict(dict)
        for patient in self.sudo():
            data = {key: patient[key] for key in IDENTIFIERS}
            for key in patient_keys(self.env, data):
                keys[patient.company_id][key] = patient
        Report = self.env["ihospital.report.mixin"]
        for company, company_keys in keys.items():
            for model in Report._report_models():
                self.env[model]._attach_unmatched(company, company_keys)
        # vital signs wait by the reference they came with (HIS patient id or card)
        refs = defaultdict(dict)
        for patient in self.sudo():
            for key in ("his_patient_id", "medical_card_number"):
                if patient[key]:
                    refs[patient.company_id][patient[key]] = patient
        for company, company_refs in refs.items():
            self.env["ihospital.vital.sign"]._attach_by_reference(company, company_refs)

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
