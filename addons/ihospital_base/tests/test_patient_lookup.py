"""The lab lookup (检验结果查询, H5): patients by medical card, ID or HIS
number (exact or prefix) and by name (prefix in characters, full pinyin or
initials; substring from three characters), as the caller (record rules,
masked identity), logged; over JSON-RPC too; its query count and indexes."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL

from .common import ID_MAN_1985, ID_WOMAN_1990, IhospitalCase, RpcMixin

ID_SHAN = "440103196807150039"  # male, born 1968-07-15, Liwan, Guangzhou


class LookupCase(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Patient = cls.env["ihospital.patient"]
        common = {"company_id": cls.hospital.id}
        cls.shan = Patient.create(
            {
                **common,
                "name": "单雄信",
                "id_number": ID_SHAN,
                "medical_card_number": "YX01000001",
                "his_patient_id": "P01300001",
            }
        )
        # the card number above is this one's prefix: the exact one first
        cls.shan_2 = Patient.create({**common, "name": "单丽娟", "medical_card_number": "YX010000012"})
        cls.ouyang = Patient.create({**common, "name": "欧阳娜娜", "his_patient_id": "P01300002"})
        Visit = cls.env["ihospital.visit"]
        for patient in cls.shan | cls.shan_2 | cls.ouyang:
            Visit.create(
                {
                    **common,
                    "patient_id": patient.id,
                    "department_id": cls.cardiology.id,
                    "doctor_id": cls.emp_doctor.id,
                }
            )
        cls.user_surgery_nurse = new_test_user(
            cls.env,
            login="t_surgery_nurse",
            groups="ihospital_base.group_nurse",
            company_id=cls.hospital.id,
            company_ids=[cls.hospital.id],
        )
        cls.env["hr.employee"].create(
            {
                "name": "Nurse Zhou",
                "user_id": cls.user_surgery_nurse.id,
                "department_id": cls.surgery.id,
                "ihospital_role": "nurse",
                **common,
            }
        )

    def lookup(self, term, user=None, **kwargs):
        """The names found, in order, and the kinds of match."""
        rows = self.env["ihospital.patient"].with_user(user or self.user_doctor).ihospital_lookup(term, **kwargs)
        return [row["name"] for row in rows], [row["match"] for row in rows]


@tagged("post_install", "-at_install")
class TestLookup(LookupCase):
    def test_numbers_exact_and_prefix(self):
        self.assertEqual(self.lookup("T0001"), (["Chen Zhiqiang"], ["medical_card_number"]))
        # typed with spaces, in lower case, in full-width digits
        self.assertEqual(self.lookup(" yx 0100 0001 ")[0], ["单雄信", "单丽娟"])
        self.assertEqual(self.lookup("ＹＸ01000001")[1], ["medical_card_number", "medical_card_number"])
        self.assertEqual(self.lookup("YX0100")[0], ["单雄信", "单丽娟"])
        # an exact match comes first whatever the other's place in the index
        self.assertEqual(self.lookup("YX010000012")[0], ["单丽娟"])
        self.assertEqual(self.lookup("P01300001"), (["单雄信"], ["his_patient_id"]))
        self.assertEqual(set(self.lookup("P013")[0]), {"单雄信", "欧阳娜娜"})
        # too short a prefix matches exactly only
        self.assertEqual(self.lookup("YX0")[0], [])

    def test_id_number(self):
        # the other hospital's patient has the same ID number: not found
        self.assertEqual(self.lookup(ID_MAN_1985), (["Chen Zhiqiang"], ["id_number"]))
        self.assertEqual(self.lookup(ID_SHAN[:10])[0], ["单雄信"])
        rows = self.env["ihospital.patient"].with_user(self.user_doctor).ihospital_lookup(ID_SHAN)
        self.assertEqual(rows[0]["id_number_masked"], "440***********0039")
        self.assertNotIn(ID_SHAN, str(rows))

    def test_masked_identity_does_not_look_up_by_id_number(self):
        """Found at review (hole): a quality officer, who sees ID numbers
        masked (first three and last four digits) and the birth date, found
        the whole number in one to seven lookups: the few candidates with a
        valid check digit, tried until the patient came back. A prefix told
        the hidden digits one by one before that. Masked roles find patients
        by card or HIS number, or by name."""
        for term in (ID_SHAN, ID_SHAN[:10], ID_SHAN[:17]):
            self.assertEqual(self.lookup(term, user=self.user_quality)[0], [], term)
        rows = self.env["ihospital.patient"].with_user(self.user_quality).ihospital_lookup("YX01000001")
        self.assertEqual((rows[0]["name"], rows[0]["match"]), ("单雄信", "medical_card_number"))
        self.assertNotIn(ID_SHAN, str(rows))
        log = self.env["ihospital.access.log"].search([("user_id", "=", self.user_quality.id)], limit=1)
        self.assertNotIn(ID_SHAN[3:14], str(log.read()))

    def test_names_by_characters(self):
        self.assertEqual(self.lookup("单雄信"), (["单雄信"], ["name"]))
        self.assertEqual(set(self.lookup("单")[0]), {"单雄信", "单丽娟"})
        self.assertEqual(self.lookup("欧阳")[0], ["欧阳娜娜"])
        # inside a name from three characters on (a trigram's length)
        self.assertEqual(self.lookup("阳娜娜"), (["欧阳娜娜"], ["substring"]))
        self.assertEqual(self.lookup("雄信")[0], [])
        self.assertEqual(self.lookup("娜娜")[0], [])

    def test_names_by_pinyin(self):
        for term in ("shanxiongxin", "Shan Xiong", "shanx", "sh"):
            self.assertEqual(self.lookup(term)[1][:1], ["pinyin"], term)
            self.assertIn("单雄信", self.lookup(term)[0], term)
        for term in ("sxx", "SX"):
            self.assertEqual(self.lookup(term), (["单雄信"], ["initials"]), term)
        self.assertEqual(self.lookup("oynn"), (["欧阳娜娜"], ["initials"]))
        # the surname's other reading and inside a reading: from three letters
        for term in ("danxiongxin", "dxx", "xiongxin", "yangnana"):
            self.assertEqual(len(self.lookup(term)[0]), 1, term)
            self.assertEqual(self.lookup(term)[1], ["substring"], term)
        self.assertEqual(self.lookup("xx")[0], [])
        self.assertEqual(self.lookup("chen zhi")[0], ["Chen Zhiqiang"])

    def test_limit_and_nonsense(self):
        self.assertEqual(len(self.lookup("单", limit=1)[0]), 1)
        for term in ("", "   ", "%", "_", "\\", "x" * 65, "李'; DROP TABLE"):
            self.assertEqual(self.lookup(term)[0], [], term)
        with self.assertRaises(UserError):
            self.env["ihospital.patient"].with_user(self.user_doctor).ihospital_lookup(["T0001"])

    def test_record_rules(self):
        # a nurse of another department finds nothing of cardiology's
        for term in ("T0001", ID_MAN_1985, "P01300001", "单雄信", "sxx", "阳娜娜", "YX0100"):
            self.assertEqual(self.lookup(term, user=self.user_surgery_nurse)[0], [], term)
        # ... but her own department's patient
        self.assertEqual(self.lookup("T0002", user=self.user_surgery_nurse)[0], ["Liang Wanting"])
        self.assertEqual(self.lookup(ID_WOMAN_1990, user=self.user_surgery_nurse)[0], ["Liang Wanting"])
        # the cardiology doctor does not see surgery's, the other hospital's doctor none of these
        self.assertEqual(self.lookup("T0002")[0], [])
        self.assertEqual(self.lookup("T000")[0], ["Chen Zhiqiang"])
        self.assertEqual(self.lookup("单", user=self.user_doctor_2)[0], [])
        self.assertEqual(self.lookup(ID_MAN_1985, user=self.user_doctor_2)[0], ["He Jiahao"])
        with self.assertRaises(AccessError):
            self.env["ihospital.patient"].with_user(self.user_portal).ihospital_lookup("T0001")

    def test_archived_patients_are_not_found(self):
        self.shan.active = False
        self.assertEqual(self.lookup("单雄")[0], [])

    def test_each_lookup_is_logged_without_its_term(self):
        Log = self.env["ihospital.access.log"]
        before = Log.search_count([])
        self.lookup(ID_SHAN)
        self.lookup("单")
        self.lookup("nobody")  # nothing found: nothing read, nothing logged
        logs = Log.search([("id", ">", 0)], limit=2)
        self.assertEqual(Log.search_count([]), before + 2)
        self.assertEqual(logs.mapped("detail"), ["lookup", "lookup"])
        self.assertEqual(logs.mapped("user_id"), self.user_doctor)
        self.assertEqual(logs[1].res_ids, str(self.shan.id))
        self.assertEqual(set(logs[0].res_ids.split(",")), {str(self.shan.id), str(self.shan_2.id)})

    def test_query_count(self):
        """Whatever the term and however many patients it finds, from an
        empty cache as a request starts: the candidates of every kind in one
        query, the record rules over them in one, the patients' fields, their
        ID numbers (to mask them), the log row, and the caller's user and
        partner records (which the log reads)."""
        Patient = self.env["ihospital.patient"].with_user(self.user_doctor)
        Patient.ihospital_lookup("单")  # the record rules' and the user's caches
        self.env.invalidate_all()
        for term, count in (("单", 2), ("sxx", 1), ("YX0100", 2), (ID_SHAN, 1)):
            with self.assertQueryCount(7):
                self.assertEqual(len(Patient.ihospital_lookup(term)), count, term)
            self.env.invalidate_all()

    def test_prefix_walks_use_the_pattern_indexes(self):
        """A prefix match walks a text_pattern_ops index in its order and
        stops at the limit (no sort of every match, no scan of the table)."""
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute("SET LOCAL enable_sort = off")
        for column in ("name", "medical_card_number", "his_patient_id", "id_number", "pinyin_full", "pinyin_initials"):
            self.env.cr.execute(
                SQL(
                    "EXPLAIN SELECT id FROM ihospital_patient WHERE %s LIKE %s ORDER BY %s USING ~<~ LIMIT 200",
                    SQL.identifier(column),
                    "ab%",
                    SQL.identifier(column),
                )
            )
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
            self.assertIn(f"ihospital_patient__{column}_prefix_index", plan, plan)
            self.assertNotIn("Sort", plan, plan)


@tagged("post_install", "-at_install")
class TestLookupRpc(RpcMixin, HttpCase, LookupCase):
    def test_doctor_over_json_rpc(self):
        self.authenticate("t_doctor", "t_doctor")
        for term, name, kind in (
            ("YX01000001", "单雄信", "medical_card_number"),
            (ID_SHAN, "单雄信", "id_number"),
            ("P01300002", "欧阳娜娜", "his_patient_id"),
            ("单雄", "单雄信", "name"),
            ("shanxiong", "单雄信", "pinyin"),
            ("oynn", "欧阳娜娜", "initials"),
            ("阳娜娜", "欧阳娜娜", "substring"),
        ):
            result, error = self._call("ihospital.patient", "ihospital_lookup", [term], {"limit": 5})
            self.assertFalse(error, term)
            self.assertEqual((result[0]["name"], result[0]["match"]), (name, kind), term)
        self.assertEqual(result[0]["id_number_masked"], False)
        result, _error = self._call("ihospital.patient", "ihospital_lookup", [ID_SHAN])
        self.assertEqual(result[0]["id_number_masked"], "440***********0039")

    def test_nurse_of_another_department_finds_nothing(self):
        self.authenticate("t_surgery_nurse", "t_surgery_nurse")
        for term in ("YX01000001", ID_SHAN, "单雄信", "sxx"):
            result, error = self._call("ihospital.patient", "ihospital_lookup", [term])
            self.assertFalse(error, term)
            self.assertEqual(result, [], term)

    def test_portal_account_is_refused(self):
        self.authenticate("t_portal", "t_portal")
        result, error = self._call("ihospital.patient", "ihospital_lookup", ["T0001"])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        self.assertFalse(result)
