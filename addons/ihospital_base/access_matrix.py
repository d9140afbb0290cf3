"""The access matrix of the suite: every role x every model the suite opens
to its roles x read/write/create/unlink, with the scope of what the role
sees, and the identity fields only the identity group reads.

This file is the declaration; the ACLs (security/ir.model.access.csv) and
record rules (security/ihospital_base_security.xml) implement it, and
tests/test_access_matrix.py checks them against it: a model of the suite
without a row, or an ACL or rule that says something else, fails. Each addon
of the suite that adds models declares their rows in its own
access_matrix.py (MATRIX, IDENTITY_FIELDS, ROLES for the roles it adds, and
EXTENDS for those roles' access to other addons' models);
docs/security.md explains it in words.

Operations: "r" read, "w" write, "c" create, "d" delete (unlink). A role
missing from a model's row has no access at all. Scopes (what the role
reads):
- "own": its own records (asked by, booked by, managed by, assigned to it);
- "department": its departments' (and its own) records;
- "published": what is published (website content, for visitors);
- "hospital": its hospitals' records;
- "all": records that belong to no hospital (types, technical rows);
- "record": core models whose records follow the access of the record they
  belong to (attachments, messages, ratings).
"""

IDENTITY_GROUP = "ihospital_base.group_patient_identity"

ROLES = {
    "nurse": "ihospital_base.group_nurse",
    "doctor": "ihospital_base.group_doctor",
    "head": "ihospital_base.group_department_head",
    "quality": "ihospital_base.group_quality_officer",
    "director": "ihospital_base.group_director",
    "admin": "ihospital_base.group_admin",
    "portal": "base.group_portal",
    "public": "base.group_public",
}

STAFF_ROLES = ("nurse", "doctor", "head", "quality", "director", "admin")

# Roles that see patient identity in full (the others see it masked).
IDENTITY_ROLES = ("nurse", "doctor", "head", "admin")

_STAFF_READ = {"nurse": ("r", "hospital"), "doctor": ("r", "hospital"), "head": ("r", "hospital")}
_SUPERVISORS_READ = {"quality": ("r", "hospital"), "director": ("r", "hospital")}
_PUBLIC_INFO = {
    **_STAFF_READ,
    **_SUPERVISORS_READ,
    "admin": ("rwcd", "hospital"),
    "portal": ("r", "hospital"),
    "public": ("r", "hospital"),
}
_CLINICAL_READ = {
    "nurse": ("r", "department"),
    "doctor": ("r", "department"),
    "head": ("r", "department"),
    **_SUPERVISORS_READ,
    "admin": ("rwcd", "hospital"),
}

MATRIX = {
    # hospital information shown on the public website
    "ihospital.hospital.phone": _PUBLIC_INFO,
    "ihospital.building": _PUBLIC_INFO,
    "ihospital.floor": _PUBLIC_INFO,
    "ihospital.merchant": _PUBLIC_INFO,
    # patients and their care
    "ihospital.patient": {
        "nurse": ("rw", "department"),
        "doctor": ("rw", "department"),
        "head": ("rw", "department"),
        **_SUPERVISORS_READ,
        "admin": ("rwcd", "hospital"),
        "portal": ("r", "own"),
    },
    "ihospital.patient.account": {
        "nurse": ("r", "hospital"),
        "doctor": ("r", "hospital"),
        "head": ("r", "hospital"),
        "admin": ("rwcd", "hospital"),
    },
    "ihospital.visit": {
        "nurse": ("rwc", "department"),
        "doctor": ("rwc", "department"),
        "head": ("rwc", "department"),
        **_SUPERVISORS_READ,
        "admin": ("rwcd", "hospital"),
    },
    # inpatient stays from the HIS: staff read, the administrators keep
    # them; transfers are what the HIS reported, edited by nobody
    "ihospital.admission": _CLINICAL_READ,
    "ihospital.admission.transfer": {**_CLINICAL_READ, "admin": ("r", "hospital")},
    "ihospital.patient.allergy": _CLINICAL_READ,
    "ihospital.vital.sign": _CLINICAL_READ,
    # medical orders and their executions: what the HIS reported, read by
    # staff under the department rules of their stay, edited by nobody
    "ihospital.medical.order": {**_CLINICAL_READ, "admin": ("r", "hospital")},
    "ihospital.medical.order.event": {**_CLINICAL_READ, "admin": ("r", "hospital")},
    "ihospital.order.execution": {**_CLINICAL_READ, "admin": ("r", "hospital")},
    "ihospital.lab.report": _CLINICAL_READ,
    "ihospital.lab.result": _CLINICAL_READ,
    "ihospital.imaging.report": _CLINICAL_READ,
    "ihospital.exam.report": _CLINICAL_READ,
    "ihospital.exam.item": _CLINICAL_READ,
    # booking: appointments are created by the booking engine only
    "ihospital.schedule": {
        "nurse": ("rw", "hospital"),
        "doctor": ("rw", "hospital"),
        "head": ("rw", "hospital"),
        **_SUPERVISORS_READ,
        "admin": ("rwcd", "hospital"),
    },
    "ihospital.schedule.template": {**_STAFF_READ, **_SUPERVISORS_READ, "admin": ("rwcd", "hospital")},
    # slots are the booking engine's (numbers, counters): nobody edits them
    "ihospital.slot": {**_STAFF_READ, **_SUPERVISORS_READ, "admin": ("r", "hospital")},
    "ihospital.appointment": {
        "nurse": ("rw", "department"),
        "doctor": ("rw", "department"),
        "head": ("rw", "department"),
        **_SUPERVISORS_READ,
        "admin": ("rwd", "hospital"),
        "portal": ("r", "own"),
    },
    "ihospital.schedule.stop": {"head": ("rwc", "own"), "admin": ("rwc", "own")},
    "ihospital.schedule.generate": {"admin": ("rwc", "own")},
    "ihospital.appointment.book": {"nurse": ("rwc", "own"), "admin": ("rwc", "own")},
    # quality office
    "ihospital.complaint": {
        "head": ("r", "department"),
        "quality": ("rwc", "hospital"),
        "director": ("r", "hospital"),
        "admin": ("rwcd", "hospital"),
    },
    # consultations: a doctor answers those asked to her or him and reads
    # the department's (writes only her or his own, see the record rules)
    "ihospital.consultation": {
        "doctor": ("rw", "department"),
        "head": ("rw", "department"),
        **_SUPERVISORS_READ,
        "admin": ("rwcd", "hospital"),
        "portal": ("r", "own"),
    },
    # identity checks and audit trails: written by the platform only
    "ihospital.report.verification": {"admin": ("rd", "hospital")},
    "ihospital.report.view.log": {"quality": ("r", "hospital"), "admin": ("r", "hospital")},
    "ihospital.access.log": {"quality": ("r", "hospital"), "admin": ("r", "hospital")},
    # emergency access (break the glass): granted by the engine only; a
    # clinician reads her or his own, the quality office reviews the
    # hospital's (the review note; the rest is the engine's)
    "ihospital.emergency.access": {
        "nurse": ("r", "own"),
        "doctor": ("r", "own"),
        "head": ("r", "own"),
        "quality": ("rw", "hospital"),
        "director": ("r", "hospital"),
        "admin": ("rw", "hospital"),
    },
    "ihospital.emergency.access.wizard": {
        "nurse": ("rwc", "own"),
        "doctor": ("rwc", "own"),
        "head": ("rwc", "own"),
        "admin": ("rwc", "own"),
    },
    "ihospital.code.sent": {"admin": ("r", "all")},
    # text messages: staff read the templates (group SMS senders choose
    # one), administrators keep their hospital's; the log is written by
    # the platform only; administrators record opt-outs and archive them
    "ihospital.sms.template": {**_STAFF_READ, **_SUPERVISORS_READ, "admin": ("rwcd", "hospital")},
    "ihospital.sms.message": {"admin": ("r", "hospital")},
    "ihospital.sms.optout": {"admin": ("rwc", "hospital")},
    # core models the suite uses; their records follow the record they belong to
    "rating.rating": {role: ("rwc", "record") for role in STAFF_ROLES},
    "ir.attachment": {role: ("rwcd", "record") for role in STAFF_ROLES},
    "mail.message": {
        **{role: ("rwcd", "record") for role in STAFF_ROLES},
        "portal": ("rwcd", "record"),
        "public": ("r", "record"),
    },
}

IDENTITY_FIELDS = {
    "ihospital.patient": ("id_number", "phone", "guardian_phone"),
    "ihospital.complaint": ("contact_phone",),
    "ihospital.report.verification": ("pending_phone",),
    "ihospital.sms.message": ("number",),
    "ihospital.sms.optout": ("number",),
}
