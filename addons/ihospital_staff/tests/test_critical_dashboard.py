"""Issue 11, supervision (危急值监管): the dashboard's figures for a period in
the hospital's days, over exactly the alerts the caller may read; every
figure opens the alerts it counts; a fixed number of queries; who may not
read it."""

import io
from datetime import datetime, timedelta
from urllib.parse import urlencode

import openpyxl
import pytz
from freezegun import freeze_time

from odoo import Command
from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CriticalCase

SHANGHAI = pytz.timezone("Asia/Shanghai")
FIGURES = ("count", "acknowledged", "ack_in_target", "ack_late", "handled", "escalated", "withdrawn")
LIVE_FIGURES = ("open", "overdue")


def local(*args):
    """Naive UTC of a wall-clock time in Guangzhou."""
    return SHANGHAI.localize(datetime(*args)).astimezone(pytz.utc).replace(tzinfo=None)


NOW = local(2030, 3, 11, 12, 0)


class DashboardCase(CriticalCase):
    """Alerts of a week in March 2030 (Guangzhou time) taken through the
    engine: acknowledged in time, late and escalated, open, withdrawn, one
    from another source, one the minute after midnight of the last day, and
    the other hospital's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hospital.hospital_tz = "Asia/Shanghai"
        cls.Dashboard = cls.env["ihospital.critical.dashboard"]
        cls.a0 = cls._flow(local(2030, 3, 4, 7, 30), ack=(3, cls.user_doctor), handle=10, close=True)
        cls.a1 = cls._flow(local(2030, 3, 4, 10, 0), ack=(4, cls.user_doctor), handle=12, close=True)
        cls.a2 = cls._flow(
            local(2030, 3, 5, 9, 0), ack=(25, cls.user_head), handle=40, close=True, escalate=(11, 21, 31)
        )
        cls.a3 = cls._flow(local(2030, 3, 6, 14, 0), ack=(8, cls.user_surgeon), surgery=True)
        cls.a4 = cls._flow(local(2030, 3, 7, 8, 0), withdraw=5)
        with freeze_time(local(2030, 3, 10, 23, 30)):
            cls.a5 = cls.Alert._create_routed(
                [
                    {
                        "company_id": cls.hospital.id,
                        "patient_id": cls.patient_surgery.id,
                        "source": "vital",
                        "item": "SpO2",
                        "value": "84",
                        "unit": "%",
                        "flag": "LL",
                        "direction": "low",
                        "department_id": cls.surgery.id,
                        "doctor_id": cls.emp_surgeon.id,
                    }
                ]
            )
        # the minute after the period (Guangzhou) is still the 10th in UTC
        cls.a8 = cls._flow(local(2030, 3, 11, 0, 30), surgery=True)
        cls.a9 = cls._flow(NOW - timedelta(minutes=2))
        # the other hospital's, in the same week
        cls.other = cls._flow(local(2030, 3, 5, 10, 0), ack=(30, cls.user_doctor_2), hospital_2=True)
        cls.period = ("2030-03-04", "2030-03-10")

    @classmethod
    def _flow(
        cls, detected, ack=None, handle=None, close=False, escalate=(), withdraw=None, surgery=False, hospital_2=False
    ):
        """One alert taken through the engine at the given minutes after
        its detection."""
        vals = {"name": f"LAB-D-{detected:%m%d%H%M}"}
        if surgery:
            vals.update(patient_id=cls.patient_surgery.id, department_id=cls.surgery.id, doctor_id=cls.emp_surgeon.id)
        if hospital_2:
            vals.update(
                company_id=cls.hospital_2.id,
                patient_id=cls.patient_2.id,
                department_id=cls.general_2.id,
                doctor_id=cls.emp_doctor_2.id,
            )
        with freeze_time(detected):
            report = cls.env["ihospital.lab.report"].create(
                {
                    "company_id": cls.hospital.id,
                    "patient_id": cls.patient_cardio.id,
                    "department_id": cls.cardiology.id,
                    "doctor_id": cls.emp_doctor.id,
                    "title": "Electrolytes",
                    "source": "his",
                    "result_ids": [
                        Command.create(
                            {"code": "K", "name": "Potassium", "value": "6.8", "unit": "mmol/L", "flag": "HH"}
                        )
                    ],
                    **vals,
                }
            )
        alert = cls.Alert.sudo().search([("lab_report_id", "=", report.id)])
        steps = [(minutes, "escalate", None) for minutes in escalate]
        if ack:
            steps.append((ack[0], "ack", ack[1]))
        if handle:
            steps.append((handle, "handle", ack[1]))
        if close:
            steps.append((handle + 1, "close", ack[1]))
        if withdraw:
            steps.append((withdraw, "withdraw", None))
        for minutes, step, user in sorted(steps, key=lambda s: s[0]):
            with freeze_time(detected + timedelta(minutes=minutes, seconds=1)):
                if step == "escalate":
                    cls.Alert._cron_escalate()
                elif step == "ack":
                    assert alert.with_user(user).action_acknowledge("6.8") is True
                elif step == "handle":
                    alert.with_user(user).action_handle("treatment", "Calcium gluconate")
                elif step == "close":
                    alert.with_user(cls.user_doctor if not surgery else cls.user_surgeon).action_close()
                else:
                    alert.lab_result_id.write({"value": "4.1", "flag": "N"})
        return alert.with_env(cls.env)

    def _data(self, user, date_from=None, date_to=None, **kwargs):
        date_from, date_to = date_from or self.period[0], date_to or self.period[1]
        with freeze_time(NOW):
            return self.Dashboard.with_user(user).get_data(date_from, date_to, **kwargs)

    def _opened(self, user, data, figure, row_domain=()):
        """The alerts the dashboard opens for `figure` (of a row)."""
        domains = data["domains"]
        base = domains["live"] if figure in LIVE_FIGURES else domains["period"]
        with freeze_time(NOW):
            return self.Alert.with_user(user).search(base + domains[figure] + list(row_domain))


@tagged("post_install", "-at_install")
class TestCriticalDashboard(DashboardCase):
    def test_figures_of_the_hospital_for_a_quality_officer(self):
        data = self._data(self.user_quality)
        totals = data["totals"]
        self.assertEqual(data["scope"], "hospital")
        self.assertEqual(data["target_minutes"], 10)
        self.assertEqual(
            {key: totals[key] for key in FIGURES + LIVE_FIGURES + ("ack_assessed", "escalations")},
            {
                "count": 6,
                "acknowledged": 4,
                "ack_in_target": 3,
                "ack_late": 2,  # read back after 25 minutes, and the SpO2 nobody acknowledged
                "ack_assessed": 5,  # the withdrawn one waited for nobody
                "handled": 3,
                "escalated": 1,
                "escalations": 3,
                "withdrawn": 1,
                "open": 4,
                "overdue": 3,
            },
        )
        self.assertEqual(totals["ack_in_target_rate"], 60.0)
        # minutes to acknowledge 3, 4, 8, 25 (seconds aside); to handle 10, 12, 40
        self.assertAlmostEqual(totals["ack_median"], 6.0, delta=0.1)
        self.assertAlmostEqual(totals["ack_p90"], 19.9, delta=0.1)
        self.assertAlmostEqual(totals["handle_median"], 12.0, delta=0.1)
        self.assertAlmostEqual(totals["handle_p90"], 34.4, delta=0.1)

    def test_by_source_department_and_hospital_day(self):
        data = self._data(self.user_quality)
        self.assertEqual(
            [(row["key"], row["count"], row["open"]) for row in data["by_source"]], [("lab", 5, 3), ("vital", 1, 1)]
        )
        self.assertEqual(
            [
                (row["name"], row["count"], row["escalated"], row["open"], row["overdue"])
                for row in data["by_department"]
            ],
            [("Cardiology", 4, 1, 1, 0), ("Surgery", 2, 0, 3, 3)],
        )
        # days of Guangzhou: 07:30 on the 4th is the 3rd in UTC, 00:30 on the 11th is outside
        self.assertEqual(
            [(row["date"], row["count"]) for row in data["by_day"]],
            [
                ("2030-03-04", 2),
                ("2030-03-05", 1),
                ("2030-03-06", 1),
                ("2030-03-07", 1),
                ("2030-03-08", 0),
                ("2030-03-09", 0),
                ("2030-03-10", 1),
            ],
        )

    def test_every_figure_opens_the_alerts_it_counts(self):
        data = self._data(self.user_quality)
        for figure in FIGURES + LIVE_FIGURES:
            self.assertEqual(len(self._opened(self.user_quality, data, figure)), data["totals"][figure], figure)
        for row in data["by_department"] + data["by_source"]:
            for figure in FIGURES + LIVE_FIGURES:
                self.assertEqual(len(self._opened(self.user_quality, data, figure, row["domain"])), row[figure])
        for row in data["by_day"]:
            self.assertEqual(len(self._opened(self.user_quality, data, "count", row["domain"])), row["count"])
        self.assertEqual(self._opened(self.user_quality, data, "escalated"), self.a2)
        self.assertEqual(self._opened(self.user_quality, data, "withdrawn"), self.a4)
        self.assertEqual(set(self._opened(self.user_quality, data, "ack_late").ids), {self.a2.id, self.a5.id})
        self.assertEqual(
            self._opened(self.user_quality, data, "open") - self._opened(self.user_quality, data, "overdue"), self.a9
        )

    def test_filters_department_and_source(self):
        data = self._data(self.user_quality, department_id=self.surgery.id)
        self.assertEqual((data["totals"]["count"], data["totals"]["open"]), (2, 3))
        self.assertEqual([row["name"] for row in data["by_department"]], ["Surgery"])
        data = self._data(self.user_quality, source="vital")
        self.assertEqual((data["totals"]["count"], data["totals"]["ack_late"]), (1, 1))
        self.assertEqual(self._opened(self.user_quality, data, "count"), self.a5)
        data = self._data(self.user_quality, "2030-03-11", "2030-03-11")
        self.assertEqual(data["totals"]["count"], 2, "the minute after midnight and the one just now")

    def test_the_target_is_the_hospitals(self):
        self.hospital.critical_ack_target_minutes = 30
        totals = self._data(self.user_quality)["totals"]
        self.assertEqual((totals["ack_in_target"], totals["ack_late"], totals["ack_in_target_rate"]), (4, 1, 80.0))

    def test_department_head_sees_his_departments_only(self):
        data = self._data(self.user_head)
        self.assertEqual(data["scope"], "department")
        self.assertEqual([row["name"] for row in data["by_department"]], ["Cardiology"])
        self.assertEqual((data["totals"]["count"], data["totals"]["open"]), (4, 1))
        self.assertEqual([d["name"] for d in data["filters"]["departments"]], ["Cardiology"])
        # asking for another department shows nothing of it
        self.assertEqual(self._data(self.user_head, department_id=self.surgery.id)["totals"]["count"], 0)
        # another department's alert sent to him (as its attending doctor): he reads it, but it is not his
        # department's figure
        with freeze_time(local(2030, 3, 8, 9, 0)):
            report = self.env["ihospital.lab.report"].create(
                {
                    "name": "LAB-D-HEAD",
                    "company_id": self.hospital.id,
                    "patient_id": self.patient_surgery.id,
                    "department_id": self.surgery.id,
                    "doctor_id": self.emp_head.id,
                    "title": "Electrolytes",
                    "source": "his",
                    "result_ids": [Command.create({"code": "K", "name": "Potassium", "value": "2.1", "flag": "LL"})],
                }
            )
        alert = self.Alert.sudo().search([("lab_report_id", "=", report.id)])
        self.assertEqual(self.Alert.with_user(self.user_head).search([("id", "=", alert.id)]), alert)
        data = self._data(self.user_head)
        self.assertEqual(data["totals"]["count"], 4)
        self.assertNotIn(alert, self._opened(self.user_head, data, "count"))
        self.assertEqual(self._data(self.user_quality)["totals"]["count"], 7)

    def test_director_and_administrator_see_the_hospital(self):
        for user in (self.user_director, self.user_admin):
            self.assertEqual(self._data(user)["totals"]["count"], 6, user.login)

    def test_another_hospitals_alerts_never_count(self):
        both = new_test_user(
            self.env,
            login="t_quality_both",
            groups="ihospital_base.group_quality_officer",
            company_id=self.hospital.id,
            company_ids=[self.hospital.id, self.hospital_2.id],
        )
        data = self._data(both)
        self.assertEqual(data["totals"]["count"], 6)
        self.assertNotIn(self.other, self._opened(both, data, "count"))
        # in the other hospital, its own alert only
        with freeze_time(NOW):
            data = self.Dashboard.with_user(both).with_company(self.hospital_2).get_data(*self.period)
        self.assertEqual((data["company"]["id"], data["totals"]["count"]), (self.hospital_2.id, 1))
        # a quality officer of the first hospital only cannot switch to the other
        with self.assertRaises(AccessError):
            self.Dashboard.with_user(self.user_quality).with_context(allowed_company_ids=[self.hospital_2.id]).get_data(
                *self.period
            )

    def test_nurses_and_doctors_are_refused(self):
        for user in (self.user_nurse, self.user_doctor, self.user_surgery_nurse, self.user_portal):
            with self.assertRaises(AccessError, msg=user.login):
                self._data(user)

    def test_bad_input_is_refused_with_a_sentence(self):
        cases = [
            (("2030-03-10", "2030-03-04"), {}, "starts after it ends"),
            (("yesterday", "2030-03-04"), {}, "two dates"),
            (("2030-03-04", False), {}, "two dates"),
            (("2029-01-01", "2030-03-04"), {}, "at most 366 days"),
            ((*self.period,), {"source": "gossip"}, "Unknown source"),
            ((*self.period,), {"department_id": "cardiology"}, "Unknown department"),
        ]
        for args, kwargs, message in cases:
            with self.assertRaisesMsg(UserError, message):
                self.Dashboard.with_user(self.user_quality).get_data(*args, **kwargs)

    def test_default_period_is_the_last_30_hospital_days(self):
        with freeze_time(NOW):
            data = self.Dashboard.with_user(self.user_quality).get_data(False, False)
        self.assertEqual((data["date_from"], data["date_to"]), ("2030-02-10", "2030-03-11"))
        self.assertEqual(len(data["by_day"]), 30)
        self.assertEqual(data["totals"]["count"], 8)
        periods = {p["key"]: (p["date_from"], p["date_to"]) for p in data["filters"]["periods"]}
        self.assertEqual(periods["today"], ("2030-03-11", "2030-03-11"))
        self.assertEqual(periods["7d"], ("2030-03-05", "2030-03-11"))
        self.assertEqual(periods["month"], ("2030-03-01", "2030-03-11"))

    def test_quality_officer_exports_the_alerts_list_and_it_is_logged(self):
        data = self._data(self.user_quality)
        alerts = self._opened(self.user_quality, data, "escalated")
        rows = alerts.with_user(self.user_quality).export_data(["name", "item", "value", "escalation_count"])["datas"]
        self.assertEqual(rows, [[self.a2.name, "Potassium", "6.8", 3]])
        log = self.env["ihospital.access.log"].search(
            [("user_id", "=", self.user_quality.id), ("operation", "=", "export")]
        )
        self.assertEqual(log.res_ids, str(self.a2.id))
        # nurses read their alerts but do not export lists
        with self.assertRaisesMsg(UserError, "rights to export"):
            self.a3.with_user(self.user_surgery_nurse).export_data(["name"])

    def test_a_fixed_number_of_queries_whatever_the_alerts(self):
        Dashboard = self.Dashboard.with_user(self.user_quality)

        def count_queries():
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            with freeze_time(NOW):
                Dashboard.get_data(*self.period)
            return self.cr.sql_log_count - before

        count_queries()  # warm the rules' and groups' caches
        few = count_queries()
        self.assertEqual(few, 5)
        with freeze_time(local(2030, 3, 8, 9, 0)):
            self.Alert._create_routed(
                [
                    {
                        "company_id": self.hospital.id,
                        "patient_id": self.patient_cardio.id,
                        "source": "imaging",
                        "item": "CT",
                        "value": "Tension pneumothorax",
                        "department_id": department.id,
                    }
                    for department in (self.cardiology, self.surgery) * 20
                ]
            )
        self.assertEqual(self._data(self.user_quality)["totals"]["count"], 46)
        self.assertEqual(count_queries(), few)
        self.env.invalidate_all()
        with self.assertQueryCount(5), freeze_time(NOW):
            Dashboard.get_data(*self.period)


@tagged("post_install", "-at_install")
class TestCriticalDashboardHttp(HttpCase, DashboardCase, RpcMixin):
    """The spreadsheet export and the JSON-RPC door, as a browser calls them."""

    def _xlsx(self, login, **params):
        self.authenticate(login, login)
        query = {"date_from": self.period[0], "date_to": self.period[1], **params}
        return self.url_open("/ihospital_staff/critical_dashboard/xlsx?" + urlencode(query))

    def test_quality_officer_downloads_the_figures(self):
        response = self._xlsx(self.user_quality.login)
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        self.assertIn("critical-values-2030-03-04-2030-03-10.xlsx", response.headers["Content-Disposition"])
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        self.assertEqual(workbook.sheetnames, ["Summary", "By Department", "By Source", "By Day"])
        by_department = [row[:2] for row in workbook["By Department"].iter_rows(min_row=2, values_only=True)]
        self.assertEqual(by_department, [("Cardiology", 4), ("Surgery", 2), ("Total", 6)])
        by_source = [row[:2] for row in workbook["By Source"].iter_rows(min_row=2, values_only=True)]
        self.assertEqual(by_source, [("Laboratory", 5), ("Vital Signs", 1), ("Total", 6)])
        self.assertEqual(workbook["By Day"].max_row, 8)
        text = " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)
        self.assertNotIn("Chen Zhiqiang", text, "no patient in the figures")
        self.assertNotIn("Test Community Hospital", text)

    def test_department_head_downloads_his_department(self):
        response = self._xlsx(self.user_head.login)
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        names = [row[0] for row in workbook["By Department"].iter_rows(min_row=2, values_only=True)]
        self.assertEqual(names, ["Cardiology", "Total"])

    def test_export_refused_to_nurses_and_doctors_and_bad_input(self):
        for login in (self.user_nurse.login, self.user_doctor.login):
            self.assertEqual(self._xlsx(login).status_code, 403, login)
        self.assertEqual(self._xlsx(self.user_quality.login, source="gossip").status_code, 400)
        self.assertEqual(self._xlsx(self.user_quality.login, department_id="x").status_code, 400)
        self.assertEqual(self._xlsx(self.user_quality.login, date_from="2030-03-11").status_code, 400)
        self.authenticate(None, None)
        response = self.url_open("/ihospital_staff/critical_dashboard/xlsx", allow_redirects=False)
        self.assertIn(response.status_code, (303, 302), "anonymous visitors are sent to the login page")

    def test_nurse_is_refused_over_json_rpc(self):
        self.authenticate(self.user_nurse.login, self.user_nurse.login)
        result, error = self._call("ihospital.critical.dashboard", "get_data", list(self.period))
        self.assertIsNone(result)
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.authenticate(self.user_quality.login, self.user_quality.login)
        result, error = self._call("ihospital.critical.dashboard", "get_data", list(self.period))
        self.assertEqual(result["totals"]["count"], 6, error)
