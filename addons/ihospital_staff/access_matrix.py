"""Rows of the suite's access matrix for the staff app (see
ihospital_base/access_matrix.py for the format)."""

from odoo.addons.ihospital_base.access_matrix import STAFF_ROLES

ROLES = {}

_HOSPITAL_READ = {role: ("r", "hospital") for role in ("nurse", "doctor", "head", "director")}

MATRIX = {
    # critical values: medical affairs keeps the hospital's list (archiving,
    # not deleting, what it no longer uses), every staff member reads it
    "ihospital.critical.limit": {**_HOSPITAL_READ, "quality": ("rwc", "hospital"), "admin": ("rwcd", "hospital")},
    "ihospital.critical.limit.unit": {
        **_HOSPITAL_READ,
        "quality": ("rwcd", "hospital"),
        "admin": ("rwcd", "hospital"),
    },
    # unit conversions that hold for any analyte: platform data (settings only)
    "ihospital.critical.unit.conversion": {role: ("r", "all") for role in STAFF_ROLES},
}

IDENTITY_FIELDS = {}
