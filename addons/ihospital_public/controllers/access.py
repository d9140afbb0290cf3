"""Who a portal route serves.

Routes under /my that read or change patients, appointments, reports and
consultations as superuser serve portal (share) accounts only, acting on the
patients their own account manages (ihospital.patient.account). Record rules
are not enough here: a hospital director's rules show the whole hospital,
and the portal pages must not become a second back office for staff."""

from odoo.http import request


def portal_account():
    """The signed-in portal account, or an empty recordset for staff and
    visitors."""
    user = request.env.user
    return user if user.share and not user._is_public() else user.browse()


def managed_links_sudo(patient_ids=None, **filters):
    """The signed-in portal account's links to the patients it manages
    (optionally among `patient_ids`); none for staff accounts. Sudo with an
    explicit filter on the account."""
    Link = request.env["ihospital.patient.account"].sudo()
    account = portal_account()
    if not account:
        return Link
    domain = [("user_id", "=", account.id)]
    if patient_ids is not None:
        domain.append(("patient_id", "in", list(patient_ids)))
    if filters.get("active_only"):
        domain.append(("patient_id.active", "=", True))
    if filters.get("company"):
        domain.append(("company_id", "=", filters["company"].id))
    return Link.search(domain)


def manages(patient):
    """Whether the signed-in portal account manages `patient`."""
    return bool(patient) and bool(managed_links_sudo(patient.ids))
