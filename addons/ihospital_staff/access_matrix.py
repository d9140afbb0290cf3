"""The staff app's rows of the suite's access matrix (see
ihospital_base/access_matrix.py): scopes say what each role reads; who
changes what is in the record rules (security/ihospital_staff_security.xml)
and tested in tests/test_duty_shift_security.py and test_critical_alert.py."""

from odoo.addons.ihospital_base.access_matrix import _STAFF_READ, _SUPERVISORS_READ, STAFF_ROLES

ROLES = {}

# Critical values: clinicians read those sent to them and their departments';
# supervisors the hospital; nobody writes them except through their actions
# (the engine writes as superuser).
_CRITICAL = {
    "nurse": ("r", "department"),
    "doctor": ("r", "department"),
    "head": ("r", "department"),
    "quality": ("r", "hospital"),
    "director": ("r", "hospital"),
    "admin": ("r", "hospital"),
}
# the acknowledge and handle forms: the clinicians' own
# (administrators are department heads too in Odoo's groups: the alert's
# action still refuses them unless they are a recipient or of its department)
_HOSPITAL_READ = {role: ("r", "hospital") for role in ("nurse", "doctor", "head", "director")}
_CLINICIAN_WIZARD = {"nurse": ("rwc", "own"), "doctor": ("rwc", "own"), "head": ("rwc", "own"), "admin": ("rwc", "own")}
# every staff member reads the hospital's own directory, administrators keep it
_DIRECTORY = {**{role: ("r", "hospital") for role in STAFF_ROLES}, "admin": ("rwcd", "hospital")}

# Notices: staff read those sent to them; heads read their departments' and
# change their own (security xml, test_notice.py); the hospital's management
# all. Read receipts: one's own, the sender's.
_NOTICE = {
    "nurse": ("r", "own"),
    "doctor": ("r", "own"),
    "head": ("rwc", "department"),
    "quality": ("rwc", "hospital"),
    "director": ("rwc", "hospital"),
    "admin": ("rwcd", "hospital"),
}
_RECEIPT = {
    "nurse": ("r", "own"),
    "doctor": ("r", "own"),
    "head": ("r", "department"),
    "quality": ("r", "hospital"),
    "director": ("r", "hospital"),
    "admin": ("r", "hospital"),
}

MATRIX = {
    "ihospital.notice": _NOTICE,
    "ihospital.read.receipt": _RECEIPT,
    "ihospital.critical.alert": _CRITICAL,
    "ihospital.critical.recipient": _CRITICAL,
    "ihospital.critical.event": _CRITICAL,
    "ihospital.critical.ack.wizard": _CLINICIAN_WIZARD,
    "ihospital.critical.handle.wizard": _CLINICIAN_WIZARD,
    "ihospital.critical.contact.wizard": _CLINICIAN_WIZARD,
    # every staff member reads the roster; heads plan their departments'
    # posts, medical affairs (quality) and administrators the hospital's
    "ihospital.duty.shift": {
        **_STAFF_READ,
        **_SUPERVISORS_READ,
        "head": ("rwcd", "hospital"),
        "quality": ("rwcd", "hospital"),
        "admin": ("rwcd", "hospital"),
    },
    "ihospital.duty.shift.copy": {"head": ("rwc", "own"), "quality": ("rwc", "own"), "admin": ("rwc", "own")},
    # critical values: medical affairs keeps the hospital's list (archiving,
    # not deleting, what it no longer uses), every staff member reads it
    "ihospital.critical.limit": {**_HOSPITAL_READ, "quality": ("rwc", "hospital"), "admin": ("rwcd", "hospital")},
    "ihospital.critical.limit.unit": {
        **_HOSPITAL_READ,
        "quality": ("rwcd", "hospital"),
        "admin": ("rwcd", "hospital"),
    },
    # the hospital's own directory (定制通讯录): every staff member reads it,
    # the administrators keep it
    "ihospital.directory.category": _DIRECTORY,
    "ihospital.directory.entry": _DIRECTORY,
    # group SMS: any staff role may hold the right (each hospital chooses
    # the roles that send, checked in the methods); a sender sees their own
    # group SMS and delivery reports, administrators the hospital's
    "ihospital.sms.campaign": {
        **{role: ("rwc", "own") for role in ("nurse", "doctor", "head", "quality", "director")},
        "admin": ("rwcd", "hospital"),
    },
    "ihospital.sms.campaign.value": {
        **{role: ("rwcd", "own") for role in ("nurse", "doctor", "head", "quality", "director")},
        "admin": ("rwcd", "hospital"),
    },
    "ihospital.sms.campaign.recipient": {
        **{role: ("r", "own") for role in ("nurse", "doctor", "head", "quality", "director")},
        "admin": ("r", "hospital"),
    },
    # handing a patient's question over: the doctor it is with, the
    # department head or an administrator (checked by the question's action)
    "ihospital.consultation.handover": {"doctor": ("rwc", "own"), "head": ("rwc", "own"), "admin": ("rwc", "own")},
    # unit conversions that hold for any analyte: platform data (settings only)
    "ihospital.critical.unit.conversion": {role: ("r", "all") for role in STAFF_ROLES},
}

IDENTITY_FIELDS = {}
