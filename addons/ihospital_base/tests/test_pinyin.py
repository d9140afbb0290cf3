"""Pinyin search (ihospital.pinyin.mixin): the keys of names with
polyphonic surnames, name_search on staff, public staff, users and
patients, over JSON-RPC too, and the trigram indexes the search uses."""

from odoo.exceptions import AccessError
from odoo.tests import BaseCase, HttpCase, new_test_user, tagged
from odoo.tools import SQL

from ..pinyin import SURNAME_READINGS, normalize_query, pinyin_keys, text_readings
from .common import IhospitalCase, RpcMixin


@tagged("post_install", "-at_install")
class TestPinyinKeys(BaseCase):
    def test_polyphonic_surnames_have_both_readings(self):
        # pypinyin reads them as ordinary words; the surname reading comes first
        cases = {
            "单雄信": ("shanxiongxin", "danxiongxin", "sxx", "dxx"),
            "曾国藩": ("zengguofan", "cengguofan", "zgf", "cgf"),
            "解缙": ("xiejin", "jiejin", "xj", "jj"),
            "区家明": ("oujiaming", "qujiaming", "ojm", "qjm"),
            "朴树": ("piaoshu", "pushu", "ps", "ps"),
            "仇英": ("qiuying", "chouying", "qy", "cy"),
            "查良镛": ("zhaliangyong", "chaliangyong", "zly", "cly"),
            "盖聂": ("genie", "gainie", "gn", "gn"),
            "缪斯": ("miaosi", "mousi", "ms", "ms"),
        }
        for name, (surname_full, ordinary_full, surname_initials, ordinary_initials) in cases.items():
            full, initials = pinyin_keys(name)
            words = full.split()
            self.assertEqual(words[0], surname_full, name)
            self.assertIn(ordinary_full, words, name)
            self.assertEqual(initials.split()[0], surname_initials, name)
            self.assertIn(ordinary_initials, initials.split(), name)

    def test_compound_surnames(self):
        self.assertEqual(pinyin_keys("尉迟恭")[0].split()[0], "yuchigong")
        self.assertEqual(pinyin_keys("万俟卨"), ("moqixie", "mqx"))
        self.assertEqual(pinyin_keys("长孙无忌")[1].split()[0], "zswj")
        self.assertEqual(pinyin_keys("单于")[0], "chanyu")
        self.assertEqual(text_readings("欧阳娜娜")[0], ("ou", "yang", "na", "na"))
        # a surname reading applies to the surname only, not to the given name
        self.assertEqual(text_readings("李单")[0], ("li", "dan"))

    def test_every_table_reading_is_pinyin(self):
        for surname, readings in SURNAME_READINGS.items():
            for reading in readings:
                syllables = reading.split()
                self.assertEqual(len(syllables), len(surname), surname)
                self.assertTrue(all(s.isascii() and s.isalpha() and s.islower() for s in syllables), surname)

    def test_plain_names(self):
        self.assertEqual(pinyin_keys("李晓明")[1], "lxm")
        self.assertEqual(pinyin_keys("李晓明")[0].split()[0], "lixiaoming")
        self.assertEqual(pinyin_keys("John Smith"), ("johnsmith", "js"))
        self.assertEqual(pinyin_keys("Ｊｏｓé"), ("jose", "j"))  # full-width letters, accents
        self.assertEqual(pinyin_keys("120急救中心")[1], "120jjzx")
        self.assertIn("lubu", pinyin_keys("吕布")[0].split())  # typed lv or lu
        self.assertEqual(pinyin_keys(""), ("", ""))
        self.assertEqual(pinyin_keys(None, "  "), ("", ""))
        # several texts, the same reading once
        self.assertEqual(pinyin_keys("李晓明", "李晓明")[1], "lxm")

    def test_readings_are_bounded(self):
        # a long name of polyphonic characters does not multiply its readings
        self.assertLessEqual(len(text_readings("单曾解区朴仇查盖缪覃乐翟")), 16)

    def test_typed_queries(self):
        self.assertEqual(normalize_query("Li Xiao-ming"), "lixiaoming")
        self.assertEqual(normalize_query(" LXM "), "lxm")
        self.assertEqual(normalize_query("xi'an"), "xian")
        self.assertEqual(normalize_query("lü"), "lv")
        for not_pinyin in ("李晓明", "li%", "a_b!", "", None, 42):
            self.assertEqual(normalize_query(not_pinyin), "", not_pinyin)


class PinyinCase(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_lxm = new_test_user(
            cls.env,
            login="t_lxm",
            name="Dr. L",
            groups="ihospital_base.group_doctor",
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id],
        )
        Employee = cls.env["hr.employee"]
        cls.emp_lxm = Employee.create(
            {
                "name": "李晓明",
                "user_id": cls.user_lxm.id,
                "company_id": cls.hospital.id,
                "department_id": cls.cardiology.id,
                "ihospital_role": "doctor",
                "his_code": "T-D9001",
            }
        )
        surgery = {"company_id": cls.hospital.id, "department_id": cls.surgery.id}
        cls.emp_shan = Employee.create({"name": "单雄信", "ihospital_role": "doctor", **surgery})
        cls.emp_zeng = Employee.create({"name": "曾晓雯", "ihospital_role": "nurse", **surgery})
        # the same initials in the other hospital
        cls.emp_lxm_2 = Employee.create(
            {
                "name": "林小梅",
                "company_id": cls.hospital_2.id,
                "department_id": cls.general_2.id,
                "ihospital_role": "nurse",
            }
        )

    def _names(self, model, query, user=None, **kwargs):
        Model = self.env[model].with_user(user) if user else self.env[model]
        return {name for _id, name in Model.name_search(query, **kwargs)}


@tagged("post_install", "-at_install")
class TestPinyinSearch(PinyinCase):
    def test_employee_name_search(self):
        for query in ("lxm", "LXM", "lx", "lixiaoming", "li xiao ming", "Li Xiaoming", "xiaoming", "李晓明", "晓明"):
            self.assertIn("李晓明", self._names("hr.employee", query), query)
        # initials match from the start of a reading, not in the middle
        self.assertNotIn("李晓明", self._names("hr.employee", "xm"))
        self.assertNotIn("李晓明", self._names("hr.employee", "lxn"))
        # the HIS code still finds the doctor
        self.assertIn("李晓明", self._names("hr.employee", "T-D9001"))

    def test_both_readings_of_a_surname(self):
        for query in ("shanxiongxin", "danxiongxin", "sxx", "dxx", "shan xiong"):
            self.assertIn("单雄信", self._names("hr.employee", query), query)
        for query in ("zengxiaowen", "cengxiaowen", "zxw", "cxw"):
            self.assertIn("曾晓雯", self._names("hr.employee", query), query)

    def test_renaming_recomputes_the_keys(self):
        self.emp_zeng.name = "区晓雯"
        self.assertIn("oxw", self.emp_zeng.pinyin_initials.split())
        self.assertIn("区晓雯", self._names("hr.employee", "ouxiaowen"))
        self.assertNotIn("区晓雯", self._names("hr.employee", "zxw"))

    def test_colleagues_find_each_other_through_public_profiles(self):
        # a doctor without HR rights: hr.employee reads hr.employee.public
        self.assertFalse(self.env["hr.employee"].with_user(self.user_doctor).has_access("read"))
        self.assertIn("李晓明", self._names("hr.employee", "lxm", user=self.user_doctor))
        self.assertIn("李晓明", self._names("hr.employee.public", "lxm", user=self.user_doctor))
        self.assertIn("单雄信", self._names("hr.employee.public", "dxx", user=self.user_doctor))
        public = self.env["hr.employee.public"].browse(self.emp_lxm.id)
        self.assertEqual((public.pinyin_full, public.pinyin_initials), (self.emp_lxm.pinyin_full, "lxm"))

    def test_other_hospital_is_not_found(self):
        self.assertNotIn("林小梅", self._names("hr.employee.public", "lxm", user=self.user_doctor))
        self.assertNotIn("李晓明", self._names("hr.employee.public", "lxm", user=self.user_doctor_2))
        self.assertIn("林小梅", self._names("hr.employee.public", "lxm", user=self.user_doctor_2))

    def test_users_by_their_staff_record_name(self):
        # the user is called "Dr. L": its staff record's name finds it
        self.assertIn("Dr. L", self._names("res.users", "lxm", user=self.user_nurse))
        self.assertIn("Dr. L", self._names("res.users", "lixiaoming", user=self.user_nurse))
        self.assertIn("Dr. L", self._names("res.users", "Dr. L", user=self.user_nurse))
        self.emp_lxm.name = "王芳"
        self.assertIn("Dr. L", self._names("res.users", "wangfang"))
        self.assertNotIn("Dr. L", self._names("res.users", "lxm"))
        self.user_lxm.name = "单田芳"
        self.assertIn("单田芳", self._names("res.users", "stf"))
        self.assertIn("单田芳", self._names("res.users", "wf"))  # the staff record's name still

    def test_patients_by_pinyin(self):
        patient = self.env["ihospital.patient"].create({"name": "曾志强", "company_id": self.hospital.id})
        self.assertIn("曾志强", self._names("ihospital.patient", "zzq"))
        self.assertIn("曾志强", self._names("ihospital.patient", "cengzhiqiang"))
        # the record rules still decide: a nurse sees only her departments' patients
        self.assertNotIn("曾志强", self._names("ihospital.patient", "zzq", user=self.user_nurse))
        self.assertIn("Chen Zhiqiang", self._names("ihospital.patient", "chen zhi", user=self.user_nurse))
        self.assertIn("Chen Zhiqiang", self._names("ihospital.patient", "cz", user=self.user_nurse))
        # the name search is logged like any read of patient data
        log = self.env["ihospital.access.log"].search([("user_id", "=", self.user_nurse.id)], limit=1)
        self.assertEqual((log.res_model, log.detail), ("ihospital.patient", "name search"))
        self.assertTrue(patient.pinyin_full)

    def test_portal_users_find_no_staff(self):
        Public = self.env["hr.employee.public"].with_user(self.user_portal)
        with self.assertRaises(AccessError):
            Public.name_search("lxm")

    def test_search_is_an_index_scan(self):
        """With sequential scans ruled out, the name search's query is
        answered from the trigram indexes: no part of its condition needs
        a scan of the staff table (what keeps it fast with 10,000 staff)."""
        self.env.cr.execute(
            SQL(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'hr_employee' AND indexdef ILIKE %s",
                "%gin_trgm_ops%",
            )
        )
        indexes = {row[0] for row in self.env.cr.fetchall()}
        for field in ("name", "his_code", "pinyin_full", "pinyin_initials"):
            self.assertIn(f"hr_employee__{field}_index", indexes)
        for model, user in (("hr.employee", self.user_admin), ("hr.employee.public", self.user_doctor)):
            query = self.env[model].with_user(user)._search([("display_name", "ilike", "lxm")])
            self.env.flush_all()
            self.env.cr.execute("SET LOCAL enable_seqscan = off")
            self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
            self.env.cr.execute("SET LOCAL enable_seqscan = on")
            self.assertNotIn("Seq Scan on hr_employee", plan, plan)
            self.assertIn("hr_employee__pinyin_initials_index", plan, plan)


@tagged("post_install", "-at_install")
class TestPinyinRpc(RpcMixin, HttpCase, PinyinCase):
    def test_name_search_over_json_rpc(self):
        self.authenticate("t_nurse", "t_nurse")
        for model in ("hr.employee", "hr.employee.public"):
            result, error = self._call(model, "name_search", [], {"name": "lxm"})
            self.assertFalse(error, model)
            names = {name for _id, name in result}
            self.assertIn("李晓明", names, model)
            self.assertNotIn("林小梅", names, model)  # the other hospital's
        result, error = self._call("res.users", "name_search", [], {"name": "lixiaoming"})
        self.assertFalse(error)
        self.assertIn(self.user_lxm.id, [row[0] for row in result])
        # the many2one autocomplete of a form: name_search with a domain
        result, error = self._call(
            "hr.employee", "name_search", [], {"name": "dxx", "args": [["department_id", "=", self.surgery.id]]}
        )
        self.assertEqual([row[1] for row in result], ["单雄信"], error)

    def test_portal_account_finds_nobody(self):
        self.authenticate("t_portal", "t_portal")
        for model in ("hr.employee", "hr.employee.public"):
            _result, error = self._call(model, "name_search", [], {"name": "lxm"})
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", model)
