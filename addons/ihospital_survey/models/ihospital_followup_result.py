from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_figures_scope import custom_period
from odoo.addons.ihospital_base.models.ihospital_schedule import local_to_utc
from odoo.exceptions import UserError
from odoo.tools import SQL

# the follow-up message states of a survey that reached the patient
SENT_STATES = ("sent", "answered", "declined", "expired")
RESULT_PERIODS = ("week", "month", "quarter", "year", "last_month", "custom")
# the longest period one request covers (two years and a day)
MAX_DAYS = 731
# up to this many days the trend is by week, beyond by month
TREND_WEEKLY_MAX_DAYS = 92


class IhospitalFollowupResult(models.Model):
    """The results of the follow-up surveys (回访结果): one row per survey
    sent to a patient (a follow-up message of a survey step), with its
    hospital, department, doctor, day (the hospital's), whether it was
    answered, declined or expired, the answer's score (the survey's own
    scoring percentage), its band (1 to 5: the mean of the satisfaction
    answers) and whether the patient asked for a complaint.

    A read-only SQL view: the pivot and graph views and the per-doctor
    results read it; the record rules scope it per role (a doctor his or her
    own rows, a department head those of the departments headed, quality
    officers, the director and administrators the hospital; nurses none)."""

    _name = "ihospital.followup.result"
    _inherit = "ihospital.figures.scope"
    _description = "Follow-up Survey Result"
    _auto = False
    _order = "day desc, id desc"
    _rec_name = "survey_id"
    # what the rows are computed from: flushed before they are read
    _depends = {
        "ihospital.followup.message": [
            "followup_id",
            "step_id",
            "company_id",
            "department_id",
            "doctor_id",
            "due_at",
            "sent_at",
            "state",
            "user_input_id",
        ],
        "ihospital.followup": ["plan_id", "kind"],
        "ihospital.followup.plan.step": ["action", "survey_id"],
        "survey.user_input": ["scoring_percentage"],
        "survey.user_input.line": ["user_input_id", "answer_score", "suggested_answer_id", "skipped"],
        "survey.question.answer": ["ihospital_complaint"],
    }

    company_id = fields.Many2one("res.company", string="Hospital", readonly=True)
    followup_id = fields.Many2one("ihospital.followup", string="Follow-up", readonly=True)
    plan_id = fields.Many2one("ihospital.followup.plan", readonly=True)
    kind = fields.Char(readonly=True)
    department_id = fields.Many2one("hr.department", readonly=True)
    doctor_id = fields.Many2one("hr.employee", readonly=True)
    survey_id = fields.Many2one("survey.survey", readonly=True)
    user_input_id = fields.Many2one("survey.user_input", string="Answer", readonly=True)
    day = fields.Date(readonly=True)
    sent = fields.Integer(readonly=True)
    answered = fields.Integer(readonly=True)
    declined = fields.Integer(readonly=True)
    expired = fields.Integer(readonly=True)
    response_rate = fields.Float(string="Response Rate (%)", readonly=True, aggregator="avg")
    score = fields.Float(string="Score (%)", readonly=True, aggregator="avg")
    score_band = fields.Integer(readonly=True, aggregator="avg")
    low_score = fields.Integer(string="Low Scores", readonly=True)
    complaint = fields.Integer(string="Complaints Asked", readonly=True)
    answer_html = fields.Html(string="Answers", compute="_compute_answer_html", sanitize=False)

    @property
    def _table_query(self):
        # one row per survey message sent; the hospital's day of the sending,
        # the answer's satisfaction lines (suggested answers scored 1 to 5)
        # and its complaint answers aggregated once per answer
        return SQL(
            """
            SELECT m.id AS id, m.company_id, m.followup_id, f.plan_id, f.kind, m.department_id, m.doctor_id,
                   st.survey_id, m.user_input_id,
                   (COALESCE(m.sent_at, m.due_at) AT TIME ZONE 'UTC'
                        AT TIME ZONE COALESCE(c.hospital_tz, 'Asia/Shanghai'))::date AS day,
                   1 AS sent,
                   (m.state = 'answered')::int AS answered,
                   (m.state = 'declined')::int AS declined,
                   (m.state = 'expired')::int AS expired,
                   CASE WHEN m.state = 'answered' THEN 100.0 ELSE 0.0 END AS response_rate,
                   CASE WHEN m.state = 'answered' THEN ui.scoring_percentage END AS score,
                   CASE WHEN m.state = 'answered' THEN lines.band END AS score_band,
                   CASE WHEN m.state = 'answered' THEN COALESCE(lines.low, 0) ELSE 0 END AS low_score,
                   CASE WHEN m.state = 'answered' THEN COALESCE(lines.complaint, 0) ELSE 0 END AS complaint
              FROM ihospital_followup_message m
              JOIN ihospital_followup f ON f.id = m.followup_id
              JOIN ihospital_followup_plan_step st ON st.id = m.step_id
              JOIN res_company c ON c.id = m.company_id
         LEFT JOIN survey_user_input ui ON ui.id = m.user_input_id
         LEFT JOIN LATERAL (
                SELECT round(avg(l.answer_score) FILTER (WHERE l.answer_score > 0)::numeric)::int AS band,
                       (min(l.answer_score) FILTER (WHERE l.answer_score > 0) <= 2)::int AS low,
                       bool_or(COALESCE(a.ihospital_complaint, FALSE))::int AS complaint
                  FROM survey_user_input_line l
                  LEFT JOIN survey_question_answer a ON a.id = l.suggested_answer_id
                 WHERE l.user_input_id = m.user_input_id AND NOT COALESCE(l.skipped, FALSE)
              ) lines ON TRUE
             WHERE st.action = 'survey' AND m.state IN %s
            """,
            SENT_STATES,
        )

    def _compute_answer_html(self):
        """The answer's questions and choices: whoever may read the result
        row (its record rules) reads the answer behind it."""
        self.check_access("read")
        for result, result_sudo in zip(self, self.sudo(), strict=True):
            user_input_sudo = result_sudo.user_input_id
            result.answer_html = (
                user_input_sudo._ihospital_answer_html() if result_sudo.answered and user_input_sudo else False
            )

    # ------------------------------------------------------------------ scope
    @api.model
    def _ihospital_scope_refusal(self):
        return _(
            "The follow-up results are for the hospital's director, quality officers, department "
            "heads and doctors (their own)."
        )

    # ------------------------------------------------------------------ periods
    @api.model
    def _ihospital_result_periods(self, company, period, date_from=None, date_to=None):
        """{current, previous: (first day, last day)}, the hospital's days."""
        if period not in RESULT_PERIODS:
            raise UserError(_("Unknown period: %s.", period))
        today = company._ihospital_today()
        if period == "week":
            start = today - timedelta(days=today.weekday())
            current = (start, today)
            previous = (start - timedelta(days=7), today - timedelta(days=7))
        elif period == "month":
            start = today.replace(day=1)
            before = start - relativedelta(months=1)
            current = (start, today)
            previous = (before, min(before + (today - start), start - timedelta(days=1)))
        elif period == "quarter":
            # the last three months, the usual span of the follow-up figures
            current = (today - relativedelta(months=3) + timedelta(days=1), today)
            previous = (current[0] - relativedelta(months=3), current[0] - timedelta(days=1))
        elif period == "year":
            start = today.replace(month=1, day=1)
            year = relativedelta(years=1)
            current, previous = (start, today), (start - year, today - year)
        elif period == "last_month":
            start = today.replace(day=1) - relativedelta(months=1)
            current = (start, today.replace(day=1) - timedelta(days=1))
            previous = (start - relativedelta(months=1), start - timedelta(days=1))
        else:
            day_from, day_to = custom_period(self.env, date_from, date_to, MAX_DAYS)
            current = (day_from, day_to)
            previous = (day_from - (day_to - day_from) - timedelta(days=1), day_from - timedelta(days=1))
        return {"current": current, "previous": previous}

    # ------------------------------------------------------------------ figures
    @api.model
    def _ihospital_summary(self, domain):
        """Sent, answered, declined, expired, response rate (% of the sent
        answered), mean score (%) and answers per score band of the rows
        of `domain` (read as the caller: the record rules apply)."""
        groups = self._read_group(
            domain,
            ["score_band"],
            ["sent:sum", "answered:sum", "declined:sum", "expired:sum", "score:avg", "complaint:sum"],
        )
        summary = {"sent": 0, "answered": 0, "declined": 0, "expired": 0, "complaints": 0}
        bands = dict.fromkeys(range(1, 6), 0)
        score_sum = 0.0
        for band, sent, answered, declined, expired, score, complaints in groups:
            summary["sent"] += sent
            summary["answered"] += answered
            summary["declined"] += declined
            summary["expired"] += expired
            summary["complaints"] += complaints
            if score is not None and answered:
                score_sum += score * answered
            if band in bands:
                bands[band] += answered
        summary["response_rate"] = round(100.0 * summary["answered"] / summary["sent"], 1) if summary["sent"] else None
        summary["score"] = round(score_sum / summary["answered"], 1) if summary["answered"] else None
        summary["distribution"] = [{"band": band, "count": count} for band, count in bands.items()]
        return summary

    @api.model
    def _ihospital_day_domain(self, span):
        return [("day", ">=", fields.Date.to_string(span[0])), ("day", "<=", fields.Date.to_string(span[1]))]

    @api.model
    def get_results(self, period="quarter", date_from=None, date_to=None, department_id=None, doctor_id=None):
        """The follow-up results' JSON for the caller's scope in his or her
        current hospital: `scope`, `period` (and the previous period's),
        `summary` and `previous` (sent, answered, declined, expired,
        response rate, mean score, distribution by band), `trend` (by week
        or month), `questions` (each question's answers counted, the
        survey's own statistics on the answers of the scope), `comments`
        (free texts, newest first), `ratings` (the consultation ratings of
        the same doctors: count, average, distribution)."""
        scope = self._ihospital_scope(department_id, doctor_id)
        company = scope["company"]
        periods = self._ihospital_result_periods(company, period, date_from, date_to)
        base = self._ihospital_scope_domain(scope)
        current = [*base, *self._ihospital_day_domain(periods["current"])]
        rows = self.search(current)
        return {
            "scope": self._ihospital_scope_json(scope),
            "period": {
                "key": period,
                "date_from": fields.Date.to_string(periods["current"][0]),
                "date_to": fields.Date.to_string(periods["current"][1]),
                "previous": {
                    "date_from": fields.Date.to_string(periods["previous"][0]),
                    "date_to": fields.Date.to_string(periods["previous"][1]),
                },
            },
            "summary": self._ihospital_summary(current),
            "previous": self._ihospital_summary([*base, *self._ihospital_day_domain(periods["previous"])]),
            "trend": self._ihospital_trend(current, periods["current"]),
            **self._ihospital_answers(rows),
            "ratings": self._ihospital_ratings(scope, periods["current"]),
        }

    @api.model
    def _ihospital_trend(self, domain, span):
        """Sent, answered and mean score by week (Monday to Sunday, up to
        three months) or month, every bucket present; one query (by day),
        bucketed here whatever the language's first day of the week."""
        weekly = (span[1] - span[0]).days <= TREND_WEEKLY_MAX_DAYS

        def bucket_of(day):
            return day - timedelta(days=day.weekday()) if weekly else day.replace(day=1)

        found = {}
        for day, sent, answered, score in self._read_group(
            domain, ["day:day"], ["sent:sum", "answered:sum", "score:sum"]
        ):
            bucket = found.setdefault(bucket_of(fields.Date.to_date(day)), [0, 0, 0.0])
            bucket[0] += sent
            bucket[1] += answered
            bucket[2] += score or 0.0
        buckets = []
        day = bucket_of(span[0])
        while day <= span[1]:
            buckets.append(day)
            day += timedelta(days=7) if weekly else relativedelta(months=1)
        trend = []
        for bucket in buckets:
            sent, answered, score = found.get(bucket, (0, 0, 0.0))
            trend.append(
                {
                    "label": bucket.strftime("%m-%d") if weekly else bucket.strftime("%Y-%m"),
                    "sent": sent,
                    "answered": answered,
                    "response_rate": round(100.0 * answered / sent, 1) if sent else None,
                    "score": round(score / answered, 1) if answered else None,
                }
            )
        return {"granularity": "week" if weekly else "month", "points": trend}

    @api.model
    def _ihospital_answers(self, rows):
        """Each question's statistics (survey's own `_prepare_statistics`)
        and the free-text comments, on the answers of `rows` only: the rows
        were read as the caller (the record rules chose them), the answers
        behind them are then read as the system."""
        user_inputs_sudo = rows.filtered(lambda row: row.answered).sudo().user_input_id
        lines_sudo = user_inputs_sudo.user_input_line_ids
        questions, comments = [], []
        # the survey's statistics translate their labels: the caller's language
        surveys_sudo = user_inputs_sudo.survey_id.with_context(lang=self.env.lang or self.env.user.lang or "en_US")
        for question_data in surveys_sudo.question_ids._prepare_statistics(lines_sudo):
            question = question_data["question"]
            if question.is_page:
                continue
            if question.question_type in ("simple_choice", "multiple_choice"):
                table = question_data.get("table_data") or []
                total = sum(item["count"] for item in table)
                questions.append(
                    {
                        "id": question.id,
                        "title": question.title,
                        "answered": len(question_data["answer_line_done_ids"]),
                        "answers": [
                            {
                                "label": item["value"],
                                "score": item["suggested_answer"].answer_score,
                                "count": item["count"],
                                "share": round(100.0 * item["count"] / total, 1) if total else 0.0,
                            }
                            for item in table
                        ],
                    }
                )
            elif question.question_type in ("text_box", "char_box"):
                for line in question_data["answer_line_done_ids"]:
                    text = (line.value_text_box or line.value_char_box or "").strip()
                    if text:
                        comments.append(
                            {
                                "question": question.title,
                                "text": text,
                                "date": fields.Datetime.to_string(line.user_input_id.end_datetime or line.create_date),
                                "doctor": line.user_input_id.ihospital_doctor_id.name or "",
                            }
                        )
        comments.sort(key=lambda comment: comment["date"], reverse=True)
        return {"questions": questions, "comments": comments[:50], "comment_count": len(comments)}

    @api.model
    def _ihospital_ratings(self, scope, span):
        """The consultation ratings (the rated questions answered online)
        of the same scope and period: count, average stars, distribution."""
        tz = scope["company"].hospital_tz or "Asia/Shanghai"
        domain = [
            *self._ihospital_scope_domain(scope),
            ("close_reason", "=", "rated"),
            ("rating_last_value", ">", 0),
            ("closed_date", ">=", local_to_utc(span[0], 0, tz)),
            ("closed_date", "<", local_to_utc(span[1] + timedelta(days=1), 0, tz)),
        ]
        # the scope was checked above; the ratings are figures, not the
        # questions themselves, which the patients' privacy keeps apart
        consultations_sudo = self.env["ihospital.consultation"].sudo().search(domain)
        stars = dict.fromkeys(range(1, 6), 0)
        for value in consultations_sudo.mapped("rating_last_value"):
            star = min(5, max(1, round(value)))
            stars[star] += 1
        count = sum(stars.values())
        total = sum(star * number for star, number in stars.items())
        return {
            "count": count,
            "average": round(total / count, 2) if count else None,
            "distribution": [{"stars": star, "count": number} for star, number in stars.items()],
        }
