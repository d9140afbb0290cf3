from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from ..http_cache import shared_cache


class QueueDisplay(http.Controller):
    """The public waiting-room screen (候诊显示屏) of a department, meant for
    a TV browser: today's clinics with the number being called and the next
    ones, updated live through the bus."""

    def _department(self, department_id):
        department = request.env["hr.department"]._queue_display_department(department_id)
        if not department:
            raise NotFound()
        return department

    # readonly: the screens only read (a read replica may serve them)
    @http.route(
        "/ihospital/queue/<int:department_id>",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        readonly=True,
    )
    @shared_cache(max_age=1)
    def queue_display(self, department_id, room=None, **kwargs):
        department = self._department(department_id)
        return request.render(
            "ihospital_base.queue_display",
            {
                "department": department,
                "room": room or "",
                "queues": department._queue_display_state(room),
                "refresh_seconds": 60,
            },
        )

    @http.route(
        "/ihospital/queue/<int:department_id>/state",
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
        readonly=True,
    )
    # what 20,000 screens poll: a proxy answers them from one copy a second
    @shared_cache(max_age=1)
    def queue_state(self, department_id, room=None, **kwargs):
        department = self._department(department_id)
        return request.make_json_response(department._queue_display_state(room))
