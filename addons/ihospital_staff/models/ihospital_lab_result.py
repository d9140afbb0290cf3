from odoo import models

from .ihospital_critical_observation import age_at


class IhospitalLabResult(models.Model):
    _inherit = "ihospital.lab.result"

    def write(self, vals):
        res = super().write(vals)
        if {"value", "unit"} & set(vals) and "flag" not in vals:
            # a corrected value under the same flag: its alert follows it
            # (a flag change goes through _alert_critical)
            self.env["ihospital.critical.alert"]._raise_from_lab_results(self)
        return res

    def _alert_critical(self):
        """These lines were created or their flag changed: their alerts, at
        once and set-based (rather than every line of their reports)."""
        self.env["ihospital.critical.alert"]._raise_from_lab_results(self)

    def _critical_item(self):
        """What the hospital's limits judge (ihospital.critical.limit._evaluate)."""
        self.ensure_one()
        report = self.report_id
        return {
            "code": self.code,
            "loinc": False,
            "value": self.value or "",
            "unit": self.unit,
            "age": age_at(report.patient_id, report.collected_at or report.reported_at),
            "department_id": report.department_id.id,
        }

    def _critical_alert_values(self):
        self.ensure_one()
        report = self.report_id
        return {
            "company_id": report.company_id.id,
            "patient_id": report.patient_id.id,
            "his_patient_ref": report.his_patient_ref,
            "source": "lab",
            "lab_report_id": report.id,
            "lab_result_id": self.id,
            "report_number": report.name,
            "item": self.name,
            "item_code": self.code,
            "value": self.value,
            "unit": self.unit,
            "reference_range": self.reference_range,
            "flag": self.flag,
            "reported_at": report.reported_at,
            "department_id": report.department_id.id,
            "doctor_id": report.doctor_id.id,
            "_codes": (report.his_department_code, report.his_doctor_code),
        }
