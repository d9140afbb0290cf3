from odoo import http
from odoo.addons.mail.controllers.thread import ThreadController
from odoo.http import request


def _readonly_unless_audited(_controller):
    """The chatter's data of an audited record (a patient, a report, a
    critical value) reads it through _read_format, which writes the access
    log row: such a request runs read-write at once, instead of failing in a
    read-only transaction and being retried with a warning. Any other
    thread keeps Odoo's read-only transaction."""
    try:
        model = (request.get_json_data().get("params") or {}).get("thread_model")
    except (ValueError, AttributeError):
        return True
    registry = request.registry
    if not isinstance(model, str) or model not in registry:
        return True
    return not issubclass(registry[model], registry["ihospital.audited.mixin"])


class IhospitalThreadController(ThreadController):
    @http.route(readonly=_readonly_unless_audited)
    def mail_thread_data(self, thread_model, thread_id, request_list, **kwargs):
        return super().mail_thread_data(thread_model, thread_id, request_list, **kwargs)
