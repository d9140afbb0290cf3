from odoo import http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.http import request

MESSAGES_PER_PAGE = 20
MESSAGE_LINKS = {
    "ihospital.consultation": "/my/consultations/{res_id}",
    "ihospital.lab.report": "/my/reports",
    "ihospital.imaging.report": "/my/reports",
    "ihospital.appointment": "/my/appointments",
}


class IhospitalPortalMessages(CustomerPortal):
    """My messages: what the hospital notified this account of (booking,
    reminders, stop-clinic, queue, report ready) and the doctors' replies to
    its consultations, newest first."""

    def _ihospital_messages_domain(self):
        partner = request.env.user.partner_id
        return [
            ("notification_ids.res_partner_id", "=", partner.id),
            ("author_id", "!=", partner.id),
            ("message_type", "in", ("comment", "notification", "email", "email_outgoing", "auto_comment")),
        ]

    def _ihospital_messages_sudo(self):
        """Messages addressed to the signed-in account's partner. Sudo with
        an explicit domain on the account's own notifications: a portal user
        may not read mail notifications."""
        return request.env["mail.message"].sudo()

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ihospital_message_count" in counters:
            values["ihospital_message_count"] = self._ihospital_messages_sudo().search_count(
                self._ihospital_messages_domain()
            )
        return values

    @http.route(["/my/messages", "/my/messages/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_messages(self, page=1, **kwargs):
        Message = self._ihospital_messages_sudo()
        domain = self._ihospital_messages_domain()
        total = Message.search_count(domain)
        pager = portal_pager(url="/my/messages", total=total, page=page, step=MESSAGES_PER_PAGE)
        messages = Message.search(domain, order="date desc, id desc", limit=MESSAGES_PER_PAGE, offset=pager["offset"])
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ihospital_messages",
                "ihospital_messages": [
                    (
                        message,
                        MESSAGE_LINKS.get(message.model, "").format(res_id=message.res_id) or False,
                    )
                    for message in messages
                ],
                "pager": pager,
                "default_url": "/my/messages",
            }
        )
        return request.render("ihospital_public.portal_my_messages", values)
