import secrets

import pytz

from odoo import _, api, fields, models
from odoo.addons.base.models.res_partner import _lang_get, _tz_get
from odoo.exceptions import ValidationError

from .ihospital_access_log import MIN_RETENTION_DAYS

HOSPITAL_GRADES = [
    ("3a", "Tertiary Grade A"),
    ("3b", "Tertiary Grade B"),
    ("3c", "Tertiary Grade C"),
    ("2a", "Secondary Grade A"),
    ("2b", "Secondary Grade B"),
    ("2c", "Secondary Grade C"),
    ("1", "Primary"),
    ("none", "Not graded"),
]


class ResCompany(models.Model):
    """A hospital is a company: one database serves many hospitals, each
    isolated by Odoo's multi-company rules."""

    _inherit = "res.company"

    is_hospital = fields.Boolean(
        string="Is a Hospital",
        help="Companies flagged as hospitals appear in the iHospital apps.",
    )
    hospital_grade = fields.Selection(
        HOSPITAL_GRADES,
    )
    hospital_introduction = fields.Html(string="Introduction", translate=True)
    hospital_latitude = fields.Float(string="Latitude", digits=(10, 7))
    hospital_longitude = fields.Float(string="Longitude", digits=(10, 7))
    hospital_transport = fields.Text(
        string="Transport Routes", translate=True, help="Bus, metro and car routes to the hospital."
    )
    hospital_opening_hours = fields.Text(string="Opening Hours", translate=True)
    hospital_phone_ids = fields.One2many("ihospital.hospital.phone", "company_id", string="Service Phones")
    hospital_building_ids = fields.One2many("ihospital.building", "company_id", string="Buildings")
    hospital_merchant_ids = fields.One2many("ihospital.merchant", "company_id", string="Nearby Merchants")
    hospital_max_patients_per_account = fields.Integer(
        string="Patients per Account",
        default=5,
        help="How many patients (self, children, parents...) one portal account may manage.",
    )

    hospital_tz = fields.Selection(
        _tz_get,
        string="Hospital Time Zone",
        default="Asia/Shanghai",
        help="Sessions, release times and check-in windows are in this time zone.",
    )
    # Booking rules (预约规则), one set per hospital.
    booking_days_ahead = fields.Integer(
        default=7,
        help="Slots are released this many days before the visit day.",
    )
    booking_release_time = fields.Float(
        string="Release Time", default=8.0, help="Time of day (hospital time) at which slots are released."
    )
    booking_hold_minutes = fields.Integer(
        string="Payment Hold (minutes)",
        default=15,
        help="An unpaid booking keeps its slot this long, then expires.",
    )
    booking_cancel_cutoff_hours = fields.Integer(
        string="Cancellation Cut-off (hours)",
        default=2,
        help="Patients may cancel until this many hours before the slot starts.",
    )
    booking_max_per_day = fields.Integer(string="Appointments per Patient per Day", default=3)
    booking_max_per_department_day = fields.Integer(string="Appointments per Patient per Department per Day", default=1)
    booking_noshow_limit = fields.Integer(
        string="No-shows before Suspension",
        default=3,
        help="A patient with this many no-shows in the period cannot book online.",
    )
    booking_noshow_days = fields.Integer(string="No-show Period (days)", default=90)
    booking_onsite_share = fields.Integer(
        string="On-site Share (%)",
        default=20,
        help="Share of each schedule's slots kept for booking at the hospital's windows (现场号).",
    )
    booking_real_name = fields.Boolean(
        string="Real-name Booking",
        default=True,
        help="Only patients with an identity document number may book.",
    )
    booking_reminder_hour = fields.Float(
        string="Reminders Sent At",
        default=18.0,
        help="Hour of the day (hospital time) when the day-before reminders go out.",
    )
    booking_checkin_before = fields.Integer(string="Check-in Opens (minutes before)", default=60)
    booking_checkin_after = fields.Integer(
        string="Check-in Closes (minutes after)",
        default=30,
        help="How late after the slot's start a patient may still check in.",
    )

    ihospital_audit_retention_days = fields.Integer(
        string="Keep Access Logs (days)",
        default=365,
        help="How long the log of staff access to patient data is kept; six months at least.",
    )
    ihospital_require_totp = fields.Boolean(
        string="Staff Must Use Two-factor Login",
        help="Staff of this hospital must set up an authenticator app (two-factor login) before using the apps.",
    )
    ihospital_session_idle_minutes = fields.Integer(
        string="Sign Staff Out After Idle (minutes)",
        default=30,
        help="A staff session without any request for this long is signed out. 0 keeps sessions open.",
    )
    ihospital_emergency_access_hours = fields.Integer(
        string="Emergency Access Lasts (hours)",
        default=4,
        help="How long a nurse or doctor sees a patient of another department after breaking the glass (1 to 24).",
    )

    # Online consultations (医患互动): how soon doctors answer, when an
    # unanswered question goes to the department head, when an unrated
    # answer closes.
    consultation_answer_hours = fields.Integer(
        string="Answer Questions Within (h)",
        default=24,
        help="A patient's question not answered within this time reminds the doctor (an activity).",
    )
    consultation_escalation_hours = fields.Integer(
        string="Escalate Unanswered Questions After (h)",
        default=48,
        help="A question still not answered this long after it was asked goes to the department head.",
    )
    consultation_close_days = fields.Integer(
        string="Close Unrated Answers After (days)",
        default=7,
        help="An answered question the patient does not rate within this time closes as closed without rating.",
    )

    # Who performs tests and examinations: their staff see the reports,
    # also those whose patient is not identified yet.
    ihospital_lab_department_id = fields.Many2one(
        "hr.department",
        string="Laboratory",
        domain="[('company_id', '=', id)]",
        help="The department that performs lab tests (检验科): new lab reports are its by default.",
    )
    ihospital_imaging_department_id = fields.Many2one(
        "hr.department",
        string="Imaging Department",
        domain="[('company_id', '=', id)]",
        help="The department that performs imaging examinations (放射科/影像科): new imaging reports are its by "
        "default.",
    )
    ihospital_exam_department_id = fields.Many2one(
        "hr.department",
        string="Health Check Centre",
        domain="[('company_id', '=', id)]",
        help="The department that performs physical examinations (体检中心): new physical exam reports are its by "
        "default.",
    )

    # Text messages (短信) go through the hospital's own SMS provider; an
    # addon adds a provider kind here (selection_add) with its adapter
    # methods on ihospital.sms.message (_provider_send_<kind>,
    # _provider_callback_<kind>).
    ihospital_sms_provider = fields.Selection(
        [("none", "No SMS Provider"), ("demo", "Demo (server log only)")],
        string="SMS Provider",
        default="none",
        required=True,
        help="Who sends the hospital's text messages. The demo provider sends nothing: it writes each text to the "
        "server log.",
    )
    ihospital_sms_signature = fields.Char(
        string="SMS Signature",
        help="The signature (签名) the provider registered for the hospital, e.g. 越秀中心医院: every text starts "
        "with it in 【】. Empty: the hospital's name.",
    )
    ihospital_sms_lang = fields.Selection(
        _lang_get,
        string="SMS Language",
        default=lambda self: self._default_ihospital_sms_lang(),
        help="The language of the platform's default texts for this hospital.",
    )
    ihospital_sms_callback_token = fields.Char(
        string="SMS Callback Token",
        copy=False,
        groups="base.group_system",
        help="The secret the SMS provider sends with delivery receipts and replies (Authorization: Bearer).",
    )

    @api.model
    def _default_ihospital_sms_lang(self):
        active = self.env["res.lang"].get_installed()
        codes = {code for code, _name in active}
        return "zh_CN" if "zh_CN" in codes else (self.env.lang or "en_US")

    @api.constrains("ihospital_sms_signature")
    def _check_ihospital_sms_signature(self):
        for company in self:
            signature = company.ihospital_sms_signature
            if signature and not 2 <= len(signature) <= 12:
                raise ValidationError(_("An SMS signature has 2 to 12 characters, without the brackets 【】."))

    @api.model
    def _ihospital_clean_signature(self, vals):
        """The signature is kept without its brackets 【】."""
        if vals.get("ihospital_sms_signature"):
            vals = dict(vals, ihospital_sms_signature=vals["ihospital_sms_signature"].strip().strip("【】[] "))
        return vals

    def _ihospital_sms_signature(self):
        """The signature at the start of every text: 【越秀中心医院】."""
        self.ensure_one()
        return "【%s】" % (self.ihospital_sms_signature or self.name)

    def _ihospital_sms_lang(self):
        self.ensure_one()
        return self.ihospital_sms_lang or "en_US"

    def _ihospital_sms_new_token(self):
        """A new callback token for the SMS provider (system administrators)."""
        self.ensure_one()
        self.sudo().ihospital_sms_callback_token = secrets.token_urlsafe(32)

    def _ihospital_reminders_due(self, now=None):
        """Whether it is past the hour of the day-before reminders, in the
        hospital's time zone."""
        self.ensure_one()
        local = pytz.utc.localize(now or fields.Datetime.now()).astimezone(
            pytz.timezone(self.hospital_tz or "Asia/Shanghai")
        )
        return local.hour + local.minute / 60 >= self.booking_reminder_hour

    def _ihospital_today(self):
        """Today's date at the hospital, whatever the server's or the user's
        time zone: clinic days, reminders and booking windows follow it."""
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self.hospital_tz or "Asia/Shanghai"))

    @api.constrains("ihospital_audit_retention_days")
    def _check_audit_retention(self):
        for company in self:
            if company.ihospital_audit_retention_days < MIN_RETENTION_DAYS:
                raise ValidationError(_("Access logs are kept at least %d days (six months).", MIN_RETENTION_DAYS))

    @api.constrains("ihospital_emergency_access_hours")
    def _check_emergency_access_hours(self):
        for company in self:
            if not 1 <= company.ihospital_emergency_access_hours <= 24:
                raise ValidationError(_("An emergency access lasts from 1 to 24 hours."))

    @api.constrains("ihospital_lab_department_id", "ihospital_imaging_department_id", "ihospital_exam_department_id")
    def _check_report_departments(self):
        for company in self:
            departments = (
                company.ihospital_lab_department_id
                | company.ihospital_imaging_department_id
                | company.ihospital_exam_department_id
            )
            if any(department.company_id != company for department in departments):
                raise ValidationError(
                    _(
                        "The laboratory, the imaging department and the health check centre must be departments of "
                        "the hospital."
                    )
                )

    @api.constrains("consultation_answer_hours", "consultation_escalation_hours", "consultation_close_days")
    def _check_consultation_limits(self):
        for company in self:
            if (
                min(
                    company.consultation_answer_hours,
                    company.consultation_escalation_hours,
                    company.consultation_close_days,
                )
                < 1
            ):
                raise ValidationError(_("The online consultation limits are at least one hour and one day."))
            if company.consultation_escalation_hours <= company.consultation_answer_hours:
                raise ValidationError(
                    _(
                        "An unanswered question goes to the department head after the doctor was reminded: escalate "
                        "later than the answer limit."
                    )
                )

    @api.constrains("hospital_latitude", "hospital_longitude")
    def _check_hospital_coordinates(self):
        for company in self:
            if not -90 <= company.hospital_latitude <= 90:
                raise ValidationError(_("The latitude must be between -90 and 90 degrees."))
            if not -180 <= company.hospital_longitude <= 180:
                raise ValidationError(_("The longitude must be between -180 and 180 degrees."))

    @api.constrains("hospital_max_patients_per_account")
    def _check_hospital_max_patients_per_account(self):
        for company in self:
            if company.hospital_max_patients_per_account < 1:
                raise ValidationError(_("An account must be allowed to manage at least one patient."))

    @api.constrains(
        "booking_days_ahead",
        "booking_release_time",
        "booking_hold_minutes",
        "booking_onsite_share",
        "booking_max_per_day",
        "booking_max_per_department_day",
    )
    def _check_booking_rules(self):
        for company in self:
            if company.booking_days_ahead < 0 or company.booking_hold_minutes < 1:
                raise ValidationError(
                    _("Booking days ahead cannot be negative and a payment hold lasts at least a minute.")
                )
            if not 0 <= company.booking_release_time < 24:
                raise ValidationError(_("The release time must be a time of day between 00:00 and 23:59."))
            if not 0 <= company.booking_onsite_share <= 100:
                raise ValidationError(_("The on-site share is a percentage between 0 and 100."))
            if company.booking_max_per_day < 1 or company.booking_max_per_department_day < 1:
                raise ValidationError(_("A patient must be allowed at least one appointment a day."))

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._ihospital_clean_signature(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._ihospital_clean_signature(vals))
