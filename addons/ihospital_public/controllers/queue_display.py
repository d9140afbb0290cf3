from odoo import http
from odoo.addons.ihospital_base.controllers.main import QueueDisplay


class QueueDisplayWebsite(QueueDisplay):
    """With the website installed, `web.frontend_layout` expects a website
    in the rendering context: serve the waiting-room screen as a website
    page. Not multilingual, so that a TV's URL never gets redirected."""

    @http.route(website=True, multilang=False)
    def queue_display(self, department_id, room=None, **kwargs):
        return super().queue_display(department_id, room=room, **kwargs)
