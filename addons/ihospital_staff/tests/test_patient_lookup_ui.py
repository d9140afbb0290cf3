"""Issue 13: the lookup box of the staff app (the workbench's quick search
and the lab lookup, 检验结果查询) on ihospital.patient's lookup: by card, ID
or HIS number, name or pinyin, as the user (record rules, ID numbers
masked, logged), no lookup for a term too short, a limit with "refine your
search"; refused to another department's nurse and to portal users over
JSON-RPC; phone-size tours."""

from odoo.addons.ihospital_base.tests.common import ID_MAN_1985, RpcMixin
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from ..models.ihospital_patient_chart import LOOKUP_LIMIT
from .test_patient_chart import PatientChartCase

# the test hospital's patients named 黄 in cardiology: more than the box shows
CROWD = LOOKUP_LIMIT + 5


class LookupBoxCase(PatientChartCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patient_cardio.his_patient_id = "P7000001"
        crowd = cls.env["ihospital.patient"].create(
            [
                {"name": f"黄{given}", "company_id": cls.hospital.id, "medical_card_number": f"H{index:04d}"}
                for index, given in enumerate("一二三四五六七八九十甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉"[:CROWD])
            ]
        )
        cls.env["ihospital.visit"].create(
            [
                {
                    "company_id": cls.hospital.id,
                    "patient_id": patient.id,
                    "department_id": cls.cardiology.id,
                    "doctor_id": cls.emp_doctor.id,
                }
                for patient in crowd
            ]
        )

    def box(self, term, user=None):
        return self.Chart.with_user(user or self.user_doctor).lookup_patients(term)


@tagged("post_install", "-at_install")
class TestLookupBox(LookupBoxCase):
    def test_each_kind_of_term_finds_the_patient(self):
        for term, match, label in (
            ("T0001", "medical_card_number", "Card"),
            (" t 0001 ", "medical_card_number", "Card"),
            (ID_MAN_1985, "id_number", "ID number"),
            (ID_MAN_1985[:10], "id_number", "ID number"),
            ("P7000001", "his_patient_id", "HIS number"),
            ("Chen Zhi", "pinyin", "Pinyin"),
        ):
            answer = self.box(term)
            self.assertEqual([row["name"] for row in answer["patients"]], ["Chen Zhiqiang"], term)
            row = answer["patients"][0]
            self.assertEqual((row["match"], row["match_label"]), (match, label), term)
            self.assertEqual(row["by_number"], match != "pinyin", term)
            self.assertFalse(answer["more"])
        # labels to show; the ID number masked, never whole
        self.assertEqual((row["gender"], row["age"][-9:]), ("Male", "years old"))
        self.assertEqual(row["id_number_masked"], "440***********7612")
        self.assertNotIn(ID_MAN_1985, str(self.box(ID_MAN_1985)))
        # a name in characters: no badge (the name shown says it)
        [row] = self.box("黄一")["patients"]
        self.assertEqual((row["name"], row["match"], row["match_label"], row["by_number"]), ("黄一", "name", "", False))

    def test_masked_identity_for_the_quality_officer(self):
        answer = self.box("Chen Zhiqiang", user=self.user_quality)
        self.assertEqual([row["name"] for row in answer["patients"]], ["Chen Zhiqiang"])
        self.assertNotIn(ID_MAN_1985, str(answer))
        # a whole ID number or a prefix would tell the hidden digits: masked
        # identity does not look patients up by it
        self.assertEqual(self.box(ID_MAN_1985, user=self.user_quality)["patients"], [])
        self.assertEqual(self.box(ID_MAN_1985[:10], user=self.user_quality)["patients"], [])
        self.assertTrue(
            self.env["ihospital.staff.workbench"].with_user(self.user_quality).get_data()["can_search_patients"]
        )

    def test_many_matches_are_cut_with_more(self):
        answer = self.box("黄")
        self.assertEqual(len(answer["patients"]), LOOKUP_LIMIT)
        self.assertTrue(answer["more"])
        self.assertEqual(answer["limit"], LOOKUP_LIMIT)
        self.assertEqual(len(self.box("H000")["patients"]), 10)
        self.assertFalse(self.box("H000")["more"])

    def test_too_short_is_not_looked_up(self):
        Log = self.env["ihospital.access.log"]
        before = Log.search_count([])
        for term in ("", "   ", "c", "1", " T "):
            answer = self.box(term)
            self.assertEqual((answer["patients"], answer["too_short"]), ([], True), term)
        self.assertEqual(Log.search_count([]), before, "nothing looked up, nothing logged")
        # one Chinese character is a surname
        self.assertFalse(self.box("黄")["too_short"])
        with self.assertRaises(UserError):
            self.box(["T0001"])

    def test_query_count(self):
        """The box costs the lookup's queries (see ihospital_base's
        test_patient_lookup) and no more, however many patients it shows."""
        Chart = self.Chart.with_user(self.user_doctor)
        Chart.lookup_patients("黄")  # the record rules', groups' and labels' caches
        for term, count in (("黄", LOOKUP_LIMIT), ("H000", 10), ("T0001", 1)):
            self.env.invalidate_all()
            with self.assertQueryCount(7):
                self.assertEqual(len(Chart.lookup_patients(term)["patients"]), count, term)

    def test_no_match(self):
        self.assertEqual(self.box("qqqq")["patients"], [])
        self.assertEqual(self.box("T0002")["patients"], [], "surgery's patient")

    def test_the_lookup_runs_as_the_user(self):
        self.assertEqual(self.box("T0001", user=self.user_surgery_nurse)["patients"], [])
        self.assertEqual([r["name"] for r in self.box("T0001", user=self.user_nurse)["patients"]], ["Chen Zhiqiang"])
        self.assertEqual(self.box(ID_MAN_1985, user=self.user_doctor_2)["patients"][0]["name"], "He Jiahao")
        logs = self._logs(self.user_doctor, "ihospital.patient")
        self.box("T0001")
        self.assertEqual(len(self._logs(self.user_doctor, "ihospital.patient")), len(logs) + 1)
        with self.assertRaises(AccessError):
            self.box("T0001", user=self.user_portal)


@tagged("post_install", "-at_install")
class TestLookupBoxRpc(RpcMixin, HttpCase, LookupBoxCase):
    """The box's method as a browser's JSON-RPC client calls it: the server
    applies the caller's rules, whatever the term."""

    def test_another_departments_nurse_finds_nothing(self):
        self.authenticate(self.user_surgery_nurse.login, self.user_surgery_nurse.login)
        for term in ("T0001", ID_MAN_1985, "P7000001", "Chen Zhiqiang", "chen zhi", "czq", "黄"):
            answer, error = self._call("ihospital.patient.chart", "lookup_patients", [term])
            self.assertFalse(error, term)
            self.assertEqual(answer["patients"], [], term)
        # her own department's patient, though
        answer, _error = self._call("ihospital.patient.chart", "lookup_patients", ["T0002"])
        self.assertEqual([row["name"] for row in answer["patients"]], ["Liang Wanting"])

    def test_the_doctor_finds_their_departments_patients(self):
        self.authenticate(self.user_doctor.login, self.user_doctor.login)
        answer, error = self._call("ihospital.patient.chart", "lookup_patients", ["T0001"])
        self.assertFalse(error)
        self.assertEqual([row["name"] for row in answer["patients"]], ["Chen Zhiqiang"])
        for term in ("T0002", "Liang Wanting", "He Jiahao"):
            answer, error = self._call("ihospital.patient.chart", "lookup_patients", [term])
            self.assertEqual(answer["patients"], [], term)

    def test_portal_users_are_refused(self):
        self.authenticate(self.user_portal.login, self.user_portal.login)
        for model, method in (
            ("ihospital.patient.chart", "lookup_patients"),
            ("ihospital.patient", "ihospital_lookup"),
        ):
            answer, error = self._call(model, method, ["T0001"])
            self.assertIsNone(answer, method)
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", method)


@tagged("post_install", "-at_install")
class TestLookupBoxUi(HttpCase, LookupBoxCase):
    browser_size = "375x812"

    def test_the_lab_lookup_on_a_phone(self):
        for days_ago, value, flag in ((9, "3.3", "L"), (2, "3.9", "N")):
            self._potassium(days_ago, value, flag)
        self.start_tour("/odoo/ihospital-lab-lookup", "ihospital_staff_lab_lookup", login=self.user_doctor.login)
        # the lookups and the lab reports shown, in the access log
        self.assertTrue(self._logs(self.user_doctor, "ihospital.patient").filtered(lambda log: log.detail == "lookup"))
        self.assertTrue(self._logs(self.user_doctor, "ihospital.lab.report"))

    def test_the_workbench_quick_search_on_a_phone(self):
        self.start_tour(
            "/odoo/action-ihospital_staff.ihospital_staff_workbench_action",
            "ihospital_staff_workbench_lookup",
            login=self.user_doctor.login,
        )
