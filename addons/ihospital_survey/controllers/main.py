"""The personal survey link of a follow-up (Odoo's own survey routes, with
the answer's token) and the decline route. The token is the patient's
credential: the routes work in sudo on the one answer it names, and refuse
an expired link, another hospital's, a stopped follow-up and a second
answer."""

from odoo import _, fields, http
from odoo.addons.survey.controllers.main import Survey
from odoo.http import request


class IhospitalSurvey(Survey):
    def _check_validity(self, survey_token, answer_token, ensure_token=True, check_partner=True):
        survey_sudo, answer_sudo = self._fetch_from_access_token(survey_token, answer_token)
        if survey_sudo.ihospital_followup:
            refusal = self._ihospital_refusal(survey_sudo, answer_sudo, answer_token)
            if refusal:
                return refusal
            # the personal link is the credential: the answer has no partner,
            # and a patient may open it while logged in to the portal
            check_partner = False
        return super()._check_validity(
            survey_token, answer_token, ensure_token=ensure_token, check_partner=check_partner
        )

    def _ihospital_refusal(self, survey_sudo, answer_sudo, answer_token=True):
        """Why a follow-up survey cannot be taken through this token (a
        validity code of the survey controller), or False."""
        if not answer_sudo:
            # no personal link: never a new answer; a wrong one: the survey's own refusal
            return False if answer_token else "token_required"
        if answer_sudo.test_entry:
            return False
        message = answer_sudo.ihospital_followup_message_id
        if not message or answer_sudo.company_id != survey_sudo.company_id:
            return "token_wrong"
        if answer_sudo.state == "done":
            return False  # the survey shows its "thank you" page; no second answer
        if (
            answer_sudo.ihospital_declined
            or message.state in ("declined", "cancelled", "skipped", "failed")
            or message.patient_id.deceased
        ):
            return "survey_closed"
        if message.state == "expired" or (
            answer_sudo.ihospital_expires_at and answer_sudo.ihospital_expires_at < fields.Datetime.now()
        ):
            return "answer_deadline"
        return False

    @http.route()
    def survey_retry(self, survey_token, answer_token, **post):
        # one answer per encounter: a follow-up survey is never taken again
        survey_sudo, _answer_sudo = self._fetch_from_access_token(survey_token, answer_token)
        if survey_sudo.ihospital_followup:
            return request.redirect(f"/survey/{survey_token}/{answer_token}")
        return super().survey_retry(survey_token, answer_token, **post)

    # ------------------------------------------------------------------ decline
    def _ihospital_declinable(self, answer_token):
        """The follow-up answer of `answer_token` (sudo) and why it cannot be
        declined (a sentence) or False."""
        answer_sudo = (
            request.env["survey.user_input"]
            .sudo()
            .search(
                [("access_token", "=", answer_token or ""), ("ihospital_followup_message_id", "!=", False)], limit=1
            )
        )
        if not answer_sudo:
            return answer_sudo, _("This link is not valid.")
        refusal = self._ihospital_refusal(answer_sudo.survey_id, answer_sudo)
        if answer_sudo.state == "done":
            return answer_sudo, _("You have already answered this survey. Thank you!")
        if refusal == "answer_deadline":
            return answer_sudo, _("This link has expired.")
        if refusal == "survey_closed":
            return answer_sudo, _("This survey is closed.")
        if refusal:
            return answer_sudo, _("This link is not valid.")
        return answer_sudo, False

    @http.route(
        "/ihospital/followup/decline/<string:answer_token>",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
    )
    def ihospital_followup_decline(self, answer_token, **post):
        """Decline the survey of a follow-up: a page asking to confirm (GET),
        the decline itself (POST, CSRF-protected)."""
        answer_sudo, problem = self._ihospital_declinable(answer_token)
        values = {"answer": answer_sudo, "problem": problem, "token": answer_token, "declined": False}
        if request.httprequest.method == "POST" and not problem:
            answer_sudo.ihospital_followup_message_id._ihospital_decline()
            values["declined"] = True
        return request.render("ihospital_survey.followup_decline_page", values)
