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
    # the groups, cached per user since the session check, not a read of
    # the account: portal users are the share users who are not public
    return user if user._is_portal() else user.browse()


def managed_links_sudo(patient_ids=None, order=None, fields=None, **filters):
    """The signed-in portal account's links to the patients it manages
    (optionally among `patient_ids`), in `order` (the model's by default),
    with only `fields` fetched when given; none for staff accounts. Sudo
    with an explicit filter on the account."""
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
    if fields:  # only these fields, in the same query
        return Link.search_fetch(domain, fields, order=order)
    return Link.search(domain, order=order)


def sees_appointment(appointment_sudo):
    """Whether the signed-in portal account may see this appointment: it
    booked it, or the hospital confirmed it manages the patient."""
    account = portal_account()
    if not account or not appointment_sudo:
        return False
    if appointment_sudo.user_id == account:
        return True
    return managed_links_sudo(appointment_sudo.patient_id.ids).state == "confirmed"


def appointment_domain():
    """The same as a search domain, for the account's appointment list (with
    the patients' ids: the account reads no link records itself)."""
    account = portal_account()
    confirmed = managed_links_sudo().filtered(lambda link: link.state == "confirmed").patient_id
    return ["|", ("user_id", "=", account.id or 0), ("patient_id", "in", confirmed.ids)]
