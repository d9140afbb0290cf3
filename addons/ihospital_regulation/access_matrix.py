"""The addon's rows of the suite's access matrix (see ihospital_base/access_matrix.py).

Regulations are OCA document pages and their versions OCA page histories;
the suite's roles reach them through OCA's groups (security xml):
every staff role reads, heads, quality officers and administrators write
(a head his departments' procedures only, a rule without read), quality
officers, directors and administrators approve. Directors hold OCA's
editor ACL through its approver group, but a rule lets them change no page,
and versions change only through the approval's methods."""

ROLES = {}

# Pages: every staff member reads the hospital's (OCA's hospital rule; the
# constraint gives every regulation a hospital); writes are narrowed by the
# rules of ihospital_regulation_security.xml.
_PAGE = {
    "nurse": ("r", "hospital"),
    "doctor": ("r", "hospital"),
    "head": ("rwc", "hospital"),
    "quality": ("rwc", "hospital"),
    "director": ("rwc", "hospital"),
    "admin": ("rwc", "hospital"),
}
# Versions: readers read the version in effect, the superseded ones and
# their own drafts (rules about states and authors, hence "own" in the
# matrix's words); approvers also what was submitted. States, approval and
# an approved text are the approval engine's (document_page_history.py).
_VERSION = {
    "nurse": ("r", "own"),
    "doctor": ("r", "own"),
    "head": ("rwc", "own"),
    "quality": ("rwc", "own"),
    "director": ("rwc", "own"),
    "admin": ("rwc", "own"),
}

MATRIX = {
    "document.page": _PAGE,
    "document.page.history": _VERSION,
}
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
