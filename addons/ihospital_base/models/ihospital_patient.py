import re

import phonenumbers
import pytz
from dateutil.relativedelta import relativedelta
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from .ihospital_guard_mixin import VIEW_ONLY

ID_TYPES = [
    ("resident_id", "Resident ID Card"),
    ("passport", "Passport"),
    ("hk_macau_permit", "Hong Kong/Macau Travel Permit"),
    ("taiwan_permit", "Taiwan Travel Permit"),
    ("other", "Other"),
]
ADULT_AGE = 18
MAX_AGE = 130
IDENTITY_GROUP = "ihospital_base.group_patient_identity"
NURSE = "ihospital_base.group_nurse"
DOCTOR = "ihospital_base.group_doctor"
DEPARTMENT_HEAD = "ihospital_base.group_department_head"

# What makes a patient a clinician's: a record of the patient in one of the
# clinician's departments, or with the clinician as its doctor.
# (model, department field, doctor fields)
CARE_LINKS = (
    ("ihospital.visit", "department_id", ("doctor_id",)),
    ("ihospital.appointment", "department_id", ("doctor_id",)),
    ("ihospital.admission", "department_id", ("attending_doctor_id", "bed_doctor_id")),
)


def mask_middle(value, keep_start, keep_end):
    """Hide the middle of a value: '440103199001011234' -> '440***********1234'."""
    if not value:
        return False
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + (value[-keep_end:] if keep_end else "")


# Resident ID numbers (18 characters, or the old 15 digits) and mainland
# mobile numbers (optionally +86) inside free text.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{6})(\d{3}[\dXx]|\d{3})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)((?:\+?86)?1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_identity_text(text):
    """Mask ID numbers and mobile phone numbers quoted in a free text (an
    error message, a log line): '440106198503127612' -> '440***********7612'."""
    if not text:
        return text
    text = _ID_IN_TEXT.sub(lambda m: mask_middle(m.group(0), 3, 4), str(text))
    return _MOBILE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(3), text)


def normalize_phone(number, region="CN"):
    """Return the E.164 form of a phone number, or raise ValidationError."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if not parsed or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("%s is not a valid phone number.", number))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class IhospitalPatient(models.Model):
    """A patient (就诊人) of one hospital. One portal account may manage
    several patients (self, children, parents) through account links."""

    _name = "ihospital.patient"
    _description = "Patient"
    _inherit = [
        "ihospital.audited.mixin",
        "ihospital.guard.mixin",
        "ihospital.hospital.mixin",
        "ihospital.pinyin.mixin",
        "mail.thread",
        "mail.activity.mixin",
    ]
    _patient_link_fields = ()
    # the death is the HIS's to report (PID-30/PID-29, `deceased`)
    _engine_fields = ("phone_source", "deceased", "deceased_at")
    _action_groups = {"action_view_visits": VIEW_ONLY, "action_view_admissions": VIEW_ONLY}
    _order = "name, id"
    _rec_names_search = ["name", "medical_card_number", "his_patient_id"]
    _check_company_auto = True

    # trigram: staff find a patient by characters or pinyin with an index scan
    name = fields.Char(required=True, tracking=True, index="trigram")
    active = fields.Boolean(default=True, tracking=True)
    id_type = fields.Selection(ID_TYPES, string="ID Type", required=True, default="resident_id")
    id_number = fields.Char(
        string="ID Number",
        index=True,
        copy=False,
        tracking=True,
        groups=IDENTITY_GROUP,
    )
    id_number_masked = fields.Char(string="ID Number (masked)", compute="_compute_masked")
    gender = fields.Selection(
        [("male", "Male"), ("female", "Female")],
        compute="_compute_from_id_number",
        store=True,
        readonly=False,
        tracking=True,
    )
    birth_date = fields.Date(
        compute="_compute_from_id_number",
        store=True,
        readonly=False,
        tracking=True,
    )
    age = fields.Integer(compute="_compute_age")
    is_minor = fields.Boolean(string="Minor", compute="_compute_age")
    phone = fields.Char(tracking=True, groups=IDENTITY_GROUP)
    phone_source = fields.Selection(
        [("hospital", "Hospital"), ("portal", "Patient's Account")],
        string="Phone Given By",
        default="hospital",
        readonly=True,
        help="Only a phone the hospital registered (desk, HIS) may confirm that an account manages the patient.",
    )
    phone_masked = fields.Char(string="Phone (masked)", compute="_compute_masked")
    address = fields.Char()
    deceased = fields.Boolean(
        readonly=True,
        tracking=True,
        help="The HIS reported the patient's death: the hospital sends the patient no more follow-up messages.",
    )
    deceased_at = fields.Datetime(
        string="Time of Death", readonly=True, tracking=True, help="The time of death, when the HIS gave it."
    )
    medical_card_number = fields.Char(index=True, copy=False, tracking=True)
    his_patient_id = fields.Char(string="HIS Patient ID", index=True, copy=False)
    guardian_name = fields.Char(string="Guardian")
    guardian_relation = fields.Selection(
        [("parent", "Parent"), ("grandparent", "Grandparent"), ("sibling", "Sibling"), ("other", "Other")],
    )
    guardian_phone = fields.Char(groups=IDENTITY_GROUP)
    account_ids = fields.One2many("ihospital.patient.account", "patient_id", string="Managing Accounts")
    visit_ids = fields.One2many("ihospital.visit", "patient_id", string="Visits", groups="base.group_user")
    visit_count = fields.Integer(compute="_compute_visit_count", groups="base.group_user")
    appointment_ids = fields.One2many("ihospital.appointment", "patient_id", string="Appointments")
    admission_ids = fields.One2many("ihospital.admission", "patient_id", string="Admissions", groups="base.group_user")
    admission_count = fields.Integer(compute="_compute_admission_count", groups="base.group_user")
    allergy_ids = fields.One2many(
        "ihospital.patient.allergy", "patient_id", string="Allergies", groups="base.group_user"
    )
    note = fields.Text(groups="base.group_user")
    # Searched by the clinicians' record rules (`*_rule_clinician`). The rules
    # were one2many paths (visit_ids.department_id.member_ids.user_id, ...),
    # which Odoo writes as uncorrelated `id IN (SELECT patient_id FROM
    # ihospital_visit WHERE ...)`: under the rules' OR PostgreSQL cannot
    # join them, and scanned and rescanned the visits of whole departments
    # for each candidate patient (seconds on a million patients). This
    # search is correlated instead: for each candidate row, an index probe
    # of the patient's own visits, appointments and admissions.
    is_my_department_patient = fields.Boolean(
        string="Patient of My Departments",
        compute="_compute_is_my_department_patient",
        search="_search_is_my_department_patient",
        help="A patient with a visit, an appointment or an admission in a department you work in (nurses and "
        "doctors) or head (department heads), or with you as the doctor (doctors).",
    )

    _sql_constraints = [
        (
            "id_number_company_uniq",
            "unique(company_id, id_type, id_number)",
            "This ID number is already registered in this hospital.",
        ),
        (
            "medical_card_company_uniq",
            "unique(company_id, medical_card_number)",
            "This medical card number is already used in this hospital.",
        ),
        (
            "his_patient_company_uniq",
            "unique(company_id, his_patient_id)",
            "This HIS patient ID is already used in this hospital.",
        ),
    ]

    @api.depends("id_type", "id_number")
    def _compute_from_id_number(self):
        for patient in self:
            number = patient.sudo().id_number
            if patient.id_type != "resident_id" or not number or not ric.is_valid(number):
                # other documents do not encode them: keep what was entered
                patient.birth_date = patient.birth_date
                patient.gender = patient.gender
                continue
            patient.birth_date = ric.get_birth_date(number)
            # The 17th digit of a resident ID is odd for men, even for women.
            patient.gender = "male" if int(ric.compact(number)[16]) % 2 else "female"

    @api.depends("birth_date")
    def _compute_age(self):
        today = fields.Date.context_today(self)
        for patient in self:
            if patient.birth_date:
                patient.age = relativedelta(today, patient.birth_date).years
                patient.is_minor = patient.age < ADULT_AGE
            else:
                patient.age = 0
                patient.is_minor = False

    @api.depends("id_number", "phone")
    def _compute_masked(self):
        for patient, patient_sudo in zip(self, self.sudo(), strict=True):
            patient.id_number_masked = mask_middle(patient_sudo.id_number, 3, 4)
            patient.phone_masked = mask_middle(patient_sudo.phone, 6, 4)

    def _compute_visit_count(self):
        counts = dict(
            self.env["ihospital.visit"]._read_group([("patient_id", "in", self.ids)], ["patient_id"], ["__count"])
        )
        for patient in self:
            patient.visit_count = counts.get(patient, 0)

    def _compute_admission_count(self):
        counts = dict(
            self.env["ihospital.admission"]._read_group([("patient_id", "in", self.ids)], ["patient_id"], ["__count"])
        )
        for patient in self:
            patient.admission_count = counts.get(patient, 0)

    # Odoo checks the access to records already loaded in Python
    # (BaseModel._check_access: filtered_domain), where this compute answers
    # instead of the search: it runs the same SQL, so both say the same; it
    # is asked again at each check (see _check_access)
    @api.depends_context("uid")
    def _compute_is_my_department_patient(self):
        ids = [patient._origin.id for patient in self if patient._origin.id]
        condition = self._ihospital_care_sql(SQL.identifier("p", "id"))
        mine = set()
        if ids and condition is not None:
            rows = self.env.execute_query(
                SQL("SELECT p.id FROM unnest(%s::int[]) AS p(id) WHERE p.id IN (%s)", ids, condition)
            )
            mine = {row[0] for row in rows}
        for patient in self:
            patient.is_my_department_patient = patient._origin.id in mine

    def _search_is_my_department_patient(self, operator, value):
        return self._ihospital_care_domain(self._table, "id", operator, value)

    @api.constrains("id_type", "id_number")
    def _check_id_number(self):
        for patient in self.sudo():
            number = patient.id_number
            if not number:
                continue
            if patient.id_type == "resident_id":
                try:
                    ric.validate(number)
                except stdnum_exceptions.InvalidChecksum as exc:
                    raise ValidationError(
                        _("%s is not a valid resident ID number: its check digit is wrong.", number)
                    ) from exc
                except stdnum_exceptions.InvalidComponent as exc:
                    raise ValidationError(
                        _("%s is not a valid resident ID number: its region or birth date does not exist.", number)
                    ) from exc
                except stdnum_exceptions.ValidationError as exc:
                    raise ValidationError(
                        _(
                            "%s is not a valid resident ID number: it must have 18 characters, "
                            "17 digits and a final digit or X.",
                            number,
                        )
                    ) from exc
            elif not re.fullmatch(r"[A-Za-z0-9()\-]{5,30}", number):
                raise ValidationError(_("%s is not a valid document number.", number))

    @api.constrains("birth_date", "id_type", "id_number")
    def _check_birth_date(self):
        today = fields.Date.context_today(self)
        for patient in self.sudo():
            if not patient.birth_date:
                continue
            if patient.birth_date > today:
                raise ValidationError(_("The birth date of %s is in the future.", patient.name))
            if patient.birth_date < today - relativedelta(years=MAX_AGE):
                raise ValidationError(
                    _(
                        "The birth date of %(patient)s is more than %(years)d years ago.",
                        patient=patient.name,
                        years=MAX_AGE,
                    )
                )
            if (
                patient.id_type == "resident_id"
                and patient.id_number
                and ric.is_valid(patient.id_number)
                and ric.get_birth_date(patient.id_number) != patient.birth_date
            ):
                raise ValidationError(_("The birth date of %s does not match the resident ID number.", patient.name))

    @api.constrains("deceased_at", "birth_date")
    def _check_deceased_at(self):
        # a day of leeway for the HIS's clock
        latest = fields.Datetime.now() + relativedelta(days=1)
        for patient in self:
            died_at = patient.deceased_at
            if not died_at:
                continue
            if died_at > latest:
                raise ValidationError(
                    _(
                        "The time of death of %(patient)s (%(time)s) is in the future.",
                        patient=patient.name,
                        time=fields.Datetime.to_string(died_at),
                    )
                )
            tz = pytz.timezone(patient.company_id.hospital_tz or "Asia/Shanghai")
            if patient.birth_date and pytz.utc.localize(died_at).astimezone(tz).date() < patient.birth_date:
                raise ValidationError(
                    _(
                        "The time of death of %(patient)s (%(time)s) is before the birth date.",
                        patient=patient.name,
                        time=fields.Datetime.to_string(died_at),
                    )
                )

    @api.constrains("birth_date", "guardian_name", "guardian_phone")
    def _check_guardian(self):
        for patient in self.sudo():
            if patient.is_minor and not (patient.guardian_name and patient.guardian_phone):
                raise ValidationError(_("%s is a minor: enter the guardian's name and phone.", patient.name))

    def _check_id_number_available(self, company, id_type, number):
        """Refuse an ID number already registered for another patient of the
        hospital, archived ones included. Called before writing so that the
        user reads this sentence rather than the database's constraint."""
        duplicate = (
            self.with_context(active_test=False)
            .sudo()
            .search(
                [
                    ("id", "not in", self.ids),
                    ("company_id", "=", company.id),
                    ("id_type", "=", id_type),
                    ("id_number", "=", number),
                ],
                limit=1,
            )
        )
        if duplicate:
            raise ValidationError(
                _(
                    "ID number %(number)s is already registered in %(hospital)s.",
                    number=mask_middle(number, 3, 4),
                    hospital=company.name,
                )
            )

    @api.model
    def _normalize_vals(self, vals):
        vals = dict(vals)
        if vals.get("id_number"):
            number = vals["id_number"].strip().upper()
            if vals.get("id_type", self[:1].id_type or "resident_id") == "resident_id":
                number = re.sub(r"[\s-]", "", number)
            vals["id_number"] = number
        for field_name in ("phone", "guardian_phone"):
            if vals.get(field_name):
                vals[field_name] = normalize_phone(vals[field_name])
        return vals

    @api.model
    def _validate_registration(self, vals):
        """Raise the ValidationError that registering `vals` would raise (ID
        number, birth date, phones, guardian of a minor), without
        registering anything: the portal checks a form the same way whether
        or not the hospital already knows the ID number."""
        record = self.sudo().new(self._normalize_vals(vals))
        record._check_id_number()
        record._check_birth_date()
        record._check_guardian()

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._normalize_vals(vals) for vals in vals_list]
        for vals in vals_list:
            if vals.get("id_number"):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                self._check_id_number_available(company, vals.get("id_type", "resident_id"), vals["id_number"])
        return super().create(vals_list)

    def write(self, vals):
        # A phone written by anyone but the portal routes (which say so) is
        # the hospital's registration: staff, the HIS, imports.
        hospital_phone = bool(vals.get("phone")) and "phone_source" not in vals
        if hospital_phone:
            # the hospital's registration replaces what an account entered:
            # such a record is no longer the account's own data
            self.sudo().account_ids.filtered(lambda link: link.state != "confirmed").write({"created_patient": False})
        if len(self) > 1 and "id_number" in vals and vals["id_number"]:
            raise UserError(_("An ID number belongs to one patient: edit patients one by one."))
        vals = self._normalize_vals(vals)
        if {"id_number", "id_type", "company_id"} & set(vals):
            for patient in self.sudo():
                number = vals.get("id_number", patient.id_number)
                if number:
                    patient._check_id_number_available(
                        self.env["res.company"].browse(vals.get("company_id")) or patient.company_id,
                        vals.get("id_type", patient.id_type),
                        number,
                    )
        res = super().write(vals)
        if hospital_phone:
            self.sudo().filtered(lambda patient: patient.phone_source != "hospital").phone_source = "hospital"
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_visits(self):
        if self.sudo().visit_ids:
            raise UserError(_("Patients with visits cannot be deleted; archive them instead."))

    def _check_access(self, operation):
        # the record rules' check in Python reads is_my_department_patient:
        # computed again, so that it says what the database says now, as
        # the search does (a visit added, a nurse moved or a role changed
        # earlier in this transaction)
        self.invalidate_model(["is_my_department_patient"])
        return super()._check_access(operation)

    def _confirmed_accounts(self):
        """Portal accounts whose link the hospital confirmed: the only ones
        told of the patient's results and of what others booked."""
        return self.sudo().account_ids.filtered(lambda link: link.state == "confirmed").user_id.filtered("share")

    def action_view_visits(self):
        self.ensure_one()
        self._check_action("action_view_visits")
        action = self.env["ir.actions.act_window"]._for_xml_id("ihospital_base.ihospital_visit_action")
        action["domain"] = [("patient_id", "=", self.id)]
        action["context"] = {"default_patient_id": self.id, "default_company_id": self.company_id.id}
        return action

    def action_view_admissions(self):
        self.ensure_one()
        self._check_action("action_view_admissions")
        action = self.env["ir.actions.act_window"]._for_xml_id("ihospital_base.ihospital_admission_action")
        action["domain"] = [("patient_id", "=", self.id)]
        action["context"] = {"default_patient_id": self.id, "default_company_id": self.company_id.id}
        return action

    @api.model
    def _ihospital_care_domain(self, table, patient_field, operator, value):
        """The domain of the records of the table `table` whose patient
        (their column `patient_field`: "id" of patients, "patient_id" of the
        records of a patient) is the current user's: what
        `is_my_department_patient` searches, on patients and on the records
        of a patient."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on the patients in your care."))
        positive = (operator == "=") == value
        # correlated with the row being tested: the query's alias of the
        # table searched is the table's name (a domain that reached it
        # through an auto_join would fail with an SQL error, never widen)
        condition = self._ihospital_care_sql(SQL.identifier(table, patient_field))
        if condition is None:
            return expression.FALSE_DOMAIN if positive else expression.TRUE_DOMAIN
        return [(patient_field, "in" if positive else "not in", SQL("(%s)", condition))]

    @api.model
    def _ihospital_care_sql(self, patient_column):
        """A SELECT giving `patient_column` (an SQL expression of a patient
        id, of the row being tested) when that patient is one of the current
        user's, nothing otherwise; None when the user's roles give no
        patient at all. Per role (the roles a user holds add up):

        - nurses and doctors: a visit, appointment or admission in a
          department where one of their employees (one per hospital) works;
        - doctors: a visit or appointment with them as the doctor, an
          admission with them as the attending or bed doctor;
        - department heads: a visit, appointment or admission in a
          department they head.

        As the record rules said before: archived employees and departments
        count (the rules' paths did not filter them), the hospitals are the
        company rules' business.

        The user is the environment's (the real user: sudo keeps it, no
        context key changes it). The user's departments and employees are
        read once per query (uncorrelated sub-selects, which PostgreSQL runs
        as init plans), then each row costs an index probe by patient of
        the three tables, which stops at the first match."""
        user = self.env.user
        nurse, doctor, head = (user.has_group(group) for group in (NURSE, DOCTOR, DEPARTMENT_HEAD))
        if not (nurse or doctor or head):
            return None
        Employee = self.env["hr.employee"]
        Department = self.env["hr.department"]

        def column(model, alias, fname):
            return SQL.identifier(alias, fname, to_flush=model._fields[fname])

        employee_user = column(Employee, "care_e", "user_id")
        departments = []
        if nurse or doctor:
            departments.append(
                SQL(
                    "SELECT %s FROM hr_employee care_e WHERE %s = %s AND %s IS NOT NULL",
                    column(Employee, "care_e", "department_id"),
                    employee_user,
                    user.id,
                    column(Employee, "care_e", "department_id"),
                )
            )
        if head:
            departments.append(
                SQL(
                    "SELECT care_d.id FROM hr_department care_d JOIN hr_employee care_e ON care_e.id = %s"
                    " WHERE %s = %s",
                    column(Department, "care_d", "manager_id"),
                    employee_user,
                    user.id,
                )
            )
        department_ids = SQL("ARRAY(%s)", SQL(" UNION ").join(departments))
        employee_ids = SQL("ARRAY(SELECT care_e.id FROM hr_employee care_e WHERE %s = %s)", employee_user, user.id)

        branches = []
        for model_name, department_field, doctor_fields in CARE_LINKS:
            Link = self.env[model_name]
            alias = "care_link"
            conditions = [SQL("%s = ANY(%s)", column(Link, alias, department_field), department_ids)]
            if doctor:
                conditions.extend(
                    SQL("%s = ANY(%s)", column(Link, alias, fname), employee_ids) for fname in doctor_fields
                )
            branches.append(
                SQL(
                    "SELECT %s FROM %s AS %s WHERE %s = %s AND (%s)",
                    column(Link, alias, "patient_id"),
                    SQL.identifier(Link._table),
                    SQL.identifier(alias),
                    column(Link, alias, "patient_id"),
                    patient_column,
                    SQL(" OR ").join(conditions),
                )
            )
        return SQL(" UNION ALL ").join(branches)
