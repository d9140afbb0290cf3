import re
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import DOCTOR
from odoo.addons.ihospital_base.models.ihospital_patient import IDENTITY_GROUP
from odoo.exceptions import AccessError, UserError

from ..lab_values import normalize_unit, parse_range, parse_value
from .ihospital_critical_alert import OPEN_STATES
from .ihospital_staff_workbench import STAFF_GROUPS, TODAY_STATES

# the newest entries of each source on the patient's timeline
TIMELINE_LIMIT = 50
# the periods of the lab trend chart, in days (the first is the default)
TREND_PERIODS = (30, 90, 365)
# what a timeline entry's text is cut to on a phone
EXCERPT = 160
# the patients the lookup box shows (one more is asked for, to tell the user
# to refine the search)
LOOKUP_LIMIT = 20
# a shorter term is no lookup (a single letter or digit would list the
# first patients of the index); one Chinese character is a surname
LOOKUP_MIN = 2
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# the kinds of match of ihospital.patient.ihospital_lookup that are numbers
LOOKUP_NUMBERS = ("medical_card_number", "his_patient_id", "id_number")


def _bed_key(location):
    """Beds in the order of the ward: 2 before 10, '加3' after the numbers."""
    ward, bed = location
    match = re.match(r"(\D*)(\d+)", bed or "")
    return (ward or "", 0 if match else 1, match.group(1) if match else "", int(match.group(2)) if match else 0, bed)


def _excerpt(text, size=EXCERPT):
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


class IhospitalPatientChart(models.AbstractModel):
    """The staff app's clinical screens, phone first: "my patients" (today's
    clinic, my inpatients, my department's census), the patient's page (one
    timeline of their clinical records, newest first) and the trend of a lab
    test across the patient's reports. Every record is searched with the
    user's own rights (the department rules of ihospital_base), so a nurse
    of another department finds nothing; every screen writes its row in the
    access log (ihospital.access.log), one per kind of record shown.

    The timeline is assembled from sources registered in
    `_timeline_sources`: a module adds one (medical orders, exam reports)
    with a method that searches its records of the patient and turns them
    into entries (`_timeline_entry`)."""

    _name = "ihospital.patient.chart"
    _description = "Patient Chart (Staff App)"

    # ------------------------------------------------------------------ my patients
    @api.model
    def get_my_patients(self):
        """Today's clinic (booked, checked in, in consultation) of the user
        (a doctor's own, a nurse's department's), the inpatients whose
        attending or bed doctor the user is, by bed, and the inpatients of
        the user's department, by ward and bed."""
        self._check_staff()
        company = self.env.company
        employee = self._employee()
        department = employee.department_id
        Appointment = self.env["ihospital.appointment"]
        Admission = self.env["ihospital.admission"]
        clinic_scope = []
        if self.env.user.has_group(DOCTOR) and employee:
            clinic_scope = [("doctor_id", "=", employee.id)]
        elif department:
            clinic_scope = [("department_id", "=", department.id)]
        appointments = Appointment.browse()
        if clinic_scope:
            appointments = Appointment.search_fetch(
                [
                    *clinic_scope,
                    ("company_id", "=", company.id),
                    ("date", "=", company._ihospital_today()),
                    ("state", "in", TODAY_STATES),
                ],
                ["patient_id", "state", "queue_number", "number", "start", "schedule_id"],
                order="start, id",
            )
        inpatients = Admission.browse()
        if employee:
            inpatients = Admission.search_fetch(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "admitted"),
                    "|",
                    ("attending_doctor_id", "=", employee.id),
                    ("bed_doctor_id", "=", employee.id),
                ],
                self._admission_fields(),
            )
        census = Admission.browse()
        if department:
            census = Admission.search_fetch(
                [("company_id", "=", company.id), ("state", "=", "admitted"), ("department_id", "=", department.id)],
                self._admission_fields(),
            )
        patients = appointments.patient_id | inpatients.patient_id | census.patient_id
        # the names, genders and ages shown, in one read with the user's rights
        patients.fetch(["name", "gender", "birth_date"])
        states = dict(Appointment._fields["state"]._description_selection(self.env))
        genders = dict(self.env["ihospital.patient"]._fields["gender"]._description_selection(self.env))

        def patient_card(patient):
            return {
                "patient_id": patient.id,
                "name": patient.name,
                "gender": genders.get(patient.gender, ""),
                "age": _("%s years old", patient.age) if patient.birth_date else "",
            }

        # rooms and session names are the schedule's, readable by all staff
        clinic = [
            {
                **patient_card(appointment.patient_id),
                "id": appointment.id,
                "number": appointment.queue_number or appointment.number,
                "state": appointment.state,
                "state_label": states.get(appointment.state, ""),
                "room": appointment_sudo.schedule_id.room or "",
                "time": fields.Datetime.to_string(appointment.start) if appointment.start else False,
            }
            for appointment, appointment_sudo in zip(appointments, appointments.sudo(), strict=True)
        ]
        self._log(patients, "my patients")
        self._log(inpatients | census, "my patients")
        return {
            "hospital": company.name,
            "department": department.name or "",
            "is_doctor": bool(clinic_scope and clinic_scope[0][0] == "doctor_id"),
            "clinic": clinic,
            "inpatients": self._admission_rows(inpatients, patient_card, employee),
            "census": self._admission_rows(census, patient_card, employee),
        }

    def _admission_fields(self):
        return ["patient_id", "ward", "bed", "department_id", "admission_diagnosis", "admitted_at"]

    def _admission_rows(self, admissions, patient_card, employee):
        """Admissions as rows, in the order of the wards and beds."""
        rows = []
        for admission, admission_sudo in zip(admissions, admissions.sudo(), strict=True):
            rows.append(
                {
                    **patient_card(admission.patient_id),
                    "id": admission.id,
                    "ward": admission.ward or admission_sudo.department_id.name or "",
                    "bed": admission.bed or "",
                    "diagnosis": admission.admission_diagnosis or "",
                    "admitted_at": fields.Datetime.to_string(admission.admitted_at),
                    "days": (fields.Datetime.now() - admission.admitted_at).days + 1,
                    "mine": employee in (admission_sudo.attending_doctor_id | admission_sudo.bed_doctor_id),
                }
            )
        return sorted(rows, key=lambda row: _bed_key((row["ward"], row["bed"])))

    # ------------------------------------------------------------------ the patient's page
    @api.model
    def get_patient(self, patient_id):
        """The patient's page: identity (masked for the roles that see masked
        identity), allergies and alerts, the current admission and bed, and
        one timeline of their clinical records, newest first. Refused when
        the user may not see the patient (department rules). Its cost does
        not grow with the patient's records: each source is one search of
        at most TIMELINE_LIMIT records."""
        self._check_staff()
        patient = self._patient(patient_id)
        identity = self.env.user.has_group(IDENTITY_GROUP)
        patient.fetch(
            ["name", "gender", "birth_date", "id_type", "medical_card_number", "his_patient_id", "company_id"]
        )
        patient_sudo = patient.sudo()
        genders = dict(patient._fields["gender"]._description_selection(self.env))
        id_types = dict(patient._fields["id_type"]._description_selection(self.env))
        admission = self.env["ihospital.admission"]._current_for_patients(patient).get(patient.id)
        entries = []
        kinds = []
        for kind, (label, source) in self._timeline_sources().items():
            records, source_entries = source(patient, TIMELINE_LIMIT)
            for entry in source_entries:
                entry.update(kind=kind, key=f"{kind}-{entry['res_id']}")
            if source_entries:
                kinds.append({"key": kind, "label": label, "count": len(source_entries)})
            entries += source_entries
            self._log(records, "patient page")
        entries.sort(key=lambda entry: entry["date"] or "", reverse=True)
        allergies = self._allergies(patient)
        self._log(patient, "patient page")
        return {
            "id": patient.id,
            "name": patient.name,
            "gender": genders.get(patient.gender, ""),
            "age": _("%s years old", patient.age) if patient.birth_date else "",
            "birth_date": fields.Date.to_string(patient.birth_date) if patient.birth_date else False,
            "id_type": id_types.get(patient.id_type, ""),
            # the same masking as the patient form: clear for the roles with identity
            "id_number": (patient.id_number if identity else patient.id_number_masked) or "",
            "phone": (patient.phone if identity else patient.phone_masked) or "",
            "identity_masked": not identity,
            "medical_card_number": patient.medical_card_number or "",
            "his_patient_id": patient.his_patient_id or "",
            "hospital": patient_sudo.company_id.name,
            "allergies": allergies,
            "alerts": self._alerts(patient),
            "admission": self._admission_card(admission),
            "timeline": entries,
            "kinds": kinds,
        }

    def _timeline_sources(self):
        """The sources of the patient's timeline, {kind: (label, method)}, in
        the order of the filter buttons. Each method takes (patient, limit)
        and returns (records, entries): the records it read with the user's
        rights (logged in the access log) and their entries
        (`_timeline_entry`). To add a source, add its line here (or in an
        override) and write its method: one search, set-based, e.g.

            "order": (_("Orders"), self._timeline_orders),
        """
        return {
            "admission": (_("Admissions"), self._timeline_admissions),
            "visit": (_("Visits"), self._timeline_visits),
            "lab": (_("Lab"), self._timeline_lab_reports),
            "imaging": (_("Imaging"), self._timeline_imaging_reports),
            "exam": (_("Physical Exams"), self._timeline_exam_reports),
            "order": (_("Orders"), self._timeline_orders),
            "consultation": (_("Consultations"), self._timeline_consultations),
        }

    def _timeline_entry(self, record, date, title, subtitle="", detail="", abnormal=0, critical=False, **extra):
        """One entry of the timeline: when, what (title), who and where
        (subtitle), a short text (detail), and the abnormal and critical
        marks of a report. `record` opens it; `extra` may give the entry's
        icon (a Font Awesome class) or, for a report, its result `lines`."""
        return {
            "model": record._name,
            "res_id": record.id,
            "date": fields.Datetime.to_string(date) if date else False,
            "title": title,
            "subtitle": subtitle,
            "detail": _excerpt(detail),
            "abnormal": abnormal,
            "critical": bool(critical),
            **extra,
        }

    def _search_source(self, model, domain, field_names, limit, order=None):
        """The newest `limit` records of `model` for the timeline, with the
        user's rights; none when the user's role may not read the model at
        all (a nurse reads no online consultations)."""
        Model = self.env[model]
        if not Model.has_access("read"):
            return Model
        return Model.search_fetch(domain, field_names, limit=limit, order=order)

    @staticmethod
    def _join(*parts):
        return " · ".join(part for part in parts if part)

    def _timeline_admissions(self, patient, limit):
        admissions = self._search_source(
            "ihospital.admission",
            [("patient_id", "=", patient.id)],
            ["name", "state", "ward", "bed", "department_id", "admission_diagnosis", "admitted_at", "discharged_at"],
            limit,
        )
        states = dict(admissions._fields["state"]._description_selection(self.env))
        entries = [
            self._timeline_entry(
                admission,
                admission.admitted_at,
                _("Admission %(number)s (%(state)s)", number=admission.name, state=states[admission.state]),
                self._join(admission_sudo.department_id.name, admission.location),
                admission.admission_diagnosis,
            )
            for admission, admission_sudo in zip(admissions, admissions.sudo(), strict=True)
        ]
        return admissions, entries

    def _timeline_visits(self, patient, limit):
        visits = self._search_source(
            "ihospital.visit",
            [("patient_id", "=", patient.id)],
            ["name", "visit_type", "department_id", "doctor_id", "start", "diagnosis"],
            limit,
        )
        types = dict(visits._fields["visit_type"]._description_selection(self.env))
        entries = [
            self._timeline_entry(
                visit,
                visit.start,
                _("%(type)s visit", type=types[visit.visit_type]),
                self._join(visit_sudo.department_id.name, visit_sudo.doctor_id.name),
                visit.diagnosis,
            )
            for visit, visit_sudo in zip(visits, visits.sudo(), strict=True)
        ]
        return visits, entries

    def _timeline_lab_reports(self, patient, limit):
        """Lab reports with their result lines (one more search for the lines
        of all of them), each line flagged, to open its trend."""
        reports = self._search_source(
            "ihospital.lab.report",
            [("patient_id", "=", patient.id)],
            [
                "name",
                "title",
                "specimen",
                "collected_at",
                "reported_at",
                "department_id",
                "state",
                "abnormal_count",
                "critical_count",
            ],
            limit,
        )
        lines = {report.id: [] for report in reports}
        if reports:
            results = self.env["ihospital.lab.result"].search_fetch(
                [("report_id", "in", reports.ids)],
                ["report_id", "name", "value", "unit", "reference_range", "flag", "is_abnormal", "is_critical"],
            )
            for result in results:
                lines[result.report_id.id].append(
                    {
                        "id": result.id,
                        "name": result.name,
                        "value": result.value or "",
                        "unit": result.unit or "",
                        "reference_range": result.reference_range or "",
                        "flag": result.flag or "",
                        "abnormal": result.is_abnormal,
                        "critical": result.is_critical,
                        "numeric": parse_value(result.value) is not None,
                    }
                )
        entries = [
            self._timeline_entry(
                report,
                report.collected_at or report.reported_at,
                report.title,
                self._join(report.name, report.specimen, report_sudo.department_id.name),
                abnormal=report.abnormal_count,
                critical=report.critical_count,
                lines=lines[report.id],
            )
            for report, report_sudo in zip(reports, reports.sudo(), strict=True)
        ]
        return reports, entries

    def _timeline_imaging_reports(self, patient, limit):
        reports = self._search_source(
            "ihospital.imaging.report",
            [("patient_id", "=", patient.id)],
            [
                "name",
                "modality",
                "exam_name",
                "body_part",
                "impression",
                "is_critical",
                "critical_finding",
                "reported_at",
            ],
            limit,
        )
        modalities = dict(reports._fields["modality"]._description_selection(self.env))
        entries = [
            self._timeline_entry(
                report,
                report.reported_at,
                report.exam_name,
                self._join(modalities.get(report.modality), report.body_part, report.name),
                report.critical_finding if report.is_critical else report.impression,
                critical=report.is_critical,
            )
            for report in reports
        ]
        return reports, entries

    def _timeline_exam_reports(self, patient, limit):
        """Physical-exam reports (体检报告): the package, its abnormal items
        and the chief examiner's conclusions."""
        reports = self._search_source(
            "ihospital.exam.report",
            [("patient_id", "=", patient.id)],
            ["name", "package_name", "exam_date", "reported_at", "abnormal_count", "conclusion", "chief_examiner"],
            limit,
        )
        entries = [
            self._timeline_entry(
                report,
                report.reported_at,
                report.package_name,
                self._join(report.chief_examiner, report.name),
                report.conclusion,
                abnormal=report.abnormal_count,
                icon="fa-heartbeat",
            )
            for report in reports
        ]
        return reports, entries

    def _timeline_orders(self, patient, limit):
        """Medical orders (医嘱), newest first: what, how much, how and how
        often, and where they stand (ordered, changed, discontinued)."""
        orders = self._search_source(
            "ihospital.medical.order",
            [("patient_id", "=", patient.id)],
            ["name", "kind", "item_name", "dose", "dose_unit", "route", "frequency", "start_at", "state", "doctor_id"],
            limit,
            order="start_at desc, id desc",
        )
        kinds = dict(orders._fields["kind"]._description_selection(self.env))
        states = dict(orders._fields["state"]._description_selection(self.env))
        entries = [
            self._timeline_entry(
                order,
                order.start_at,
                order.item_name,
                self._join(kinds.get(order.kind), states.get(order.state), order.doctor_id.name),
                self._join(
                    " ".join(part for part in (order.dose, order.dose_unit) if part), order.route, order.frequency
                ),
                icon="fa-list-alt",
            )
            for order in orders
        ]
        return orders, entries

    def _timeline_consultations(self, patient, limit):
        questions = self._search_source(
            "ihospital.consultation",
            [("patient_id", "=", patient.id)],
            ["subject", "question", "state", "doctor_id", "create_date"],
            limit,
        )
        states = dict(questions._fields["state"]._description_selection(self.env))
        entries = [
            self._timeline_entry(
                question,
                question.create_date,
                _("Online consultation: %s", question.subject),
                self._join(states[question.state], question_sudo.doctor_id.name),
                question.question,
            )
            for question, question_sudo in zip(questions, questions.sudo(), strict=True)
        ]
        return questions, entries

    def _allergies(self, patient):
        allergies = self._search_source(
            "ihospital.patient.allergy",
            [("patient_id", "=", patient.id)],
            ["allergen", "allergy_type", "severity", "reaction"],
            None,
        )
        severities = dict(allergies._fields["severity"]._description_selection(self.env))
        self._log(allergies, "patient page")
        return [
            {
                "id": allergy.id,
                "allergen": allergy.allergen,
                "severity": allergy.severity or "",
                "severity_label": severities.get(allergy.severity, ""),
                "reaction": allergy.reaction or "",
            }
            for allergy in allergies
        ]

    def _alerts(self, patient):
        """What the staff must know at a glance besides allergies: the
        patient's critical values still open. A module adds its own alerts
        (a patient alert from the HIS) by extending this list."""
        alerts = self._search_source(
            "ihospital.critical.alert",
            [("patient_id", "=", patient.id), ("state", "in", OPEN_STATES)],
            ["item", "value", "unit", "state", "detected_at"],
            TIMELINE_LIMIT,
            order="detected_at desc, id desc",
        )
        states = dict(alerts._fields["state"]._description_selection(self.env))
        return [
            {
                "key": f"critical-{alert.id}",
                "kind": "critical",
                "label": _(
                    "Critical value: %(item)s %(value)s",
                    item=alert.item,
                    value=" ".join(part for part in (alert.value, alert.unit) if part),
                ),
                "detail": states.get(alert.state, ""),
                "model": alert._name,
                "res_id": alert.id,
            }
            for alert in alerts
        ]

    def _admission_card(self, admission):
        if not admission:
            return False
        admission.fetch(["name", "ward", "bed", "department_id", "admission_diagnosis", "admitted_at"])
        admission_sudo = admission.sudo()
        return {
            "id": admission.id,
            "name": admission.name,
            "department": admission_sudo.department_id.name or "",
            "ward": admission.ward or "",
            "bed": admission.bed or "",
            "location": admission.location,
            "diagnosis": admission.admission_diagnosis or "",
            "attending_doctor": admission_sudo.attending_doctor_id.name or "",
            "bed_doctor": admission_sudo.bed_doctor_id.name or "",
            "admitted_at": fields.Datetime.to_string(admission.admitted_at),
            "days": (days := (fields.Datetime.now() - admission.admitted_at).days + 1),
            "day_label": _("Day %s", days),
        }

    # ------------------------------------------------------------------ lookup
    @api.model
    def lookup_patients(self, term):
        """The patient lookup box of the staff app (the workbench's quick
        search and the lab lookup, 检验结果查询): the patients matching
        `term` (medical card, ID or HIS number, name in characters, pinyin
        or initials) through ihospital.patient.ihospital_lookup, as the
        user (record rules, ID numbers masked, logged there), with the
        labels a phone shows; `more` when more than LOOKUP_LIMIT match (the
        user refines the search). A term too short to look up is not
        looked up (`too_short`)."""
        self._check_staff()
        if not isinstance(term, str):
            raise UserError(self.env._("A lookup takes a text."))
        text = "".join(term.split())
        if len(text) < LOOKUP_MIN and not _CJK.search(text):
            return {"patients": [], "more": False, "limit": LOOKUP_LIMIT, "too_short": True}
        rows = self.env["ihospital.patient"].ihospital_lookup(term, limit=LOOKUP_LIMIT + 1)
        genders = dict(self.env["ihospital.patient"]._fields["gender"]._description_selection(self.env))
        # what matched, when it is not the name the user sees
        matches = {
            "medical_card_number": self.env._("Card"),
            "his_patient_id": self.env._("HIS number"),
            "id_number": self.env._("ID number"),
            "pinyin": self.env._("Pinyin"),
            "initials": self.env._("Pinyin initials"),
        }
        patients = [
            {
                **row,
                "gender": genders.get(row["gender"], ""),
                "age": self.env._("%s years old", row["age"]) if row["age"] is not False else "",
                "match_label": matches.get(row["match"], ""),
                "by_number": row["match"] in LOOKUP_NUMBERS,
            }
            for row in rows[:LOOKUP_LIMIT]
        ]
        return {"patients": patients, "more": len(rows) > LOOKUP_LIMIT, "limit": LOOKUP_LIMIT, "too_short": False}

    # ------------------------------------------------------------------ lab trend
    @api.model
    def get_lab_trend(self, result_id, days=TREND_PERIODS[0]):
        """The trend of one lab test for its patient (检验结果趋势): the same
        test (by its code, else its name) in the patient's reports of the
        last `days` days, oldest first, with the reference range of the
        chosen result to draw. Results in another unit, or that are not
        numbers, are counted, not drawn."""
        self._check_staff()
        days = next((period for period in TREND_PERIODS if str(period) == str(days)), TREND_PERIODS[0])
        Result = self.env["ihospital.lab.result"]
        result = Result.search([("id", "=", int(result_id))]) if Result.has_access("read") else Result
        if not result:
            raise AccessError(_("This result is not among those you may see."))
        report = result.report_id
        report.fetch(["patient_id", "collected_at", "reported_at"])
        chosen_at = report.collected_at or report.reported_at
        since = min(fields.Datetime.now() - timedelta(days=days), chosen_at)
        domain = [("code", "=", result.code)] if result.code else [("name", "=", result.name)]
        if report.patient_id:
            domain += [("report_id.patient_id", "=", report.patient_id.id)]
        else:  # not matched to a patient yet: its own report only
            domain += [("report_id", "=", report.id)]
        results = Result.search_fetch(
            domain
            + [
                "|",
                ("report_id.collected_at", ">=", since),
                "&",
                ("report_id.collected_at", "=", False),
                ("report_id.reported_at", ">=", since),
            ],
            ["report_id", "name", "value", "unit", "flag", "is_abnormal", "is_critical"],
        )
        results.report_id.fetch(["name", "collected_at", "reported_at"])
        unit = normalize_unit(result.unit)
        points, skipped = [], 0
        for line in results:
            parsed = parse_value(line.value)
            if parsed is None or normalize_unit(line.unit) != unit:
                skipped += 1
                continue
            at = line.report_id.collected_at or line.report_id.reported_at
            points.append(
                {
                    "result_id": line.id,
                    "date": fields.Datetime.to_string(at),
                    "value": float(parsed.number),
                    "text": line.value,
                    "flag": line.flag or "",
                    "abnormal": line.is_abnormal,
                    "critical": line.is_critical,
                    "report": line.report_id.name,
                    "chosen": line == result,
                }
            )
        points.sort(key=lambda point: (point["date"], point["result_id"]))
        low, high = parse_range(result.reference_range)
        self._log(results, "lab trend")
        # the laboratory's staff read the results they performed, not always their patient's record
        patient = report.patient_id._filtered_access("read")
        return {
            "result_id": result.id,
            "patient_id": patient.id,
            "patient": patient.name or "",
            "test": result.name,
            "code": result.code or "",
            "unit": result.unit or "",
            "reference_range": result.reference_range or "",
            "low": float(low) if low is not None else None,
            "high": float(high) if high is not None else None,
            "days": days,
            "periods": list(TREND_PERIODS),
            "points": points,
            "skipped": skipped,
        }

    # ------------------------------------------------------------------ helpers
    def _check_staff(self):
        user = self.env.user
        if not user._is_internal() or not any(user.has_group(group) for group in STAFF_GROUPS):
            raise AccessError(_("The patients' clinical data are the hospital staff's."))

    def _employee(self):
        """The user's staff record in their current hospital (names and
        departments are the directory's)."""
        return (
            self.env["hr.employee"]
            .sudo()
            .search_fetch(
                [("user_id", "=", self.env.user.id), ("company_id", "=", self.env.company.id)],
                ["department_id"],
                limit=1,
            )
        )

    def _patient(self, patient_id):
        """The patient, searched with the user's rights: a patient of
        another department or hospital is not found, as if it did not exist."""
        patient = self.env["ihospital.patient"].search([("id", "=", int(patient_id))])
        if not patient:
            raise AccessError(_("This patient is not among those you may see."))
        return patient

    def _log(self, records, detail):
        """One row of the access log for the records of one kind shown."""
        if records:
            self.env["ihospital.access.log"]._log(records, "read", detail)
