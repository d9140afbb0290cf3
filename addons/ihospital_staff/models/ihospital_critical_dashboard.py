import io
from datetime import timedelta

import xlsxwriter

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_figures_scope import custom_period
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import HEAD, HOSPITAL_WIDE
from odoo.addons.ihospital_base.models.ihospital_schedule import local_to_utc
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .ihospital_critical_alert import OPEN_STATES, SOURCES

# who supervises critical values: the whole hospital (quality officers,
# the director, administrators) or their departments (department heads);
# which alerts each one counts is left to the alerts' record rules
SUPERVISORS = (*HOSPITAL_WIDE, HEAD)
# the longest period one request covers (a year and a day: a leap year)
MAX_DAYS = 366
DEFAULT_DAYS = 30
PERCENTILES = (("median", 0.5), ("p90", 0.9))


class IhospitalCriticalDashboard(models.AbstractModel):
    """Supervision of critical values (危急值监管) for quality officers, the
    director and department heads: for a period, a department and a source,
    how many critical values there were, the share acknowledged within the
    hospital's target, the median and 90th percentile minutes to acknowledge
    and to handle, escalations, and the alerts open and overdue now; by
    source, by department and by day.

    Every figure is declared once as a domain on the alerts (`_figures`):
    the SQL aggregates are built from those domains (their WHERE clauses
    become FILTER clauses) and the client drills down with the same domains,
    so a figure and the list it opens cannot disagree. The alerts counted are
    exactly those the caller may read: the base query comes from the ORM's
    `_search`, with the record rules applied. A fixed number of queries
    whatever the number of alerts."""

    _name = "ihospital.critical.dashboard"
    _description = "Critical Value Supervision"

    # ------------------------------------------------------------------ API
    @api.model
    @api.readonly
    def get_data(self, date_from, date_to, department_id=False, source=False):
        """The dashboard's figures for the caller's current hospital, from
        `date_from` to `date_to` included (dates in the hospital's time zone,
        'YYYY-MM-DD'; both empty: the last 30 days), optionally for one
        department (id) and one source ('lab', 'imaging', 'vital'). The open
        and overdue alerts are those of now, whatever the period. Reads
        only (a read-only transaction over RPC)."""
        self._check_supervisor()
        company = self.env.company
        day_from, day_to = self._period(company, date_from, date_to)
        department_id, source = self._check_filters(department_id, source)
        now = fields.Datetime.now()
        tz = company.hospital_tz or "Asia/Shanghai"
        target = company.critical_ack_target_minutes or 10

        scope = [("company_id", "=", company.id)]
        if not self._is_hospital_supervisor():
            # a department head supervises the departments he heads, not the
            # other departments' alerts sent to him (on duty for medical affairs)
            scope.append(("department_id.manager_id.user_id", "=", self.env.uid))
        if department_id:
            scope.append(("department_id", "=", department_id))
        if source:
            scope.append(("source", "=", source))
        period = scope + self._days_domain(day_from, day_to, tz)
        live = scope + [("state", "in", OPEN_STATES)]
        figures = self._figures(now, target)

        period_rows = self._aggregate_period(period, figures, tz)
        live_rows = self._aggregate_live(live, figures)
        departments = self.env["hr.department"].browse(
            {row["department_id"] for row in period_rows + live_rows if row["department_id"]}
        )
        names = {department.id: department.display_name for department in departments}

        def group(rows, kind):
            return {row["key"]: row for row in rows if row["grouping"] == kind}

        totals = self._row_figures(group(period_rows, "total").get(None, {}), group(live_rows, "total").get(None, {}))

        source_labels = dict(self.env["ihospital.critical.alert"]._fields["source"]._description_selection(self.env))
        period_sources, live_sources = group(period_rows, "source"), group(live_rows, "source")
        by_source = [
            dict(
                self._row_figures(period_sources.get(key, {}), live_sources.get(key, {})),
                key=key,
                label=source_labels[key],
                domain=[("source", "=", key)],
            )
            for key, _label in SOURCES
            if key in period_sources or key in live_sources
        ]

        period_departments, live_departments = group(period_rows, "department"), group(live_rows, "department")
        by_department = [
            dict(
                self._row_figures(period_departments.get(key, {}), live_departments.get(key, {})),
                id=key or False,
                name=names.get(key) or _("No department"),
                domain=[("department_id", "=", key or False)],
            )
            for key in period_departments.keys() | live_departments.keys()
        ]
        by_department.sort(key=lambda row: (-row["count"], -row["open"], row["name"]))

        period_days = group(period_rows, "day")
        by_day = []
        day = day_from
        while day <= day_to:
            row = period_days.get(day, {})
            by_day.append(
                {
                    "date": fields.Date.to_string(day),
                    "count": row.get("count", 0),
                    "ack_in_target": row.get("ack_in_target", 0),
                    "escalated": row.get("escalated", 0),
                    "domain": self._days_domain(day, day, tz),
                }
            )
            day += timedelta(days=1)

        return {
            "company": {"id": company.id, "name": company.name},
            "date_from": fields.Date.to_string(day_from),
            "date_to": fields.Date.to_string(day_to),
            "department_id": department_id or False,
            "source": source or False,
            "now": fields.Datetime.to_string(now),
            "target_minutes": target,
            "scope": "hospital" if self._is_hospital_supervisor() else "department",
            "totals": totals,
            "by_source": by_source,
            "by_department": by_department,
            "by_day": by_day,
            "domains": {"period": period, "live": live, **{name: domain for name, (_kind, domain) in figures.items()}},
            "filters": self._filters(company),
        }

    # ------------------------------------------------------------------ rights and input
    def _is_hospital_supervisor(self):
        return any(self.env.user.has_group(group) for group in HOSPITAL_WIDE)

    def _check_supervisor(self):
        """Only supervisors read the figures (nurses and doctors have their
        own alerts); which alerts count is up to the record rules."""
        if not any(self.env.user.has_group(group) for group in SUPERVISORS):
            raise AccessError(
                _(
                    "The supervision of critical values is for quality officers, the hospital's director and "
                    "department heads."
                )
            )

    @api.model
    def _period(self, company, date_from, date_to):
        """(first day, last day) of the period asked for, in the hospital's
        time zone; the last 30 days by default."""
        if not date_from and not date_to:
            today = company._ihospital_today()
            return today - timedelta(days=DEFAULT_DAYS - 1), today
        return custom_period(self.env, date_from, date_to, MAX_DAYS)

    @api.model
    def _check_filters(self, department_id, source):
        if department_id and (not isinstance(department_id, int) or isinstance(department_id, bool)):
            raise UserError(_("Unknown department."))
        if source and source not in dict(SOURCES):
            raise UserError(_("Unknown source of critical values: %s.", source))
        return department_id or False, source or False

    @api.model
    def _filters(self, company):
        """What the filters offer: the periods (in the hospital's days) and
        the departments the caller supervises."""
        today = company._ihospital_today()
        periods = [
            ("today", _("Today"), today, today),
            ("7d", _("Last 7 Days"), today - timedelta(days=6), today),
            ("30d", _("Last 30 Days"), today - timedelta(days=DEFAULT_DAYS - 1), today),
            ("month", _("This Month"), today.replace(day=1), today),
        ]
        domain = [("company_id", "=", company.id), ("is_clinical", "=", True)]
        if not self._is_hospital_supervisor():
            domain.append(("manager_id.user_id", "=", self.env.uid))
        departments = self.env["hr.department"].search(domain)
        source_labels = self.env["ihospital.critical.alert"]._fields["source"]._description_selection(self.env)
        return {
            "today": fields.Date.to_string(today),
            "periods": [
                {
                    "key": key,
                    "label": label,
                    "date_from": fields.Date.to_string(start),
                    "date_to": fields.Date.to_string(stop),
                }
                for key, label, start, stop in periods
            ],
            "departments": [{"id": d.id, "name": d.display_name} for d in departments],
            "sources": [{"key": key, "label": label} for key, label in source_labels],
        }

    # ------------------------------------------------------------------ figures
    @api.model
    def _figures(self, now, target):
        """The figures, each declared once as a domain on the alerts of the
        period ('period') or of now ('live'): the aggregates count them and
        the dashboard opens them. Acknowledged within target: read back
        within the hospital's target minutes; late: read back later, or not
        yet and past the target (withdrawn alerts never waited for anyone)."""
        past_target = fields.Datetime.to_string(now - timedelta(minutes=target))
        return {
            "count": ("period", []),
            "acknowledged": ("period", [("acknowledged_at", "!=", False)]),
            "ack_in_target": (
                "period",
                [("acknowledged_at", "!=", False), ("minutes_to_acknowledge", "<=", target)],
            ),
            "ack_late": (
                "period",
                [
                    "|",
                    "&",
                    ("acknowledged_at", "!=", False),
                    ("minutes_to_acknowledge", ">", target),
                    "&",
                    "&",
                    ("acknowledged_at", "=", False),
                    ("state", "!=", "withdrawn"),
                    ("detected_at", "<=", past_target),
                ],
            ),
            "handled": ("period", [("handled_at", "!=", False)]),
            "escalated": ("period", [("escalation_count", ">", 0)]),
            "withdrawn": ("period", [("state", "=", "withdrawn")]),
            "open": ("live", []),
            "overdue": (
                "live",
                [
                    ("state", "in", ("to_acknowledge", "acknowledged")),
                    "|",
                    ("next_escalation_at", "<=", fields.Datetime.to_string(now)),
                    ("level", ">", 0),
                ],
            ),
        }

    def _filter_sql(self, domain):
        """The WHERE condition of `domain` on the alerts' table, for a FILTER
        clause (no record rules here: the rows are already those the caller
        may read)."""
        if not domain:
            return SQL("TRUE")
        query = self.env["ihospital.critical.alert"]._where_calc(domain)
        return query.where_clause

    def _base_subselect(self, domain):
        """The ids of the alerts of `domain` that the caller may read: the
        ORM's search query, record rules included."""
        return self.env["ihospital.critical.alert"]._search(domain).subselect()

    def _aggregate_period(self, domain, figures, tz):
        """One query: the period's figures overall, by source, by department
        and by day (the hospital's days), through GROUPING SETS."""
        counts = [
            SQL("count(*) FILTER (WHERE %s) AS %s", self._filter_sql(figure_domain), SQL.identifier(name))
            for name, (kind, figure_domain) in figures.items()
            if kind == "period"
        ]
        percentiles = [
            SQL(
                "percentile_cont(%s) WITHIN GROUP (ORDER BY %s) FILTER (WHERE %s) AS %s",
                fraction,
                SQL.identifier("ihospital_critical_alert", column),
                self._filter_sql(figures[filter_name][1]),
                SQL.identifier(f"{prefix}_{name}"),
            )
            for prefix, column, filter_name in (
                ("ack", "minutes_to_acknowledge", "acknowledged"),
                ("handle", "minutes_to_handle", "handled"),
            )
            for name, fraction in PERCENTILES
        ]
        day = SQL(
            "(%s AT TIME ZONE 'UTC' AT TIME ZONE %s)::date",
            SQL.identifier("ihospital_critical_alert", "detected_at"),
            tz,
        )
        query = SQL(
            """SELECT GROUPING(source, department_id, %(day)s) AS grouping_bits,
                      source, department_id, %(day)s AS day,
                      COALESCE(sum(escalation_count), 0) AS escalations,
                      %(counts)s, %(percentiles)s
                 FROM ihospital_critical_alert
                WHERE id IN %(ids)s
             GROUP BY GROUPING SETS ((), (source), (department_id), (%(day)s))""",
            day=day,
            counts=SQL(", ").join(counts),
            percentiles=SQL(", ").join(percentiles),
            ids=self._base_subselect(domain),
        )
        return self._rows(query, {0b111: "total", 0b011: "source", 0b101: "department", 0b110: "day"})

    def _aggregate_live(self, domain, figures):
        """One query: the alerts open now and those overdue, overall, by
        source and by department."""
        counts = [
            SQL("count(*) FILTER (WHERE %s) AS %s", self._filter_sql(figure_domain), SQL.identifier(name))
            for name, (kind, figure_domain) in figures.items()
            if kind == "live"
        ]
        query = SQL(
            """SELECT GROUPING(source, department_id) AS grouping_bits, source, department_id, %(counts)s
                 FROM ihospital_critical_alert
                WHERE id IN %(ids)s
             GROUP BY GROUPING SETS ((), (source), (department_id))""",
            counts=SQL(", ").join(counts),
            ids=self._base_subselect(domain),
        )
        return self._rows(query, {0b11: "total", 0b01: "source", 0b10: "department"})

    def _rows(self, query, groupings):
        """The rows of an aggregate query, each with its grouping ('total',
        'source', 'department', 'day') and its key in that grouping."""
        self.env.cr.execute(query)
        rows = self.env.cr.dictfetchall()
        for row in rows:
            row["grouping"] = groupings[row.pop("grouping_bits")]
            row["key"] = {"total": None, "source": row["source"], "department": row["department_id"]}.get(
                row["grouping"], row.get("day")
            )
        return rows

    @api.model
    def _row_figures(self, period, live):
        """The figures of one row (overall, a source, a department) from its
        period and live aggregates."""
        in_target = period.get("ack_in_target", 0)
        assessed = in_target + period.get("ack_late", 0)

        def minutes(value):
            return round(value, 1) if value is not None else None

        return {
            "count": period.get("count", 0),
            "acknowledged": period.get("acknowledged", 0),
            "ack_in_target": in_target,
            "ack_late": period.get("ack_late", 0),
            "ack_assessed": assessed,
            "ack_in_target_rate": round(100.0 * in_target / assessed, 1) if assessed else None,
            "ack_median": minutes(period.get("ack_median")),
            "ack_p90": minutes(period.get("ack_p90")),
            "handled": period.get("handled", 0),
            "handle_median": minutes(period.get("handle_median")),
            "handle_p90": minutes(period.get("handle_p90")),
            "escalated": period.get("escalated", 0),
            "escalations": int(period.get("escalations") or 0),
            "withdrawn": period.get("withdrawn", 0),
            "open": live.get("open", 0),
            "overdue": live.get("overdue", 0),
        }

    @api.model
    def _days_domain(self, day_from, day_to, tz):
        """The alerts detected from `day_from` to `day_to` included, days of
        the hospital's time zone `tz` (as UTC strings: the client sends the
        domain back)."""
        return [
            ("detected_at", ">=", fields.Datetime.to_string(local_to_utc(day_from, 0, tz))),
            ("detected_at", "<", fields.Datetime.to_string(local_to_utc(day_to + timedelta(days=1), 0, tz))),
        ]

    # ------------------------------------------------------------------ spreadsheet
    def _columns(self):
        """(key, header, kind) of the spreadsheet's figure columns."""
        return [
            ("count", _("Number of Critical Values"), "int"),
            ("ack_in_target", _("Acknowledged within Target"), "int"),
            ("ack_assessed", _("Assessed against the Target"), "int"),
            ("ack_in_target_rate", _("% Acknowledged within Target"), "rate"),
            ("ack_median", _("Median Minutes to Acknowledge"), "minutes"),
            ("ack_p90", _("90th Percentile Minutes to Acknowledge"), "minutes"),
            ("handle_median", _("Median Minutes to Handle"), "minutes"),
            ("handle_p90", _("90th Percentile Minutes to Handle"), "minutes"),
            ("escalated", _("Alerts Escalated"), "int"),
            ("escalations", _("Escalations"), "int"),
            ("withdrawn", _("Withdrawn after Correction"), "int"),
            ("open", _("Open Now"), "int"),
            ("overdue", _("Overdue Now"), "int"),
        ]

    @api.model
    def _xlsx(self, data):
        """The figures of `data` (a get_data answer) as an XLSX workbook:
        a summary, then by department, by source and by day. No patient
        appears in it."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        bold = workbook.add_format({"bold": True})
        title = workbook.add_format({"bold": True, "font_size": 14})
        header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E9ECEF"})
        formats = {
            "int": workbook.add_format({"num_format": "0"}),
            "rate": workbook.add_format({"num_format": "0.0"}),
            "minutes": workbook.add_format({"num_format": "0.0"}),
        }
        columns = self._columns()
        department = next(
            (d["name"] for d in data["filters"]["departments"] if d["id"] == data["department_id"]),
            _("All departments"),
        )
        source = next((s["label"] for s in data["filters"]["sources"] if s["key"] == data["source"]), _("All sources"))

        summary = workbook.add_worksheet(_("Summary"))
        summary.set_column(0, 0, 40)
        summary.set_column(1, 1, 24)
        summary.write(0, 0, _("Critical Value Supervision"), title)
        facts = [
            (_("Hospital"), data["company"]["name"]),
            (_("Period"), f"{data['date_from']} – {data['date_to']}"),
            (_("Department"), department),
            (_("Source"), source),
            (_("Acknowledgement Target (min)"), data["target_minutes"]),
            (_("Open and overdue as of (UTC)"), data["now"]),
        ]
        row = 2
        for label, value in facts:
            summary.write(row, 0, label, bold)
            summary.write(row, 1, value)
            row += 1
        row += 1
        for key, label, kind in columns:
            summary.write(row, 0, label)
            self._write_cell(summary, row, 1, data["totals"][key], formats[kind])
            row += 1

        for sheet_name, first_header, rows, label_key in (
            (_("By Department"), _("Department"), data["by_department"], "name"),
            (_("By Source"), _("Source"), data["by_source"], "label"),
        ):
            sheet = workbook.add_worksheet(sheet_name)
            sheet.set_row(0, 45)
            sheet.set_column(0, 0, 24)
            sheet.set_column(1, len(columns), 14)
            sheet.write(0, 0, first_header, header)
            for col, (_key, label, _kind) in enumerate(columns, start=1):
                sheet.write(0, col, label, header)
            for line, values in enumerate([*rows, dict(data["totals"], **{label_key: _("Total")})], start=1):
                sheet.write(line, 0, values[label_key], bold if line == len(rows) + 1 else None)
                for col, (key, _label, kind) in enumerate(columns, start=1):
                    self._write_cell(sheet, line, col, values[key], formats[kind])
            sheet.freeze_panes(1, 1)

        days = workbook.add_worksheet(_("By Day"))
        days.set_column(0, 3, 18)
        for col, label in enumerate(
            (_("Date"), _("Number of Critical Values"), _("Acknowledged within Target"), _("Alerts Escalated"))
        ):
            days.write(0, col, label, header)
        for line, values in enumerate(data["by_day"], start=1):
            days.write(line, 0, values["date"])
            days.write(line, 1, values["count"], formats["int"])
            days.write(line, 2, values["ack_in_target"], formats["int"])
            days.write(line, 3, values["escalated"], formats["int"])
        workbook.close()
        return output.getvalue()

    @api.model
    def _write_cell(self, sheet, row, col, value, cell_format):
        if value is None:
            sheet.write_blank(row, col, None, cell_format)
        else:
            sheet.write_number(row, col, value, cell_format)
