from werkzeug.exceptions import BadRequest, Forbidden

from odoo import _, http
from odoo.exceptions import AccessError, UserError
from odoo.http import content_disposition, request

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AnalysisExport(http.Controller):
    """The operations dashboard as a spreadsheet: the figures computed by
    the same method as the screen, so the caller's scope applies."""

    @http.route("/ihospital/analysis/export.xlsx", type="http", auth="user", methods=["GET"])
    def analysis_export_xlsx(
        self, period="today", date_from=None, date_to=None, department_id=None, doctor_id=None, **kw
    ):
        try:
            department = int(department_id) if department_id else None
            doctor = int(doctor_id) if doctor_id else None
        except ValueError as error:
            raise BadRequest(_("Choose the department and the doctor from the lists.")) from error
        Dashboard = request.env["ihospital.analysis.dashboard"]
        try:
            data = Dashboard.get_dashboard(period, date_from or None, date_to or None, department, doctor)
        except AccessError as error:
            raise Forbidden(str(error)) from error
        except UserError as error:
            raise BadRequest(str(error)) from error
        content = Dashboard._ihospital_xlsx(data)
        filename = _(
            "operations-%(date_from)s-%(date_to)s.xlsx",
            date_from=data["period"]["date_from"],
            date_to=data["period"]["date_to"],
        )
        return request.make_response(
            content,
            headers=[
                ("Content-Type", XLSX_TYPE),
                ("Content-Disposition", content_disposition(filename)),
                ("Content-Length", len(content)),
                ("Cache-Control", "no-store"),
            ],
        )
