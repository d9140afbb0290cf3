"""The follow-up's rows of the suite's access matrix (see
ihospital_base/access_matrix.py): administrators and quality officers keep
the hospital's plans (and its surveys, as Odoo's survey administrators);
every staff role reads the plans; follow-ups and their messages are the
engine's, read by clinicians for their departments (a doctor his or her
own too), by the head for the departments headed, and by the quality
office, the director and the administrators for the hospital."""

ROLES = {}

_PLAN = {
    "nurse": ("r", "hospital"),
    "doctor": ("r", "hospital"),
    "head": ("r", "hospital"),
    "director": ("r", "hospital"),
    "quality": ("rwcd", "hospital"),
    "admin": ("rwcd", "hospital"),
}
_FOLLOWUP = {
    "nurse": ("r", "department"),
    "doctor": ("r", "department"),
    "head": ("r", "department"),
    "quality": ("r", "hospital"),
    "director": ("r", "hospital"),
    "admin": ("r", "hospital"),
}

MATRIX = {
    "ihospital.followup.plan": _PLAN,
    "ihospital.followup.plan.step": _PLAN,
    "ihospital.followup": _FOLLOWUP,
    "ihospital.followup.message": _FOLLOWUP,
}

IDENTITY_FIELDS = {}

# Follow-up survey results (a read-only view of the answers): a doctor his or
# her own scores, a department head the departments headed, the quality
# office, the director and the administrators the hospital; nurses none.
MATRIX["ihospital.followup.result"] = {
    "doctor": ("r", "own"),
    "head": ("r", "department"),
    "quality": ("r", "hospital"),
    "director": ("r", "hospital"),
    "admin": ("r", "hospital"),
}
