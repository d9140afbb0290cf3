from odoo import api, fields, models
from odoo.tools import SQL

from ..handlers.stats import SUMMARY_FIGURES

FIGURE_NAMES = [name for name, _integer in SUMMARY_FIGURES]


class IhospitalHisDailySummary(models.Model):
    """The figures of one day (of one department, or of the whole hospital)
    that the HIS knows only in aggregate, as its stats.daily message
    reported them. A figure the HIS did not report is NULL in the database
    (not 0); a summary sent again for the same day and department replaces
    the row. Written by the HIS messages only (SQL upsert, see
    handlers/stats.py): everyone reads."""

    _name = "ihospital.his.daily.summary"
    _description = "HIS Daily Summary"
    _order = "date desc, department_id, id"
    _rec_name = "date"

    company_id = fields.Many2one("res.company", string="Hospital", required=True, index=True, readonly=True)
    date = fields.Date(required=True, index=True, readonly=True, help="The hospital's day the figures are of.")
    department_id = fields.Many2one(
        "hr.department",
        index=True,
        readonly=True,
        ondelete="restrict",
        help="Empty: the figures of the whole hospital.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    outpatient_visits = fields.Integer(readonly=True)
    emergency_visits = fields.Integer(readonly=True)
    first_visits = fields.Integer(readonly=True)
    return_visits = fields.Integer(readonly=True)
    admissions = fields.Integer(readonly=True)
    discharges = fields.Integer(readonly=True)
    census = fields.Integer(readonly=True, help="Patients in beds at the end of the day.")
    open_beds = fields.Integer(readonly=True)
    bed_days = fields.Integer(string="Occupied Bed-days", readonly=True, help="Occupied bed-days of the day.")
    prescriptions = fields.Integer(readonly=True)
    amount_drug = fields.Monetary(string="Drugs", readonly=True)
    amount_lab = fields.Monetary(string="Laboratory", readonly=True)
    amount_exam = fields.Monetary(string="Examinations", readonly=True)
    amount_treatment = fields.Monetary(string="Treatment", readonly=True)
    amount_material = fields.Monetary(string="Materials", readonly=True)
    amount_bed = fields.Monetary(string="Beds", readonly=True)
    amount_other = fields.Monetary(string="Other", readonly=True)
    insurance_amount = fields.Monetary(string="Insurance Covered", readonly=True)
    self_paid_amount = fields.Monetary(string="Self-paid", readonly=True)
    not_reported = fields.Char(
        compute="_compute_not_reported",
        help="The figures the HIS did not report (shown as 0 elsewhere, NULL in the database).",
    )

    _sql_constraints = [
        (
            "day_uniq",
            "unique nulls not distinct (company_id, date, department_id)",
            "A hospital has one summary per day and department.",
        ),
    ]

    def _compute_not_reported(self):
        """One query for the records: which figures are NULL."""
        labels = {name: self._fields[name]._description_string(self.env) for name in FIGURE_NAMES}
        missing = {}
        stored = self.filtered("id")
        if stored:
            self.flush_model(FIGURE_NAMES)
            self.env.cr.execute(
                SQL(
                    "SELECT id, %s FROM ihospital_his_daily_summary WHERE id = ANY(%s)",
                    SQL(", ").join(SQL("%s IS NULL", SQL.identifier(name)) for name in FIGURE_NAMES),
                    stored.ids,
                )
            )
            for row in self.env.cr.fetchall():
                missing[row[0]] = [labels[name] for name, null in zip(FIGURE_NAMES, row[1:], strict=True) if null]
        for summary in self:
            summary.not_reported = ", ".join(missing.get(summary.id, []))

    @api.model
    def _ihospital_upsert(self, company, date, department, figures):
        """Store the summary of `company` for `date` and `department` (an
        empty one: the hospital) with `figures` ({figure: number}; a figure
        left out is stored NULL), replacing the one stored before. Returns
        (the record, whether it is new)."""
        columns = [SQL.identifier(name) for name in FIGURE_NAMES]
        now = fields.Datetime.now()
        uid = self.env.uid
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO ihospital_his_daily_summary
                       (company_id, date, department_id, create_uid, create_date, write_uid,
                        write_date, %(columns)s)
                VALUES (%(company)s, %(date)s, %(department)s, %(uid)s, %(now)s, %(uid)s, %(now)s,
                        %(values)s)
                ON CONFLICT ON CONSTRAINT ihospital_his_daily_summary_day_uniq DO UPDATE
                   SET write_uid = EXCLUDED.write_uid,
                       write_date = EXCLUDED.write_date, %(updates)s
                RETURNING id, xmax = 0
                """,
                columns=SQL(", ").join(columns),
                company=company.id,
                date=date,
                department=department.id or None,
                uid=uid,
                now=now,
                values=SQL(", ").join(SQL("%s", figures.get(name)) for name in FIGURE_NAMES),
                updates=SQL(", ").join(SQL("%s = EXCLUDED.%s", column, column) for column in columns),
            )
        )
        summary_id, created = self.env.cr.fetchone()
        summary = self.browse(summary_id)
        summary.invalidate_recordset()
        self._ihospital_summaries_changed(summary)
        return summary, created

    @api.model
    def _ihospital_summaries_changed(self, summaries):
        """Called after these summaries were stored or replaced (by SQL: no
        ORM create or write runs). Nothing here: the operations analysis
        marks their days to refresh."""
