"""The operations analysis' rows of the suite's access matrix (see
ihospital_base/access_matrix.py): the director, the quality office and the
administrators read their hospital's figures, a department head those of the
departments he or she heads, a doctor his or her own workload; nurses read
none of them."""

ROLES = {}

MATRIX = {
    # daily aggregates, built by the analysis engine only: read as scoped
    "ihospital.analysis.day": {
        "doctor": ("r", "own"),
        "head": ("r", "department"),
        "quality": ("r", "hospital"),
        "director": ("r", "hospital"),
        "admin": ("r", "hospital"),
    },
}

IDENTITY_FIELDS = {}
