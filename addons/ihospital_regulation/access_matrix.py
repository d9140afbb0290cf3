"""The addon's rows of the suite's access matrix (see ihospital_base/access_matrix.py)."""

ROLES = {}
MATRIX = {}
IDENTITY_FIELDS = {}
