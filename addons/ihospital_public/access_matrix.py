"""Rows of the suite's access matrix for the public website (see
ihospital_base/access_matrix.py for the format)."""

_WEBSITE_CONTENT = {
    "nurse": ("r", "hospital"),
    "doctor": ("r", "hospital"),
    "head": ("r", "hospital"),
    "quality": ("r", "hospital"),
    "director": ("r", "hospital"),
    "admin": ("rwcd", "hospital"),
    "portal": ("r", "published"),
    "public": ("r", "published"),
}

ROLES = {}

MATRIX = {
    "ihospital.guide.step": _WEBSITE_CONTENT,
    "ihospital.guide.faq": _WEBSITE_CONTENT,
    "ihospital.map.provider": {
        **{role: ("r", "all") for role in ("nurse", "doctor", "head", "quality", "director", "portal", "public")},
        "admin": ("rwcd", "all"),
    },
    "ihospital.service.menu": {"admin": ("rwcd", "hospital")},
}

IDENTITY_FIELDS = {}
