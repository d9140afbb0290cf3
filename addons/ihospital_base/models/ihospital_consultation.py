import base64
import binascii
from datetime import timedelta

from markupsafe import Markup

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import formataddr, plaintext2html
from odoo.tools.mimetypes import guess_mimetype

from .ihospital_guard_mixin import ADMIN, DOCTOR

CONSULTATION_STATES = [("open", "Waiting for the Doctor"), ("answered", "Answered"), ("closed", "Closed")]
# a question closes when the patient rates the answer, or, left unrated for
# the hospital's number of days, without a rating (counted apart)
CLOSE_REASONS = [("rated", "Rated by the Patient"), ("unrated", "Closed without Rating")]
# the inbox shows what waits for an answer first
INBOX_SEQUENCE = {"open": 0, "answered": 1, "closed": 2}

# What a reply from the staff app may carry (checked here, whatever the client).
REPLY_MAX_CHARS = 4000
REPLY_MAX_IMAGES = 6
REPLY_MAX_BYTES = 5 * 1024 * 1024
REPLY_IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
# Voice recordings as phone browsers' MediaRecorder makes them (Chrome and
# Firefox: WebM or Ogg Opus; Safari: MP4/AAC), known by their first bytes.
VOICE_TYPES = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a", "audio/mpeg": "mp3"}
CRON_BATCH = 500


def sniff_audio(raw):
    """The audio container of `raw` from its first bytes, or None."""
    if raw[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM (Matroska)
        return "audio/webm"
    if raw[:4] == b"OggS":
        return "audio/ogg"
    if raw[4:8] == b"ftyp":  # ISO base media: MP4 / M4A
        return "audio/mp4"
    if raw[:3] == b"ID3" or (len(raw) > 1 and raw[0] == 0xFF and raw[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


class IhospitalConsultation(models.Model):
    """A question a patient's account asks a real-name doctor online
    (医生咨询, 医患互动). The thread is the chatter; the doctor answers in it
    (text, images, voice: `action_reply`), may let the patient call
    (`action_authorize_phone`, taken back with `action_withdraw_phone`)
    or hand the question to a colleague
    (`action_hand_over`). Only the asker's rating closes it; an answer left
    unrated for the hospital's number of days closes it as "closed without
    rating". A question left unanswered past the hospital's limit reminds
    the doctor, then goes to the department head (crons)."""

    _name = "ihospital.consultation"
    _description = "Online Consultation"
    _inherit = [
        "ihospital.audited.mixin",
        "ihospital.guard.mixin",
        "ihospital.hospital.mixin",
        "rating.mixin",
        "mail.activity.mixin",
    ]
    _order = "create_date desc, id desc"
    # Patients follow up from the portal with read access only; staff who
    # read a question may log notes on it (public replies: _check_can_answer).
    _mail_post_access = "read"
    _engine_fields = (
        "name",
        "rating_last_value",
        "state",
        "answered_date",
        "closed_date",
        "user_id",
        "doctor_id",
        "patient_id",
        "subject",
        "question",
        "close_reason",
        "waiting_since",
        "last_answer_date",
        "answer_deadline",
        "escalation_deadline",
        "auto_close_date",
        "reminded_date",
        "escalated_date",
        "phone_authorized",
        "phone_authorized_date",
        "question_image_count",
        "inbox_sequence",
    )
    _action_groups = {
        "action_reply": (DOCTOR,),
        "action_authorize_phone": (DOCTOR,),
        "action_withdraw_phone": (DOCTOR,),
        "action_hand_over": (DOCTOR, ADMIN),
        "action_reopen": (DOCTOR, ADMIN),
    }

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    subject = fields.Char(required=True, tracking=True)
    question = fields.Text(required=True)
    patient_id = fields.Many2one(
        "ihospital.patient", required=True, index=True, domain="[('company_id', '=', company_id)]"
    )
    user_id = fields.Many2one(
        "res.users", string="Asked by", required=True, index=True, default=lambda self: self.env.user, readonly=True
    )
    doctor_id = fields.Many2one(
        "hr.employee",
        required=True,
        index=True,
        tracking=True,
        domain="[('company_id', '=', company_id), ('online_consultation', '=', True)]",
    )
    department_id = fields.Many2one(
        "hr.department", related="doctor_id.department_id", store=True, index=True, string="Department"
    )
    state = fields.Selection(CONSULTATION_STATES, required=True, default="open", tracking=True, index=True)
    close_reason = fields.Selection(CLOSE_REASONS, string="Closing", readonly=True, copy=False, index=True)
    answered_date = fields.Datetime(string="First Answered", readonly=True, copy=False)
    last_answer_date = fields.Datetime(string="Last Answered", readonly=True, copy=False)
    closed_date = fields.Datetime(string="Closed", readonly=True, copy=False)
    waiting_since = fields.Datetime(
        readonly=True,
        copy=False,
        default=fields.Datetime.now,
        help="When the patient's question, or last follow-up, started waiting for the doctor.",
    )
    answer_deadline = fields.Datetime(
        string="Answer Due", compute="_compute_deadlines", store=True, index=True, readonly=True
    )
    escalation_deadline = fields.Datetime(
        string="Escalation Due", compute="_compute_deadlines", store=True, index=True, readonly=True
    )
    auto_close_date = fields.Datetime(
        string="Closes Unrated On", compute="_compute_deadlines", store=True, index=True, readonly=True
    )
    reminded_date = fields.Datetime(string="Doctor Reminded", readonly=True, copy=False)
    escalated_date = fields.Datetime(string="Escalated to the Head", readonly=True, copy=False)
    phone_authorized = fields.Boolean(string="Phone Consultation Authorized", readonly=True, copy=False, tracking=True)
    phone_authorized_date = fields.Datetime(string="Phone Authorized On", readonly=True, copy=False)
    question_image_count = fields.Integer(
        string="Images", readonly=True, copy=False, help="Images the patient sent with the question and follow-ups."
    )
    inbox_sequence = fields.Integer(compute="_compute_inbox_sequence", store=True, readonly=True)
    is_overdue = fields.Boolean(string="Overdue", compute="_compute_is_overdue", search="_search_is_overdue")
    waiting_time = fields.Char(compute="_compute_waiting_time")
    is_my_question = fields.Boolean(
        string="Asked to Me", compute="_compute_is_my_question", search="_search_is_my_question"
    )
    can_answer = fields.Boolean(compute="_compute_can_answer")
    question_attachment_ids = fields.Many2many(
        "ir.attachment", string="Question Images", compute="_compute_question_attachment_ids"
    )
    # Not portal.mixin: its access token would open the thread to Odoo's
    # /mail/thread routes; only the asking account reads a consultation.
    access_url = fields.Char(string="Portal Link", compute="_compute_access_url")
    doctor_phone = fields.Char(
        string="Doctor's Consultation Phone",
        compute="_compute_doctor_phone",
        help="Shown to the patient only once the doctor authorized a phone consultation on this question.",
    )

    @api.depends(
        "phone_authorized", "doctor_id.phone_consultation", "doctor_id.consultation_phone", "doctor_id.work_phone"
    )
    def _compute_doctor_phone(self):
        for consultation in self:
            consultation.doctor_phone = consultation.phone_authorized and consultation._ihospital_doctor_number()

    def _ihospital_doctor_number(self):
        """The number the patient may call: the doctor's consultation
        number, else the work phone. Sudo: both are restricted to HR; the
        doctor shows one by authorizing a phone consultation."""
        self.ensure_one()
        doctor_sudo = self.sudo().doctor_id
        return (doctor_sudo.phone_consultation and doctor_sudo.consultation_phone) or doctor_sudo.work_phone or False

    def _compute_access_url(self):
        for consultation in self:
            consultation.access_url = f"/my/consultations/{consultation.id}"

    @api.depends(
        "state",
        "waiting_since",
        "last_answer_date",
        "company_id.consultation_answer_hours",
        "company_id.consultation_escalation_hours",
        "company_id.consultation_close_days",
    )
    def _compute_deadlines(self):
        for consultation in self:
            company = consultation.company_id
            waiting = consultation.state == "open" and consultation.waiting_since
            answered = consultation.state == "answered" and consultation.last_answer_date
            consultation.answer_deadline = waiting and waiting + timedelta(
                hours=company.consultation_answer_hours or 24
            )
            consultation.escalation_deadline = waiting and waiting + timedelta(
                hours=company.consultation_escalation_hours or 48
            )
            consultation.auto_close_date = answered and answered + timedelta(days=company.consultation_close_days or 7)

    @api.depends("state")
    def _compute_inbox_sequence(self):
        for consultation in self:
            consultation.inbox_sequence = INBOX_SEQUENCE.get(consultation.state, 9)

    @api.depends("state", "answer_deadline")
    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for consultation in self:
            consultation.is_overdue = (
                consultation.state == "open"
                and bool(consultation.answer_deadline)
                and consultation.answer_deadline <= now
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Search overdue questions with = or != and true or false."))
        overdue = [("state", "=", "open"), ("answer_deadline", "<=", fields.Datetime.now())]
        return overdue if (operator == "=") == value else ["!", "&", *overdue]

    @api.depends("state", "waiting_since")
    def _compute_waiting_time(self):
        now = fields.Datetime.now()
        for consultation in self:
            if consultation.state != "open" or not consultation.waiting_since:
                consultation.waiting_time = False
                continue
            minutes = max(int((now - consultation.waiting_since).total_seconds() // 60), 0)
            if minutes < 60:
                consultation.waiting_time = _("%s min", minutes)
            elif minutes < 24 * 60:
                consultation.waiting_time = _("%s h", minutes // 60)
            else:
                consultation.waiting_time = _(
                    "%(days)s d %(hours)s h", days=minutes // (24 * 60), hours=minutes % (24 * 60) // 60
                )

    @api.depends_context("uid")
    @api.depends("doctor_id.user_id")
    def _compute_is_my_question(self):
        for consultation in self:
            consultation.is_my_question = consultation.sudo().doctor_id.user_id == self.env.user

    def _search_is_my_question(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Search your questions with = or != and true or false."))
        mine = [("doctor_id.user_id", "=", self.env.uid)]
        return mine if (operator == "=") == value else ["!", *mine]

    @api.depends_context("uid")
    @api.depends("state", "doctor_id.user_id", "department_id.manager_id.user_id")
    def _compute_can_answer(self):
        for consultation in self:
            consultation.can_answer = (
                consultation.state != "closed" and self.env.user in consultation._ihospital_answerers()
            )

    @api.depends("message_ids.attachment_ids")
    def _compute_question_attachment_ids(self):
        """The images the asker sent (with the question and follow-ups),
        for the staff app's thumbnails: one search for the batch."""
        Message = self.env["mail.message"].sudo()
        messages = Message.search(
            [
                ("model", "=", self._name),
                ("res_id", "in", self.ids),
                ("message_type", "=", "comment"),
                ("attachment_ids", "!=", False),
            ]
        )
        images = {}
        for message in messages:
            consultation = self.browse(message.res_id)
            if message.author_id != consultation.sudo().user_id.partner_id:
                continue
            images.setdefault(message.res_id, []).extend(
                message.attachment_ids.filtered(lambda a: (a.mimetype or "").startswith("image/")).ids
            )
        for consultation in self:
            consultation.question_attachment_ids = [(6, 0, images.get(consultation.id, []))]

    @api.constrains("doctor_id", "patient_id", "company_id", "user_id")
    def _check_consultation(self):
        for consultation in self.sudo():
            if not consultation.doctor_id.online_consultation:
                raise ValidationError(_("%s does not take online consultations.", consultation.doctor_id.name))
            if consultation.company_id not in (
                consultation.doctor_id.company_id,
                consultation.patient_id.company_id,
            ) or (consultation.doctor_id.company_id != consultation.patient_id.company_id):
                raise ValidationError(_("The doctor and the patient must belong to the same hospital."))
            if consultation.user_id.share and consultation.user_id not in consultation.patient_id.account_ids.user_id:
                raise ValidationError(_("You can only ask questions for the patients your account manages."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].sudo().next_by_code("ihospital.consultation") or "/"
        consultations = super().create(vals_list)
        for consultation in consultations:
            partners = consultation.user_id.partner_id | consultation.doctor_id.sudo().user_id.partner_id
            consultation.sudo().message_subscribe(partner_ids=partners.ids)
        return consultations

    # ------------------------------------------------------------------ rights
    def _ihospital_answerers(self):
        """Who answers the patient: the doctor the question is with and the
        head of that doctor's department."""
        self.ensure_one()
        consultation_sudo = self.sudo()
        return consultation_sudo.doctor_id.user_id | consultation_sudo.department_id.manager_id.user_id

    def _check_can_answer(self):
        """Only the doctor the question is with, or the department head,
        writes to the patient; colleagues who read the question log notes."""
        for consultation in self:
            if self.env.user not in consultation._ihospital_answerers():
                raise AccessError(
                    _(
                        "Only the doctor the question is with, or the head of the department, answers the patient. "
                        "Log a note instead, or have the question handed over to you."
                    )
                )
            if consultation.state == "closed":
                raise UserError(_("This question is closed: the patient can ask a new one."))

    # ------------------------------------------------------------------ actions
    def action_reply(self, body=None, images=None, voice=None):
        """The doctor's answer from the staff app: text, images and a voice
        recording, posted together as one public message of the thread (the
        patient reads it in the portal; notes stay internal).

        :param str body: the answer, plain text
        :param list images: ``[{"name": "x.jpg", "data": "<base64>"}]``
        :param dict voice: ``{"name": ..., "data": "<base64>", "mimetype": "audio/webm"}``
        :return: the id of the posted message

        Bad input raises UserError before anything is stored."""
        self.ensure_one()
        self._check_action("action_reply")
        self._check_can_answer()
        text = (body or "").strip() if isinstance(body, str) else ""
        if len(text) > REPLY_MAX_CHARS:
            raise UserError(_("The answer is longer than %s characters: shorten it.", REPLY_MAX_CHARS))
        files = self._ihospital_reply_files(images, voice)
        if not text and not files:
            raise UserError(_("Write an answer, add an image or record your voice before sending."))
        # as the doctor: attaching needs the right to change the question
        attachments = self.env["ir.attachment"].create(
            [dict(file, res_model=self._name, res_id=self.id) for file in files]
        )
        # the staff app's chatter plays voice attachments (Odoo's voice player)
        attachments.filtered(lambda a: a.mimetype in VOICE_TYPES).sudo()._set_voice_metadata()
        message = self.with_context(mail_notify_force_send=False).message_post(
            body=plaintext2html(text) if text else "",
            attachment_ids=attachments.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return message.id

    def _ihospital_reply_files(self, images, voice):
        """The attachment values of a reply's images and voice recording,
        checked: real images or audio (by their bytes, not their names),
        5 MB each at most, six images at most."""
        self.ensure_one()
        if images and not isinstance(images, list | tuple):
            raise UserError(_("The images of the answer could not be read: add them again."))
        images = images or []
        if len(images) > REPLY_MAX_IMAGES:
            raise UserError(_("Attach at most %s images.", REPLY_MAX_IMAGES))
        files = []
        for index, image in enumerate(images, start=1):
            name, raw = self._ihospital_decode_upload(image, _("Image %s", index))
            mimetype = guess_mimetype(raw)
            if mimetype not in REPLY_IMAGE_TYPES:
                raise UserError(_("%s is not an image the patient's phone can show (JPEG, PNG, GIF or WebP).", name))
            files.append({"name": name, "raw": raw, "mimetype": mimetype})
        if voice:
            name, raw = self._ihospital_decode_upload(voice, _("The voice recording"))
            declared = str(voice.get("mimetype") or "").split(";")[0].strip().lower()
            mimetype = sniff_audio(raw)
            if not declared.startswith("audio/") or not mimetype:
                raise UserError(
                    _("The voice recording is not audio the patient's phone can play (WebM, Ogg, MP4 or MP3).")
                )
            extension = VOICE_TYPES[mimetype]
            files.append({"name": _("Voice reply %s", self.name) + f".{extension}", "raw": raw, "mimetype": mimetype})
        return files

    @staticmethod
    def _ihospital_decode_upload(upload, label):
        """(name, bytes) of an uploaded file `{"name", "data"}` (base64, or a
        data: URL), refused above the size limit or unreadable."""
        if not isinstance(upload, dict) or not isinstance(upload.get("data"), str):
            raise UserError(_("%s could not be read: add it again.", label))
        name = str(upload.get("name") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:100] or label
        data = upload["data"]
        if data.startswith("data:") and "," in data[:200]:
            data = data.split(",", 1)[1]
        # refuse before decoding: base64 takes four characters for three bytes
        if len(data) > (REPLY_MAX_BYTES // 3 + 1) * 4:
            raise UserError(_("%s is larger than 5 MB.", name))
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise UserError(_("%s could not be read: add it again.", name)) from exc
        if not raw:
            raise UserError(_("%s is empty.", name))
        if len(raw) > REPLY_MAX_BYTES:
            raise UserError(_("%s is larger than 5 MB.", name))
        return name, raw

    def action_authorize_phone(self):
        """The doctor lets this patient call: from now on the question shows
        the doctor's consultation (or work) number in the portal, to its
        asker only; nobody else's question shows it."""
        self._check_action("action_authorize_phone")
        for consultation in self:
            if consultation.sudo().doctor_id.user_id != self.env.user:
                raise AccessError(_("Only the doctor the question is with authorizes a call to their own number."))
            if consultation.state == "closed":
                raise UserError(_("This question is closed: the patient can ask a new one."))
            if consultation.phone_authorized:
                raise UserError(_("A phone consultation is already authorized on this question."))
            if not consultation._ihospital_doctor_number():
                raise UserError(
                    _("Your staff record has no number patients may call: ask the HR office to add your work phone.")
                )
        self.sudo().write({"phone_authorized": True, "phone_authorized_date": fields.Datetime.now()})
        for consultation in self:
            # the patient is told in the thread; the number stays on the question page
            consultation.with_context(mail_notify_force_send=False).message_post(
                body=_(
                    "%s authorized a phone consultation: the number to call is shown at the top of this question.",
                    consultation.sudo().doctor_id.name,
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def action_withdraw_phone(self):
        """The doctor takes the call back: the question stops showing the
        number to the patient; it may be authorized again later. Who may
        withdraw is who may authorize: the doctor the question is with. A
        closed question's call can be withdrawn too (its page still shows
        the number). The chatter says who withdrew it and when: an internal
        note, since a public message from staff would answer the question."""
        self._check_action("action_withdraw_phone")
        for consultation in self:
            if consultation.sudo().doctor_id.user_id != self.env.user:
                raise AccessError(_("Only the doctor the question is with withdraws a call to their own number."))
            if not consultation.phone_authorized:
                raise UserError(_("No phone consultation is authorized on this question: nothing to withdraw."))
        self.sudo().write({"phone_authorized": False, "phone_authorized_date": False})
        for consultation in self:
            consultation.message_post(
                body=_(
                    "%s withdrew the phone consultation: the patient no longer sees the number.",
                    self.env.user.name,
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_hand_over(self, doctor_id, note=None):
        """Give the question to a colleague of the same hospital who takes
        online questions (typically of the same department): the colleague
        follows it, gets an activity and answers; the trail is in the
        chatter. The doctor it is with, the department head and the
        hospital's administrators hand over."""
        self.ensure_one()
        self._check_action("action_hand_over")
        if self.env.user not in self._ihospital_answerers() and not self.env.user.has_group(ADMIN):
            raise AccessError(_("Only the doctor the question is with, or the head of the department, hands it over."))
        if self.state == "closed":
            raise UserError(_("This question is closed: the patient can ask a new one."))
        try:
            doctor_id = int(doctor_id or 0)
        except (TypeError, ValueError):
            doctor_id = 0
        # sudo: staff records are HR's; the checks below say what is allowed
        doctor_sudo = self.env["hr.employee"].sudo().browse(doctor_id).exists()
        previous_sudo = self.sudo().doctor_id
        if not doctor_sudo or not doctor_sudo.active:
            raise UserError(_("Choose the colleague who takes over the question."))
        if doctor_sudo.company_id != self.company_id:
            raise UserError(_("A question is handed over within its hospital: choose a colleague of this hospital."))
        if doctor_sudo == previous_sudo:
            raise UserError(_("The question is already with %s.", doctor_sudo.name))
        colleague = doctor_sudo.user_id
        if not colleague or not colleague.active or colleague.share or not colleague.has_group(DOCTOR):
            raise UserError(_("%s is not a doctor with a staff app account: choose a doctor.", doctor_sudo.name))
        if not doctor_sudo.online_consultation:
            raise UserError(_("%s does not take online consultations.", doctor_sudo.name))
        consultation_sudo = self.sudo()
        if previous_sudo.user_id:
            consultation_sudo.message_unsubscribe(partner_ids=previous_sudo.user_id.partner_id.ids)
            consultation_sudo._ihospital_answer_activities(previous_sudo.user_id).unlink()
        # a call authorized to the previous doctor's number is not the colleague's to give
        consultation_sudo.write(
            {"doctor_id": doctor_sudo.id, "phone_authorized": False, "phone_authorized_date": False}
        )
        consultation_sudo.message_subscribe(partner_ids=colleague.partner_id.ids)
        note = (note or "").strip()[:1000] if isinstance(note, str) else ""
        body = _(
            "Handed over from %(previous)s to %(doctor)s by %(user)s.",
            previous=previous_sudo.name,
            doctor=doctor_sudo.name,
            user=self.env.user.name,
        )
        # the note does not make the one who hands over a follower again
        consultation_sudo.with_context(mail_create_nosubscribe=True).message_post(
            body=Markup("<p>%s</p>") % body + (Markup("<p>%s</p>") % note if note else ""),
            author_id=self.env.user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        consultation_sudo.with_context(lang=colleague.lang)._ihospital_schedule_answer(
            {consultation_sudo: colleague}, handed_over=True, note=note
        )
        return True

    def action_reopen(self):
        """Reopen a question closed without rating (the patient came back):
        the patient can rate the answer again. A rated question stays
        closed; the patient asks a new one."""
        self._check_action("action_reopen")
        for consultation in self:
            if consultation.state != "closed" or consultation.close_reason != "unrated":
                raise UserError(_("Only a question closed without rating can be reopened."))
        self.sudo().write(
            {
                "state": "answered",
                "closed_date": False,
                "close_reason": False,
                "last_answer_date": fields.Datetime.now(),
            }
        )
        return True

    def _close_and_rate(self, rate, feedback=None):
        """The asker closes the question by rating the answer (1-5 stars).
        Only the account that asked may do this, once the doctor answered."""
        self.ensure_one()
        if self.env.user != self.user_id:
            raise AccessError(_("Only the account that asked this question can rate the answer."))
        if self.state == "closed":
            raise UserError(_("This consultation is already closed."))
        if not self.answered_date:
            raise UserError(_("You can rate the answer once the doctor has replied."))
        try:
            rate = int(rate)
        except (TypeError, ValueError):
            rate = 0
        if rate < 1 or rate > 5:
            raise UserError(_("Choose from one to five stars."))
        # sudo: rating records are technical; the asker was checked above.
        consultation_sudo = self.sudo()
        token = consultation_sudo._rating_get_access_token(self.user_id.partner_id)
        consultation_sudo.rating_apply(rate, token=token, feedback=(feedback or "").strip()[:2000])
        return True

    def rating_apply(self, rate, token=None, rating=None, feedback=None, subtype_xmlid=None, notify_delay_send=False):
        """A consultation is rated once, after the doctor's answer, and the
        rating closes it. Odoo's public /rate/<token> pages call this too: a
        token already used cannot rewrite the rating."""
        self.ensure_one()
        if token:
            rating = self.env["rating.rating"].sudo().search([("access_token", "=", token)], limit=1)
        if self.state == "closed" or not self.answered_date or (rating and rating.consumed):
            raise UserError(_("This consultation is closed or not answered yet: it cannot be rated now."))
        result = super().rating_apply(
            rate, rating=rating, feedback=feedback, subtype_xmlid=subtype_xmlid, notify_delay_send=notify_delay_send
        )
        self.sudo().write({"state": "closed", "closed_date": fields.Datetime.now(), "close_reason": "rated"})
        return result

    # ------------------------------------------------------------------ mail / rating
    def message_post(self, **kwargs):
        """Patients (often signed up with a phone number) and doctors may
        have no email address; the thread must work without one, so the
        hospital's address stands in as the sender address.

        A portal account posts as itself, a public comment, to the thread's
        followers only: it chooses no author, recipients or internal
        subtype (it could otherwise write as the doctor or leave notes
        hidden from the doctor's view)."""
        if self.env.user.share:
            # also under sudo: Odoo's /mail/message/post posts as superuser
            self._check_portal_post(kwargs)
            if not kwargs.get("rating_id"):
                # not Odoo's defaults (a notification, an internal note)
                kwargs.setdefault("message_type", "comment")
                if not kwargs.get("subtype_xmlid") and not kwargs.get("subtype_id"):
                    kwargs["subtype_xmlid"] = "mail.mt_comment"
        elif self.env.uid != SUPERUSER_ID:
            # also under sudo (the chatter posts as superuser): what the
            # patient reads comes from whom may answer; notes stay inside
            if self._ihospital_is_public_post(kwargs):
                self._check_can_answer()
            elif self._ihospital_patients_among(kwargs.get("partner_ids")):
                raise AccessError(_("Notes stay within the hospital: mention colleagues only."))
        if not kwargs.get("email_from"):
            author = (
                self.env["res.partner"].browse(kwargs["author_id"])
                if kwargs.get("author_id")
                else self.env.user.partner_id
            )
            if not author.sudo().email:
                address = (
                    self.company_id.email
                    or self.env["ir.mail_server"].sudo()._get_default_from_address()
                    or "noreply@localhost"
                )
                kwargs["author_id"] = author.id
                kwargs["email_from"] = formataddr((author.sudo().name or "", address))
        return super().message_post(**kwargs)

    def _ihospital_post_subtype(self, kwargs):
        """The subtype message_post will give the message (a note unless
        told otherwise), or None if it names none that exists."""
        if kwargs.get("subtype_xmlid"):
            return self.env.ref(kwargs["subtype_xmlid"], raise_if_not_found=False)
        if kwargs.get("subtype_id"):
            return self.env["mail.message.subtype"].sudo().browse(kwargs["subtype_id"]).exists()
        return self.env.ref("mail.mt_note")

    def _ihospital_is_public_post(self, kwargs):
        """Whether the patient will read this post in the portal."""
        subtype = self._ihospital_post_subtype(kwargs)
        return kwargs.get("message_type", "notification") in ("comment", "email", "email_outgoing") and not (
            subtype is not None and subtype._name == "mail.message.subtype" and subtype and subtype.internal
        )

    def _ihospital_patients_among(self, partner_ids):
        """The portal accounts' partners among `partner_ids`."""
        if not partner_ids or not isinstance(partner_ids, list | tuple):
            return self.env["res.partner"]
        partners = self.env["res.partner"].sudo().browse([pid for pid in partner_ids if isinstance(pid, int)])
        return partners.filtered(lambda partner: not partner.user_ids or any(partner.user_ids.mapped("share")))

    def _check_portal_post(self, kwargs):
        partner = self.env.user.partner_id
        if kwargs.get("author_id") not in (None, False, partner.id):
            raise AccessError(_("You can only post as yourself."))
        followers = self.sudo().message_partner_ids
        if set(kwargs.get("partner_ids") or []) - set(followers.ids):
            raise AccessError(_("You cannot choose who receives your message."))
        if kwargs.get("email_from"):
            raise AccessError(_("You can only post as yourself."))
        # the rating flow (rating_apply, as superuser) posts the rating itself
        rating_post = self.env.su and kwargs.get("rating_id")
        if not rating_post and (kwargs.get("message_type", "comment") != "comment" or kwargs.get("rating_id")):
            raise AccessError(_("You can only post comments."))
        subtype = (
            self.env["mail.message.subtype"].sudo().browse(kwargs["subtype_id"]).exists()
            if kwargs.get("subtype_id")
            else self.env.ref(kwargs["subtype_xmlid"], raise_if_not_found=False)
            if kwargs.get("subtype_xmlid")
            else None
        )
        if subtype is not None and (subtype._name != "mail.message.subtype" or subtype.internal or not subtype):
            raise AccessError(_("You can only post comments."))

    def _rating_get_partner(self):
        return self.user_id.partner_id

    def _rating_get_operator(self):
        return self.doctor_id.sudo().user_id.partner_id

    def _message_post_after_hook(self, message, msg_values):
        """A public reply of hospital staff answers the question (notes do
        not); a follow-up of the patient puts it back in the doctor's queue,
        waiting from now."""
        res = super()._message_post_after_hook(message, msg_values)
        message_sudo = message.sudo()
        if message_sudo.message_type != "comment" or message_sudo.rating_ids:
            return res
        if message_sudo.subtype_id.internal or message_sudo.is_internal:
            return res
        author_user = message_sudo.author_id.user_ids[:1]
        now = fields.Datetime.now()
        for consultation in self.sudo().filtered(lambda c: c.state != "closed"):
            if author_user and not author_user.share:
                vals = {
                    "state": "answered",
                    "last_answer_date": now,
                    "waiting_since": False,
                    "reminded_date": False,
                    "escalated_date": False,
                }
                if not consultation.answered_date:
                    vals["answered_date"] = now
                consultation.write(vals)
                # the reminders to answer are done
                consultation._ihospital_answer_activities().unlink()
            elif author_user == consultation.user_id:
                vals = {}
                if consultation.state == "answered":
                    vals.update(state="open", waiting_since=now)
                images = message_sudo.attachment_ids.filtered(lambda a: (a.mimetype or "").startswith("image/"))
                if images:
                    vals["question_image_count"] = consultation.question_image_count + len(images)
                if vals:
                    consultation.write(vals)
        return res

    # ------------------------------------------------------------------ reminders
    def _ihospital_answer_activities(self, users=None):
        """The activities asking to answer these questions (of `users`)."""
        activity_type = self.env.ref("ihospital_base.mail_activity_type_consultation_answer")
        activities = self.sudo().activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        if users is not None:
            activities = activities.filtered(lambda a: a.user_id in users)
        return activities

    def _ihospital_schedule_answer(self, users, handed_over=False, escalated=False, note=""):
        """One activity "answer the patient" per question for its user in
        `users` ({consultation: user}), made in one create, without mail
        (the activity shows in the staff app; a mail would leave the
        request)."""
        activity_type = self.env.ref("ihospital_base.mail_activity_type_consultation_answer")
        model_id = self.env["ir.model"]._get_id(self._name)
        today = fields.Date.context_today(self)
        vals_list = []
        for consultation, user in users.items():
            if not user:
                continue
            if handed_over:
                summary = _("Handed over to you: %s", consultation.subject)
            elif escalated:
                summary = _("Unanswered in your department: %s", consultation.subject)
            else:
                summary = _("Answer the patient: %s", consultation.subject)
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": consultation.id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "summary": summary[:250],
                    "note": plaintext2html(note) if note else False,
                    "date_deadline": today,
                }
            )
        return self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)

    @api.model
    def _cron_remind_unanswered(self):
        """Questions left unanswered past the hospital's limit: the doctor
        gets an activity (once); past the second limit the department head
        gets one and the escalation is noted in the chatter. Thin and
        set-based: two searches, one create of activities and of notes per
        language, one write per step; runs after commit, so nothing waits
        for it in a request."""
        now = fields.Datetime.now()
        Consultation = self.sudo()
        to_remind = Consultation.search(
            [("state", "=", "open"), ("reminded_date", "=", False), ("answer_deadline", "<=", now)],
            order="answer_deadline, id",
            limit=CRON_BATCH,
        )
        to_remind._ihospital_remind(now)
        to_escalate = Consultation.search(
            [("state", "=", "open"), ("escalated_date", "=", False), ("escalation_deadline", "<=", now)],
            order="escalation_deadline, id",
            limit=CRON_BATCH,
        )
        to_escalate._ihospital_escalate(now)
        remaining = int(CRON_BATCH in (len(to_remind), len(to_escalate)))
        self.env["ir.cron"]._notify_progress(done=len(to_remind) + len(to_escalate), remaining=remaining)

    def _ihospital_remind(self, now):
        if not self:
            return
        self.write({"reminded_date": now})
        for lang, consultations in self.grouped(lambda c: c.doctor_id.user_id.lang or "en_US").items():
            consultations = consultations.with_context(lang=lang)
            consultations._ihospital_schedule_answer({c: c.doctor_id.user_id for c in consultations})
            consultations._message_log_batch(
                bodies={
                    c.id: Markup("<p>%s</p>")
                    % consultations.env._(
                        "Not answered within %(hours)s hours: %(doctor)s is reminded.",
                        hours=c.company_id.consultation_answer_hours,
                        doctor=c.doctor_id.name,
                    )
                    for c in consultations
                }
            )

    def _ihospital_escalate(self, now):
        if not self:
            return
        self.write({"escalated_date": now})
        heads = {c: c.department_id.manager_id.user_id for c in self}
        for lang, consultations in self.grouped(lambda c: heads[c].lang or c.doctor_id.user_id.lang or "en_US").items():
            consultations = consultations.with_context(lang=lang)
            consultations._ihospital_schedule_answer({c: heads[c] for c in consultations}, escalated=True)
            bodies = {}
            for c in consultations:
                if heads[c]:
                    text = consultations.env._(
                        "Not answered within %(hours)s hours: escalated to the department head, %(head)s.",
                        hours=c.company_id.consultation_escalation_hours,
                        head=c.department_id.manager_id.name,
                    )
                else:
                    text = consultations.env._(
                        "Not answered within %(hours)s hours, and the department has no head with a staff app "
                        "account to escalate to.",
                        hours=c.company_id.consultation_escalation_hours,
                    )
                bodies[c.id] = Markup("<p>%s</p>") % text
            consultations._message_log_batch(bodies=bodies)

    @api.model
    def _cron_close_unrated(self):
        """Answers the patient left unrated for the hospital's number of
        days close as "closed without rating" (counted apart from rated
        ones). Thin and set-based, idempotent."""
        now = fields.Datetime.now()
        due = self.sudo().search(
            [("state", "=", "answered"), ("auto_close_date", "<=", now)], order="auto_close_date, id", limit=CRON_BATCH
        )
        if due:
            due.write({"state": "closed", "closed_date": now, "close_reason": "unrated"})
            for lang, consultations in due.grouped(lambda c: c.doctor_id.user_id.lang or "en_US").items():
                consultations = consultations.with_context(lang=lang)
                consultations._message_log_batch(
                    bodies={
                        c.id: Markup("<p>%s</p>")
                        % consultations.env._(
                            "Closed without rating: the patient did not rate the answer within %s days.",
                            c.company_id.consultation_close_days,
                        )
                        for c in consultations
                    }
                )
        self.env["ir.cron"]._notify_progress(done=len(due), remaining=int(len(due) == CRON_BATCH))
