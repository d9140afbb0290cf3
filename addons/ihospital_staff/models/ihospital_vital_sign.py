from odoo import models

from .ihospital_critical_observation import age_at


class IhospitalVitalSign(models.Model):
    _inherit = "ihospital.vital.sign"

    def write(self, vals):
        res = super().write(vals)
        if {"value", "unit"} & set(vals) and "flag" not in vals:
            self.env["ihospital.critical.alert"]._raise_from_vital_signs(self)
        if vals.get("patient_id"):
            alerts = (
                self.env["ihospital.critical.alert"]
                .sudo()
                .search([("vital_sign_id", "in", self.ids), ("patient_id", "=", False)])
            )
            alerts._identify_patient()
        return res

    def _alert_critical(self):
        """Vital signs from the ICU and nursing systems raise their alerts at
        once, set-based."""
        self.env["ihospital.critical.alert"]._raise_from_vital_signs(self)

    def _critical_item(self):
        self.ensure_one()
        return {
            "code": self.code,
            "loinc": self.loinc,
            "value": self.value or "",
            "unit": self.unit,
            "age": age_at(self.patient_id, self.observed_at),
            "department_id": self.department_id.id,
        }

    def _critical_alert_values(self):
        self.ensure_one()
        return {
            "company_id": self.company_id.id,
            "patient_id": self.patient_id.id,
            "his_patient_ref": self.his_patient_ref,
            "source": "vital",
            "vital_sign_id": self.id,
            "report_number": self.his_ref,
            "item": self.name,
            "item_code": self.code,
            "value": self.value,
            "unit": self.unit,
            "reference_range": self.reference_range,
            "flag": self.flag,
            "reported_at": self.observed_at,
            "department_id": self.department_id.id,
            "doctor_id": False,
            "_codes": (self.his_department_code, False),
        }
