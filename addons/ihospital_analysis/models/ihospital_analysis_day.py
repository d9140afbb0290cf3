import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# The measures of a day, in the order of the table: (name, label, kind);
# "int" counts, "money" amounts in the hospital's currency. `visits` and
# `charges_total` are the sums of their parts (computed last, so that a
# daily summary's reported part changes them too).
MEASURES = [
    ("visits", "Visits", "int"),
    ("visits_outpatient", "Outpatient Visits", "int"),
    ("visits_emergency", "Emergency Visits", "int"),
    ("visits_inpatient", "Inpatient Stays", "int"),
    ("doctor_visits", "Visits Seen by the Doctor", "int"),
    ("first_visits", "First Visits", "int"),
    ("return_visits", "Return Visits", "int"),
    ("bookings_online", "Online Bookings", "int"),
    ("bookings_phone", "Phone Bookings", "int"),
    ("bookings_window", "Window Bookings", "int"),
    ("no_shows", "No-shows", "int"),
    ("wait_minutes_sum", "Minutes Waited (Sum)", "int"),
    ("wait_count", "Waits Measured", "int"),
    ("admissions", "Admissions", "int"),
    ("discharges", "Discharges", "int"),
    ("census", "Inpatients at Midnight", "int"),
    ("bed_count", "Staffed Beds", "int"),
    ("bed_days", "Occupied Bed-days", "int"),
    ("los_days_sum", "Days of Stay of the Discharged (Sum)", "int"),
    # the discharges whose stay is known (a daily summary's discharges have none)
    ("los_count", "Stays Measured", "int"),
    ("charges_total", "Charges", "money"),
    ("charge_drug", "Drug Charges", "money"),
    ("charge_lab", "Laboratory Charges", "money"),
    ("charge_exam", "Examination Charges", "money"),
    ("charge_treatment", "Treatment Charges", "money"),
    ("charge_material", "Material Charges", "money"),
    ("charge_bed", "Bed Charges", "money"),
    ("charge_other", "Other Charges", "money"),
    ("insurance_amount", "Insurance Covered", "money"),
    ("self_paid_amount", "Self-paid", "money"),
    ("inpatient_charges", "Inpatient Charges", "money"),
    ("outpatient_charges", "Outpatient Charges", "money"),
    # the visits whose charges are known (a daily summary's visits have none)
    ("outpatient_charged", "Outpatient Visits Charged", "int"),
    ("prescriptions", "Prescriptions", "int"),
    ("consultations_answered", "Consultations Answered", "int"),
    ("rating_sum", "Ratings (Sum of Stars)", "int"),
    ("rating_count", "Ratings", "int"),
    ("critical_handled", "Critical Values Handled", "int"),
]
MEASURE_NAMES = [name for name, _label, _kind in MEASURES]
CHARGE_CLASS_KEYS = ("drug", "lab", "exam", "treatment", "material", "bed", "other")
# the measures summed from the sources (the others are derived from them)
DERIVED = {
    "visits": ("visits_outpatient", "visits_emergency", "visits_inpatient"),
    "charges_total": tuple(f"charge_{key}" for key in CHARGE_CLASS_KEYS),
}
BASE_MEASURES = [name for name in MEASURE_NAMES if name not in DERIVED]
# a figure of the HIS's daily summary (ihospital.his.daily.summary) and the
# measure it replaces for its day and department
SUMMARY_MEASURES = {
    "outpatient_visits": "visits_outpatient",
    "emergency_visits": "visits_emergency",
    "first_visits": "first_visits",
    "return_visits": "return_visits",
    "admissions": "admissions",
    "discharges": "discharges",
    "census": "census",
    "open_beds": "bed_count",
    "bed_days": "bed_days",
    "prescriptions": "prescriptions",
    **{f"amount_{key}": f"charge_{key}" for key in CHARGE_CLASS_KEYS},
    "insurance_amount": "insurance_amount",
    "self_paid_amount": "self_paid_amount",
}
# a rebuild works a quarter at a time (bounded statements on large hospitals)
REBUILD_CHUNK_DAYS = 92
REFRESH_BATCH = 400


# a visit's charge lines by class: looked up by the visit (index on
# visit_id), so that a day's visits read their lines only
CHARGE_LATERAL = (
    "LEFT JOIN LATERAL (SELECT count(*) AS lines, "
    + ", ".join(f"sum(c.amount) FILTER (WHERE c.charge_class = '{key}') AS {key}" for key in CHARGE_CLASS_KEYS)
    + " FROM ihospital_visit_charge c WHERE c.visit_id = kv.id) AS ch ON TRUE"
)


def _local_day(column, tz="k.tz"):
    """The hospital's day of a UTC timestamp column (SQL text of constants)."""
    return f"(({column} AT TIME ZONE 'UTC') AT TIME ZONE {tz})::date"


# The sources of the measures: each a SELECT of (company_id, day,
# department_id, doctor_id) and some measures (the others are 0), over the
# keys (company, day) to build. Constant SQL text (no input in it): the keys
# come as parameters of the whole query.
SOURCES = [
    # visits (outpatient, emergency, inpatient stays by their start), with
    # their charge lines by class (a visit without lines: all "other")
    (
        "kv.company_id, kv.day, kv.department_id, kv.doctor_id",
        f"kv {CHARGE_LATERAL}",
        {
            "visits_outpatient": "(kv.visit_type = 'outpatient')::int",
            "visits_emergency": "(kv.visit_type = 'emergency')::int",
            "visits_inpatient": "(kv.visit_type = 'inpatient')::int",
            "doctor_visits": "1",
            "first_visits": "(kv.visit_kind = 'first')::int",
            "return_visits": "(kv.visit_kind = 'return')::int",
            **{f"charge_{key}": f"COALESCE(ch.{key}, 0)" for key in CHARGE_CLASS_KEYS if key != "other"},
            "charge_other": "CASE WHEN ch.lines = 0 THEN COALESCE(kv.total_charges, 0) "
            "ELSE COALESCE(ch.other, 0) END",
            "insurance_amount": "COALESCE(kv.insurance_amount, 0)",
            "self_paid_amount": "COALESCE(kv.self_paid_amount, 0)",
            "inpatient_charges": "CASE WHEN kv.visit_type = 'inpatient' THEN COALESCE(kv.total_charges, 0) ELSE 0 END",
            "outpatient_charges": "CASE WHEN kv.visit_type <> 'inpatient' THEN COALESCE(kv.total_charges, 0) "
            "ELSE 0 END",
            "outpatient_charged": "(kv.visit_type <> 'inpatient')::int",
            "prescriptions": "(kv.visit_type <> 'inpatient' AND COALESCE(ch.drug, 0) > 0)::int",
        },
    ),
    # appointments of the day: bookings by channel (those made and kept or
    # missed, not the unpaid, expired or cancelled), no-shows, waits from
    # check-in to call
    (
        "a.company_id, k.day, a.department_id, a.doctor_id",
        """keys k JOIN ihospital_appointment a ON a.company_id = k.company_id AND a.date = k.day""",
        {
            "bookings_online": "(a.channel = 'portal' AND a.state NOT IN ('held', 'expired', 'cancelled'))::int",
            "bookings_phone": "(a.channel = 'phone' AND a.state NOT IN ('held', 'expired', 'cancelled'))::int",
            "bookings_window": "(a.channel IN ('window', 'his') "
            "AND a.state NOT IN ('held', 'expired', 'cancelled'))::int",
            "no_shows": "(a.state = 'no_show')::int",
            "wait_minutes_sum": "CASE WHEN a.called_at >= a.checked_in_at "
            "THEN round(extract(epoch FROM a.called_at - a.checked_in_at) / 60)::int ELSE 0 END",
            "wait_count": "COALESCE(a.called_at >= a.checked_in_at, FALSE)::int",
        },
    ),
    # admissions of the day
    (
        "ad.company_id, k.day, ad.department_id, NULL::int",
        """keys k JOIN ihospital_admission ad ON ad.company_id = k.company_id
              AND ad.admitted_at >= k.utc_from AND ad.admitted_at < k.utc_to AND ad.state <> 'cancelled'""",
        {"admissions": "1"},
    ),
    # discharges of the day and their length of stay (days between the
    # hospital's admission and discharge days, a same-day stay counts one)
    (
        "ad.company_id, k.day, ad.department_id, NULL::int",
        """keys k JOIN ihospital_admission ad ON ad.company_id = k.company_id
              AND ad.discharged_at >= k.utc_from AND ad.discharged_at < k.utc_to AND ad.state = 'discharged'""",
        {"discharges": "1", "los_days_sum": f"GREATEST(k.day - {_local_day('ad.admitted_at')}, 1)", "los_count": "1"},
    ),
    # inpatients at midnight (the end of the day): admitted that day or
    # before, not discharged by its end; an occupied bed-day each
    (
        "ad.company_id, k.day, ad.department_id, NULL::int",
        f"""span s JOIN ihospital_admission ad ON ad.company_id = s.company_id AND ad.state <> 'cancelled'
              AND ad.admitted_at < s.utc_to AND (ad.discharged_at IS NULL OR ad.discharged_at >= s.utc_from)
            CROSS JOIN LATERAL generate_series(
                GREATEST({_local_day("ad.admitted_at", "s.tz")}, s.day_from)::timestamp,
                LEAST(COALESCE({_local_day("ad.discharged_at", "s.tz")} - 1, s.day_to), s.day_to)::timestamp,
                interval '1 day') AS g(d)
            JOIN keys k ON k.company_id = ad.company_id AND k.day = g.d::date""",
        {"census": "1", "bed_days": "1"},
    ),
    # the departments' staffed beds, every day
    (
        "k.company_id, k.day, d.id, NULL::int",
        """keys k JOIN hr_department d ON d.company_id = k.company_id AND d.active AND d.bed_count > 0""",
        {"bed_count": "d.bed_count"},
    ),
    # consultations answered (first answer), by the doctor asked
    (
        "co.company_id, k.day, co.department_id, co.doctor_id",
        """keys k JOIN ihospital_consultation co ON co.company_id = k.company_id
              AND co.answered_date >= k.utc_from AND co.answered_date < k.utc_to""",
        {"consultations_answered": "1"},
    ),
    # ratings, on the day the patient rated
    (
        "co.company_id, k.day, co.department_id, co.doctor_id",
        """keys k JOIN ihospital_consultation co ON co.company_id = k.company_id
              AND co.closed_date >= k.utc_from AND co.closed_date < k.utc_to
              AND co.close_reason = 'rated' AND co.rating_last_value > 0""",
        {"rating_sum": "round(co.rating_last_value)::int", "rating_count": "1"},
    ),
    # critical values handled, by the doctor who handled them (the
    # attending doctor when the handler has no staff record here)
    (
        "al.company_id, k.day, al.department_id, COALESCE(emp.id, al.doctor_id)",
        """keys k JOIN ihospital_critical_alert al ON al.company_id = k.company_id
              AND al.handled_at >= k.utc_from AND al.handled_at < k.utc_to
            LEFT JOIN LATERAL (SELECT e.id FROM hr_employee e
                                WHERE e.user_id = al.handled_by_id AND e.company_id = al.company_id
                             ORDER BY e.id LIMIT 1) emp ON TRUE""",
        {"critical_handled": "1"},
    ),
]

# Columns of the sources' tables whose changes mark days to refresh, and
# the (company, day) pairs a changed row touches ({rows}: the transition
# table). See _ihospital_install_triggers.
MARKED_TABLES = {
    "ihospital_visit": f"""SELECT t.company_id, {_local_day("t.start", "c.tz")} FROM {{rows}} t
        JOIN tz c ON c.id = t.company_id""",
    "ihospital_visit_charge": f"""SELECT v.company_id, {_local_day("v.start", "c.tz")} FROM {{rows}} t
        JOIN ihospital_visit v ON v.id = t.visit_id JOIN tz c ON c.id = v.company_id""",
    "ihospital_appointment": """SELECT t.company_id, t.date FROM {rows} t""",
    "ihospital_admission": f"""SELECT t.company_id, g.d::date FROM {{rows}} t JOIN tz c ON c.id = t.company_id
        CROSS JOIN LATERAL generate_series({_local_day("t.admitted_at", "c.tz")}::timestamp,
            COALESCE({_local_day("t.discharged_at", "c.tz")},
                     GREATEST(c.today, {_local_day("t.admitted_at", "c.tz")}))::timestamp,
            interval '1 day') AS g(d)""",
    "ihospital_consultation": f"""SELECT t.company_id, {_local_day("t.answered_date", "c.tz")} FROM {{rows}} t
        JOIN tz c ON c.id = t.company_id
        UNION SELECT t.company_id, {_local_day("t.closed_date", "c.tz")} FROM {{rows}} t
        JOIN tz c ON c.id = t.company_id""",
    "ihospital_critical_alert": f"""SELECT t.company_id, {_local_day("t.handled_at", "c.tz")} FROM {{rows}} t
        JOIN tz c ON c.id = t.company_id""",
    "ihospital_his_daily_summary": """SELECT t.company_id, t.date FROM {rows} t""",
}
# indexes the day queries need on the sources' tables (the others exist)
SOURCE_INDEXES = {
    "ihospital_admission": ("discharged_at",),
    "ihospital_consultation": ("answered_date", "closed_date"),
    "ihospital_critical_alert": ("handled_at",),
}
DIRTY_TABLE = "ihospital_analysis_dirty"


def insert_marks(select):
    """SQL that marks the (company_id, date) pairs of `select` not marked
    yet. The marks have no unique index, on purpose: under REPEATABLE READ an
    ON CONFLICT against a mark that a concurrent transaction committed is a
    serialization failure, so two cancellations of the same day would have
    failed one of them. A rare second mark of a day is harmless: the day is
    refreshed once and both marks are deleted."""
    return f"""INSERT INTO {DIRTY_TABLE} (company_id, date)
        SELECT DISTINCT m.company_id, m.date FROM ({select}) AS m(company_id, date)
         WHERE m.date IS NOT NULL AND m.company_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM {DIRTY_TABLE} d WHERE d.company_id = m.company_id AND d.date = m.date)"""


CRON_XMLID = ("ihospital_analysis", "ir_cron_analysis_refresh")


class IhospitalAnalysisDay(models.Model):
    """The operations figures of a hospital's day (运营分析日汇总), one row
    per department and doctor (doctor empty: figures of the department,
    such as admissions and beds, or reported by the HIS's daily summary).

    Built by SQL from the sources (visits and their charge lines,
    appointments, admissions, consultations and their ratings, critical
    values, the HIS's daily summaries) for a set of (hospital, day) keys:
    `_ihospital_refresh`. Changes of the sources mark their days in a small
    table (database triggers: set-based, whatever writes, the ORM or a bulk
    load); a cron triggered by the marks refreshes them, and the dashboard
    refreshes those of its period before it reads. Rows are never edited
    by hand."""

    _name = "ihospital.analysis.day"
    _description = "Operations Figures of a Day"
    _order = "date desc, company_id, department_id, doctor_id"
    _log_access = False
    _rec_name = "date"

    company_id = fields.Many2one("res.company", string="Hospital", required=True, readonly=True, index=True)
    date = fields.Date(required=True, readonly=True)
    department_id = fields.Many2one("hr.department", readonly=True, index="btree_not_null")
    doctor_id = fields.Many2one("hr.employee", readonly=True, index="btree_not_null")
    currency_id = fields.Many2one(related="company_id.currency_id")
    # the measures: one read-only field each, declared once in MEASURES
    for _measure, _label, _kind in MEASURES:
        vars()[_measure] = (fields.Monetary if _kind == "money" else fields.Integer)(string=_label, readonly=True)
    del _measure, _label, _kind

    def init(self):
        # one row per hospital, day, department and doctor (a refresh
        # replaces a day's rows); the dashboard reads a hospital's days
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS ihospital_analysis_day_key_uniq
                   ON ihospital_analysis_day (company_id, date, COALESCE(department_id, 0), COALESCE(doctor_id, 0))"""
        )
        self.env.cr.execute(
            SQL(
                """CREATE TABLE IF NOT EXISTS %s (
                    company_id integer NOT NULL REFERENCES res_company (id) ON DELETE CASCADE,
                    date date NOT NULL)""",
                SQL.identifier(DIRTY_TABLE),
            )
        )
        # no unique key (see insert_marks); databases made before had one
        self.env.cr.execute(
            SQL(
                "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s",
                SQL.identifier(DIRTY_TABLE),
                SQL.identifier(f"{DIRTY_TABLE}_pkey"),
            )
        )
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON %s (company_id, date)",
                SQL.identifier(f"{DIRTY_TABLE}_key_idx"),
                SQL.identifier(DIRTY_TABLE),
            )
        )
        for table, columns in SOURCE_INDEXES.items():
            for column in columns:
                self.env.cr.execute(
                    SQL(
                        "CREATE INDEX IF NOT EXISTS %s ON %s (%s) WHERE %s IS NOT NULL",
                        SQL.identifier(f"{table}_{column}_analysis_idx"),
                        SQL.identifier(table),
                        SQL.identifier(column),
                        SQL.identifier(column),
                    )
                )
        self._ihospital_install_triggers()

    # ------------------------------------------------------------------ marking
    @api.model
    def _ihospital_install_triggers(self):
        """Database triggers that mark the days a change touches. Raw SQL
        on purpose: statement-level triggers with transition tables mark in
        one INSERT per statement, whoever writes (the ORM, the HIS intake's
        bulk lines, a reclassification's UPDATE, a benchmark's COPY), at no
        cost in queries to the hot paths. A mark of a new day asks the
        refresh cron to run (an ir.cron.trigger, once while one is pending)."""
        cr = self.env.cr
        # constant text (module constants, no input): SQL() marks it as such
        cr.execute(
            SQL(f"""CREATE OR REPLACE FUNCTION ihospital_analysis_trigger_cron() RETURNS void LANGUAGE plpgsql AS $$
                DECLARE cron integer;
                BEGIN
                    SELECT res_id INTO cron FROM ir_model_data
                     WHERE module = '{CRON_XMLID[0]}' AND name = '{CRON_XMLID[1]}' AND model = 'ir.cron';
                    IF cron IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ir_cron_trigger WHERE cron_id = cron) THEN
                        INSERT INTO ir_cron_trigger (cron_id, call_at, create_date, write_date)
                        VALUES (cron, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC');
                    END IF;
                END $$""")
        )
        tz_cte = """WITH tz AS (SELECT id, COALESCE(hospital_tz, 'Asia/Shanghai') AS tz,
                        (now() AT TIME ZONE COALESCE(hospital_tz, 'Asia/Shanghai'))::date AS today FROM res_company)"""
        for table, select in MARKED_TABLES.items():
            cr.execute("SELECT to_regclass(%s)", [table])
            if not cr.fetchone()[0]:
                continue  # the source's addon is not installed (yet)
            function = f"ihospital_analysis_mark_{table}"
            marks = {
                rows: f"""{tz_cte}
                    {insert_marks(select.format(rows=rows))};"""
                for rows in ("new_rows", "old_rows")
            }
            cr.execute(
                SQL(f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
                    DECLARE marked integer := 0; n integer;
                    BEGIN
                        IF TG_OP IN ('INSERT', 'UPDATE') THEN
                            {marks["new_rows"]}
                            GET DIAGNOSTICS n = ROW_COUNT; marked := marked + n;
                        END IF;
                        IF TG_OP IN ('UPDATE', 'DELETE') THEN
                            {marks["old_rows"]}
                            GET DIAGNOSTICS n = ROW_COUNT; marked := marked + n;
                        END IF;
                        IF marked > 0 THEN PERFORM ihospital_analysis_trigger_cron(); END IF;
                        RETURN NULL;
                    END $$""")
            )
            for operation, referencing in (
                ("INSERT", "NEW TABLE AS new_rows"),
                ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                ("DELETE", "OLD TABLE AS old_rows"),
            ):
                trigger = f"{table}_analysis_{operation.lower()}"
                cr.execute(SQL("DROP TRIGGER IF EXISTS %s ON %s", SQL.identifier(trigger), SQL.identifier(table)))
                cr.execute(
                    SQL(
                        f"""CREATE TRIGGER %s AFTER {operation} ON %s
                            REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION %s()""",
                        SQL.identifier(trigger),
                        SQL.identifier(table),
                        SQL.identifier(function),
                    )
                )

    @api.model
    def _ihospital_drop_triggers(self):
        """Remove the triggers and the marks (uninstall)."""
        cr = self.env.cr
        for table in MARKED_TABLES:
            cr.execute("SELECT to_regclass(%s)", [table])
            if cr.fetchone()[0]:
                for operation in ("insert", "update", "delete"):
                    trigger = f"{table}_analysis_{operation}"
                    cr.execute(SQL("DROP TRIGGER IF EXISTS %s ON %s", SQL.identifier(trigger), SQL.identifier(table)))
            cr.execute(SQL("DROP FUNCTION IF EXISTS %s()", SQL.identifier(f"ihospital_analysis_mark_{table}")))
        cr.execute("DROP FUNCTION IF EXISTS ihospital_analysis_trigger_cron()")
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(DIRTY_TABLE)))

    @api.model
    def _ihospital_mark(self, keys):
        """Mark (company id, date) pairs to refresh, in one statement, and
        ask the refresh cron to run."""
        keys = list(keys)
        if not keys:
            return
        self.env.cr.execute(
            SQL(
                insert_marks("SELECT * FROM unnest(%s::int[], %s::date[])"),
                [company_id for company_id, _day in keys],
                [day for _company_id, day in keys],
            )
        )
        if self.env.cr.rowcount:
            self.env.cr.execute("SELECT ihospital_analysis_trigger_cron()")

    # ------------------------------------------------------------------ building
    @api.model
    def _ihospital_rows_query(self, keys_sql, utc_bounds=None):
        """The SELECT of the rows of the days of `keys_sql` (an SQL giving
        (company_id, day) rows): one per hospital, day, department and
        doctor, every measure, a daily summary's reported figures in place
        of the computed ones for its day and department (for the whole
        hospital's day, when it has no department). `utc_bounds`: (from,
        to) UTC datetimes that hold these days, given as constants so that
        the planner sees how few visits they are (from the keys alone it
        expects a fraction of the whole table: 555,818 visits for a day of
        3,799 in `make bench-analysis`, and walks every charge line)."""
        visit_bounds = SQL("AND v.start >= %s AND v.start < %s", *utc_bounds) if utc_bounds else SQL()
        zero = SQL("0")
        parts = []
        for dims, from_clause, measures in SOURCES:
            columns = [SQL(measures[name]) if name in measures else zero for name in BASE_MEASURES]
            parts.append(SQL("SELECT %s, %s FROM %s", SQL(dims), SQL(", ").join(columns), SQL(from_clause)))
        sums = SQL(", ").join(
            SQL("sum(%s) AS %s", SQL.identifier(name), SQL.identifier(name)) for name in BASE_MEASURES
        )
        replaced = self._ihospital_summary_sql(sums)
        derived = SQL(", ").join(
            SQL("%s AS %s", SQL(" + ").join(SQL.identifier(part) for part in parts_of), SQL.identifier(name))
            for name, parts_of in DERIVED.items()
        )
        return SQL(
            """WITH keys AS MATERIALIZED (
                    SELECT k.company_id, k.day, COALESCE(c.hospital_tz, 'Asia/Shanghai') AS tz,
                           (k.day::timestamp AT TIME ZONE COALESCE(c.hospital_tz, 'Asia/Shanghai'))
                               AT TIME ZONE 'UTC' AS utc_from,
                           ((k.day + 1)::timestamp AT TIME ZONE COALESCE(c.hospital_tz, 'Asia/Shanghai'))
                               AT TIME ZONE 'UTC' AS utc_to
                      FROM (%(keys)s) AS k(company_id, day) JOIN res_company c ON c.id = k.company_id),
               span AS MATERIALIZED (
                    SELECT company_id, tz, min(day) AS day_from, max(day) AS day_to,
                           min(utc_from) AS utc_from, max(utc_to) AS utc_to
                      FROM keys GROUP BY company_id, tz),
               kv AS MATERIALIZED (
                    SELECT v.id, v.company_id, k.day, v.department_id, v.doctor_id, v.visit_type, v.visit_kind,
                           v.total_charges, v.insurance_amount, v.self_paid_amount
                      FROM keys k JOIN ihospital_visit v ON v.company_id = k.company_id
                       AND v.start >= k.utc_from AND v.start < k.utc_to %(visit_bounds)s),
               raw (company_id, day, department_id, doctor_id, %(names)s) AS (%(parts)s),
               agg AS (
                    SELECT company_id, day, department_id, doctor_id, %(sums)s
                      FROM raw GROUP BY company_id, day, department_id, doctor_id),
               rep AS (%(replaced)s)
            SELECT company_id, day AS date, department_id, doctor_id, %(names)s, %(derived)s
              FROM (SELECT company_id, day, department_id, doctor_id, %(sums)s
                      FROM rep GROUP BY company_id, day, department_id, doctor_id) AS r""",
            keys=keys_sql,
            visit_bounds=visit_bounds,
            names=SQL(", ").join(SQL.identifier(name) for name in BASE_MEASURES),
            parts=SQL(" UNION ALL ").join(parts),
            sums=sums,
            replaced=replaced,
            derived=derived,
        )

    @api.model
    def _ihospital_summary_sql(self, sums):
        """The rows of `agg` with the daily summaries' reported figures in
        place of the computed ones: a department's reported figure replaces
        its department's rows (carried by its row without doctor), a
        hospital's (no department) all the rows of its day (carried by the
        row without department)."""
        replaced = {measure: summary for summary, measure in SUMMARY_MEASURES.items()}

        def column(name, expression):
            return SQL("%s AS %s", expression, SQL.identifier(name))

        computed, department, hospital = [], [], []
        for name in BASE_MEASURES:
            summary = replaced.get(name)
            if not summary:
                computed.append(column(name, SQL("a.%s", SQL.identifier(name))))
                department.append(column(name, SQL("0")))
                hospital.append(column(name, SQL("0")))
                continue
            computed.append(
                column(
                    name,
                    SQL(
                        "CASE WHEN h.%(s)s IS NOT NULL OR d.%(s)s IS NOT NULL THEN 0 ELSE a.%(m)s END",
                        s=SQL.identifier(summary),
                        m=SQL.identifier(name),
                    ),
                )
            )
            department.append(
                column(
                    name,
                    SQL(
                        "CASE WHEN h.%(s)s IS NOT NULL THEN 0 ELSE COALESCE(d.%(s)s, 0) END", s=SQL.identifier(summary)
                    ),
                )
            )
            hospital.append(column(name, SQL("COALESCE(h.%s, 0)", SQL.identifier(summary))))
        return SQL(
            """WITH sd AS (SELECT s.* FROM keys k JOIN ihospital_his_daily_summary s
                                ON s.company_id = k.company_id AND s.date = k.day)
               SELECT a.company_id, a.day, a.department_id, a.doctor_id, %(computed)s
                 FROM agg a
            LEFT JOIN sd d ON d.company_id = a.company_id AND d.date = a.day AND d.department_id = a.department_id
            LEFT JOIN sd h ON h.company_id = a.company_id AND h.date = a.day AND h.department_id IS NULL
            UNION ALL
               SELECT d.company_id, d.date, d.department_id, NULL::int, %(department)s
                 FROM sd d
            LEFT JOIN sd h ON h.company_id = d.company_id AND h.date = d.date AND h.department_id IS NULL
                WHERE d.department_id IS NOT NULL
            UNION ALL
               SELECT h.company_id, h.date, NULL::int, NULL::int, %(hospital)s
                 FROM sd h WHERE h.department_id IS NULL""",
            computed=SQL(", ").join(computed),
            department=SQL(", ").join(department),
            hospital=SQL(", ").join(hospital),
        )

    @api.model
    def _ihospital_keys_sql(self, keys):
        """(company_id, day) rows of the pairs `keys`, as parameters."""
        keys = sorted(set(keys))
        return SQL(
            "SELECT * FROM unnest(%s::int[], %s::date[])",
            [company_id for company_id, _day in keys],
            [day for _company_id, day in keys],
        )

    @api.model
    def _ihospital_refresh(self, keys):
        """Rebuild the rows of the (company id, date) pairs `keys`, and
        clear their marks: three statements whatever the number of days."""
        keys = sorted({(company_id, fields.Date.to_date(day)) for company_id, day in keys})
        if not keys:
            return
        self.env.flush_all()
        self._ihospital_write_rows(self._ihospital_keys_sql(keys), self._ihospital_keys_sql(keys))

    def _ihospital_write_rows(self, keys_sql, delete_keys_sql):
        cr = self.env.cr
        # the query is wide (every measure of every source): compiling it
        # (JIT) costs seconds on a large hospital's tables, more than it saves
        cr.execute("SET LOCAL jit = off")
        names = SQL(", ").join(SQL.identifier(name) for name in MEASURE_NAMES)
        cr.execute(
            SQL(
                """DELETE FROM ihospital_analysis_day d USING (%s) AS k(company_id, day)
                    WHERE d.company_id = k.company_id AND d.date = k.day""",
                delete_keys_sql,
            )
        )
        cr.execute(
            SQL(
                """INSERT INTO ihospital_analysis_day (company_id, date, department_id, doctor_id, %(names)s)
                   SELECT company_id, date, department_id, doctor_id, %(names)s FROM (%(rows)s) AS r""",
                names=names,
                rows=self._ihospital_rows_query(keys_sql),
            )
        )
        cr.execute(
            SQL(
                """DELETE FROM ihospital_analysis_dirty d USING (%s) AS k(company_id, day)
                    WHERE d.company_id = k.company_id AND d.date = k.day""",
                delete_keys_sql,
            )
        )
        self.invalidate_model()

    @api.model
    def _ihospital_rebuild(self, companies=None, date_from=None, date_to=None):
        """Rebuild the rows of `companies` (all hospitals by default) from
        `date_from` (the first day with a visit, an appointment or an
        admission by default) to `date_to` (today by default), in bulk: a
        quarter per statement. Returns the number of days rebuilt."""
        self.env.flush_all()
        if companies is None:
            companies = self.env["res.company"].sudo().search([])
        elif not isinstance(companies, models.BaseModel):
            companies = self.env["res.company"].sudo().browse(companies)
        date_from = fields.Date.to_date(date_from) if date_from else None
        date_to = fields.Date.to_date(date_to) if date_to else None
        total = 0
        for company in companies:
            last = date_to or company._ihospital_today()
            first = date_from or self._ihospital_first_day(company) or last
            day = first
            while day <= last:
                stop = min(day + timedelta(days=REBUILD_CHUNK_DAYS - 1), last)
                keys = SQL(
                    "SELECT %s::int, d::date FROM generate_series(%s::date, %s::date, interval '1 day') AS g(d)",
                    company.id,
                    day,
                    stop,
                )
                self._ihospital_write_rows(keys, keys)
                total += (stop - day).days + 1
                day = stop + timedelta(days=1)
        return total

    @api.model
    def _ihospital_first_day(self, company):
        """The hospital's first day with data (visits, appointments, admissions)."""
        tz = company.hospital_tz or "Asia/Shanghai"
        self.env.cr.execute(
            SQL(
                """SELECT LEAST(
                       (SELECT ((min(start) AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s)::date
                          FROM ihospital_visit WHERE company_id = %(company)s),
                       (SELECT min(date) FROM ihospital_appointment WHERE company_id = %(company)s),
                       (SELECT ((min(admitted_at) AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s)::date
                          FROM ihospital_admission WHERE company_id = %(company)s))""",
                tz=tz,
                company=company.id,
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _ihospital_refresh_marked(self, company=None, date_from=None, date_to=None, exclude=None, limit=None):
        """Refresh the marked days (of one hospital and range if given, not
        the day `exclude`), those another transaction refreshes skipped.
        Returns the number of days refreshed."""
        conditions = [SQL("TRUE")]
        if company:
            conditions.append(SQL("company_id = %s", company.id))
        if date_from:
            conditions.append(SQL("date >= %s", date_from))
        if date_to:
            conditions.append(SQL("date <= %s", date_to))
        if exclude:
            conditions.append(SQL("date <> %s", exclude))
        self.env.cr.execute(
            SQL(
                """SELECT company_id, date FROM ihospital_analysis_dirty WHERE %s
                 ORDER BY company_id, date %s FOR UPDATE SKIP LOCKED""",
                SQL(" AND ").join(conditions),
                SQL("LIMIT %s", limit) if limit else SQL(),
            )
        )
        # a day marked twice (see insert_marks) is refreshed once
        keys = list(dict.fromkeys(self.env.cr.fetchall()))
        if keys:
            self._ihospital_refresh(keys)
        return len(keys)

    @api.model
    def _cron_refresh(self):
        """Refresh a batch of the marked days; the cron runs again while
        some are left (ir.cron's progress)."""
        done = self._ihospital_refresh_marked(limit=REFRESH_BATCH)
        self.env.cr.execute("SELECT count(*) FROM ihospital_analysis_dirty")
        self.env["ir.cron"]._notify_progress(done=done, remaining=self.env.cr.fetchone()[0] if done else 0)

    @api.model
    def _cron_close_days(self):
        """Mark every hospital's yesterday (its days end at its midnight):
        days without any change still need their row (inpatients at
        midnight, staffed beds)."""
        companies = self.env["res.company"].sudo().search([])
        self._ihospital_mark((company.id, company._ihospital_today() - timedelta(days=1)) for company in companies)
