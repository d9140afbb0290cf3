"""Issue 15, operations analysis: each figure of the dashboard against the
hand-computed figures of AnalysisCase, the periods in Beijing days,
环比/同比, the daily summary's figures in place of the computed ones, the
marked days refreshed, and a fixed number of queries."""

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import D1, D2, PERIOD, AnalysisCase, local


@tagged("post_install", "-at_install")
class TestAnalysisFigures(AnalysisCase):
    def _dashboard(self, user=None, **kwargs):
        Dashboard = self.Dashboard.with_user(user or self.user_director).with_company(
            (user or self.user_director).company_id
        )
        return Dashboard.get_dashboard(**{**PERIOD, **kwargs})

    def test_outpatient_figures(self):
        data = self._dashboard()
        values = self.values(data)
        # v_first (00:30 on the 1st, 16:30 UTC the day before), v_emergency
        # and the stay; v_before (23:59 on Feb 28) is the day before
        self.assertEqual(values["visits"], 3)
        self.assertEqual((values["visits_outpatient"], values["visits_emergency"]), (1, 1))
        self.assertEqual((values["first_visits"], values["return_visits"]), (1, 1))
        # the cancelled online booking is not a booking
        self.assertEqual((values["bookings_online"], values["bookings_window"], values["bookings_phone"]), (1, 1, 1))
        self.assertEqual(values["no_shows"], 1)
        self.assertEqual(values["wait_avg"], 30.0)  # (20 + 40) / 2 minutes
        self.assertEqual(data["scope"]["level"], "hospital")
        self.assertEqual(data["period"]["previous"], {"date_from": "2026-02-27", "date_to": "2026-02-28"})
        self.assertEqual(data["period"]["last_year"], {"date_from": "2025-03-01", "date_to": "2025-03-02"})

    def test_comparisons(self):
        figures = self.figures(self._dashboard())
        visits = figures["visits"]
        # previous period: v_before alone; a year before: two visits
        self.assertEqual((visits["previous"], visits["last_year"]), (1, 2))
        self.assertEqual((visits["mom"], visits["yoy"]), (2.0, 0.5))
        admissions = figures["admissions"]
        self.assertEqual((admissions["value"], admissions["previous"], admissions["mom"]), (1, 1, 0.0))
        # nothing a year before: no ratio
        self.assertEqual((admissions["last_year"], admissions["yoy"]), (0, None))

    def test_inpatient_figures(self):
        values = self.values(self._dashboard())
        self.assertEqual((values["admissions"], values["discharges"]), (1, 1))
        # in beds at midnight of the 2nd: the stay admitted on the 1st
        self.assertEqual(values["census"], 1)
        # 2 occupied bed-days (the 1st and the 2nd) of 2 x 10 staffed beds
        self.assertEqual(values["bed_occupancy"], 10.0)
        # Feb 27 to Mar 1: 2 days
        self.assertEqual(values["los_avg"], 2.0)

    def test_money_figures(self):
        data = self._dashboard()
        values = self.values(data)
        self.assertEqual(values["charges_total"], 5300.0)
        self.assertEqual(values["insurance_amount"], 3580.0)
        self.assertEqual(values["self_paid_amount"], 1720.0)
        self.assertEqual(values["avg_charge_visit"], 150.0)  # (200 + 100) / 2
        self.assertEqual(values["avg_charge_admission"], 5000.0)
        self.assertEqual(values["drug_share"], 21.1)  # (120 + 1000) / 5300
        by_class = {row["key"]: row["amount"] for row in data["charges_by_class"]}
        self.assertEqual(
            by_class,
            {"drug": 1120.0, "lab": 80.0, "exam": 0, "treatment": 3500.0, "material": 0, "bed": 500.0, "other": 100.0},
        )

    def test_trend_and_workload(self):
        data = self._dashboard()
        trend = data["trend"]
        self.assertEqual((trend["granularity"], trend["labels"]), ("day", ["2026-03-01", "2026-03-02"]))
        series = {serie["key"]: serie["values"] for serie in trend["series"]}
        self.assertEqual(series["visits"], [2, 1])
        self.assertEqual(series["charges_total"], [300.0, 5000.0])
        workload = [(row["name"], row["visits"]) for row in data["workload"]]
        self.assertEqual(workload, [("Dr Li", 2), ("Dr Zhang", 1)])
        year = self._dashboard(date_from="2025-03-01", date_to="2026-03-02")
        self.assertEqual(year["trend"]["granularity"], "month")
        self.assertEqual(len(year["trend"]["labels"]), 13)

    def test_drill_down_opens_the_records_counted(self):
        figures = self.figures(self._dashboard())
        drill = figures["visits"]["drill"]
        visits = self.env[drill["model"]].with_user(self.user_director).search(drill["domain"])
        self.assertEqual(visits, self.v_first | self.v_emergency | self.v_stay)
        drill = figures["discharges"]["drill"]
        self.assertEqual(self.env[drill["model"]].search(drill["domain"]), self.stay_discharged)
        drill = figures["census"]["drill"]
        self.assertEqual(self.env[drill["model"]].search(drill["domain"]), self.stay_current)

    def test_scopes(self):
        head = self._dashboard(self.user_head)
        self.assertEqual(head["scope"]["level"], "department")
        self.assertEqual([d["id"] for d in head["scope"]["departments"]], [self.cardiology.id])
        values = self.values(head)
        self.assertEqual((values["visits"], values["charges_total"], values["admissions"]), (2, 300.0, 1))
        self.assertEqual([row["name"] for row in head["workload"]], ["Dr Li"])
        with self.assertRaises(AccessError):
            self._dashboard(self.user_head, department_id=self.surgery.id)
        with self.assertRaises(AccessError):
            self._dashboard(self.user_head, doctor_id=self.emp_surgeon.id)

        doctor = self._dashboard(self.user_doctor)
        self.assertEqual(doctor["scope"]["level"], "doctor")
        self.assertEqual([section["key"] for section in doctor["sections"]], ["workload", "satisfaction"])
        self.assertEqual(self.values(doctor)["doctor_visits"], 2)
        self.assertEqual([row["name"] for row in doctor["workload"]], ["Dr Li"])
        self.assertEqual(doctor["charges_by_class"], [])
        with self.assertRaises(AccessError):
            self._dashboard(self.user_doctor, doctor_id=self.emp_surgeon.id)
        with self.assertRaises(AccessError):
            self._dashboard(self.user_doctor, department_id=self.cardiology.id)
        self.assertEqual(self.values(self._dashboard(self.user_surgeon))["doctor_visits"], 1)

        with self.assertRaises(AccessError):
            self._dashboard(self.user_nurse)
        other = self._dashboard(self.user_director_2)
        self.assertEqual(self.values(other)["visits"], 1)
        with self.assertRaises(UserError):
            self._dashboard(self.user_director_2, department_id=self.cardiology.id)

    def test_rules_of_the_daily_rows(self):
        self._dashboard()  # builds the marked days
        Day = self.env["ihospital.analysis.day"]
        domain = [("date", "in", (D1, D2))]
        self.assertEqual(set(Day.with_user(self.user_director).search(domain).company_id.ids), {self.hospital.id})
        self.assertEqual(set(Day.with_user(self.user_head).search(domain).department_id.ids), {self.cardiology.id})
        self.assertEqual(set(Day.with_user(self.user_doctor).search(domain).doctor_id.ids), {self.emp_doctor.id})
        self.assertFalse(Day.with_user(self.user_director_2).search([*domain, ("company_id", "=", self.hospital.id)]))
        with self.assertRaises(AccessError):
            Day.with_user(self.user_nurse).search(domain)
        with self.assertRaises(AccessError):
            Day.with_user(self.user_admin).search(domain, limit=1).write({"visits": 1000})

    def test_a_new_visit_shows_up(self):
        self.assertEqual(self.values(self._dashboard())["visits"], 3)
        self.env["ihospital.visit"].sudo().create(
            {
                "company_id": self.hospital.id,
                "patient_id": self.patient_cardio.id,
                "department_id": self.cardiology.id,
                "doctor_id": self.emp_doctor.id,
                "start": local(2026, 3, 2, 12, 0),
                "total_charges": 30,
            }
        )
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT date FROM ihospital_analysis_dirty WHERE company_id = %s ORDER BY date", [self.hospital.id]
        )
        self.assertIn(D2, [row[0] for row in self.env.cr.fetchall()])
        self.env.cr.execute("SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s", [self._refresh_cron().id])
        self.assertTrue(self.env.cr.fetchone()[0], "the refresh cron is triggered")
        self.assertEqual(self.values(self._dashboard())["visits"], 4)
        # and by the cron, for the pivot views
        self.env["ihospital.analysis.day"]._cron_refresh()
        self.env.cr.execute("SELECT count(*) FROM ihospital_analysis_dirty WHERE company_id = %s", [self.hospital.id])
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        rows = self.env["ihospital.analysis.day"].search(
            [("company_id", "=", self.hospital.id), ("date", "=", D2), ("department_id", "=", self.cardiology.id)]
        )
        self.assertEqual(sum(rows.mapped("visits_outpatient")), 1)

    def _refresh_cron(self):
        return self.env.ref("ihospital_analysis.ir_cron_analysis_refresh")

    def test_rebuild_gives_the_refreshed_rows(self):
        self._dashboard()
        Day = self.env["ihospital.analysis.day"]
        domain = [("company_id", "=", self.hospital.id), ("date", "in", (D1, D2))]
        before = sorted(
            Day.search(domain).mapped(
                lambda row: (
                    row.date,
                    row.department_id.id,
                    row.doctor_id.id,
                    row.visits,
                    row.charges_total,
                    row.census,
                )
            )
        )
        Day._ihospital_rebuild(self.hospital, D1, D2)
        after = sorted(
            Day.search(domain).mapped(
                lambda row: (
                    row.date,
                    row.department_id.id,
                    row.doctor_id.id,
                    row.visits,
                    row.charges_total,
                    row.census,
                )
            )
        )
        self.assertEqual(before, after)
        self.assertTrue(after)

    def test_daily_summary_replaces_the_computed_figures(self):
        Summary = self.env["ihospital.his.daily.summary"].sudo()
        Summary.create(
            [
                # cardiology's outpatient visits and discharges of the 1st (computed: 1 and 1)
                {
                    "company_id": self.hospital.id,
                    "date": D1,
                    "department_id": self.cardiology.id,
                    "outpatient_visits": 40,
                    "discharges": 5,
                },
                # the whole hospital's drug charges of the 2nd (computed: 1000)
                {"company_id": self.hospital.id, "date": D2, "amount_drug": 2000},
            ]
        )
        values = self.values(self._dashboard())
        self.assertEqual(values["visits"], 42)  # 40 reported + the emergency visit and the stay computed
        self.assertEqual(values["first_visits"], 1)  # not reported: computed
        # 5 discharges reported (for 1 computed), the stays known: one of 2 days
        self.assertEqual((values["discharges"], values["los_avg"]), (5, 2.0))
        # the charges per visit: of the visits whose charges are known
        self.assertEqual(values["avg_charge_visit"], 150.0)
        self.assertEqual(values["charges_total"], 6300.0)  # 300 on the 1st, 2000 + 500 + 3500 on the 2nd
        head = self.values(self._dashboard(self.user_head))
        self.assertEqual(head["visits"], 41)  # cardiology: 40 reported + the emergency visit

    def test_periods_in_the_hospitals_days(self):
        # 01:00 on Monday Mar 2 in Beijing (17:00 UTC on Sunday)
        with freeze_time("2026-03-01 17:00:00"):
            today = self._dashboard(period="today")
            self.assertEqual((today["period"]["date_from"], today["today"]), ("2026-03-02", "2026-03-02"))
            visits = self.figures(today)["visits"]
            # today live: the stay; yesterday (stored): 2
            self.assertEqual((visits["value"], visits["previous"]), (1, 2))
            self.assertEqual(self.values(today)["admissions"], 0)
            self.assertEqual(self.values(today)["census"], 1)
            week = self._dashboard(period="week")["period"]
            self.assertEqual((week["date_from"], week["date_to"]), ("2026-03-02", "2026-03-02"))
            self.assertEqual(week["previous"], {"date_from": "2026-02-23", "date_to": "2026-02-23"})
            month = self._dashboard(period="month")
            self.assertEqual(month["period"]["previous"], {"date_from": "2026-02-01", "date_to": "2026-02-02"})
            self.assertEqual(self.values(month)["visits"], 3)
            self.assertEqual(self.values(month)["charges_total"], 5300.0)
            last_year = self._dashboard(period="last_year")["period"]
            self.assertEqual((last_year["date_from"], last_year["date_to"]), ("2025-01-01", "2025-12-31"))
        with self.assertRaises(UserError):
            self._dashboard(period="custom", date_from="2026-03-02", date_to="2026-03-01")
        with self.assertRaises(UserError):
            self._dashboard(period="decade")

    def test_query_count(self):
        self._dashboard()
        self._dashboard(date_from="2025-03-01")
        # 12 for two days or a year: the marked days (none left), the one
        # aggregate query (stored days, today live) after the JIT is set off,
        # the pickers' departments and doctors, the workload's doctors and
        # their departments, the cameras the user may open, the follow-up
        # surveys' satisfaction (one grouped query)
        for kwargs in ({}, {"date_from": "2025-03-01"}):
            self.env.invalidate_all()
            with self.assertQueryCount(__system__=12):
                self._dashboard(**kwargs)

    def test_xlsx(self):
        content = self.Dashboard.with_user(self.user_director).export_xlsx(**PERIOD)
        self.assertTrue(content.startswith(b"PK"))

    def test_a_new_charge_class_map_reclassifies_the_figures(self):
        visit = (
            self.env["ihospital.visit"]
            .sudo()
            .create(
                {
                    "company_id": self.hospital.id,
                    "patient_id": self.patient_cardio.id,
                    "department_id": self.cardiology.id,
                    "start": local(2026, 3, 1, 15, 0),
                    "total_charges": 10,
                }
            )
        )
        self.env["ihospital.visit.charge"].sudo().create(
            {"visit_id": visit.id, "name": "自费药品", "category": "自费药", "amount": 10}
        )
        by_class = {row["key"]: row["amount"] for row in self._dashboard()["charges_by_class"]}
        self.assertEqual((by_class["drug"], by_class["other"]), (1120.0, 110.0))
        self.env["ihospital.charge.class.map"].sudo().create(
            {"company_id": self.hospital.id, "his_category": "自费药", "charge_class": "drug"}
        )
        by_class = {row["key"]: row["amount"] for row in self._dashboard()["charges_by_class"]}
        self.assertEqual((by_class["drug"], by_class["other"]), (1130.0, 100.0))

    def test_workload_of_consultations_ratings_and_critical_values(self):
        self.emp_doctor.online_consultation = True
        Consultation = self.env["ihospital.consultation"].sudo()
        questions = Consultation.create(
            [
                {
                    "company_id": self.hospital.id,
                    "doctor_id": self.emp_doctor.id,
                    "patient_id": self.patient_cardio.id,
                    "user_id": self.user_portal.id,
                    "subject": subject,
                    "question": "Since Monday.",
                }
                for subject in ("Chest pain", "Palpitations")
            ]
        )
        alert = (
            self.env["ihospital.critical.alert"]
            .sudo()
            .create({"company_id": self.hospital.id, "source": "lab", "item": "K", "department_id": self.cardiology.id})
        )
        self.env.flush_all()
        # answered and rated on the 1st (as the engine records it), the
        # critical value handled by Dr Li on the 2nd at 08:00
        for question, stars in zip(questions, (5, 4), strict=True):
            self.env.cr.execute(
                """UPDATE ihospital_consultation SET answered_date = %s, closed_date = %s, state = 'closed',
                          close_reason = 'rated', rating_last_value = %s WHERE id = %s""",
                [local(2026, 3, 1, 10, 0), local(2026, 3, 1, 18, 0), stars, question.id],
            )
        self.env.cr.execute(
            "UPDATE ihospital_critical_alert SET handled_at = %s, handled_by_id = %s WHERE id = %s",
            [local(2026, 3, 2, 8, 0), self.user_doctor.id, alert.id],
        )
        self.env.invalidate_all()
        values = self.values(self._dashboard())
        self.assertEqual(
            (values["consultations_answered"], values["rating_avg"], values["critical_handled"]), (2, 4.5, 1)
        )
        doctor = self._dashboard(self.user_doctor)
        self.assertEqual(
            [
                (row["name"], row["consultations_answered"], row["rating_avg"], row["critical_handled"])
                for row in doctor["workload"]
            ],
            [("Dr Li", 2, 4.5, 1)],
        )
        surgeon = self._dashboard(self.user_surgeon)["workload"]
        self.assertEqual([(row["name"], row["consultations_answered"]) for row in surgeon], [("Dr Zhang", 0)])

    def test_yesterday_is_closed_every_night(self):
        self._dashboard()  # refreshes the marked days of the period
        query = "SELECT date FROM ihospital_analysis_dirty WHERE company_id = %s AND date = %s"
        self.env.cr.execute(query, [self.hospital.id, D2])
        self.assertFalse(self.env.cr.fetchall())
        # 00:30 on Mar 3 in Beijing: Mar 2 is over, marked for the refresh
        with freeze_time("2026-03-02 16:30:00"):
            self.env["ihospital.analysis.day"]._cron_close_days()
        self.env.cr.execute(query, [self.hospital.id, D2])
        self.assertTrue(self.env.cr.fetchall())

    def test_another_hospitals_doctor_is_unknown(self):
        with self.assertRaises(UserError):
            self._dashboard(self.user_director_2, doctor_id=self.emp_doctor.id)
        with self.assertRaises(UserError):
            self._dashboard(department_id="cardiology")
