from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.http import request


class IhospitalServiceMenu(http.Controller):
    @http.route("/ihospital/service-menu/json", type="http", auth="user", methods=["GET"], readonly=True)
    def service_menu_json(self, company_id=None, **kwargs):
        """The hospital's service-account menu as JSON, for its
        administrators only (the file is pasted into the messaging
        platform's menu API)."""
        user = request.env.user
        if not user.has_group("ihospital_base.group_admin"):
            raise Forbidden()
        try:
            company = request.env["res.company"].browse(int(company_id or user.company_id.id))
        except ValueError as error:
            raise NotFound() from error
        if company not in user.company_ids:
            raise NotFound()
        content = request.env["ihospital.service.menu"].with_company(company)._menu_json(company)
        return request.make_response(
            content.encode(),
            headers=[
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Disposition", http.content_disposition(f"service-menu-{company.id}.json")),
            ],
        )
