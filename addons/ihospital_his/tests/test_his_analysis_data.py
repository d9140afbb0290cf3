"""What the operations analysis reads from the HIS: one visit per encounter
(the HIS's visit record naming the platform's appointment), charge classes
mapped from the HIS's categories, and the daily summary (stats.daily)."""

from unittest.mock import patch

from ihospital_gateway import schema as gateway_schema
from psycopg2 import IntegrityError

from odoo import fields
from odoo.addons.ihospital_base.tests.common import RpcMixin
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..handlers.stats import SUMMARY_FIGURES
from .common import HisCase

VISIT = {
    "visit_ref": "V-A1",
    "patient": {"his_patient_id": "P0001"},
    "department_code": "T-XNK",
    "doctor_code": "T-D1",
    "start": "2026-01-10T09:00:00+08:00",
    "end": "2026-01-10T09:20:00+08:00",
    "insurance_amount": 30,
    "charges": [
        {"name": "Consultation", "amount": 10, "category": "诊查费"},
        {"name": "Amlodipine", "amount": 65.2, "category": " 西药费 ", "insurance_amount": 30},
        {"name": "Blood count", "amount": 25, "category": "化验费"},
        {"name": "Sundry", "amount": 1},
    ],
}


def summary_data(**figures):
    return {"date": "2026-01-10", "department_code": "T-XNK", **figures}


@tagged("post_install", "-at_install")
class TestVisitOfAppointment(HisCase):
    """One encounter is one visit, whether the consultation's end or the
    HIS's visit record comes first."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Visit = cls.env["ihospital.visit"]

    def _in_consultation(self, patient=None):
        appointment = self._book(patient=patient)
        appointment.action_check_in()
        appointment.with_user(self.user_doctor).action_start_consultation()
        return appointment

    def _visits_of(self, appointment):
        return self.Visit.search(
            ["|", ("appointment_id", "=", appointment.id), ("external_ref", "in", [appointment.name, "V-A1"])]
        )

    def test_consultation_finished_then_the_his_visit(self):
        appointment = self._in_consultation()
        appointment.with_user(self.user_doctor).action_finish_consultation()
        visit = appointment.visit_id
        self.assertEqual((visit.source, visit.appointment_id), ("appointment", appointment))
        result = self.submit("visit.record", dict(VISIT, appointment_ref=appointment.name, visit_kind="first"))
        self.assertEqual(result["state"], "processed", result["error"])
        self.assertEqual(self._visits_of(appointment), visit, "the HIS's record completed the same visit")
        self.assertEqual((visit.source, visit.external_ref, visit.visit_kind), ("his", "V-A1", "first"))
        self.assertEqual((visit.total_charges, visit.insurance_amount, len(visit.charge_ids)), (101.2, 30, 4))
        self.assertEqual(appointment.visit_id, visit)
        self.assertEqual(self.message(result["control_id"]).appointment_id, appointment)
        # sent again (its reply got lost): still one visit, its lines given anew
        again = self.submit("visit.record", dict(VISIT, appointment_ref=appointment.name, visit_kind="return"))
        self.assertEqual(again["state"], "processed", again["error"])
        self.assertEqual(self._visits_of(appointment), visit)
        self.assertEqual((visit.visit_kind, len(visit.charge_ids)), ("return", 4))

    def test_his_visit_then_consultation_finished(self):
        appointment = self._in_consultation()
        result = self.submit("visit.record", dict(VISIT, appointment_ref=appointment.name))
        self.assertEqual(result["state"], "processed", result["error"])
        visit = appointment.visit_id
        self.assertEqual((visit.source, visit.external_ref, visit.appointment_id), ("his", "V-A1", appointment))
        self.assertFalse(visit.visit_kind, "not reported")
        appointment.with_user(self.user_doctor).action_finish_consultation()
        self.assertEqual(appointment.state, "done")
        self.assertEqual(self._visits_of(appointment), visit, "the consultation's end kept the HIS's visit")
        self.assertEqual((visit.source, visit.total_charges), ("his", 101.2))

    def test_one_visit_per_appointment_in_the_database(self):
        appointment = self._in_consultation()
        appointment.with_user(self.user_doctor).action_finish_consultation()
        other = self.visit_cardio
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            other.sudo().write({"appointment_id": appointment.id})
            other.flush_recordset()

    def test_nobody_links_a_visit_to_an_appointment_by_hand(self):
        appointment = self._book()
        with self.assertRaisesMsg(Exception, "changed by the system only"):
            self.visit_cardio.with_user(self.user_admin).write({"appointment_id": appointment.id})

    def test_unknown_reference_is_refused_and_records_nothing(self):
        result = self.submit("visit.record", dict(VISIT, appointment_ref="APT/2026/99999"))
        self.assertEqual(result["state"], "dead")
        self.assertIn("APT/2026/99999 is not an appointment of Test General Hospital", result["error"])
        self.assertFalse(self.Visit.search([("external_ref", "=", "V-A1")]))

    def test_another_hospitals_appointment_is_refused(self):
        appointment = self._in_consultation()
        appointment.with_user(self.user_doctor).action_finish_consultation()
        self.patient_2.his_patient_id = "P0002"
        data = dict(
            VISIT,
            appointment_ref=appointment.name,
            patient={"his_patient_id": "P0002"},
            department_code="T-QK",
            doctor_code="T-D9",
        )
        result = self.submit("visit.record", data, code="t-his-2", user=self.user_gateway_2)
        self.assertEqual(result["state"], "dead")
        self.assertIn("is not an appointment of Test Community Hospital", result["error"])
        self.assertEqual(appointment.visit_id.source, "appointment", "the other hospital changed nothing")
        self.assertFalse(self.Visit.search([("external_ref", "=", "V-A1")]))

    def test_another_patients_or_a_second_his_visit_is_refused(self):
        appointment = self._in_consultation()
        data = dict(VISIT, appointment_ref=appointment.name)
        result = self.submit("visit.record", dict(data, patient={"medical_card_number": "T0002"}))
        self.assertEqual(result["state"], "dead")
        self.assertIn("not the appointment of this visit's patient", result["error"])
        self.assertEqual(self.submit("visit.record", data)["state"], "processed")
        result = self.submit("visit.record", dict(data, visit_ref="V-A2"))
        self.assertEqual(result["state"], "dead")
        self.assertIn("cannot be a second visit of it", result["error"])
        self.assertEqual(len(self._visits_of(appointment)), 1)
        self.assertFalse(self.Visit.search([("external_ref", "=", "V-A2")]))


@tagged("post_install", "-at_install")
class TestChargeClasses(HisCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Map = cls.env["ihospital.charge.class.map"]
        cls.Map.create(
            [
                {"company_id": cls.hospital.id, "his_category": "西药费", "charge_class": "drug"},
                {"company_id": cls.hospital.id, "his_category": "诊查费", "charge_class": "other"},
                # the other hospital calls its lab charges the same: its map is its own
                {"company_id": cls.hospital_2.id, "his_category": "化验费", "charge_class": "exam"},
            ]
        )

    def _lines(self, visit_ref="V-A1"):
        visit = self.env["ihospital.visit"].search([("external_ref", "=", visit_ref)])
        return {line.name: (line.charge_class, line.charge_class_unmapped) for line in visit.charge_ids}

    def test_lines_are_classified_at_intake_from_the_hospitals_map(self):
        self.assertEqual(self.submit("visit.record", VISIT)["state"], "processed")
        self.assertEqual(
            self._lines(),
            {
                "Consultation": ("other", False),
                "Amlodipine": ("drug", False),
                "Blood count": ("other", True),  # 化验费 has no map in this hospital
                "Sundry": ("other", False),  # no category: nothing to map
            },
        )

    def test_the_lines_of_a_visit_are_classified_from_the_cached_map(self):
        visit = self.visit_cardio
        Charge = self.env["ihospital.visit.charge"]
        lines = [
            {"visit_id": visit.id, "name": f"L{n}", "amount": 1, "category": c} for n, c in enumerate(["西药费"] * 30)
        ]
        Charge.create(lines[:1])  # warm the caches (the hospital's map among them)
        with self.assertQueryCount(4):  # the INSERT, the audit's bookkeeping: no lookup of the map
            Charge.create(lines[1:] + [dict(lines[0], category="化验费"), dict(lines[0], category="材料费")])

    def test_a_map_created_or_changed_reclassifies_in_one_update(self):
        self.assertEqual(self.submit("visit.record", VISIT)["state"], "processed")
        other_visit = self.visit_2
        other_line = self.env["ihospital.visit.charge"].create(
            {"visit_id": other_visit.id, "name": "CBC", "amount": 25, "category": "化验费"}
        )
        self.assertEqual(other_line.charge_class, "exam")
        Charge = type(self.env["ihospital.visit.charge"])
        with patch.object(Charge, "_ihospital_charges_reclassified", autospec=True) as hook:
            lab = self.Map.with_user(self.user_admin).create({"his_category": "化验费", "charge_class": "lab"})
        hook.assert_called_once()
        self.assertEqual(hook.call_args.args[1:], (self.hospital, {"化验费"}))
        self.assertEqual(self._lines()["Blood count"], ("lab", False))
        self.assertEqual(other_line.charge_class, "exam", "another hospital's lines follow its own map")
        # the map, then its lines: one UPDATE whatever their number
        with self.assertQueryCount(4), patch.object(Charge, "_ihospital_charges_reclassified"):
            lab.with_user(self.user_admin).write({"charge_class": "exam"})
            lab.flush_recordset()
        self.assertEqual(self._lines()["Blood count"], ("exam", False))
        lab.with_user(self.user_admin).unlink()
        self.assertEqual(self._lines()["Blood count"], ("other", True), "flagged again once its map is gone")

    def test_the_map_is_unique_per_hospital_and_trimmed(self):
        record = self.Map.create({"company_id": self.hospital.id, "his_category": " 床位费 ", "charge_class": "bed"})
        self.assertEqual(record.his_category, "床位费")
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.Map.create({"company_id": self.hospital.id, "his_category": "床位费", "charge_class": "other"})
            self.Map.flush_model()

    def test_the_class_is_the_engines(self):
        self.assertEqual(self.submit("visit.record", VISIT)["state"], "processed")
        line = self.env["ihospital.visit"].search([("external_ref", "=", "V-A1")]).charge_ids[:1]
        with self.assertRaisesMsg(Exception, "changed by the system only"):
            line.with_user(self.user_admin).write({"charge_class": "drug"})


@tagged("post_install", "-at_install")
class TestDailySummary(HisCase):
    def test_the_figures_are_the_protocols(self):
        """The gateway's schema declares the figures of stats.daily (the
        vendors' contract); the handler and the model take the same."""
        self.assertEqual(SUMMARY_FIGURES, gateway_schema.DAILY_FIGURES)
        Summary = self.env["ihospital.his.daily.summary"]
        for name, whole in SUMMARY_FIGURES:
            self.assertEqual(Summary._fields[name].type, "integer" if whole else "monetary", name)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Summary = cls.env["ihospital.his.daily.summary"]

    def _nulls(self, summary, *names):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT "
            + ", ".join(f"{name} IS NULL" for name in names)
            + " FROM ihospital_his_daily_summary WHERE id = %s",
            [summary.id],
        )
        return dict(zip(names, self.env.cr.fetchone(), strict=True))

    def test_reported_figures_are_stored_and_the_others_left_null(self):
        with patch.object(type(self.Summary), "_ihospital_summaries_changed", autospec=True) as hook:
            result = self.submit("stats.daily", summary_data(outpatient_visits=120, census=0, amount_drug=3500.5))
        self.assertEqual(result["state"], "processed", result["error"])
        summary = self.Summary.search([("company_id", "=", self.hospital.id)])
        hook.assert_called_once()
        self.assertEqual(hook.call_args.args[1], summary)
        self.assertEqual((summary.date, summary.department_id), (fields.Date.to_date("2026-01-10"), self.cardiology))
        self.assertEqual((summary.outpatient_visits, summary.census, summary.amount_drug), (120, 0, 3500.5))
        self.assertEqual(
            self._nulls(summary, "outpatient_visits", "census", "admissions", "amount_bed"),
            {"outpatient_visits": False, "census": False, "admissions": True, "amount_bed": True},
            "0 is reported, a figure left out is NULL",
        )
        self.assertIn("Admissions", summary.not_reported)
        self.assertNotIn("Census", summary.not_reported)
        self.assertEqual(self.message(result["control_id"]).link_ids.operation, "created")

    def test_a_resend_replaces_the_summary(self):
        self.submit("stats.daily", summary_data(outpatient_visits=120, admissions=4))
        result = self.submit("stats.daily", summary_data(outpatient_visits=125, discharges=3))
        self.assertEqual(result["state"], "processed", result["error"])
        summary = self.Summary.search([("company_id", "=", self.hospital.id)])
        self.assertEqual(len(summary), 1)
        self.assertEqual((summary.outpatient_visits, summary.discharges), (125, 3))
        self.assertTrue(self._nulls(summary, "admissions")["admissions"], "no longer reported")
        self.assertEqual(self.message(result["control_id"]).link_ids.operation, "updated")
        # the whole hospital's summary of the day is another row, replaced the same way
        hospital_day = {"date": "2026-01-10", "outpatient_visits": 900}
        self.submit("stats.daily", hospital_day)
        self.submit("stats.daily", dict(hospital_day, outpatient_visits=950))
        rows = self.Summary.search([("company_id", "=", self.hospital.id)])
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows.filtered(lambda r: not r.department_id).outpatient_visits, 950)

    def test_bad_figures_are_refused(self):
        for data, error in [
            (summary_data(admissions=-1), "admissions must be at least 0"),
            (summary_data(amount_drug=-0.5), "amount_drug must be at least 0"),
            (summary_data(census=2.5), "census must be a whole number"),
            (summary_data(), "reports no figure"),
            ({"date": "2099-01-01", "outpatient_visits": 1}, "a day to come"),
            ({"date": "2026-13-01", "outpatient_visits": 1}, "not a valid date"),
        ]:
            result = self.submit("stats.daily", data)
            self.assertEqual(result["state"], "dead", data)
            self.assertIn(error, result["error"])
        self.assertFalse(self.Summary.search([("company_id", "=", self.hospital.id)]))

    def test_an_unknown_department_waits_for_its_master_data(self):
        result = self.submit("stats.daily", summary_data(department_code="T-NEW", census=3))
        self.assertEqual(result["state"], "failed")
        self.assertIn("T-NEW", self.message(result["control_id"]).waiting_keys)
        self.submit("master.departments", {"items": [{"code": "T-NEW", "name": "Geriatrics"}]})
        self.assertEqual(self.message(result["control_id"]).state, "processed")
        summary = self.Summary.search([("company_id", "=", self.hospital.id)])
        self.assertEqual((summary.department_id.his_code, summary.census), ("T-NEW", 3))


@tagged("post_install", "-at_install")
class TestStaffedBedsFromTheHis(HisCase):
    def test_master_departments_carry_the_staffed_beds(self):
        item = {"code": "T-XNK", "name": "Cardiology"}
        self.assertEqual(self.submit("master.departments", {"items": [dict(item, bed_count=45)]})["state"], "processed")
        self.assertEqual(self.cardiology.bed_count, 45)
        self.submit("master.departments", {"items": [item]})
        self.assertEqual(self.cardiology.bed_count, 45, "left out: kept")
        result = self.submit("master.departments", {"items": [dict(item, bed_count=-3)]})
        self.assertEqual(result["state"], "dead")
        self.assertIn("bed_count must be at least 0", result["error"])


@tagged("post_install", "-at_install")
class TestAnalysisDataRights(RpcMixin, HttpCase, HisCase):
    """Only administrators change the charge class maps; the summaries are
    the HIS's (nobody writes them) and a head reads his departments'."""

    def test_only_administrators_change_the_maps(self):
        for user in (self.user_doctor, self.user_quality, self.user_director, self.user_head):
            self.authenticate(user.login, user.login)
            _result, error = self._call(
                "ihospital.charge.class.map", "create", [{"his_category": "材料费", "charge_class": "material"}]
            )
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", user.login)
        self.authenticate(self.user_admin.login, self.user_admin.login)
        result, error = self._call(
            "ihospital.charge.class.map", "create", [{"his_category": "材料费", "charge_class": "material"}]
        )
        self.assertFalse(error)
        self.authenticate(self.user_quality.login, self.user_quality.login)
        rows, error = self._call("ihospital.charge.class.map", "search_read", [[]], {"fields": ["his_category"]})
        self.assertFalse(error)
        self.assertIn("材料费", [row["his_category"] for row in rows], "quality officers read the map")
        _result, error = self._call("ihospital.charge.class.map", "write", [result, {"charge_class": "drug"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")

    def test_nobody_sets_a_lines_class_over_rpc(self):
        self.assertEqual(self.submit("visit.record", VISIT)["state"], "processed")
        line = self.env["ihospital.visit"].search([("external_ref", "=", "V-A1")]).charge_ids[:1]
        self.authenticate(self.user_admin.login, self.user_admin.login)
        _result, error = self._call("ihospital.visit.charge", "write", [line.ids, {"charge_class": "drug"}])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call(
            "ihospital.visit.charge",
            "create",
            [{"visit_id": self.visit_cardio.id, "name": "X", "amount": 1, "charge_class": "drug"}],
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertEqual(line.charge_class, "other")

    def test_summaries_are_read_by_scope_and_written_by_nobody(self):
        self.submit("stats.daily", summary_data(outpatient_visits=10))
        self.submit("stats.daily", summary_data(department_code="T-WK", outpatient_visits=20))
        self.submit("stats.daily", {"date": "2026-01-10", "outpatient_visits": 30})
        read = ("ihospital.his.daily.summary", "search_read", [[]], {"fields": ["outpatient_visits"]})
        expected = {self.user_head: [10], self.user_director: [10, 20, 30], self.user_quality: [10, 20, 30]}
        for user, visits in expected.items():
            self.authenticate(user.login, user.login)
            rows, error = self._call(*read)
            self.assertFalse(error, user.login)
            self.assertEqual(sorted(row["outpatient_visits"] for row in rows), visits, user.login)
        for user in (self.user_nurse, self.user_doctor, self.user_doctor_2):
            self.authenticate(user.login, user.login)
            _rows, error = self._call(*read)
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", user.login)
        summary = self.env["ihospital.his.daily.summary"].search([("department_id", "=", self.cardiology.id)])
        self.authenticate(self.user_admin.login, self.user_admin.login)
        for method, args in (("write", [summary.ids, {"outpatient_visits": 1}]), ("unlink", [summary.ids])):
            _result, error = self._call("ihospital.his.daily.summary", method, args)
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", method)
