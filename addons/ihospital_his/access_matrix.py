"""Rows of the suite's access matrix for the HIS connection (see
ihospital_base/access_matrix.py for the format)."""

ROLES = {"gateway": "ihospital_his.group_his_gateway"}

_CHARGES = {
    "nurse": ("r", "department"),
    "doctor": ("r", "department"),
    "head": ("r", "department"),
    "quality": ("r", "hospital"),
    "director": ("r", "hospital"),
    "admin": ("rwcd", "hospital"),
}

MATRIX = {
    "ihospital.his.message.type": {
        "nurse": ("r", "all"),
        "doctor": ("r", "all"),
        "head": ("r", "all"),
        "quality": ("r", "all"),
        "director": ("r", "all"),
        "admin": ("rwcd", "all"),
    },
    # the gateway user reads its own endpoints; the gateway API works as
    # superuser after checking it (ihospital.his.endpoint._gateway_endpoint)
    "ihospital.his.endpoint": {"gateway": ("r", "own"), "director": ("r", "hospital"), "admin": ("rwcd", "hospital")},
    # the log: only the platform writes it (engine-owned fields)
    "ihospital.his.message": {"director": ("r", "hospital"), "admin": ("rwcd", "hospital")},
    "ihospital.his.message.link": {"director": ("r", "hospital"), "admin": ("rwcd", "hospital")},
    "ihospital.visit.charge": _CHARGES,
    # how the HIS's charge categories count: administrators map them
    "ihospital.charge.class.map": {
        "quality": ("r", "hospital"),
        "director": ("r", "hospital"),
        "admin": ("rwcd", "hospital"),
    },
    # written by the HIS's stats.daily messages only (SQL upsert): read-only
    "ihospital.his.daily.summary": {
        "head": ("r", "department"),
        "quality": ("r", "hospital"),
        "director": ("r", "hospital"),
        "admin": ("r", "hospital"),
    },
}

IDENTITY_FIELDS = {"ihospital.his.message": ("raw", "data", "data_pretty", "reply_raw")}
