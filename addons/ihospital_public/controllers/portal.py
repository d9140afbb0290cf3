from datetime import timedelta

from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.addons.ihospital_base.models.ihospital_appointment import DEPARTMENT_BOOKING_FIELDS
from odoo.addons.payment.controllers.portal import PaymentPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.fields import Command
from odoo.http import request
from odoo.tools import consteq

from .access import appointment_domain, managed_links_sudo, portal_account, sees_appointment

APPOINTMENTS_PER_PAGE = 10
TOKEN_DAYS_AFTER = 7
UPCOMING_STATES = ("held", "booked", "checked_in", "in_consultation")
TEXT_MAX_LENGTH = 100
PATIENT_FIELDS = ("name", "id_type", "id_number", "gender", "birth_date", "phone", "address")
GUARDIAN_FIELDS = ("guardian_name", "guardian_phone")


class IhospitalPortal(PaymentPortal):
    """Patient portal (/my): managed patients, booking with payment, the
    account's appointments, check-in and the live queue.

    Portal accounts only read patients and appointments (record rules of
    ihospital_base: the patients they manage); every change goes through a
    narrow helper below that first checks the account may see the record
    (`_document_check_access` / `check_access`), then writes the few fields
    the page allows as superuser.

    /my/ihospital/book is the JSON route the booking benchmark loads (JSON
    content type: out of reach of cross-site forms)."""

    # ------------------------------------------------------------ home
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ihospital_patient_count" in counters:
            values["ihospital_patient_count"] = len(self._ihospital_account_links())
        if "ihospital_appointment_count" in counters:
            Appointment = request.env["ihospital.appointment"]
            values["ihospital_appointment_count"] = (
                Appointment.search_count(self._ihospital_appointment_domain("upcoming"))
                if Appointment.has_access("read")
                else 0
            )
        return values

    def _prepare_portal_layout_values(self):
        values = super()._prepare_portal_layout_values()
        # The pages name an appointment's patient as the account knows it
        # (for a link the hospital has not confirmed, the name the account
        # gave); a visitor holding the appointment's link sees it masked.
        names = {link.patient_id.id: link.portal_name for link in managed_links_sudo()}
        values["ihospital_patient_label"] = lambda appointment: (
            names.get(appointment.patient_id.id) or appointment.sudo().patient_display_name
        )
        return values

    # ------------------------------------------------------------ helpers
    @staticmethod
    def _ihospital_hospital():
        # JSON routes (the booking route) have no request.website
        website = getattr(request, "website", None) or request.env["website"].get_current_website()
        # the website's own cache of its company (cleared when a website is
        # written): no query, where most requests of a booking rush are refusals
        return request.env["res.company"].sudo().browse(website._get_cached("company_id"))

    @staticmethod
    def _ihospital_selection(model, field):
        env = request.env
        return dict(env[model]._fields[field]._description_selection(env))

    def _ihospital_managed_patient(self, patient_id, shown=False):
        """The patient, as superuser, if the signed-in portal account
        manages it (and, with `shown`, may see its record: the hospital
        confirmed the link); raises MissingError otherwise (staff accounts
        included: they work in the back office)."""
        link_sudo = managed_links_sudo([int(patient_id)])
        if not link_sudo or (shown and link_sudo.state != "confirmed"):
            raise MissingError(_("This patient does not exist."))
        return link_sudo.patient_id

    def _ihospital_account_links(self):
        """The signed-in account's links to the active patients of this
        website's hospital."""
        return managed_links_sudo(active_only=True, company=self._ihospital_hospital())

    # ------------------------------------------------------------ patients
    @http.route("/my/patients", type="http", auth="user", website=True)
    def portal_my_patients(self, **kwargs):
        hospital = self._ihospital_hospital().sudo()
        links = self._ihospital_account_links()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ihospital_patients",
                "links": links,
                "limit": hospital.hospital_max_patients_per_account,
                "hospital": hospital,
                "relations": self._ihospital_selection("ihospital.patient.account", "relation"),
                "id_types": self._ihospital_selection("ihospital.patient", "id_type"),
                # the page's own notice, kept in the session: a link's text is never shown
                "message": request.session.pop("ihospital_patients_message", None),
            }
        )
        return request.render("ihospital_public.portal_my_patients", values)

    @staticmethod
    def _ihospital_patients_redirect(message):
        request.session["ihospital_patients_message"] = message
        return request.redirect("/my/patients")

    def _ihospital_patient_form(self, patient=None, form=None, error=None, phone_code_for=None):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ihospital_patient_form",
                "patient": patient,
                "form": form or {},
                "error": error,
                "phone_code_for": phone_code_for,
                "relations": self._ihospital_selection("ihospital.patient.account", "relation"),
                "id_types": self._ihospital_selection("ihospital.patient", "id_type"),
                "genders": self._ihospital_selection("ihospital.patient", "gender"),
            }
        )
        return request.render("ihospital_public.portal_my_patient_form", values)

    @staticmethod
    def _ihospital_clean_form(post, names):
        return {name: (post.get(name) or "").strip()[:TEXT_MAX_LENGTH] for name in names}

    @http.route("/my/patients/new", type="http", auth="user", website=True, methods=["GET", "POST"])
    def portal_my_patient_new(self, **post):
        if not portal_account():
            raise NotFound()  # staff register patients in the back office
        if request.httprequest.method != "POST":
            return self._ihospital_patient_form(form={"id_type": "resident_id", "relation": "self"})
        form = self._ihospital_clean_form(post, (*PATIENT_FIELDS, *GUARDIAN_FIELDS, "relation"))
        try:
            name = self._ihospital_patient_create(form)
        except (UserError, ValidationError) as error:
            return self._ihospital_patient_form(form=form, error=error.args[0])
        return self._ihospital_patients_redirect(_("%s was added to your patients.", name))

    def _ihospital_patient_create(self, form):
        """Create a patient of this website's hospital managed by the
        signed-in account. sudo: portal accounts cannot create patients
        themselves; only the form's fields are written, and the managing
        link (with the per-hospital account limit) is created in the same
        savepoint so that a refused link leaves no patient behind.

        The link is unconfirmed (see ihospital.patient.account). When the
        hospital already knows the ID number, the account is linked to that
        patient, unconfirmed and shown only the name it typed; the answer is
        the same as for a new patient, so that the page tells nobody whether
        an ID number is registered."""
        if not form["name"] or not form["id_number"]:
            raise UserError(_("Enter the patient's name and identity document number."))
        id_types = self._ihospital_selection("ihospital.patient", "id_type")
        relations = self._ihospital_selection("ihospital.patient.account", "relation")
        if form["id_type"] not in id_types or form["relation"] not in relations:
            raise UserError(_("Choose the identity document type and the relation."))
        if not form["phone"]:
            raise UserError(_("Enter the patient's mobile phone number."))
        vals = {name: form[name] for name in (*PATIENT_FIELDS, *GUARDIAN_FIELDS) if form.get(name)}
        if form["id_type"] == "resident_id":
            # the resident ID number encodes them
            vals.pop("gender", None)
            vals.pop("birth_date", None)
        elif vals.get("gender") and vals["gender"] not in self._ihospital_selection("ihospital.patient", "gender"):
            vals.pop("gender")
        if vals.get("birth_date"):
            try:
                vals["birth_date"] = fields.Date.to_date(vals["birth_date"])
            except ValueError as error:
                raise UserError(_("Enter the birth date as YYYY-MM-DD.")) from error
        hospital = self._ihospital_hospital()
        Patient = request.env["ihospital.patient"].sudo().with_context(active_test=False)
        # the same checks (and sentences) whether or not the number is known
        Patient._validate_registration({**vals, "company_id": hospital.id})
        number = Patient._normalize_vals({"id_type": form["id_type"], "id_number": form["id_number"]})["id_number"]
        known_sudo = Patient.search(
            [("company_id", "=", hospital.id), ("id_type", "=", form["id_type"]), ("id_number", "=", number)], limit=1
        )
        Link = request.env["ihospital.patient.account"].sudo()
        link = {"user_id": request.env.user.id, "relation": form["relation"], "requested_name": form["name"]}
        with request.env.cr.savepoint():
            if known_sudo:
                if not Link.search_count([("patient_id", "=", known_sudo.id), ("user_id", "=", request.env.user.id)]):
                    Link.create({**link, "patient_id": known_sudo.id})
            else:
                patient_sudo = Patient.create({**vals, "company_id": hospital.id, "phone_source": "portal"})
                Link.create({**link, "patient_id": patient_sudo.id, "created_patient": True})
        return form["name"]

    @http.route("/my/patients/<int:patient_id>/edit", type="http", auth="user", website=True, methods=["GET", "POST"])
    def portal_my_patient_edit(self, patient_id, **post):
        try:
            patient = self._ihospital_managed_patient(patient_id, shown=True)
        except (AccessError, MissingError) as error:
            raise NotFound() from error
        patient_sudo = patient.sudo()
        if request.httprequest.method == "POST" and post.get("phone_code"):
            return self._ihospital_patient_phone_code(patient_sudo, post["phone_code"])
        if request.httprequest.method != "POST":
            return self._ihospital_patient_form(patient=patient, form=self._ihospital_patient_values(patient_sudo))
        form = self._ihospital_clean_form(post, ("phone", "address", "id_type", "id_number", *GUARDIAN_FIELDS))
        try:
            phone_changed = self._ihospital_patient_update(patient, form)
        except (UserError, ValidationError) as error:
            return self._ihospital_patient_form(patient=patient, form=form, error=error.args[0])
        if not phone_changed:
            # the rest is saved; the new phone waits for the code sent to the old one
            return self._ihospital_patient_form(
                patient=patient, form=dict(form, phone=patient_sudo.phone), phone_code_for=patient_sudo.phone_masked
            )
        return self._ihospital_patients_redirect(_("%s was updated.", patient.name))

    @staticmethod
    def _ihospital_patient_values(patient_sudo):
        """The edit form's values of a patient on file."""
        return {
            "phone": patient_sudo.phone or "",
            "address": patient_sudo.address or "",
            "guardian_name": patient_sudo.guardian_name or "",
            "guardian_phone": patient_sudo.guardian_phone or "",
            "id_type": patient_sudo.id_type,
        }

    def _ihospital_patient_phone_code(self, patient_sudo, code):
        verification = request.env["ihospital.report.verification"]._get_for(request.env.user, patient_sudo)
        ok, error = verification._confirm_phone_change(str(code)[:12])
        if not ok:
            return self._ihospital_patient_form(
                patient=patient_sudo,
                form=self._ihospital_patient_values(patient_sudo),
                error=error,
                phone_code_for=patient_sudo.phone_masked,
            )
        return self._ihospital_patients_redirect(_("%s's phone was changed.", patient_sudo.name))

    def _ihospital_patient_update(self, patient, form):
        """Write the fields an account may change on a patient it manages
        (checked by the caller): address, guardian, the identity document
        only while none is recorded, and the phone only with the code sent
        to the old phone (ihospital.report.verification). sudo: portal
        accounts only read patients. Returns whether the phone is done
        (unchanged or changed now) rather than waiting for the code."""
        patient_sudo = patient.sudo()
        if not form["phone"]:
            raise UserError(_("Enter the patient's mobile phone number."))
        vals = {"address": form["address"] or False}
        if patient_sudo.is_minor or form.get("guardian_name"):
            vals.update(guardian_name=form["guardian_name"] or False, guardian_phone=form["guardian_phone"] or False)
        if not patient_sudo.id_number and form.get("id_number"):
            if form["id_type"] not in self._ihospital_selection("ihospital.patient", "id_type"):
                raise UserError(_("Choose the identity document type and the relation."))
            vals.update(id_type=form["id_type"], id_number=form["id_number"])
        with request.env.cr.savepoint():
            patient_sudo.write(vals)
            verification = request.env["ihospital.report.verification"]._get_for(request.env.user, patient_sudo)
            return verification._request_phone_change(form["phone"])

    @http.route("/my/patients/<int:patient_id>/archive", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_patient_archive(self, patient_id, **post):
        try:
            patient = self._ihospital_managed_patient(patient_id)
        except (AccessError, MissingError) as error:
            raise NotFound() from error
        name = managed_links_sudo(patient.ids).portal_name
        try:
            self._ihospital_patient_stop_managing(patient)
        except UserError as error:
            return self._ihospital_patients_redirect(error.args[0])
        return self._ihospital_patients_redirect(_("%s is no longer in your patients.", name))

    def _ihospital_patient_stop_managing(self, patient):
        """Stop managing a patient (checked by the caller): archive it when
        this account is its only manager, else only remove this account's
        link, so that other family accounts keep it. sudo: portal accounts
        only read patients and links."""
        patient_sudo = patient.sudo()
        mine = patient_sudo.account_ids.filtered(lambda link: link.user_id == request.env.user)
        # an unconfirmed account hears only of what it booked itself
        upcoming = patient_sudo.appointment_ids.filtered(
            lambda a: a.state in UPCOMING_STATES and (mine.state == "confirmed" or a.user_id == request.env.user)
        )
        if upcoming:
            raise UserError(
                _("%s has appointments to come: cancel them before removing the patient.", mine.portal_name)
            )
        # Archive only a patient this account registered itself and nobody
        # else manages or the hospital registered; otherwise drop the link.
        if patient_sudo.account_ids - mine or not mine.created_patient or patient_sudo.his_patient_id:
            mine.unlink()
        else:
            patient_sudo.active = False

    # ------------------------------------------------------------ booking
    def _ihospital_bookable_schedule(self, schedule_id):
        """The schedule as superuser if this website shows it (its hospital,
        published department and doctor), else NotFound. Whether it can be
        booked right now is the booking engine's to say.

        Three small queries by primary key, fetching only what booking
        reads: a search through the department and the doctor costs more
        to plan than the rest of a refused booking, and a plain read of the
        doctor (hr.employee) fetches, and checks the rights of, a hundred
        fields. The doctor's name is the one a refusal gives."""
        schedule_sudo = (
            request.env["ihospital.schedule"]
            .sudo()
            .search_fetch(
                [("id", "=", int(schedule_id)), ("company_id", "=", self._ihospital_hospital().id)],
                ["company_id", "department_id", "doctor_id", "date", "state", "session_end", "release_at", "fee"],
                order="id",  # no joins to sort a single record
            )
        )
        if not schedule_sudo or schedule_sudo.state == "draft":
            raise NotFound()
        schedule_sudo.department_id.fetch(["is_published", *DEPARTMENT_BOOKING_FIELDS])
        schedule_sudo.doctor_id.fetch(["is_published", "name"])
        if not (schedule_sudo.department_id.is_published and schedule_sudo.doctor_id.is_published):
            raise NotFound()
        return schedule_sudo

    def _ihospital_slot_values(self, schedule_sudo):
        """The numbers of a schedule the website may book, with their local
        time and whether they are free."""
        tz_env = request.env(context=dict(request.env.context, tz=schedule_sudo.company_id.hospital_tz))
        return [
            {
                "id": slot.id,
                "number": slot.sequence,
                "time": fields.Datetime.context_timestamp(tz_env["ihospital.slot"], slot.start).strftime("%H:%M"),
                "free": slot.booked_count < slot.capacity,
            }
            for slot in schedule_sudo.slot_ids.filtered(lambda s: not s.onsite_only).sorted("sequence")
        ]

    def _ihospital_book(self, schedule_id, patient_id, slot_id=None):
        """Book through the booking engine for a patient the account
        manages; every refusal is a UserError with a sentence."""
        try:
            schedule_id, patient_id = int(schedule_id), int(patient_id)
            slot_id = int(slot_id) if slot_id else None
        except (TypeError, ValueError) as error:
            raise UserError(_("Choose a clinic and a patient.")) from error
        # sudo: public clinic data of this website; _book re-checks every booking rule
        try:
            schedule_sudo = self._ihospital_bookable_schedule(schedule_id)
        except NotFound as error:
            raise UserError(_("This clinic cannot be booked.")) from error
        if not slot_id and not schedule_sudo._has_free_slot(False):
            # the bulk of a rush, answered from the clinic alone (what this
            # website shows anyone) before the account's patients are read;
            # a full clinic is full whatever its release time
            schedule_sudo._check_open()
            raise schedule_sudo._no_slot_left()
        # the link gives both the patient and the name the account knows it by
        link_sudo = managed_links_sudo([patient_id], order="id", fields=["patient_id", "state", "requested_name"])
        if not link_sudo:
            raise UserError(_("You do not manage this patient."))
        patient = link_sudo.patient_id
        if schedule_sudo.company_id != patient.company_id:
            raise UserError(_("This clinic cannot be booked."))
        slot_sudo = schedule_sudo.slot_ids.filtered(lambda s: s.id == slot_id) if slot_id else None
        if slot_id and not slot_sudo:
            raise UserError(_("This number was just taken or cannot be booked online: choose another one."))
        return request.env["ihospital.appointment"]._book(
            schedule_sudo,
            patient.sudo(),
            channel="portal",
            user=request.env.user,
            slot=slot_sudo,
            patient_label=link_sudo.portal_name,
            seen_free=not slot_id,
        )

    @http.route("/my/ihospital/book", type="json", auth="user", methods=["POST"])
    def ihospital_book(self, schedule_id=None, patient_id=None, **kwargs):
        """Book a released slot for one of the account's patients. Always
        answers {"ok": true, ...} or {"ok": false, "error": sentence}."""
        try:
            appointment = self._ihospital_book(schedule_id, patient_id)
        except UserError as error:
            return {"ok": False, "error": error.args[0]}
        appointment_sudo = appointment.sudo()
        return {
            "ok": True,
            "appointment_id": appointment_sudo.id,
            "reference": appointment_sudo.name,
            "state": appointment_sudo.state,
            "number": appointment_sudo.number,
            "fee": appointment_sudo.fee,
            "hold_expires_at": appointment_sudo.hold_expires_at and appointment_sudo.hold_expires_at.isoformat(),
        }

    @http.route(
        "/my/book/<int:schedule_id>", type="http", auth="user", website=True, methods=["GET", "POST"], sitemap=False
    )
    def portal_book(self, schedule_id, slot_id=None, patient_id=None, **kwargs):
        """Book a clinic: choose a number, then a patient, then confirm.
        Visitors are sent to log in (auth="user") and come back here."""
        schedule_sudo = self._ihospital_bookable_schedule(schedule_id)
        error = None
        if request.httprequest.method == "POST":
            try:
                appointment = self._ihospital_book(schedule_sudo.id, patient_id, slot_id)
            except UserError as exc:
                error = exc.args[0]
            else:
                appointment_sudo = appointment.sudo()
                query = "" if appointment_sudo.state == "held" else "&confirmed=1"
                return request.redirect(appointment_sudo.get_portal_url(query_string=query))
        else:
            try:
                schedule_sudo._check_bookable("portal")
            except UserError as exc:
                error = exc.args[0]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ihospital_book",
                "schedule": schedule_sudo,
                "doctor": request.env["hr.employee.public"].sudo().browse(schedule_sudo.doctor_id.id),
                "session_label": self._ihospital_selection("ihospital.schedule", "session").get(schedule_sudo.session),
                "slots": self._ihospital_slot_values(schedule_sudo),
                "links": self._ihospital_account_links(),
                "selected_slot_id": int(slot_id) if slot_id and str(slot_id).isdigit() else None,
                "selected_patient_id": int(patient_id) if patient_id and str(patient_id).isdigit() else None,
                "error": error,
            }
        )
        return request.render("ihospital_public.portal_book", values)

    @http.route(
        "/my/book/<int:schedule_id>/slots", type="http", auth="user", website=True, sitemap=False, readonly=True
    )
    def portal_book_slots(self, schedule_id, **kwargs):
        """Live availability of the booking page's numbers."""
        schedule_sudo = self._ihospital_bookable_schedule(schedule_id)
        return request.make_json_response(self._ihospital_slot_values(schedule_sudo))

    # ------------------------------------------------------------ appointments
    def _ihospital_appointment_domain(self, filterby):
        today = fields.Date.context_today(request.env.user)
        domain = appointment_domain()
        if filterby == "upcoming":
            domain += [("state", "in", UPCOMING_STATES), ("date", ">=", today)]
        elif filterby == "past":
            domain += ["|", ("state", "not in", UPCOMING_STATES), ("date", "<", today)]
        return domain

    @http.route(["/my/appointments", "/my/appointments/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_appointments(self, page=1, filterby="upcoming", sortby="date", **kwargs):
        Appointment = request.env["ihospital.appointment"]
        searchbar_filters = {
            "upcoming": {"label": _("Upcoming")},
            "past": {"label": _("Past and cancelled")},
            "all": {"label": _("All")},
        }
        searchbar_sortings = {
            "date": {"label": _("Date"), "order": "start desc, id desc"},
            "patient": {"label": _("Patient"), "order": "patient_id, start desc"},
        }
        filterby = filterby if filterby in searchbar_filters else "upcoming"
        sortby = sortby if sortby in searchbar_sortings else "date"
        order = (
            "start asc, id asc" if filterby == "upcoming" and sortby == "date" else searchbar_sortings[sortby]["order"]
        )
        domain = self._ihospital_appointment_domain(filterby)
        count = Appointment.search_count(domain)
        pager = portal_pager(
            url="/my/appointments",
            url_args={"filterby": filterby, "sortby": sortby},
            total=count,
            page=page,
            step=APPOINTMENTS_PER_PAGE,
        )
        appointments = Appointment.search(domain, order=order, limit=APPOINTMENTS_PER_PAGE, offset=pager["offset"])
        request.session["my_ihospital_appointments_history"] = appointments.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "ihospital_appointments",
                "appointments": appointments,
                "pager": pager,
                "default_url": "/my/appointments",
                "searchbar_filters": searchbar_filters,
                "filterby": filterby,
                "searchbar_sortings": searchbar_sortings,
                "sortby": sortby,
                "states": self._ihospital_selection("ihospital.appointment", "state"),
                "sessions": self._ihospital_selection("ihospital.schedule", "session"),
            }
        )
        return request.render("ihospital_public.portal_my_appointments", values)

    def _ihospital_appointment_access(self, appointment_id, access_token=None):
        """The appointment as superuser if the account may read it (record
        rules: its managed patients) or the access token is valid; 404
        otherwise, whether or not it exists."""
        try:
            appointment_sudo = self._document_check_access("ihospital.appointment", appointment_id, access_token)
        except (AccessError, MissingError) as error:
            raise NotFound() from error
        if not self._ihospital_appointment_token_ok(appointment_sudo, access_token) and not sees_appointment(
            appointment_sudo
        ):
            raise NotFound()
        return appointment_sudo

    @staticmethod
    def _ihospital_appointment_token_ok(appointment_sudo, access_token):
        """A link with the appointment's token (in its mails) works until a
        week after the appointment's day, not forever."""
        if not access_token or not consteq(appointment_sudo.access_token or "", access_token):
            return False
        return appointment_sudo.date >= fields.Date.today() - timedelta(days=TOKEN_DAYS_AFTER)

    def _ihospital_queue_values(self, appointment_sudo):
        schedule_sudo = appointment_sudo.schedule_id
        queue_state = appointment_sudo.queue_state or ""
        return {
            "state": appointment_sudo.state,
            "queue_state": queue_state,
            "my_number": appointment_sudo.queue_number,
            "current_number": schedule_sudo.current_number or 0,
            "people_ahead": appointment_sudo.people_ahead,
            "wait_minutes": appointment_sudo.estimated_wait_minutes,
            # set when the nurse calls someone and this patient is among the next few
            "turn_near": queue_state == "waiting" and appointment_sudo.turn_near_sent,
            "called": queue_state == "called",
            "room": schedule_sudo.room or "",
        }

    def _ihospital_can_cancel(self, appointment_sudo):
        if appointment_sudo.state not in ("held", "booked"):
            return False
        cutoff = appointment_sudo.start - timedelta(hours=appointment_sudo.company_id.booking_cancel_cutoff_hours)
        return fields.Datetime.now() <= cutoff

    def _ihospital_payment_values(self, appointment_sudo):
        """The payment form's values for a held appointment, as sale's
        portal renders them for an order."""
        partner_sudo = request.env.user.partner_id if not request.env.user._is_public() else request.env["res.partner"]
        if not partner_sudo:
            partner_sudo = appointment_sudo.user_id.partner_id
        company = appointment_sudo.company_id
        amount, currency = appointment_sudo.fee, appointment_sudo.currency_id
        availability_report = {}
        providers_sudo = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id, partner_sudo.id, amount, currency_id=currency.id, report=availability_report
            )
        )
        payment_methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids, partner_sudo.id, currency_id=currency.id, report=availability_report
            )
        )
        tokens_sudo = request.env["payment.token"].sudo()._get_available_tokens(providers_sudo.ids, partner_sudo.id)
        return {
            "company_mismatch": not PaymentPortal._can_partner_pay_in_company(partner_sudo, company),
            "expected_company": company,
            "show_tokenize_input_mapping": PaymentPortal._compute_show_tokenize_input_mapping(providers_sudo),
            "amount": amount,
            "currency": currency,
            "partner_id": partner_sudo.id,
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": payment_methods_sudo,
            "tokens_sudo": tokens_sudo,
            "availability_report": availability_report,
            "transaction_route": appointment_sudo.get_portal_url(suffix="/transaction"),
            "landing_route": appointment_sudo.get_portal_url(query_string="&confirmed=1"),
            "access_token": appointment_sudo._portal_ensure_token(),
        }

    def _ihospital_appointment_page(self, appointment_sudo, access_token=None, error=None, **kwargs):
        values = self._prepare_portal_layout_values()
        values = self._get_page_view_values(
            appointment_sudo, access_token, values, "my_ihospital_appointments_history", False
        )
        values.update(
            {
                "page_name": "ihospital_appointment",
                "appointment": appointment_sudo,
                "doctor": request.env["hr.employee.public"].sudo().browse(appointment_sudo.doctor_id.id),
                "access_token": access_token,
                "error": error,
                "confirmed": kwargs.get("confirmed") and appointment_sudo.state in ("booked", "checked_in"),
                "states": self._ihospital_selection("ihospital.appointment", "state"),
                "payment_states": self._ihospital_selection("ihospital.appointment", "payment_state"),
                "sessions": self._ihospital_selection("ihospital.schedule", "session"),
                "can_cancel": self._ihospital_can_cancel(appointment_sudo),
                "can_check_in": appointment_sudo.state == "booked"
                and appointment_sudo.date == appointment_sudo.company_id._ihospital_today(),
                "queue": self._ihospital_queue_values(appointment_sudo),
                "to_pay": appointment_sudo.state == "held" and appointment_sudo.payment_state == "pending",
                # a payment the provider has not confirmed yet: do not offer to pay twice
                "payment_processing": bool(
                    appointment_sudo.transaction_ids.filtered(lambda t: t.state in ("pending", "authorized"))
                ),
            }
        )
        if values["to_pay"] and not values["payment_processing"]:
            values.update(self._ihospital_payment_values(appointment_sudo))
        return request.render("ihospital_public.portal_my_appointment", values)

    @http.route("/my/appointments/<int:appointment_id>", type="http", auth="public", website=True, sitemap=False)
    def portal_my_appointment(self, appointment_id, access_token=None, **kwargs):
        appointment_sudo = self._ihospital_appointment_access(appointment_id, access_token)
        return self._ihospital_appointment_page(appointment_sudo, access_token, **kwargs)

    def _ihospital_appointment_action(self, appointment_id, access_token, action):
        appointment_sudo = self._ihospital_appointment_access(appointment_id, access_token)
        try:
            with request.env.cr.savepoint():
                action(appointment_sudo)
        except UserError as error:
            return self._ihospital_appointment_page(appointment_sudo, access_token, error=error.args[0])
        return request.redirect(appointment_sudo.get_portal_url() if access_token else appointment_sudo.access_url)

    @http.route(
        "/my/appointments/<int:appointment_id>/cancel", type="http", auth="public", website=True, methods=["POST"]
    )
    def portal_my_appointment_cancel(self, appointment_id, access_token=None, **kwargs):
        """Cancel within the hospital's rules; a paid fee is refunded."""
        return self._ihospital_appointment_action(appointment_id, access_token, lambda a: a.action_cancel())

    @http.route(
        "/my/appointments/<int:appointment_id>/check_in", type="http", auth="public", website=True, methods=["POST"]
    )
    def portal_my_appointment_check_in(self, appointment_id, access_token=None, **kwargs):
        """Check in on the day (签到取号): the model says when it is open."""
        return self._ihospital_appointment_action(appointment_id, access_token, lambda a: a.action_check_in())

    @http.route("/my/appointments/<int:appointment_id>/queue", type="http", auth="public", website=True, sitemap=False)
    def portal_my_appointment_queue(self, appointment_id, access_token=None, **kwargs):
        """The patient's place in the queue, read again on every bus update."""
        appointment_sudo = self._ihospital_appointment_access(appointment_id, access_token)
        return request.make_json_response(self._ihospital_queue_values(appointment_sudo))

    @http.route("/my/appointments/<int:appointment_id>/transaction", type="json", auth="public")
    def portal_my_appointment_transaction(self, appointment_id, access_token=None, **kwargs):
        """Create the payment transaction of a held appointment's fee and
        return its processing values (the payment form's transaction route,
        as sale's /my/orders/<id>/transaction)."""
        try:
            appointment_sudo = self._ihospital_appointment_access(appointment_id, access_token)
        except NotFound as error:
            raise ValidationError(_("The access token is invalid.")) from error
        if appointment_sudo.state != "held" or appointment_sudo.payment_state != "pending":
            raise ValidationError(_("%s is not waiting for payment.", appointment_sudo.name))
        partner_sudo = (
            request.env.user.partner_id if not request.env.user._is_public() else appointment_sudo.user_id.partner_id
        )
        self._validate_transaction_kwargs(kwargs)
        kwargs.update(
            {
                "amount": appointment_sudo.fee,
                "partner_id": partner_sudo.id,
                "currency_id": appointment_sudo.currency_id.id,
                "reference_prefix": appointment_sudo.name,
            }
        )
        tx_sudo = self._create_transaction(
            custom_create_values={"ihospital_appointment_ids": [Command.set(appointment_sudo.ids)]}, **kwargs
        )
        return tx_sudo._get_processing_values()
