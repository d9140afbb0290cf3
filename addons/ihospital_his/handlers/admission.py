"""Admissions, transfers, discharges and cancelled admissions (住院; ADT^A01,
A02, A03, A11).

One admission per HIS admission number (住院号) and hospital, upserted by
each of the four events, so that messages that overtake each other (the
HIS's channels, a retry) never hold a stay back: a transfer or discharge
whose admission has not arrived creates the stay from what it carries, and
the admission, arriving later, fills in the admission date and diagnosis
without moving the patient back. Where the patient lies is what the newest
event says, by event time (admitted_at, transferred_at).

The patient of an ADT message is registered or updated as patient.register
does; a patient the platform does not know and whose name the message does
not give waits for the registration."""

from collections import defaultdict

from odoo import _
from odoo.addons.ihospital_base.models.ihospital_admission import is_icd10, normalize_icd10
from odoo.exceptions import UserError, ValidationError

from .common import Handler, HisRetryError, items_of, patient_keys, register
from .report import MACHINE_CREATE

ALLERGY_TYPES = ["drug", "food", "environmental", "other"]
ALLERGY_SEVERITIES = ["mild", "moderate", "severe"]
# canonical key -> (code field on the admission, the field it resolves to, code model)
CODED = {
    "department_code": ("his_department_code", "department_id", "hr.department"),
    "attending_doctor_code": ("his_doctor_code", "attending_doctor_id", "hr.employee"),
    "bed_doctor_code": ("his_bed_doctor_code", "bed_doctor_id", "hr.employee"),
}
# what the HIS says of an allergy (its source aside)
ALLERGY_FIELDS = ("allergen", "allergen_code", "allergy_type", "severity", "reaction", "identified_date")


class AdmissionEvent(Handler):
    """What the four events share: the stay's values, the patient, the
    upsert by admission number, the set-based path for new stays."""

    batched = True
    brings_patient = True
    event_field = None  # the data key of the event's time
    carries_procedures = False  # the stay's operations (PR1, `procedures`): admissions and discharges

    def provided_keys(self, env, data):
        """An ADT message registers its patient: what waits for the patient may go on."""
        patient = data.get("patient")
        return patient_keys(env, patient) if isinstance(patient, dict) else []

    # ------------------------------------------------------------------ values
    def checked(self, message, data):
        """(admission number, where the patient lies, what is known of the
        stay, the event's time) from `data`, validated before anything is
        looked up: raises ValidationError for bad data. Values not sent
        leave what the platform knows as it is."""
        message._require(data, "admission_no", "patient", *([self.event_field] if self.event_field else []))
        if not isinstance(data["patient"], dict) or not message._patient_identifiers(data["patient"]):
            raise ValidationError(_("The field patient must be an object with an identifier."))
        location = {}
        for key in ("ward", "bed"):
            if data.get(key):
                location[key] = str(data[key]).strip()
        for key, (code_field, _field, _model) in CODED.items():
            if data.get(key):
                location[code_field] = str(data[key]).strip()
        stay = {}
        if data.get("admitted_at"):
            stay["admitted_at"] = message._datetime(data["admitted_at"], "admitted_at")
        diagnosis, code = data.get("diagnosis") or "", str(data.get("diagnosis_code") or "").strip()
        if code and not is_icd10(code):
            # not ICD-10: kept readable in the diagnosis, never a reason to hold the stay back
            diagnosis, code = f"{diagnosis} ({code})".strip(), ""
        if diagnosis:
            stay["admission_diagnosis"] = diagnosis
        if code:
            stay["admission_diagnosis_code"] = normalize_icd10(code)
        if self.carries_procedures:
            stay.update(self.surgery_vals(message, data.get("procedures")))
        event_at = message._datetime(data.get(self.event_field), self.event_field) if self.event_field else False
        return str(data["admission_no"]).strip(), location, stay, event_at or stay.get("admitted_at")

    @staticmethod
    def surgery_vals(message, procedures):
        """The stay's latest operation among `procedures` (HL7 PR1): its
        time and name; nothing when none is sent (what is known stays)."""
        if procedures in (None, "", []):
            return {}
        if not isinstance(procedures, list):
            raise ValidationError(_("The field procedures must be a list."))
        latest = None
        for procedure in procedures:
            if not isinstance(procedure, dict):
                raise ValidationError(_("Each procedure must be an object."))
            message._require(procedure, "at")
            name = str(procedure.get("name") or procedure.get("code") or "").strip()
            if not name:
                raise ValidationError(_("Each procedure needs its name or its code."))
            at = message._datetime(procedure["at"], "procedures.at")
            if latest is None or at >= latest[0]:
                latest = (at, name)
        return {"surgery_at": latest[0], "surgery_name": latest[1]}

    @staticmethod
    def newer_surgery(admission, stay):
        """`stay` without an operation older than the one the stay already
        has (a late message never replaces the latest operation)."""
        if stay.get("surgery_at") and admission.surgery_at and stay["surgery_at"] < admission.surgery_at:
            return {key: value for key, value in stay.items() if key not in ("surgery_at", "surgery_name")}
        return stay

    @staticmethod
    def resolved(location, departments, doctors):
        """`location` with the departments and doctors its codes name ({code:
        id} of each kind; an unknown code leaves the field empty: flagged)."""
        resolved = dict(location)
        for code_field, field, model in CODED.values():
            if code_field in location:
                known = departments if model == "hr.department" else doctors
                resolved[field] = known.get(location[code_field], False)
        return resolved

    def new_vals(self, number, patient, location, stay, event_at):
        """A stay that this event is the first news of."""
        return {"name": number, "patient_id": patient.id, "admitted_at": event_at, **location, **stay}

    def allergy_vals(self, message, data):
        return []

    # ------------------------------------------------------------------ one message
    def process(self, message, data):
        number, location, stay, event_at = self.checked(message, data)
        allergies = self.allergy_vals(message, data)
        patient = self.registered_patient(message, data["patient"])
        hospital = message._hospital
        codes = {code_field: code for code_field, code in location.items() if code_field.startswith("his_")}
        departments = message._codes_of(
            hospital, "hr.department", [codes.get("his_department_code"), data.get("from_department_code")]
        )
        doctors = message._codes_of(
            hospital, "hr.employee", [codes.get("his_doctor_code"), codes.get("his_bed_doctor_code")]
        )
        location = self.resolved(location, departments, doctors)
        Admission = message.env["ihospital.admission"].sudo().with_context(**MACHINE_CREATE)
        admission = Admission.search([("company_id", "=", hospital.id), ("name", "=", number)], limit=1)
        if admission and admission.patient_id != patient:
            raise ValidationError(
                _(
                    "Admission %(number)s is the stay of another patient in %(hospital)s.",
                    number=number,
                    hospital=hospital.name,
                )
            )
        if admission:
            self.apply(message, admission, location, self.newer_surgery(admission, stay), event_at, data)
            message._link(admission, "updated")
        else:
            admission = Admission.create(
                dict(self.new_vals(number, patient, location, stay, event_at), company_id=hospital.id)
            )
            for vals in self.new_transfers(admission, location, event_at, data, departments):
                message.env["ihospital.admission.transfer"].sudo().create(vals)
            message._link(admission, "created")
        if allergies:
            self.upsert_allergies(message, patient, allergies)

    @staticmethod
    def registered_patient(message, patient_data):
        """The message's patient, registered or updated as patient.register
        does; one the platform does not know waits for its registration
        when the message does not name it."""
        try:
            message._patient(patient_data)
        except HisRetryError:
            if not patient_data.get("name"):
                raise
        return message._upsert_patient(patient_data)

    def apply(self, message, admission, location, stay, event_at, data):
        """This event about a stay the platform knows."""
        raise NotImplementedError

    @staticmethod
    def moved_at(admission):
        """When the patient last moved: admission, or the latest transfer."""
        return max([admission.admitted_at, *admission.transfer_ids.mapped("transferred_at")])

    @staticmethod
    def upsert_allergies(message, patient, allergies):
        """The patient's allergies the HIS reports (matched by code, else by
        allergen): new ones added, known ones updated, one removed before
        (archived) active again. None is removed: an admission lists the
        allergies known, not those resolved."""
        Allergy = message.env["ihospital.patient.allergy"].sudo().with_context(active_test=False)
        existing = Allergy.search([("patient_id", "=", patient.id)])
        for vals in allergies:
            key = ("allergen_code", vals["allergen_code"]) if vals["allergen_code"] else ("allergen", vals["allergen"])
            known = existing.filtered(lambda allergy, key=key: allergy[key[0]] == key[1])[:1]
            changes = {field: vals[field] for field in ALLERGY_FIELDS if vals[field] and known[field] != vals[field]}
            if known and not known.active:
                changes["active"] = True
            if known and changes:
                known.write(changes)
            elif not known:
                Allergy.create(dict(vals, patient_id=patient.id))

    # ------------------------------------------------------------------ a run
    def process_batch(self, messages):
        """Create the new stays of a run set-based: one search per kind of
        lookup, one create. Left for the one-by-one path, in order: a stay
        already known or named again in the run, a patient to register or
        whose data changed, an allergy to update, bad data."""
        rest_ids, done_ids = [], []
        by_hospital = defaultdict(list)
        for message in messages:
            data = message.sudo().data or {}
            try:
                number, location, stay, event_at = self.checked(message, data)
                allergies = self.allergy_vals(message, data)
            except (ValidationError, UserError, KeyError, TypeError):
                rest_ids.append(message.id)  # the one-by-one path says what is wrong and parks it
                continue
            by_hospital[message._hospital].append((message, data, number, location, stay, event_at, allergies))
        links = []
        for hospital, items in by_hospital.items():
            Message = items[0][0]
            env = Message.env
            Admission = env["ihospital.admission"].sudo().with_context(**MACHINE_CREATE)
            numbers = [item[2] for item in items]
            deferred = set(
                Admission.search_fetch([("company_id", "=", hospital.id), ("name", "in", numbers)], ["name"]).mapped(
                    "name"
                )
            )
            patients = Message._patients_of(hospital, [item[1]["patient"] for item in items])
            departments = Message._codes_of(
                hospital,
                "hr.department",
                [
                    code
                    for item in items
                    for code in (item[3].get("his_department_code"), item[1].get("from_department_code"))
                ],
            )
            doctors = Message._codes_of(
                hospital,
                "hr.employee",
                [item[3].get(key) for item in items for key in ("his_doctor_code", "his_bed_doctor_code")],
            )
            known_allergies = self.known_allergies(
                env, [patient for patient, item in zip(patients, items, strict=True) if patient and item[6]]
            )
            vals_list, created, allergy_list = [], [], []
            for item, patient in zip(items, patients, strict=True):
                message, data, number, location, stay, event_at, allergies = item
                new_allergies = self.new_allergies(patient, allergies, known_allergies)
                if (
                    number in deferred
                    or not patient
                    or new_allergies is None
                    or self.patient_changed(message, patient, data["patient"])
                ):
                    deferred.add(number)  # later messages of this stay follow it, in order
                    rest_ids.append(message.id)
                    continue
                deferred.add(number)
                resolved = self.resolved(location, departments, doctors)
                vals_list.append(dict(self.new_vals(number, patient, resolved, stay, event_at), company_id=hospital.id))
                allergy_list += new_allergies
                created.append((message, patient, resolved, event_at, data))
            # one create per kind of record for the whole run
            admissions = Admission.create(vals_list)
            transfers = [
                vals
                for (message, _patient, resolved, event_at, data), admission in zip(created, admissions, strict=True)
                for vals in self.new_transfers(admission, resolved, event_at, data, departments)
            ]
            env["ihospital.admission.transfer"].sudo().create(transfers)
            env["ihospital.patient.allergy"].sudo().create(allergy_list)
            for (message, patient, *_rest), admission in zip(created, admissions, strict=True):
                message.patient_id = patient
                links.append(message._link_vals(admission))
                done_ids.append(message.id)
        messages.env["ihospital.his.message.link"].sudo().create(links)
        return messages.browse(done_ids), messages.browse(rest_ids)

    def new_transfers(self, admission, location, event_at, data, departments):
        """The transfer lines a new stay starts with (a transfer that
        overtook its admission); `departments`: {HIS code: id}."""
        return []

    @staticmethod
    def known_allergies(env, patients):
        """{patient id: [(code, allergen, allergy)]} of these patients, in one search."""
        known = defaultdict(list)
        ids = list({patient.id for patient in patients})
        if ids:
            allergies = (
                env["ihospital.patient.allergy"]
                .sudo()
                .with_context(active_test=False)
                .search_fetch([("patient_id", "in", ids)], ["patient_id", "active", *ALLERGY_FIELDS])
            )
            for allergy in allergies:
                known[allergy.patient_id.id].append(allergy)
        return known

    @staticmethod
    def new_allergies(patient, allergies, known):
        """The allergies of `allergies` the patient does not have yet (their
        values, to create), or None when one of them needs an update (the
        one-by-one path does it)."""
        new = []
        for vals in allergies:
            key = ("allergen_code", vals["allergen_code"]) if vals["allergen_code"] else ("allergen", vals["allergen"])
            match = next((allergy for allergy in known.get(patient.id, []) if allergy[key[0]] == key[1]), None)
            if match is None:
                new.append(dict(vals, patient_id=patient.id))
            elif not match.active or any(vals[field] and match[field] != vals[field] for field in ALLERGY_FIELDS):
                return None
        return new

    @staticmethod
    def patient_changed(message, patient, patient_data):
        """Whether registering `patient_data` would change the patient (the
        one-by-one path writes it)."""
        try:
            vals = message.env["ihospital.patient"]._normalize_vals(message._patient_vals(patient_data))
        except (ValidationError, UserError):
            return True
        return any(patient[field] != value for field, value in vals.items())


@register
class AdmissionAdmit(AdmissionEvent):
    """ADT^A01: the stay begins, with its allergies (AL1)."""

    message_type = "admission.admit"
    event_field = "admitted_at"
    carries_procedures = True

    def allergy_vals(self, message, data):
        allergies = []
        for item in items_of({"items": data.get("allergies")}):
            message._require(item, "allergen")
            allergies.append(
                {
                    "allergen": str(item["allergen"]).strip(),
                    "allergen_code": str(item.get("code") or "").strip() or False,
                    "allergy_type": message._enum(item["type"], ALLERGY_TYPES, "type") if item.get("type") else False,
                    "severity": message._enum(item["severity"], ALLERGY_SEVERITIES, "severity")
                    if item.get("severity")
                    else False,
                    "reaction": item.get("reaction") or False,
                    "identified_date": message._date(item.get("identified_at"), "identified_at"),
                    "source": "his",
                }
            )
        return allergies

    def apply(self, message, admission, location, stay, event_at, data):
        # the admission came after a transfer: where the patient lies now is the transfer's
        vals = dict(stay, **location) if event_at >= self.moved_at(admission) else stay
        admission.write(vals)


@register
class AdmissionTransfer(AdmissionEvent):
    """ADT^A02: the patient moves to another department, ward or bed."""

    message_type = "admission.transfer"
    event_field = "transferred_at"

    def new_transfers(self, admission, location, event_at, data, departments):
        before = {"department_id": departments.get(data.get("from_department_code"), False)}
        return [self.transfer_vals(admission, location, event_at, data, before)]

    @staticmethod
    def transfer_vals(admission, location, event_at, data, before):
        """The transfer line: from where the message says (PV1-6), else from
        where the patient lay; to the new location."""
        return {
            "admission_id": admission.id,
            "transferred_at": event_at,
            "from_department_id": before.get("department_id", False),
            "from_ward": data.get("from_ward") or before.get("ward", False),
            "from_bed": data.get("from_bed") or before.get("bed", False),
            "to_department_id": location.get("department_id", admission.department_id.id),
            "to_ward": location.get("ward", admission.ward),
            "to_bed": location.get("bed", admission.bed),
            "his_to_department_code": location.get("his_department_code", False),
        }

    def apply(self, message, admission, location, stay, event_at, data):
        before = {"department_id": admission.department_id.id, "ward": admission.ward, "bed": admission.bed}
        if data.get("from_department_code"):
            before["department_id"] = message._known(message._department, data["from_department_code"]).id
        vals = self.transfer_vals(admission, location, event_at, data, before)
        repeated = admission.transfer_ids.filtered(
            lambda t: t.transferred_at == event_at and t.to_ward == vals["to_ward"] and t.to_bed == vals["to_bed"]
        )
        if not repeated:
            message.env["ihospital.admission.transfer"].sudo().create(vals)
        # an older transfer arriving late is recorded, it does not move the patient back
        newest = event_at >= max([admission.admitted_at, *(admission.transfer_ids - repeated).mapped("transferred_at")])
        admission.write(dict(stay, **location) if newest else stay)


@register
class AdmissionDischarge(AdmissionEvent):
    """ADT^A03: the patient leaves the hospital."""

    message_type = "admission.discharge"
    event_field = "discharged_at"
    carries_procedures = True

    def new_vals(self, number, patient, location, stay, event_at):
        vals = super().new_vals(number, patient, location, stay, event_at)
        return dict(vals, state="discharged", discharged_at=event_at)

    def apply(self, message, admission, location, stay, event_at, data):
        vals = dict(stay)
        if admission.state != "cancelled":
            vals.update(state="discharged", discharged_at=event_at)
        admission.write(vals)


@register
class AdmissionCancel(AdmissionEvent):
    """ADT^A11: the admission was recorded by mistake."""

    message_type = "admission.cancel"
    event_field = "cancelled_at"

    def checked(self, message, data):
        if not data.get("cancelled_at"):
            # the time of a cancellation is a courtesy: the stay is cancelled whenever it was
            data = dict(data, cancelled_at=str(message.received_at.isoformat()) + "+00:00")
        return super().checked(message, data)

    def new_vals(self, number, patient, location, stay, event_at):
        return dict(super().new_vals(number, patient, location, stay, event_at), state="cancelled")

    def apply(self, message, admission, location, stay, event_at, data):
        admission.write({"state": "cancelled"})
