import time

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from odoo import api, models
from odoo.http import get_session_max_inactivity, request

from ..http_cache import SIGNED_IN_COOKIE, is_personal_path, set_cache_control, shared_response

# The last request time is written into the session at most this often:
# every request would rewrite the session file.
TOUCH_SECONDS = 60


class IrHttp(models.AbstractModel):
    """Staff sessions idle for longer than their hospital allows are signed
    out (the way Odoo drops a session whose password changed): auth="user"
    routes then send them to the login page.

    Public reads a proxy may share (ihospital_base/http_cache.py): the
    `Cache-Control` of the routes declared with `@shared_cache`, and the
    signed-in marker cookie that keeps signed-in visitors off the proxy's
    cache."""

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

    @classmethod
    def _post_dispatch(cls, response):
        max_age = shared_response(response)
        cls._ihospital_signed_in_marker()
        result = super()._post_dispatch(response)
        if max_age is not None:
            set_cache_control(response, max_age)
        elif is_personal_path(request.httprequest.path):
            response.headers["Cache-Control"] = "no-store"
        return result

    @classmethod
    def _ihospital_signed_in_marker(cls):
        """A signed-in session's responses set the marker cookie, an anonymous
        one's remove it (after logout, or an expired session). Not a secret:
        it only tells the proxy not to answer from its cache. HttpOnly, like
        the session cookie: no script needs it."""
        has_marker = bool(request.httprequest.cookies.get(SIGNED_IN_COOKIE))
        session = request.session
        # renewed with the session cookie (Odoo sends it again, with a new
        # expiry, whenever the session changed): it never expires first
        if session.uid and (not has_marker or session.is_dirty or session.should_rotate):
            max_age = get_session_max_inactivity(request.env)
            request.future_response.set_cookie(SIGNED_IN_COOKIE, "1", max_age=max_age, httponly=True)
        elif not session.uid and has_marker:
            request.future_response.set_cookie(SIGNED_IN_COOKIE, "", max_age=0, expires=0, httponly=True)

    @classmethod
    def _handle_error(cls, exception):
        response = super()._handle_error(exception)
        # an error page of a shareable route (404, 403...) is never shared
        if getattr(request, "ihospital_shared_max_age", None) is not None:
            if isinstance(response, HTTPException):
                response = response.get_response(request.httprequest.environ)
            if isinstance(response, Response):
                response.headers["Cache-Control"] = "no-store"
        return response
