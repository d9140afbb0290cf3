import io
from datetime import timedelta
from decimal import Decimal

import xlsxwriter
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_figures_scope import custom_period
from odoo.addons.ihospital_base.models.ihospital_schedule import local_to_utc
from odoo.exceptions import UserError
from odoo.tools import SQL

from .ihospital_analysis_day import CHARGE_CLASS_KEYS, MEASURE_NAMES, MEASURES

PERIODS = ("today", "week", "month", "year", "last_month", "last_year", "custom")
# the longest period one request covers (two years and a day)
MAX_DAYS = 731
# up to this many days the trend is by day, beyond by month
TREND_DAILY_MAX_DAYS = 62
COMPARED = ("current", "previous", "last_year")
# what a booking counts (see the day's appointments source)
NOT_BOOKED = ("held", "expired", "cancelled")


class IhospitalAnalysisDashboard(models.AbstractModel):
    """The operations dashboard's data (运营分析): figures of a period with
    those of the period before (环比) and of the same period last year
    (同比), a trend, charges by class and doctors' workload, for the
    caller's scope: the hospital (quality officers, the director,
    administrators), the departments he or she heads (a department head),
    his or her own workload (a doctor); nurses none.

    Reads the daily aggregates (ihospital.analysis.day) of the periods, the
    days marked as changed refreshed first, today computed live: a fixed
    number of queries whatever the period or the size of the hospital."""

    _name = "ihospital.analysis.dashboard"
    _inherit = "ihospital.figures.scope"
    _description = "Operations Dashboard"
    _ihospital_scope_clinical_only = True

    # ------------------------------------------------------------------ API
    @api.model
    def get_dashboard(self, period="today", date_from=None, date_to=None, department_id=None, doctor_id=None):
        """The dashboard's JSON for the caller's current hospital: `scope`
        (level, hospital, the departments and doctors the caller may pick),
        `period` (its days, the previous period's and last year's),
        `sections` of figures (value, previous, last_year, mom, yoy, unit,
        drill: the model and domain of the records behind it), `trend` (by
        day or month), `charges_by_class`, `workload`, `cameras`.
        `period`: today, week, month, year, last_month, last_year or custom
        (with `date_from` and `date_to`, 'YYYY-MM-DD', the hospital's days);
        `department_id`, `doctor_id`: narrow the figures, within the
        caller's scope (AccessError outside it)."""
        scope = self._ihospital_scope(department_id, doctor_id)
        company = scope["company"]
        periods = self._ihospital_periods(company, period, date_from, date_to)
        current = periods["current"]
        today = company._ihospital_today()
        self.env.flush_all()
        # the marked days of the periods (not today: computed live)
        first = min(start for start, _stop in periods.values())
        last = max(stop for _start, stop in periods.values())
        self.env["ihospital.analysis.day"].sudo()._ihospital_refresh_marked(company, first, last, exclude=today)

        granularity = "day" if (current[1] - current[0]).days < TREND_DAILY_MAX_DAYS else "month"
        rows = self._ihospital_aggregate(scope, periods, today, granularity)
        totals = {key: {} for key in COMPARED}
        buckets, doctors = {}, {}
        for row in rows:
            if row["grouping_bits"] == 0b11:
                for key in COMPARED:
                    totals[key] = {name: row[f"{key}_{name}"] or 0 for name in [*MEASURE_NAMES, "census_end"]}
            elif row["grouping_bits"] == 0b01 and row["bucket"]:
                buckets[row["bucket"]] = row
            elif row["grouping_bits"] == 0b10 and row["doctor_id"]:
                doctors[row["doctor_id"]] = row

        return {
            "scope": self._ihospital_scope_json(scope),
            "period": self._ihospital_period_json(period, periods),
            "today": fields.Date.to_string(today),
            "currency": {"name": company.currency_id.name, "symbol": company.currency_id.symbol},
            "sections": self._ihospital_sections(scope, periods, totals),
            "trend": self._ihospital_trend(scope, current, granularity, buckets),
            "charges_by_class": self._ihospital_charges_by_class(scope, current, totals["current"]),
            "workload": self._ihospital_workload(doctors),
            "cameras": self._ihospital_cameras(scope),
        }

    @api.model
    def export_xlsx(self, period="today", date_from=None, date_to=None, department_id=None, doctor_id=None):
        """The dashboard's figures as an XLSX file (bytes), computed by
        `get_dashboard` (same rights, same figures)."""
        data = self.get_dashboard(period, date_from, date_to, department_id, doctor_id)
        return self._ihospital_xlsx(data)

    # ------------------------------------------------------------------ scope
    @api.model
    def _ihospital_scope_refusal(self):
        return _(
            "The operations figures are for the hospital's director, quality officers, department "
            "heads and doctors (their own workload)."
        )

    @api.model
    def _ihospital_scope_sql(self, scope):
        """The condition on day rows (alias d) of the scope."""
        conditions = []
        if scope["department_ids"] is not None:
            conditions.append(SQL("d.department_id = ANY(%s)", scope["department_ids"]))
        if scope["department"]:
            conditions.append(SQL("d.department_id = %s", scope["department"].id))
        if scope["employee"]:
            conditions.append(SQL("d.doctor_id = %s", scope["employee"].id))
        return SQL(" AND ").join(conditions) if conditions else SQL("TRUE")

    # ------------------------------------------------------------------ periods
    @api.model
    def _ihospital_periods(self, company, period, date_from, date_to):
        """{current, previous, last_year: (first day, last day)}, days of
        the hospital. A period to date (this week, month, year) compares
        with as many days of the period before; custom periods with the
        same number of days just before."""
        if period not in PERIODS:
            raise UserError(_("Unknown period: %s.", period))
        today = company._ihospital_today()
        year = relativedelta(years=1)
        if period == "today":
            current, previous = (today, today), (today - timedelta(days=1), today - timedelta(days=1))
        elif period == "week":
            start = today - timedelta(days=today.weekday())
            current, previous = (start, today), (start - timedelta(days=7), today - timedelta(days=7))
        elif period == "month":
            start = today.replace(day=1)
            before = start - relativedelta(months=1)
            current = (start, today)
            previous = (before, min(before + (today - start), start - timedelta(days=1)))
        elif period == "year":
            start = today.replace(month=1, day=1)
            current, previous = (start, today), (start - year, today - year)
        elif period == "last_month":
            start = today.replace(day=1) - relativedelta(months=1)
            current = (start, today.replace(day=1) - timedelta(days=1))
            previous = (start - relativedelta(months=1), start - timedelta(days=1))
        elif period == "last_year":
            start = today.replace(month=1, day=1) - year
            current = (start, start + year - timedelta(days=1))
            previous = (start - year, start - timedelta(days=1))
        else:
            current = self._ihospital_custom_period(date_from, date_to)
            length = current[1] - current[0]
            previous = (current[0] - length - timedelta(days=1), current[0] - timedelta(days=1))
        return {"current": current, "previous": previous, "last_year": (current[0] - year, current[1] - year)}

    @api.model
    def _ihospital_custom_period(self, date_from, date_to):
        return custom_period(self.env, date_from, date_to, MAX_DAYS)

    @api.model
    def _ihospital_period_json(self, period, periods):
        labels = {
            "today": _("Today"),
            "week": _("This Week"),
            "month": _("This Month"),
            "year": _("This Year"),
            "last_month": _("Last Month"),
            "last_year": _("Last Year"),
            "custom": _("Custom Period"),
        }

        def span(key):
            start, stop = periods[key]
            return {"date_from": fields.Date.to_string(start), "date_to": fields.Date.to_string(stop)}

        return {
            "key": period,
            "label": labels[period],
            **span("current"),
            "previous": span("previous"),
            "last_year": span("last_year"),
        }

    # ------------------------------------------------------------------ aggregation
    @api.model
    def _ihospital_aggregate(self, scope, periods, today, granularity):
        """One query: the sums of every measure for each compared period
        (and the census of each period's last day), overall, by trend
        bucket and by doctor (current period), from the stored days and
        today computed live."""
        company = scope["company"]
        ranges = SQL(" OR ").join(SQL("date BETWEEN %s AND %s", start, stop) for start, stop in periods.values())
        measures = SQL(", ").join(SQL.identifier(name) for name in MEASURE_NAMES)
        sources = [
            SQL(
                """SELECT date, department_id, doctor_id, %(measures)s FROM ihospital_analysis_day
                    WHERE company_id = %(company)s AND date <> %(today)s AND (%(ranges)s)""",
                measures=measures,
                company=company.id,
                today=today,
                ranges=ranges,
            )
        ]
        if any(start <= today <= stop for start, stop in periods.values()):
            tz = company.hospital_tz
            live = self.env["ihospital.analysis.day"]._ihospital_rows_query(
                SQL("SELECT %s::int, %s::date", company.id, today),
                utc_bounds=(local_to_utc(today, 0, tz), local_to_utc(today + timedelta(days=1), 0, tz)),
            )
            sources.append(SQL("SELECT date, department_id, doctor_id, %s FROM (%s) AS live", measures, live))
        columns = []
        for key in COMPARED:
            start, stop = periods[key]
            within = SQL("x.date BETWEEN %s AND %s", start, stop)
            columns.extend(
                SQL(
                    "sum(x.%s) FILTER (WHERE %s)%s AS %s",
                    SQL.identifier(name),
                    within,
                    SQL("::bigint") if kind == "int" else SQL(),
                    SQL.identifier(f"{key}_{name}"),
                )
                for name, _label, kind in MEASURES
            )
            columns.append(
                SQL("sum(x.census) FILTER (WHERE x.date = %s)::bigint AS %s", stop, SQL.identifier(f"{key}_census_end"))
            )
        start, stop = periods["current"]
        bucket = SQL("d.date::text") if granularity == "day" else SQL("to_char(d.date, 'YYYY-MM')")
        query = SQL(
            """SELECT GROUPING(x.bucket, x.doctor_id) AS grouping_bits, x.bucket, x.doctor_id, %(columns)s
                 FROM (SELECT d.*, CASE WHEN d.date BETWEEN %(start)s AND %(stop)s THEN %(bucket)s END AS bucket
                         FROM (%(sources)s) AS d WHERE %(scope)s) AS x
             GROUP BY GROUPING SETS ((), (x.bucket), (x.doctor_id))""",
            columns=SQL(", ").join(columns),
            start=start,
            stop=stop,
            bucket=bucket,
            sources=SQL(" UNION ALL ").join(sources),
            scope=self._ihospital_scope_sql(scope),
        )
        # wide (every measure of three periods, today's sources): compiling
        # it (JIT) would cost seconds on a large hospital's tables
        self.env.cr.execute("SET LOCAL jit = off")
        self.env.cr.execute(query)
        # amounts come as Decimal: the figures are floats (JSON)
        return [
            {key: float(value) if isinstance(value, Decimal) else value for key, value in row.items()}
            for row in self.env.cr.dictfetchall()
        ]

    # ------------------------------------------------------------------ figures
    @api.model
    def _ihospital_sections(self, scope, periods, totals):
        """The sections of figures the scope shows (a doctor: his or her
        workload only), each figure with its comparisons and drill-down."""
        drill = self._ihospital_drills(scope, periods["current"])
        definitions = self._ihospital_figure_definitions()
        keys = {
            "outpatient": _("Outpatient"),
            "inpatient": _("Inpatient"),
            "money": _("Charges and Insurance"),
            "workload": _("Doctors' Workload"),
        }
        shown = ("workload",) if scope["level"] == "doctor" else tuple(keys)
        sections = []
        for section in shown:
            figures = []
            for key, label, unit, compute in definitions[section]:
                values = {period: compute(totals[period]) for period in COMPARED}
                figures.append(
                    {
                        "key": key,
                        "label": label,
                        "value": values["current"],
                        "unit": scope["company"].currency_id.name if unit == "money" else unit,
                        "previous": values["previous"],
                        "last_year": values["last_year"],
                        "mom": self._ratio(values["current"], values["previous"]),
                        "yoy": self._ratio(values["current"], values["last_year"]),
                        "drill": drill.get(key),
                    }
                )
            sections.append({"key": section, "label": keys[section], "figures": figures})
        sections.append(self._ihospital_satisfaction_section(scope, periods))
        return sections

    @api.model
    def _ihospital_satisfaction_section(self, scope, periods):
        """The follow-up surveys' satisfaction (回访满意度) of the scope:
        the mean score (%) of the answers and the response rate (% of the
        surveys sent answered), on the day each survey was sent; one query
        for the three compared periods, read as the caller (the results'
        record rules apply too)."""
        Result = self.env["ihospital.followup.result"]
        first = min(start for start, _stop in periods.values())
        last = max(stop for _start, stop in periods.values())
        domain = [
            *self._ihospital_scope_domain(scope),
            ("day", ">=", fields.Date.to_string(first)),
            ("day", "<=", fields.Date.to_string(last)),
        ]
        totals = {key: {"sent": 0, "answered": 0, "score": 0.0} for key in COMPARED}
        for day, sent, answered, score in Result._read_group(
            domain, ["day:day"], ["sent:sum", "answered:sum", "score:sum"]
        ):
            day = fields.Date.to_date(day)
            for key in COMPARED:
                start, stop = periods[key]
                if start <= day <= stop:
                    totals[key]["sent"] += sent
                    totals[key]["answered"] += answered
                    totals[key]["score"] += score or 0.0
        share = self._share
        current = periods["current"]
        drill_domain = [
            *self._ihospital_scope_domain(scope),
            ("day", ">=", fields.Date.to_string(current[0])),
            ("day", "<=", fields.Date.to_string(current[1])),
        ]
        definitions = [
            (
                "satisfaction_score",
                _("Satisfaction Score"),
                lambda t: share(t["score"], t["answered"]),
                {"model": "ihospital.followup.result", "domain": [*drill_domain, ("answered", "=", 1)]},
            ),
            (
                "response_rate",
                _("Survey Response Rate"),
                lambda t: share(t["answered"], t["sent"], 100.0),
                {"model": "ihospital.followup.result", "domain": drill_domain},
            ),
        ]
        figures = []
        for key, label, compute, drill in definitions:
            values = {period: compute(totals[period]) for period in COMPARED}
            figures.append(
                {
                    "key": key,
                    "label": label,
                    "value": values["current"],
                    "unit": "%",
                    "previous": values["previous"],
                    "last_year": values["last_year"],
                    "mom": self._ratio(values["current"], values["previous"]),
                    "yoy": self._ratio(values["current"], values["last_year"]),
                    "drill": {**drill, "name": _("Follow-up Survey Results")},
                }
            )
        return {"key": "satisfaction", "label": _("Patient Satisfaction"), "figures": figures}

    @staticmethod
    def _ratio(value, before):
        """The change from `before` to `value` (0.25: +25 %), None when it
        has no meaning (nothing before)."""
        if value is None or not before:
            return None
        return round((value - before) / before, 4)

    @staticmethod
    def _share(part, whole, factor=1.0, digits=1):
        return round(factor * part / whole, digits) if whole else None

    @api.model
    def _ihospital_figure_definitions(self):
        """(key, label, unit, compute from a period's sums) by section."""
        share = self._share
        return {
            "outpatient": [
                ("visits", _("Visits"), "", lambda t: t["visits"]),
                ("visits_outpatient", _("Outpatient Visits"), "", lambda t: t["visits_outpatient"]),
                ("visits_emergency", _("Emergency Visits"), "", lambda t: t["visits_emergency"]),
                ("first_visits", _("First Visits"), "", lambda t: t["first_visits"]),
                ("return_visits", _("Return Visits"), "", lambda t: t["return_visits"]),
                ("bookings_online", _("Online Bookings"), "", lambda t: t["bookings_online"]),
                ("bookings_window", _("Window Bookings"), "", lambda t: t["bookings_window"]),
                ("bookings_phone", _("Phone Bookings"), "", lambda t: t["bookings_phone"]),
                ("no_shows", _("No-shows"), "", lambda t: t["no_shows"]),
                ("wait_avg", _("Average Wait"), "min", lambda t: share(t["wait_minutes_sum"], t["wait_count"])),
            ],
            "inpatient": [
                ("admissions", _("Admissions"), "", lambda t: t["admissions"]),
                ("discharges", _("Discharges"), "", lambda t: t["discharges"]),
                ("census", _("Inpatients"), "", lambda t: t["census_end"]),
                ("bed_occupancy", _("Bed Occupancy"), "%", lambda t: share(t["bed_days"], t["bed_count"], 100.0)),
                ("los_avg", _("Average Length of Stay"), "d", lambda t: share(t["los_days_sum"], t["los_count"])),
            ],
            "money": [
                ("charges_total", _("Charges"), "money", lambda t: round(t["charges_total"], 2)),
                ("insurance_amount", _("Insurance Covered"), "money", lambda t: round(t["insurance_amount"], 2)),
                ("self_paid_amount", _("Self-paid"), "money", lambda t: round(t["self_paid_amount"], 2)),
                (
                    "avg_charge_visit",
                    _("Average Charge per Visit"),
                    "money",
                    lambda t: share(t["outpatient_charges"], t["outpatient_charged"], digits=2),
                ),
                (
                    "avg_charge_admission",
                    _("Average Charge per Inpatient Stay"),
                    "money",
                    lambda t: share(t["inpatient_charges"], t["visits_inpatient"], digits=2),
                ),
                (
                    "drug_share",
                    _("Drug Share of Charges"),
                    "%",
                    lambda t: share(t["charge_drug"], t["charges_total"], 100.0),
                ),
            ],
            "workload": [
                ("doctor_visits", _("Visits Seen"), "", lambda t: t["doctor_visits"]),
                ("consultations_answered", _("Consultations Answered"), "", lambda t: t["consultations_answered"]),
                ("rating_avg", _("Average Rating"), "", lambda t: share(t["rating_sum"], t["rating_count"], digits=2)),
                ("critical_handled", _("Critical Values Handled"), "", lambda t: t["critical_handled"]),
            ],
        }

    @api.model
    def _ihospital_drills(self, scope, current):
        """The records behind each figure of the current period, as
        {model, domain, name}: the caller's own rules on those records
        then decide what the list shows."""
        tz = scope["company"].hospital_tz or "Asia/Shanghai"
        start, stop = current
        utc_from = fields.Datetime.to_string(local_to_utc(start, 0, tz))
        utc_to = fields.Datetime.to_string(local_to_utc(stop + timedelta(days=1), 0, tz))

        def within(name):
            return [(name, ">=", utc_from), (name, "<", utc_to)]

        visits = self._ihospital_scope_domain(scope) + within("start")
        clinic = [*visits, ("visit_type", "in", ("outpatient", "emergency"))]
        appointments = [
            *self._ihospital_scope_domain(scope),
            ("date", ">=", fields.Date.to_string(start)),
            ("date", "<=", fields.Date.to_string(stop)),
        ]
        booked = [*appointments, ("state", "not in", NOT_BOOKED)]
        admissions = self._ihospital_scope_domain(scope, doctor=False)
        discharged = [*admissions, *within("discharged_at"), ("state", "=", "discharged")]
        consultations = self._ihospital_scope_domain(scope)
        alerts = self._ihospital_scope_domain(scope, doctor=False)
        if scope["employee"]:
            alerts.append(("handled_by_id", "=", scope["employee"].user_id.id))
        charges = [
            ("visit_id", "any", visits),
        ]

        def drill(model, domain, name):
            return {"model": model, "domain": domain, "name": name}

        return {
            "visits": drill("ihospital.visit", visits, _("Visits")),
            "visits_outpatient": drill(
                "ihospital.visit", [*visits, ("visit_type", "=", "outpatient")], _("Outpatient Visits")
            ),
            "visits_emergency": drill(
                "ihospital.visit", [*visits, ("visit_type", "=", "emergency")], _("Emergency Visits")
            ),
            "first_visits": drill("ihospital.visit", [*visits, ("visit_kind", "=", "first")], _("First Visits")),
            "return_visits": drill("ihospital.visit", [*visits, ("visit_kind", "=", "return")], _("Return Visits")),
            "bookings_online": drill(
                "ihospital.appointment", [*booked, ("channel", "=", "portal")], _("Online Bookings")
            ),
            "bookings_window": drill(
                "ihospital.appointment", [*booked, ("channel", "in", ("window", "his"))], _("Window Bookings")
            ),
            "bookings_phone": drill("ihospital.appointment", [*booked, ("channel", "=", "phone")], _("Phone Bookings")),
            "no_shows": drill("ihospital.appointment", [*appointments, ("state", "=", "no_show")], _("No-shows")),
            "wait_avg": drill(
                "ihospital.appointment",
                [*appointments, ("checked_in_at", "!=", False), ("called_at", "!=", False)],
                _("Waits"),
            ),
            "admissions": drill(
                "ihospital.admission",
                [*admissions, *within("admitted_at"), ("state", "!=", "cancelled")],
                _("Admissions"),
            ),
            "discharges": drill("ihospital.admission", discharged, _("Discharges")),
            "los_avg": drill("ihospital.admission", discharged, _("Discharges")),
            "census": drill(
                "ihospital.admission",
                [
                    *admissions,
                    ("admitted_at", "<", utc_to),
                    ("state", "!=", "cancelled"),
                    "|",
                    ("discharged_at", "=", False),
                    ("discharged_at", ">=", utc_to),
                ],
                _("Inpatients"),
            ),
            "charges_total": drill("ihospital.visit", visits, _("Visits")),
            "insurance_amount": drill("ihospital.visit", [*visits, ("insurance_amount", ">", 0)], _("Visits")),
            "self_paid_amount": drill("ihospital.visit", [*visits, ("self_paid_amount", ">", 0)], _("Visits")),
            "avg_charge_visit": drill("ihospital.visit", clinic, _("Visits")),
            "avg_charge_admission": drill(
                "ihospital.visit", [*visits, ("visit_type", "=", "inpatient")], _("Inpatient Stays")
            ),
            "drug_share": drill("ihospital.visit.charge", [*charges, ("charge_class", "=", "drug")], _("Drug Charges")),
            "doctor_visits": drill("ihospital.visit", [*visits, ("doctor_id", "!=", False)], _("Visits")),
            "consultations_answered": drill(
                "ihospital.consultation", [*consultations, *within("answered_date")], _("Consultations Answered")
            ),
            "rating_avg": drill(
                "ihospital.consultation",
                [*consultations, *within("closed_date"), ("close_reason", "=", "rated")],
                _("Ratings"),
            ),
            "critical_handled": drill(
                "ihospital.critical.alert", [*alerts, *within("handled_at")], _("Critical Values Handled")
            ),
            "_charges": charges,
        }

    @api.model
    def _ihospital_trend(self, scope, current, granularity, buckets):
        """The current period's trend, by day or by month (every bucket,
        empty ones at 0)."""
        start, stop = current
        labels = []
        day = start
        while day <= stop:
            label = fields.Date.to_string(day) if granularity == "day" else day.strftime("%Y-%m")
            if not labels or labels[-1] != label:
                labels.append(label)
            day += timedelta(days=1)
        series = (
            [
                ("doctor_visits", _("Visits Seen")),
                ("consultations_answered", _("Consultations Answered")),
            ]
            if scope["level"] == "doctor"
            else [
                ("visits", _("Visits")),
                ("admissions", _("Admissions")),
                ("charges_total", _("Charges")),
            ]
        )
        return {
            "granularity": granularity,
            "labels": labels,
            "series": [
                {
                    "key": key,
                    "label": label,
                    "values": [
                        round(buckets[bucket][f"current_{key}"] or 0, 2) if bucket in buckets else 0
                        for bucket in labels
                    ],
                }
                for key, label in series
            ],
        }

    @api.model
    def _ihospital_charges_by_class(self, scope, current, totals):
        if scope["level"] == "doctor":
            return []
        Charge = self.env["ihospital.visit.charge"]
        labels = dict(Charge._fields["charge_class"]._description_selection(self.env))
        visits = self._ihospital_drills(scope, current)["_charges"]
        return [
            {
                "key": key,
                "label": labels.get(key, key),
                "amount": round(totals.get(f"charge_{key}", 0), 2),
                "drill": {
                    "model": "ihospital.visit.charge",
                    "domain": [*visits, ("charge_class", "=", key)],
                    "name": labels.get(key, key),
                },
            }
            for key in CHARGE_CLASS_KEYS
        ]

    @api.model
    def _ihospital_workload(self, doctors):
        """The doctors of the current period, busiest first."""
        employees_sudo = self.env["hr.employee"].sudo().browse(list(doctors))
        names = {employee.id: (employee.name, employee.department_id.name or "") for employee in employees_sudo}
        workload = [
            {
                "doctor_id": doctor_id,
                "name": names[doctor_id][0],
                "department": names[doctor_id][1],
                "visits": row["current_doctor_visits"] or 0,
                "consultations_answered": row["current_consultations_answered"] or 0,
                "rating_avg": self._share(row["current_rating_sum"] or 0, row["current_rating_count"] or 0, digits=2),
                "critical_handled": row["current_critical_handled"] or 0,
            }
            for doctor_id, row in doctors.items()
            if doctor_id in names
        ]
        workload = [
            row for row in workload if row["visits"] or row["consultations_answered"] or row["critical_handled"]
        ]
        workload.sort(key=lambda row: (-row["visits"], -row["consultations_answered"], row["name"]))
        return workload

    @api.model
    def _ihospital_cameras(self, scope):
        """The camera streams the caller may open (the camera part fills it)."""
        return []

    # ------------------------------------------------------------------ spreadsheet
    @api.model
    def _ihospital_xlsx(self, data):
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False})
        bold = workbook.add_format({"bold": True})
        percent = workbook.add_format({"num_format": "0.0%"})
        period = data["period"]

        sheet = workbook.add_worksheet(_("Figures"))
        sheet.write_row(
            0, 0, [data["scope"]["company"]["name"], period["label"], period["date_from"], period["date_to"]], bold
        )
        headers = [
            _("Section"),
            _("Figure"),
            _("Value"),
            _("Unit"),
            _("Previous Period"),
            _("Same Period Last Year"),
            _("Change on the Previous Period"),
            _("Change on Last Year"),
        ]
        sheet.write_row(2, 0, headers, bold)
        line = 3
        for section in data["sections"]:
            for figure in section["figures"]:
                sheet.write_row(
                    line,
                    0,
                    [
                        section["label"],
                        figure["label"],
                        figure["value"],
                        figure["unit"],
                        figure["previous"],
                        figure["last_year"],
                    ],
                )
                for column, key in ((6, "mom"), (7, "yoy")):
                    if figure[key] is not None:
                        sheet.write_number(line, column, figure[key], percent)
                line += 1
        sheet.set_column(0, 1, 28)
        sheet.set_column(2, 7, 16)

        trend = workbook.add_worksheet(_("Trend"))
        trend.write_row(0, 0, [_("Period"), *[serie["label"] for serie in data["trend"]["series"]]], bold)
        for index, label in enumerate(data["trend"]["labels"], start=1):
            trend.write_row(index, 0, [label, *[serie["values"][index - 1] for serie in data["trend"]["series"]]])
        trend.set_column(0, 3, 16)

        classes = workbook.add_worksheet(_("Charges by Class"))
        classes.write_row(0, 0, [_("Class"), _("Amount")], bold)
        for index, row in enumerate(data["charges_by_class"], start=1):
            classes.write_row(index, 0, [row["label"], row["amount"]])
        classes.set_column(0, 1, 20)

        workload = workbook.add_worksheet(_("Workload"))
        workload.write_row(
            0,
            0,
            [
                _("Doctor"),
                _("Department"),
                _("Visits Seen"),
                _("Consultations Answered"),
                _("Average Rating"),
                _("Critical Values Handled"),
            ],
            bold,
        )
        for index, row in enumerate(data["workload"], start=1):
            workload.write_row(
                index,
                0,
                [
                    row["name"],
                    row["department"],
                    row["visits"],
                    row["consultations_answered"],
                    row["rating_avg"],
                    row["critical_handled"],
                ],
            )
        workload.set_column(0, 5, 18)
        workbook.close()
        return output.getvalue()
