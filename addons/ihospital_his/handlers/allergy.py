"""A patient's allergies and alerts outside admissions (过敏史与警示;
ADT^A60 with one IAM per entry, JSON patient.allergy): each entry is added,
updated or removed, matched on the patient by the HIS's own id of the entry
(`ref`), else its code, else its kind and text.

Changes may overtake each other (the HIS's channels, a retry): every entry
keeps the time the HIS recorded its last change (`recorded_at`), and an
older change arriving late is ignored. A removal archives the entry (one
the platform never had is kept archived): an older "add" arriving after it
does not bring it back. A message whose patient the platform does not know
waits for the registration."""

from collections import defaultdict

from odoo import _
from odoo.exceptions import UserError, ValidationError

from .admission import ALLERGY_SEVERITIES, ALLERGY_TYPES
from .common import Handler, changed_vals, register
from .report import MACHINE_CREATE

ACTIONS = ["add", "update", "remove"]
KINDS = ["allergy", "alert"]
# what an entry of the message may set (the action, the key and the time aside)
ENTRY_FIELDS = ("kind", "allergen", "allergen_code", "allergy_type", "severity", "reaction", "identified_date")


def entry_keys(vals):
    """The keys an entry is matched by, strongest first: the HIS's id of the
    entry, its code, its kind and text."""
    keys = []
    if vals["his_ref"]:
        keys.append(("ref", vals["his_ref"]))
    if vals["allergen_code"]:
        keys.append(("code", vals["allergen_code"]))
    keys.append(("text", vals["kind"], vals["allergen"]))
    return keys


class Known:
    """The entries of some patients (archived included), found by their
    keys. A weaker key matches only an entry that does not contradict the
    stronger ones: another reference or another code is another entry."""

    def __init__(self, allergies=()):
        self.by_key = defaultdict(dict)  # patient id -> {key: entry}
        for allergy in allergies:
            self.add(allergy.patient_id.id, allergy)

    def add(self, patient_id, entry):
        """`entry`: a record, or the values of one about to be created."""
        keys = self.by_key[patient_id]
        for key in entry_keys(entry):
            keys.setdefault(key, entry)

    def match(self, patient_id, vals):
        keys = self.by_key.get(patient_id, {})
        for key in entry_keys(vals):
            entry = keys.get(key)
            if entry is not None and all(
                not (vals[field] and entry[field] and entry[field] != vals[field])
                for field in ("his_ref", "allergen_code")
            ):
                return entry
        return None


@register
class PatientAllergy(Handler):
    message_type = "patient.allergy"
    batched = True

    def checked(self, message, data):
        """(when the HIS recorded the changes, [(action, entry values)]),
        validated before anything is looked up."""
        message._require(data, "patient", "recorded_at", "allergies")
        if not isinstance(data["patient"], dict) or not message._patient_identifiers(data["patient"]):
            raise ValidationError(_("The field patient must be an object with an identifier."))
        if not isinstance(data["allergies"], list):
            raise ValidationError(_("The field allergies must be a list."))
        recorded_at = message._datetime(data["recorded_at"], "recorded_at")
        entries = []
        for item in data["allergies"]:
            if not isinstance(item, dict):
                raise ValidationError(_("Each allergy must be an object."))
            message._require(item, "action", "allergen")
            kind = message._enum(item.get("kind") or "allergy", KINDS, "kind")
            vals = {
                "kind": kind,
                "allergen": str(item["allergen"]).strip(),
                "allergen_code": str(item.get("code") or "").strip() or False,
                "allergy_type": message._enum(item["type"], ALLERGY_TYPES, "type") if item.get("type") else False,
                "severity": message._enum(item["severity"], ALLERGY_SEVERITIES, "severity")
                if item.get("severity")
                else False,
                "reaction": item.get("reaction") or False,
                "identified_date": message._date(item.get("identified_at"), "identified_at"),
                "his_ref": str(item.get("ref") or "").strip() or False,
            }
            entries.append((message._enum(item["action"], ACTIONS, "action"), vals))
        return recorded_at, entries

    @staticmethod
    def new_vals(patient, action, vals, recorded_at):
        """An entry the platform does not have yet (a removal of one is kept
        archived, so that an older addition arriving later stays removed)."""
        return dict(vals, patient_id=patient.id, active=action != "remove", his_recorded_at=recorded_at, source="his")

    # ------------------------------------------------------------------ one message
    def process(self, message, data):
        recorded_at, entries = self.checked(message, data)
        patient = message._patient(data["patient"])  # waits for the registration
        message.patient_id = patient
        Allergy = message.env["ihospital.patient.allergy"].sudo().with_context(active_test=False, **MACHINE_CREATE)
        known = Known(Allergy.search([("patient_id", "=", patient.id)]))
        for action, vals in entries:
            allergy = known.match(patient.id, vals)
            if not allergy:
                allergy = Allergy.create(self.new_vals(patient, action, vals, recorded_at))
                known.add(patient.id, allergy)
                message._link(allergy, "created")
                continue
            if allergy.his_recorded_at and allergy.his_recorded_at > recorded_at:
                continue  # an older change that overtook a newer one: the newer one stands
            changes = {"active": action != "remove", "his_recorded_at": recorded_at, "source": "his"}
            if action != "remove":
                # what the HIS sends replaces what the entry says; fields left out stay
                changes.update({field: vals[field] for field in ENTRY_FIELDS if vals[field]})
            if vals["his_ref"] and not allergy.his_ref:
                changes["his_ref"] = vals["his_ref"]
            changes = changed_vals(allergy, changes)
            if changes:
                allergy.write(changes)
            message._link(allergy, "updated")

    # ------------------------------------------------------------------ a run
    def process_batch(self, messages):
        """Create the new entries of a run with one search per kind of
        lookup and one create. Left for the one-by-one path, in order: a
        message with an entry the platform has (an update, a removal), an
        entry named twice, a patient not known yet, bad data; and the later
        messages of that patient."""
        rest_ids, done_ids = [], []
        by_hospital = defaultdict(list)
        for message in messages:
            data = message.sudo().data or {}
            try:
                recorded_at, entries = self.checked(message, data)
            except (ValidationError, UserError, KeyError, TypeError):
                rest_ids.append(message.id)  # the one-by-one path says what is wrong and parks it
                continue
            by_hospital[message._hospital].append((message, data["patient"], recorded_at, entries))
        links = []
        for hospital, items in by_hospital.items():
            Message = items[0][0]
            Allergy = Message.env["ihospital.patient.allergy"].sudo().with_context(active_test=False, **MACHINE_CREATE)
            patients = Message._patients_of(hospital, [item[1] for item in items])
            ids = list({patient.id for patient in patients if patient})
            known = Known(
                Allergy.search_fetch(
                    [("patient_id", "in", ids)], ["patient_id", "his_ref", "allergen_code", "kind", "allergen"]
                )
                if ids
                else ()
            )
            deferred = set()  # patients whose messages go one by one, in order
            new, created_for = [], []
            for (message, _patient_data, recorded_at, entries), patient in zip(items, patients, strict=True):
                if not patient or patient.id in deferred:
                    deferred.add(patient.id)
                    rest_ids.append(message.id)
                    continue
                vals_list = [self.new_vals(patient, action, vals, recorded_at) for action, vals in entries]
                run = Known()  # an entry named twice in the message is an update: one by one
                repeated = False
                for vals in vals_list:
                    repeated = repeated or run.match(patient.id, vals) is not None
                    run.add(patient.id, vals)
                if repeated or any(known.match(patient.id, vals) is not None for vals in vals_list):
                    deferred.add(patient.id)
                    rest_ids.append(message.id)
                    continue
                for vals in vals_list:
                    known.add(patient.id, vals)
                new += vals_list
                created_for += [message] * len(vals_list)
                message.patient_id = patient
                done_ids.append(message.id)
            allergies = Allergy.create(new)
            links += [message._link_vals(allergy) for message, allergy in zip(created_for, allergies, strict=True)]
        messages.env["ihospital.his.message.link"].sudo().create(links)
        return messages.browse(done_ids), messages.browse(rest_ids)
