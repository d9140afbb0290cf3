import base64

from odoo import _, http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.tools import plaintext2html

from .access import managed_links_sudo, portal_account

CONSULTATIONS_PER_PAGE = 20
MAX_IMAGES = 6
MAX_IMAGE_BYTES = 5 * 1024 * 1024
SUBJECT_MAX = 120
QUESTION_MAX = 4000


class IhospitalPortalConsultation(CustomerPortal):
    """Online consultations (医生咨询) from the patient portal: ask a doctor
    who takes online questions, follow the thread, close it by rating the
    answer. Only the account that asked sees a consultation; access tokens
    are never honoured, as the thread holds medical information."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ihospital_consultation_count" in counters:
            Consultation = request.env["ihospital.consultation"]
            values["ihospital_consultation_count"] = (
                Consultation.search_count(self._ihospital_consultation_domain())
                if Consultation.has_access("read")
                else 0
            )
        return values

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def _ihospital_consultation_domain():
        """The questions this portal account asked (none for staff)."""
        return [("user_id", "=", portal_account().id or 0)]

    def _ihospital_own_consultation_sudo(self, consultation_id):
        """The consultation, as superuser, if this portal account asked it;
        AccessError otherwise."""
        consultation_sudo = self._document_check_access("ihospital.consultation", consultation_id)
        if not portal_account() or consultation_sudo.user_id != portal_account():
            raise AccessError(_("Only the account that asked this question can open it here."))
        return consultation_sudo

    def _ihospital_consultation_doctors(self):
        """Published doctors of this website's hospital who take online
        consultations (hr.employee.public, as superuser)."""
        return request.website._ihospital_doctors().filtered("online_consultation")

    def _ihospital_consultation_patients(self):
        """Active patients of this website's hospital the account manages."""
        return managed_links_sudo(active_only=True, company=request.website.company_id).patient_id

    def _ihospital_new_values(self, doctor=None, **values):
        result = self._prepare_portal_layout_values()
        result.update(
            {
                "page_name": "ihospital_consultation_new",
                "doctor": doctor,
                "doctors": self._ihospital_consultation_doctors(),
                "patients": self._ihospital_consultation_patients(),
                "error": None,
                "form": {},
            }
        )
        result.update(values)
        return result

    # ------------------------------------------------------------------- list
    @http.route(["/my/consultations", "/my/consultations/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_consultations(self, page=1, **kwargs):
        Consultation = request.env["ihospital.consultation"]
        domain = self._ihospital_consultation_domain()
        total = Consultation.search_count(domain) if Consultation.has_access("read") else 0
        pager = portal_pager(url="/my/consultations", total=total, page=page, step=CONSULTATIONS_PER_PAGE)
        consultations = (
            Consultation.search(domain, limit=CONSULTATIONS_PER_PAGE, offset=pager["offset"]) if total else Consultation
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ihospital_consultations",
                "consultations": consultations,
                "pager": pager,
                "default_url": "/my/consultations",
                "doctors": self._ihospital_consultation_doctors(),
            }
        )
        request.session["my_consultations_history"] = consultations.ids[:100]
        return request.render("ihospital_public.portal_my_consultations", values)

    # -------------------------------------------------------------------- ask
    @http.route("/my/consultations/new", type="http", auth="user", website=True, methods=["GET"])
    def portal_consultation_new(self, doctor=None, **kwargs):
        doctor_rec = self._ihospital_doctor_from_param(doctor)
        error = _("This doctor does not take online consultations.") if doctor and not doctor_rec else None
        return request.render(
            "ihospital_public.portal_consultation_new", self._ihospital_new_values(doctor=doctor_rec, error=error)
        )

    def _ihospital_doctor_from_param(self, doctor):
        try:
            doctor_id = int(doctor or 0)
        except (TypeError, ValueError):
            return None
        return self._ihospital_consultation_doctors().filtered(lambda d: d.id == doctor_id)[:1] or None

    @http.route("/my/consultations/new", type="http", auth="user", website=True, methods=["POST"])
    def portal_consultation_create(self, doctor_id=None, patient_id=None, subject=None, question=None, **kwargs):
        doctor = self._ihospital_doctor_from_param(doctor_id)
        patients = self._ihospital_consultation_patients()
        patient = patients.filtered(lambda p: str(p.id) == str(patient_id))[:1]
        subject = (subject or "").strip()[:SUBJECT_MAX]
        question = (question or "").strip()[:QUESTION_MAX]
        files = [f for f in request.httprequest.files.getlist("attachments") if f and f.filename]
        form = {"patient_id": patient.id, "subject": subject, "question": question}
        error = None
        if not doctor:
            error = _("Choose a doctor who takes online consultations.")
        elif not patient:
            error = _("Choose the patient the question is about.")
        elif not subject or not question:
            error = _("Write a subject and your question.")
        elif len(files) > MAX_IMAGES:
            error = _("Attach at most %d images.", MAX_IMAGES)
        images = []
        for upload in files if not error else []:
            data = upload.read(MAX_IMAGE_BYTES + 1)
            if len(data) > MAX_IMAGE_BYTES or not (upload.mimetype or "").startswith("image/"):
                error = _("Attach images only (JPEG or PNG), at most 5 MB each.")
                break
            images.append((upload.filename[:100], data, upload.mimetype))
        if error:
            return request.render(
                "ihospital_public.portal_consultation_new",
                self._ihospital_new_values(doctor=doctor, error=error, form=form),
            )
        try:
            with request.env.cr.savepoint():
                consultation_sudo = self._ihospital_create_consultation(doctor, patient, subject, question, images)
        except (UserError, ValidationError) as exc:
            return request.render(
                "ihospital_public.portal_consultation_new",
                self._ihospital_new_values(doctor=doctor, error=exc.args[0], form=form),
            )
        return request.redirect(f"/my/consultations/{consultation_sudo.id}")

    def _ihospital_create_consultation(self, doctor, patient, subject, question, images):
        """Create the consultation and post the question with its images.
        Sudo: portal accounts have no create right; the doctor and patient
        were checked by the caller and the model's constraint checks them
        again (online consultation, same hospital, managed patient)."""
        user = request.env.user
        consultation_sudo = (
            request.env["ihospital.consultation"]
            .sudo()
            .create(
                {
                    "company_id": patient.company_id.id,
                    "doctor_id": doctor.id,
                    "patient_id": patient.id,
                    "user_id": user.id,
                    "subject": subject,
                    "question": question,
                }
            )
        )
        attachments_sudo = request.env["ir.attachment"].sudo()
        for name, data, mimetype in images:
            attachments_sudo |= attachments_sudo.create(
                {
                    "name": name,
                    "datas": base64.b64encode(data),
                    "mimetype": mimetype,
                    # Pending attachments: message_post links them to the
                    # consultation and the question.
                    "res_model": "mail.compose.message",
                    "res_id": 0,
                }
            )
        # the asker's own images open in the portal's chatter through their
        # token (the account has no right on attachments); nobody else gets it
        attachments_sudo.generate_access_token()
        consultation_sudo.with_context(mail_notify_force_send=False).message_post(
            body=plaintext2html(question),
            author_id=user.partner_id.id,
            attachment_ids=attachments_sudo.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return consultation_sudo

    # ----------------------------------------------------------------- thread
    @http.route("/my/consultations/<int:consultation_id>", type="http", auth="user", website=True)
    def portal_my_consultation(self, consultation_id, **kwargs):
        try:
            # No access token: only the account that asked may read it.
            consultation_sudo = self._ihospital_own_consultation_sudo(consultation_id)
        except (AccessError, MissingError):
            return request.redirect("/my/consultations")
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ihospital_consultation",
                "consultation": consultation_sudo,
                "doctor": consultation_sudo.doctor_id,
                "can_rate": consultation_sudo.state != "closed"
                and bool(consultation_sudo.answered_date)
                and consultation_sudo.user_id == request.env.user,
                "error": kwargs.get("error") and _("Choose from one to five stars.") or None,
            }
        )
        values = self._get_page_view_values(consultation_sudo, None, values, None, False)
        # the pager of portal's get_records_pager adds access tokens, which
        # questions (seen by their asker's account only) do not have
        history = request.session.get("my_consultations_history", [])
        if consultation_sudo.id in history:
            index = history.index(consultation_sudo.id)
            values["prev_record"] = index > 0 and f"/my/consultations/{history[index - 1]}"
            values["next_record"] = index < len(history) - 1 and f"/my/consultations/{history[index + 1]}"
        return request.render("ihospital_public.portal_consultation", values)

    @http.route(
        "/my/consultations/<int:consultation_id>/close", type="http", auth="user", website=True, methods=["POST"]
    )
    def portal_consultation_close(self, consultation_id, rating=None, feedback=None, **kwargs):
        try:
            self._ihospital_own_consultation_sudo(consultation_id)
            consultation = request.env["ihospital.consultation"].browse(consultation_id)
            consultation._close_and_rate(rating, feedback)
        except (AccessError, MissingError):
            return request.redirect("/my/consultations")
        except UserError:
            return request.redirect(f"/my/consultations/{consultation_id}?error=rating")
        return request.redirect(f"/my/consultations/{consultation_id}")
