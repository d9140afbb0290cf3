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

# Cameras (视频监控): the hospital's administrators keep them and see all of
# their hospitals' cameras; doctors (department heads are doctors too),
# quality officers and the director read those shown to one of their roles
# (the camera's group_ids, a record rule: "own" in the matrix's words: the
# cameras given to them); nurses none (nothing of the analysis). Reading a
# camera never gives its stream credentials: they leave only through the
# logged route /ihospital/camera/<id>.
MATRIX["ihospital.camera"] = {
    "doctor": ("r", "own"),
    "head": ("r", "own"),
    "quality": ("r", "own"),
    "director": ("r", "own"),
    "admin": ("rwcd", "hospital"),
}

IDENTITY_FIELDS = {}
