from werkzeug.exceptions import BadRequest, Forbidden

from odoo import _, http
from odoo.exceptions import AccessError, UserError
from odoo.http import content_disposition, request

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CriticalDashboard(http.Controller):
    """The supervision dashboard's figures as a spreadsheet (for the
    hospital's quality reports): the same figures, computed by the same
    method as the screen, so the caller's rights and record rules apply."""

    @http.route(
        "/ihospital_staff/critical_dashboard/xlsx",
        type="http",
        auth="user",
        methods=["GET"],
        readonly=True,
    )
    def critical_dashboard_xlsx(self, date_from=None, date_to=None, department_id=None, source=None, **kwargs):
        try:
            department = int(department_id) if department_id else False
        except ValueError as error:
            raise BadRequest(_("Unknown department.")) from error
        try:
            data = request.env["ihospital.critical.dashboard"].get_data(
                date_from or False, date_to or False, department_id=department, source=source or False
            )
        except AccessError as error:
            raise Forbidden(str(error)) from error
        except UserError as error:
            raise BadRequest(str(error)) from error
        content = request.env["ihospital.critical.dashboard"]._xlsx(data)
        filename = _(
            "critical-values-%(date_from)s-%(date_to)s.xlsx", date_from=data["date_from"], date_to=data["date_to"]
        )
        return request.make_response(
            content,
            headers=[
                ("Content-Type", XLSX_TYPE),
                ("Content-Disposition", content_disposition(filename)),
                ("Content-Length", len(content)),
            ],
        )
