"""Lab results (检验报告, ORU^R01) and imaging reports (检查报告): what the
HIS sends in volume, so they are applied set-based, a run at a time."""

from collections import defaultdict

from odoo import Command, _
from odoo.exceptions import UserError, ValidationError

from .common import Handler, HisRetryError, flagged_critical, is_id_number, patient_keys, register

# Machine-made records: no chatter line, follower or tracking value for each.
MACHINE_CREATE = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}
LAB_FLAGS = ["", "N", "H", "L", "HH", "LL", "A", "AA"]
REPORT_STATES = ["preliminary", "final", "corrected"]


class ReportHandler(Handler):
    """What a lab and an imaging report share. A report never waits for
    master data: a department or doctor code the platform does not know
    yet is kept on the report (flagged for the administrator) and resolved
    when the master data arrives."""

    model = None
    lines_field = None  # the one2many of lines an update merges (see line_key)
    batched = True
    subject_field = "report_no"

    @staticmethod
    def line_key(line):
        """What identifies a line across versions of a report: its code,
        else its position."""
        return ("code", line["code"]) if line["code"] else ("sequence", line["sequence"])

    def specific_vals(self, message, data):
        """The report's own values from `data` (validated: raises
        ValidationError for bad data)."""
        raise NotImplementedError

    def checked_vals(self, message, data):
        """The report's values from `data` but its patient, department and
        doctor: raises ValidationError for bad data before anything is
        looked up."""
        vals = self.specific_vals(message, data)
        vals.update(
            {
                "name": data["report_no"],
                "his_department_code": data.get("department_code") or False,
                "his_doctor_code": data.get("doctor_code") or False,
                "state": message._enum(data.get("status") or "final", REPORT_STATES, "status"),
                "reported_at": message._datetime(data["reported_at"], "reported_at"),
                "source": "his",
            }
        )
        return vals

    # ------------------------------------------------------------------ one message
    def process(self, message, data):
        vals = self.checked_vals(message, data)
        try:
            patient = message._patient(data["patient"])
        except HisRetryError:
            patient = message.env["ihospital.patient"]
        message.patient_id = patient
        vals.update(
            self.patient_vals(message, data["patient"], patient),
            department_id=message._known(message._department, vals["his_department_code"]).id,
            doctor_id=message._known(message._doctor, vals["his_doctor_code"]).id,
        )
        Report = message.env[self.model].sudo().with_context(**MACHINE_CREATE)
        key = {"name": vals.pop("name")}
        if not patient:
            known = Report.search([("company_id", "=", message._hospital.id), ("name", "=", key["name"])], limit=1)
            if known.patient_id:
                # a correction naming a patient not known yet keeps the patient the report has
                unset = self.patient_vals(message, {}, patient)
                vals = {field: value for field, value in vals.items() if field not in unset}
                message.patient_id = known.patient_id
        merge = (self.lines_field, self.line_key) if self.lines_field else None
        message._upsert(Report, key, vals, merge=merge)

    @staticmethod
    def patient_vals(message, patient_data, patient):
        """The report's patient, or, for a patient not identified yet, what
        attaches the report to the registration when it arrives: it is
        stored at once as an unmatched report (待匹配), seen by the lab
        and the administrators, never left waiting."""
        if patient:
            return {"patient_id": patient.id, "his_patient_ref": False, "his_patient_keys": False}
        refs = [patient_data.get(key) for key in ("his_patient_id", "medical_card_number")]
        # shown to the lab to match by hand: never an ID number (a card may be one)
        ref = next((str(ref).strip() for ref in refs if ref and not is_id_number(ref)), False)
        return {
            "patient_id": False,
            "his_patient_ref": ref,
            "his_patient_keys": " ".join(patient_keys(message.env, patient_data)) or False,
        }

    # ------------------------------------------------------------------ a run
    def process_batch(self, messages):
        """Create the new reports of a run of messages with one search per
        kind of lookup and one create. Left for the one-by-one path (in
        their order, after this run): a report number already known or
        repeated in the run (an update), bad data."""
        rest_ids, done_ids = [], []  # ids, not recordsets: a union per message would be quadratic
        by_hospital = defaultdict(list)
        for message in messages:
            data = message.sudo().data or {}
            try:
                if not isinstance(data.get("patient"), dict) or not message._patient_identifiers(data["patient"]):
                    raise ValidationError(_("The field patient must be an object with an identifier."))
                vals = self.checked_vals(message, data)
            except (ValidationError, UserError, KeyError, TypeError):
                rest_ids.append(message.id)  # the one-by-one path says what is wrong and parks it
                continue
            by_hospital[message._hospital].append((message, data["patient"], vals))
        links = []
        for hospital, items in by_hospital.items():
            Message = items[0][0]
            Report = Message.env[self.model].sudo().with_context(**MACHINE_CREATE)
            all_vals = [vals for _message, _patient, vals in items]
            numbers = [vals["name"] for vals in all_vals]
            known = set(
                Report.search_fetch([("company_id", "=", hospital.id), ("name", "in", numbers)], ["name"]).mapped(
                    "name"
                )
            )
            patients = Message._patients_of(hospital, [patient_data for _message, patient_data, _vals in items])
            departments = Message._codes_of(
                hospital, "hr.department", [vals["his_department_code"] for vals in all_vals]
            )
            doctors = Message._codes_of(hospital, "hr.employee", [vals["his_doctor_code"] for vals in all_vals])
            vals_list, created_for = [], []
            for (message, patient_data, vals), patient in zip(items, patients, strict=True):
                if vals["name"] in known:
                    rest_ids.append(message.id)
                    continue
                known.add(vals["name"])
                vals.update(
                    self.patient_vals(message, patient_data, patient),
                    company_id=hospital.id,
                    department_id=departments.get(vals["his_department_code"], False),
                    doctor_id=doctors.get(vals["his_doctor_code"], False),
                )
                vals_list.append(vals)
                created_for.append((message, patient))
            reports = Report.create(vals_list)
            for (message, patient), report in zip(created_for, reports, strict=True):
                message.patient_id = patient
                links.append(message._link_vals(report))
                done_ids.append(message.id)
        messages.env["ihospital.his.message.link"].sudo().create(links)
        return messages.browse(done_ids), messages.browse(rest_ids)


@register
class LabResult(ReportHandler):
    message_type = "lab.result"
    model = "ihospital.lab.report"
    lines_field = "result_ids"

    def is_critical(self, data):
        return flagged_critical(data.get("results"))

    def specific_vals(self, message, data):
        message._require(data, "report_no", "patient", "title", "reported_at", "results")
        lines = []
        for index, result in enumerate(data["results"]):
            if not isinstance(result, dict):
                raise ValidationError(_("Each result must be an object."))
            message._require(result, "code", "name", "value")
            lines.append(
                Command.create(
                    {
                        "sequence": index + 1,
                        "code": result["code"],
                        "name": result["name"],
                        "value": str(result["value"]),
                        "value_type": message._enum(result.get("value_type") or "ST", ["NM", "ST"], "value_type"),
                        "unit": result.get("unit") or False,
                        "reference_range": result.get("reference_range") or False,
                        "flag": message._enum(result.get("flag") or "", LAB_FLAGS, "flag") or False,
                    }
                )
            )
        return {
            "title": data["title"],
            "specimen": data.get("specimen") or False,
            "collected_at": message._datetime(data.get("collected_at"), "collected_at"),
            "result_ids": lines,
        }


@register
class ImagingReport(ReportHandler):
    message_type = "imaging.report"
    model = "ihospital.imaging.report"

    def is_critical(self, data):
        return bool(data.get("critical") or data.get("critical_finding"))

    def specific_vals(self, message, data):
        message._require(data, "report_no", "patient", "modality", "exam_name", "findings", "impression", "reported_at")
        modalities = [key for key, _label in message.env[self.model]._fields["modality"].selection]
        return {
            "modality": message._enum(data["modality"], modalities, "modality"),
            "exam_name": data["exam_name"],
            "body_part": data.get("body_part") or False,
            "findings": data["findings"],
            "impression": data["impression"],
            "viewer_url": data.get("viewer_url") or False,
            # the reporting department's flag; a finding without it is critical all the same
            "is_critical": bool(data.get("critical") or data.get("critical_finding")),
            "critical_finding": data.get("critical_finding") or False,
        }
