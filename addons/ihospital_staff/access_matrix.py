"""Rows of the suite's access matrix for the staff app (see
ihospital_base/access_matrix.py for the format)."""

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
_CLINICIAN_WIZARD = {"nurse": ("rwc", "own"), "doctor": ("rwc", "own"), "head": ("rwc", "own"), "admin": ("rwc", "own")}

MATRIX = {
    "ihospital.critical.alert": _CRITICAL,
    "ihospital.critical.recipient": _CRITICAL,
    "ihospital.critical.event": _CRITICAL,
    "ihospital.critical.ack.wizard": _CLINICIAN_WIZARD,
    "ihospital.critical.handle.wizard": _CLINICIAN_WIZARD,
}

IDENTITY_FIELDS = {}
