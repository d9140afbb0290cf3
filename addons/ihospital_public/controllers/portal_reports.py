from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.addons.ihospital_base.models.ihospital_report_view_log import REPORT_MODELS
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import UserError
from odoo.http import request

from .access import managed_links_sudo

REPORTS_PER_PAGE = 20
PDF_REPORTS = {
    "lab": "ihospital_base.action_report_lab",
    "imaging": "ihospital_base.action_report_imaging",
    "exam": "ihospital_base.action_report_exam",
}
TEMPLATES = {
    "lab": "ihospital_public.portal_report_lab",
    "imaging": "ihospital_public.portal_report_imaging",
    "exam": "ihospital_public.portal_report_exam",
}


class IhospitalPortalReports(CustomerPortal):
    """My reports (取报告单). Portal accounts have no access rights on
    reports at all: with them, a report's content could be read over
    JSON-RPC without the identity check. These routes read reports as
    superuser, only for the patients the account manages, and show a
    report's content (page or PDF) only while the account's identity check
    for that patient is valid."""

    # ---------------------------------------------------------------- helpers
    def _ihospital_managed_patients(self):
        """Active patients the signed-in account manages (sudo: explicit
        filter on the account's own links). An unconfirmed link lists its
        reports locked: the identity check, with the code sent to the phone
        the hospital registered, confirms the link first."""
        return managed_links_sudo(active_only=True).patient_id

    def _ihospital_patient_names(self):
        """What the pages call each managed patient: for a link the hospital
        has not confirmed, the name the account gave, never the record's."""
        return {link.patient_id.id: link.portal_name for link in managed_links_sudo(active_only=True)}

    def _ihospital_report_sudo(self, kind, report_id):
        """The report, as superuser, if it belongs to a managed patient;
        404 otherwise (also for another account's report)."""
        model = REPORT_MODELS.get(kind)
        if not model:
            raise NotFound()
        report_sudo = request.env[model].sudo().browse(int(report_id)).exists()
        if not report_sudo or report_sudo.patient_id not in self._ihospital_managed_patients():
            raise NotFound()
        return report_sudo

    def _ihospital_verification(self, patient):
        return request.env["ihospital.report.verification"]._get_for(request.env.user, patient)

    def _ihospital_verified_patients(self, patients):
        """Those of `patients` whose identity check of this account is
        still valid (read only: listing creates no verification)."""
        verifications_sudo = (
            request.env["ihospital.report.verification"]
            .sudo()
            .search(
                [
                    ("user_id", "=", request.env.user.id),
                    ("patient_id", "in", patients.ids),
                    ("verified_until", ">", fields.Datetime.now()),
                ]
            )
        )
        return verifications_sudo.patient_id

    def _ihospital_reports_domain(self, patients):
        return [("patient_id", "in", patients.ids)]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ihospital_report_count" in counters:
            patients = self._ihospital_managed_patients()
            domain = self._ihospital_reports_domain(patients)
            values["ihospital_report_count"] = sum(
                request.env[model].sudo().search_count(domain) for model in REPORT_MODELS.values()
            )
        return values

    # ------------------------------------------------------------------- list
    @http.route(["/my/reports", "/my/reports/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_reports(self, page=1, patient=None, **kwargs):
        patients = self._ihospital_managed_patients()
        selected = patients.filtered(lambda p: str(p.id) == str(patient)) if patient else patients
        domain = self._ihospital_reports_domain(selected or patients)
        rows = []
        for kind, model in REPORT_MODELS.items():
            for report in request.env[model].sudo().search_read(domain, ["reported_at"]):
                rows.append((report["reported_at"] or False, kind, report["id"]))
        rows.sort(key=lambda row: (row[0] or "", row[2]), reverse=True)
        pager = portal_pager(
            url="/my/reports",
            url_args={"patient": patient} if selected and patient else {},
            total=len(rows),
            page=page,
            step=REPORTS_PER_PAGE,
        )
        reports = [
            (kind, request.env[REPORT_MODELS[kind]].sudo().browse(report_id))
            for _date, kind, report_id in rows[pager["offset"] : pager["offset"] + REPORTS_PER_PAGE]
        ]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ihospital_reports",
                "reports": reports,
                "patients": patients,
                "selected_patient": selected if patient and len(selected) == 1 else False,
                "pager": pager,
                "verified_patients": self._ihospital_verified_patients(patients),
                "patient_names": self._ihospital_patient_names(),
                "default_url": "/my/reports",
            }
        )
        return request.render("ihospital_public.portal_my_reports", values)

    # ------------------------------------------------------------ one report
    def _ihospital_render_verify(self, kind, report_sudo, error=None, info=None):
        verification = self._ihospital_verification(report_sudo.patient_id)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ihospital_report",
                "kind": kind,
                "report": report_sudo,
                "patient": report_sudo.patient_id,
                "patient_name": self._ihospital_patient_names().get(report_sudo.patient_id.id),
                "locked": verification._is_locked(),
                "code_sent": bool(verification.code_hash),
                "error": error,
                "info": info,
            }
        )
        return request.render("ihospital_public.portal_report_verify", values)

    @http.route("/my/reports/<string:kind>/<int:report_id>", type="http", auth="user", website=True)
    def portal_my_report(self, kind, report_id, **kwargs):
        report_sudo = self._ihospital_report_sudo(kind, report_id)
        if not self._ihospital_verification(report_sudo.patient_id)._is_verified():
            return self._ihospital_render_verify(kind, report_sudo)
        self._ihospital_log_view(report_sudo, "view")
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "ihospital_report", "kind": kind, "report": report_sudo})
        return request.render(TEMPLATES[kind], values)

    @http.route("/my/reports/<string:kind>/<int:report_id>/pdf", type="http", auth="user", website=True)
    def portal_my_report_pdf(self, kind, report_id, **kwargs):
        report_sudo = self._ihospital_report_sudo(kind, report_id)
        if not self._ihospital_verification(report_sudo.patient_id)._is_verified():
            return request.redirect(f"/my/reports/{kind}/{report_sudo.id}")
        self._ihospital_log_view(report_sudo, "pdf")
        Report = request.env["ir.actions.report"].sudo()
        try:
            content, report_type = Report._render_qweb_pdf(PDF_REPORTS[kind], [report_sudo.id])
        except UserError:
            # No wkhtmltopdf on this server: give the printable HTML page.
            content, report_type = Report._render_qweb_html(PDF_REPORTS[kind], [report_sudo.id])
        if report_type == "pdf":
            headers = [
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(content)),
                ("Content-Disposition", http.content_disposition(f"{report_sudo.name}.pdf")),
            ]
        else:
            headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", len(content))]
        headers.append(("Cache-Control", "no-store"))
        return request.make_response(content, headers=headers)

    def _ihospital_log_view(self, report_sudo, action):
        request.env["ihospital.report.view.log"]._log(
            request.env.user,
            report_sudo,
            action,
            ip_address=request.httprequest.remote_addr,
            user_agent=request.httprequest.user_agent.string,
        )

    # ---------------------------------------------------------- verification
    @http.route(
        "/my/reports/<string:kind>/<int:report_id>/send-code", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_my_report_send_code(self, kind, report_id, **kwargs):
        report_sudo = self._ihospital_report_sudo(kind, report_id)
        verification = self._ihospital_verification(report_sudo.patient_id)
        try:
            verification._send_code()
        except UserError as error:
            return self._ihospital_render_verify(kind, report_sudo, error=error.args[0])
        phone = report_sudo.patient_id.phone_masked or ""
        return self._ihospital_render_verify(kind, report_sudo, info=_("A code was sent to %s.", phone))

    @http.route(
        "/my/reports/<string:kind>/<int:report_id>/verify", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_my_report_verify(self, kind, report_id, id_number=None, code=None, **kwargs):
        report_sudo = self._ihospital_report_sudo(kind, report_id)
        verification = self._ihospital_verification(report_sudo.patient_id)
        ok, error = verification._check_code(str(id_number or "")[:30], str(code or "")[:12])
        if not ok:
            return self._ihospital_render_verify(kind, report_sudo, error=error)
        return request.redirect(f"/my/reports/{kind}/{report_sudo.id}")
