import time

from odoo import api, models
from odoo.http import request

# The last request time is written into the session at most this often:
# every request would rewrite the session file.
TOUCH_SECONDS = 60


class IrHttp(models.AbstractModel):
    """Staff sessions idle for longer than their hospital allows are signed
    out (the way Odoo drops a session whose password changed): auth="user"
    routes then send them to the login page."""

    _inherit = "ir.http"

    @classmethod
    def _authenticate_explicit(cls, auth):
        if request.session.uid is not None and cls._ihospital_session_idle_expired():
            request.session.logout(keep_db=True)
            request.env = api.Environment(request.env.cr, None, request.session.context)
        return super()._authenticate_explicit(auth)

    @classmethod
    def _ihospital_session_idle_expired(cls):
        session = request.session
        user = request.env(user=session.uid)["res.users"].browse(session.uid).sudo()
        if not user.exists() or not user._is_internal():
            return False
        minutes = user.company_id.ihospital_session_idle_minutes
        now = time.time()
        last = session.get("ihospital_last_seen")
        if minutes and last and now - last > minutes * 60:
            return True
        if not last or now - last > TOUCH_SECONDS:
            session["ihospital_last_seen"] = now
        return False
