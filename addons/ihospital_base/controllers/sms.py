import logging

from odoo import http
from odoo.exceptions import AccessError, ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)

MAX_CALLBACK_BYTES = 1024 * 1024


class SmsCallback(http.Controller):
    """Where a hospital's SMS provider posts delivery receipts (回执) and
    replies (上行短信, e.g. 退订). The provider's adapter authenticates each
    request (ihospital.sms._handle_callback); the answer never says more
    than accepted or refused."""

    @http.route(
        "/ihospital/sms/callback/<int:company_id>/<string:kind>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        sitemap=False,
    )
    def sms_callback(self, company_id, kind, **_kwargs):
        payload = request.httprequest.get_data(cache=False)
        if len(payload) > MAX_CALLBACK_BYTES:
            return request.make_json_response({"ok": False, "error": "too large"}, status=413)
        try:
            receipts, replies = request.env["ihospital.sms"]._handle_callback(
                company_id, kind, request.httprequest.headers, payload
            )
        except AccessError:
            _logger.warning("Refused an SMS callback for hospital %s (%s)", company_id, kind)
            return request.make_json_response({"ok": False, "error": "refused"}, status=403)
        except ValidationError as error:
            return request.make_json_response({"ok": False, "error": str(error)}, status=400)
        return request.make_json_response({"ok": True, "receipts": receipts, "replies": replies})
