"""The staff app's rows of the suite's access matrix (see
ihospital_base/access_matrix.py): scopes say what each role reads; who
changes what is in the record rules (security/ihospital_staff_security.xml)
and tested in tests/test_duty_shift_security.py."""

from odoo.addons.ihospital_base.access_matrix import _STAFF_READ, _SUPERVISORS_READ

ROLES = {}

MATRIX = {
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
}

IDENTITY_FIELDS = {}
