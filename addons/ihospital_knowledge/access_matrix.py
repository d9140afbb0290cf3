"""The medical knowledge's rows of the suite's access matrix (see
ihospital_base/access_matrix.py): every staff role reads its hospital's
drugs, incompatibilities, diseases and literature; the pharmacy (the
pharmacist role this addon adds) and the administrators keep the drug
knowledge; the HIS's gateway user reads drugs and incompatibilities so that
the HIS can call the checker over XML-RPC."""

from odoo.addons.ihospital_base.access_matrix import STAFF_ROLES

ROLES = {"pharmacist": "ihospital_knowledge.group_pharmacist"}

_STAFF = (*STAFF_ROLES, "pharmacist")
_READ = {role: ("r", "hospital") for role in _STAFF}
_DRUG_KNOWLEDGE = {**_READ, "pharmacist": ("rwcd", "hospital"), "admin": ("rwcd", "hospital")}

MATRIX = {
    "ihospital.drug": {**_DRUG_KNOWLEDGE, "gateway": ("r", "hospital")},
    "ihospital.drug.incompatibility": {**_DRUG_KNOWLEDGE, "gateway": ("r", "hospital")},
    "ihospital.diagnosis.code": _DRUG_KNOWLEDGE,
    # the WHO's codes are shared by every hospital, kept by the administrators
    "ihospital.disease": {**_READ, "admin": ("rwcd", "hospital")},
    "ihospital.literature": {
        **_READ,
        "quality": ("rwcd", "hospital"),
        "pharmacist": ("rwcd", "hospital"),
        "admin": ("rwcd", "hospital"),
    },
    # the checker's screen: each user's own
    "ihospital.drug.check": {role: ("rwc", "own") for role in _STAFF},
}

IDENTITY_FIELDS = {}

# The pharmacist is an internal user: it reads what the other addons open to
# every internal user (their base.group_user ACLs). Merged by role into
# those models' rows (ihospital_base/tests/test_access_matrix.py), for the
# models installed.
_INTERNAL_USER = {"pharmacist": ("r", "hospital")}
EXTENDS = {
    **dict.fromkeys(
        (
            "ihospital.hospital.phone",
            "ihospital.building",
            "ihospital.floor",
            "ihospital.merchant",
            "ihospital.schedule",
            "ihospital.schedule.template",
            "ihospital.slot",
            "ihospital.sms.template",
            "ihospital.duty.shift",
            "ihospital.critical.limit",
            "ihospital.critical.limit.unit",
            "ihospital.directory.category",
            "ihospital.directory.entry",
            "ihospital.guide.step",
            "ihospital.guide.faq",
        ),
        _INTERNAL_USER,
    ),
    "ihospital.his.message.type": {"pharmacist": ("r", "all")},
    "ihospital.critical.unit.conversion": {"pharmacist": ("r", "all")},
    "ihospital.map.provider": {"pharmacist": ("r", "all")},
    "ihospital.read.receipt": {"pharmacist": ("r", "own")},
    "rating.rating": {"pharmacist": ("rwc", "record")},
    "ir.attachment": {"pharmacist": ("rwcd", "record")},
    "mail.message": {"pharmacist": ("rwcd", "record")},
}
