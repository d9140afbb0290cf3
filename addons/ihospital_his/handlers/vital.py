"""Vital signs from the ICU and nursing systems (生命体征; ORU^R01 with the
LOINC vital-signs panel 8716-3 in OBR-4): what arrives in volume, so applied
set-based, a run at a time. A vital sign never waits: a patient the platform
does not know yet is kept by reference (flagged: no patient) and attached
when the registration arrives; an unknown department code is kept and
flagged like a report's."""

from collections import Counter, defaultdict

from odoo import _
from odoo.exceptions import UserError, ValidationError

from .common import Handler, changed_vals, flagged_critical, is_id_number, register
from .report import LAB_FLAGS, MACHINE_CREATE


@register
class VitalSigns(Handler):
    message_type = "vital.signs"
    batched = True
    subject_field = "ref"

    def is_critical(self, data):
        return flagged_critical(data.get("observations"))

    def checked(self, message, data):
        """The values of each observation of `data` but its patient,
        department and admission, validated before anything is looked up.
        Each gets its HIS reference: its own `ref`, else the set's `ref`
        and its code (a resent set updates its signs, never doubles them)."""
        message._require(data, "ref", "patient", "observed_at", "observations")
        if not isinstance(data["patient"], dict) or not message._patient_identifiers(data["patient"]):
            raise ValidationError(_("The field patient must be an object with an identifier."))
        if not isinstance(data["observations"], list):
            raise ValidationError(_("The field observations must be a list."))
        observed_at = message._datetime(data["observed_at"], "observed_at")
        seen = Counter()
        vals_list = []
        for observation in data["observations"]:
            if not isinstance(observation, dict):
                raise ValidationError(_("Each observation must be an object."))
            message._require(observation, "code", "name", "value")
            code = str(observation["code"]).strip()
            seen[code] += 1
            ref = str(observation.get("ref") or "").strip() or f"{data['ref']}/{code}"
            if seen[code] > 1 and not observation.get("ref"):
                ref = f"{ref}/{seen[code]}"
            vals_list.append(
                {
                    "his_ref": ref,
                    "code": code,
                    "name": observation["name"],
                    "loinc": observation.get("loinc") or False,
                    "value": str(observation["value"]),
                    "unit": observation.get("unit") or False,
                    "reference_range": observation.get("reference_range") or False,
                    "flag": message._enum(observation.get("flag") or "", LAB_FLAGS, "flag") or False,
                    "observed_at": message._datetime(observation.get("observed_at"), "observed_at") or observed_at,
                    "source_system": data.get("source_system") or False,
                    "his_department_code": data.get("department_code") or False,
                    "source": "his",
                }
            )
        return vals_list

    @staticmethod
    def context_vals(data, patient, department_id, admission):
        """Whose signs they are: the patient (else the reference it came
        with, never an ID number), the department (else the stay's), the
        stay."""
        if patient:
            vals = {"patient_id": patient.id, "his_patient_ref": False}
        else:
            refs = [data["patient"].get(key) for key in ("his_patient_id", "medical_card_number")]
            ref = next((str(ref).strip() for ref in refs if ref and not is_id_number(ref)), False)
            vals = {"patient_id": False, "his_patient_ref": ref}
        if not department_id and not data.get("department_code"):
            department_id = admission.department_id.id
        return dict(vals, department_id=department_id or False, admission_id=admission.id)

    # ------------------------------------------------------------------ one message
    def process(self, message, data):
        vals_list = self.checked(message, data)
        hospital = message._hospital
        patient = message._patients_of(hospital, [data["patient"]])[0]
        message.patient_id = patient
        departments = message._codes_of(hospital, "hr.department", [data.get("department_code")])
        admission = self.admissions_of(message, hospital, [(data, patient)])[0]
        context = self.context_vals(data, patient, departments.get(data.get("department_code")), admission)
        Sign = message.env["ihospital.vital.sign"].sudo().with_context(**MACHINE_CREATE)
        existing = {
            sign.his_ref: sign
            for sign in Sign.search(
                [("company_id", "=", hospital.id), ("his_ref", "in", [vals["his_ref"] for vals in vals_list])]
            )
        }
        new = []
        for vals in vals_list:
            vals = dict(vals, **context)
            sign = existing.get(vals["his_ref"])
            if sign:
                # a resend corrects the sign; a sign attached meanwhile keeps its patient
                if not patient and sign.patient_id:
                    vals = {key: value for key, value in vals.items() if key not in ("patient_id", "his_patient_ref")}
                changes = changed_vals(sign, vals)
                if changes:
                    sign.write(changes)
                message._link(sign, "updated")
            else:
                new.append(dict(vals, company_id=hospital.id))
        if new:
            for sign in Sign.create(new):
                message._link(sign, "created")

    @staticmethod
    def admissions_of(message, hospital, items):
        """The stay of each (data, patient): the admission the data names
        (of that patient), else the patient's current stay; two searches
        for any number of items."""
        Admission = message.env["ihospital.admission"].sudo()
        numbers = {data["admission_no"] for data, patient in items if patient and data.get("admission_no")}
        named = {}
        if numbers:
            for admission in Admission.search_fetch(
                [("company_id", "=", hospital.id), ("name", "in", sorted(numbers))], ["name", "patient_id"]
            ):
                named[admission.name] = admission
        current = Admission._current_for_patients(
            Admission.env["ihospital.patient"].union(
                *(patient for data, patient in items if patient and data.get("admission_no") not in named)
            )
        )
        found = []
        for data, patient in items:
            admission = named.get(data.get("admission_no"))
            if not admission or admission.patient_id != patient:
                admission = current.get(patient.id, Admission)
            found.append(admission)
        return found

    # ------------------------------------------------------------------ a run
    def process_batch(self, messages):
        """Create the signs of a run with one search per kind of lookup and
        one create (the critical-value hook is called once for them all).
        Left for the one-by-one path, in order: a set whose signs are
        already known or repeated in the run (a resend), bad data."""
        rest_ids, done_ids = [], []
        by_hospital = defaultdict(list)
        for message in messages:
            data = message.sudo().data or {}
            try:
                vals_list = self.checked(message, data)
            except (ValidationError, UserError, KeyError, TypeError):
                rest_ids.append(message.id)
                continue
            by_hospital[message._hospital].append((message, data, vals_list))
        links = []
        for hospital, items in by_hospital.items():
            Message = items[0][0]
            Sign = Message.env["ihospital.vital.sign"].sudo().with_context(**MACHINE_CREATE)
            refs = [vals["his_ref"] for _message, _data, vals_list in items for vals in vals_list]
            known = set(
                Sign.search_fetch([("company_id", "=", hospital.id), ("his_ref", "in", refs)], ["his_ref"]).mapped(
                    "his_ref"
                )
            )
            patients = Message._patients_of(hospital, [data["patient"] for _message, data, _vals in items])
            departments = Message._codes_of(
                hospital, "hr.department", [data.get("department_code") for _message, data, _vals in items]
            )
            admissions = self.admissions_of(
                Message, hospital, [(data, patient) for (_m, data, _v), patient in zip(items, patients, strict=True)]
            )
            new, created_for = [], []
            for (message, data, vals_list), patient, admission in zip(items, patients, admissions, strict=True):
                refs = {vals["his_ref"] for vals in vals_list}
                if refs & known or len(refs) < len(vals_list):
                    known |= refs  # later sets with these signs follow, in order
                    rest_ids.append(message.id)
                    continue
                known |= refs
                context = self.context_vals(data, patient, departments.get(data.get("department_code")), admission)
                new += [dict(vals, company_id=hospital.id, **context) for vals in vals_list]
                created_for += [message] * len(vals_list)
                message.patient_id = patient
                done_ids.append(message.id)
            signs = Sign.create(new)
            links += [message._link_vals(sign) for message, sign in zip(created_for, signs, strict=True)]
        messages.env["ihospital.his.message.link"].sudo().create(links)
        return messages.browse(done_ids), messages.browse(rest_ids)
