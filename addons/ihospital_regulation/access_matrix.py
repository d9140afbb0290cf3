"""The addon's rows of the suite's access matrix (see ihospital_base/access_matrix.py)."""

ROLES = {}
MATRIX = {}
IDENTITY_FIELDS = {}

# Read-and-confirm campaigns (学习确认): staff read those sent to them; heads
# read their departments' and change their own; the hospital's management
# all (security/ihospital_regulation_campaign_security.xml, tested in
# tests/test_regulation_campaign.py). The completion report by department:
# heads their departments', the hospital's management all.
MATRIX["ihospital.regulation.campaign"] = {
    "nurse": ("r", "own"),
    "doctor": ("r", "own"),
    "head": ("rwc", "department"),
    "quality": ("rwc", "hospital"),
    "director": ("rwc", "hospital"),
    "admin": ("rwcd", "hospital"),
}
MATRIX["ihospital.regulation.campaign.report"] = {
    "head": ("r", "department"),
    "quality": ("r", "hospital"),
    "director": ("r", "hospital"),
    "admin": ("r", "hospital"),
}
