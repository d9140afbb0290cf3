from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request


class IhospitalCamera(http.Controller):
    """The one way out of a camera's stream credentials: the page of
    /ihospital/camera/<id>, for a user the camera is shown to (ACL, hospital
    and role rules of ihospital.camera), each opening written to the access
    log (ihospital.access.log). A camera the user may not open answers like
    one that does not exist."""

    @http.route("/ihospital/camera/<int:camera_id>", type="http", auth="user", methods=["GET"])
    def camera_page(self, camera_id, **kwargs):
        if not request.env.user._is_internal():
            raise NotFound()
        camera = request.env["ihospital.camera"].browse(camera_id)
        try:
            if not camera.exists():
                raise NotFound()
            stream = camera._ihospital_open_stream()
        except AccessError as error:
            raise NotFound() from error
        response = request.render("ihospital_analysis.camera_page", {"camera": stream})
        # the page carries the credentials: not kept by the browser or a
        # proxy, and not sent on in a Referer
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
