"""The hospital's critical limits (危急值项目及界限): who keeps and reads
them, their rules, each hospital's default copy, and `_evaluate`, the API
the critical alerts call."""

from odoo import Command
from odoo.addons.ihospital_base.tests.common import IhospitalCase, RpcMixin
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..models.ihospital_critical_limit import _default_rows


class CriticalLimitCase(IhospitalCase):
    """Limits of the first test hospital, with test codes (T-...) that the
    default list does not use, so that the tests do not depend on its
    values."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Limit = cls.env["ihospital.critical.limit"]

        def limit(**vals):
            return cls.Limit.create({"company_id": cls.hospital.id, "unit": "mmol/L", **vals})

        cls.k_adult = limit(
            name="血钾",
            code="T-K",
            loinc="T-LN-K",
            low=2.8,
            high=6.2,
            age_min=18,
            conversion_ids=[Command.create({"unit": "mEq/L", "factor": 1})],
        )
        cls.k_child = limit(name="血钾（儿童）", code="T-K", low=3.0, high=6.5, age_max=18)
        cls.k_surgery = limit(
            name="血钾（外科）",
            code="T-K",
            low=3.0,
            high=6.0,
            age_min=18,
            department_ids=[Command.set(cls.surgery.ids)],
        )
        cls.glucose = limit(
            name="血糖",
            code="T-GLU",
            low=2.2,
            high=25,
            conversion_ids=[Command.create({"unit": "mg/dL", "factor": 0.05551})],
        )
        cls.hemoglobin = limit(name="血红蛋白", code="T-HGB", unit="g/L", bounds="low", low=50)
        cls.troponin = limit(name="肌钙蛋白I", code="T-TNI", unit="ng/mL", bounds="high", high=0.5)
        cls.ph = limit(name="酸碱度", code="T-PH", unit=False, unitless=True, low=7.2, high=7.6)
        cls.sodium = limit(name="血钠", code=False, loinc="T-LN-NA", low=120, high=160)
        cls.fixtures = (
            cls.k_adult
            | cls.k_child
            | cls.k_surgery
            | cls.glucose
            | cls.hemoglobin
            | cls.troponin
            | cls.ph
            | cls.sodium
        )

    def evaluate(self, *items, company=None, env=None):
        Limit = (env or self.env)["ihospital.critical.limit"]
        return Limit._evaluate(company or self.hospital, [{"age": 40, **item} for item in items])

    def one(self, **item):
        return self.evaluate(item)[0]


@tagged("post_install", "-at_install")
class TestCriticalLimitRules(CriticalLimitCase):
    def test_low_must_be_below_high(self):
        with self.assertRaisesMsg(ValidationError, "must be below its critical high limit"):
            self.k_adult.write({"low": 6.2})
        self.k_adult.write({"bounds": "low", "low": 3.0, "high": 0})  # one-sided: the other value is unused

    def test_a_bound_needs_a_unit_and_a_unitless_test_has_none(self):
        with self.assertRaisesMsg(ValidationError, "Give the unit of the limits of 血钾"):
            self.k_adult.write({"unit": " "})
        with self.assertRaisesMsg(ValidationError, "marked No Unit but has the unit"):
            self.ph.write({"unit": "mmol/L"})
        self.assertEqual(self.k_adult.unit, "mmol/L")

    def test_every_limit_has_a_bound(self):
        with self.assertRaisesMsg(ValidationError, "Choose which critical limits 血钾 has"):
            self.k_adult.write({"bounds": False})

    def test_a_limit_needs_a_code_to_match_results(self):
        with self.assertRaisesMsg(ValidationError, "test code or the LOINC code"):
            self.sodium.write({"loinc": False})

    def test_ages(self):
        with self.assertRaisesMsg(ValidationError, "The ages of 血钾 are wrong"):
            self.k_adult.write({"age_max": 10})
        with self.assertRaisesMsg(ValidationError, "ages cannot be negative"):
            self.glucose.write({"age_min": -1})

    def test_departments_of_another_hospital_are_refused(self):
        with self.assertRaisesMsg(ValidationError, "must belong to its hospital"):
            self.k_surgery.write({"department_ids": [Command.set(self.general_2.ids)]})

    def test_two_limits_may_not_judge_the_same_results(self):
        with self.assertRaisesMsg(ValidationError, "would both judge the results of T-K"):
            self.Limit.create(
                {"company_id": self.hospital.id, "name": "血钾2", "code": "T-K", "unit": "mmol/L", "low": 3, "high": 6}
            )
        with self.assertRaisesMsg(ValidationError, "would both judge"):
            self.k_child.write({"age_max": 20})
        with self.assertRaisesMsg(ValidationError, "would both judge"):  # two limits for the surgery department
            self.k_child.copy({"age_min": 18, "age_max": 0, "department_ids": [Command.set(self.surgery.ids)]})
        # another department, an archived limit or another hospital do not overlap
        self.k_child.copy({"age_min": 18, "age_max": 0, "department_ids": [Command.set(self.cardiology.ids)]})
        self.k_child.copy({"age_min": 18, "age_max": 0, "active": False})
        self.k_child.copy({"age_min": 18, "age_max": 0, "company_id": self.hospital_2.id})

    def test_codes_are_stored_without_spaces(self):
        limit = self.Limit.create(
            {
                "company_id": self.hospital.id,
                "name": "乳酸",
                "code": " T-LAC ",
                "unit": " mmol/L ",
                "high": 4,
                "bounds": "high",
            }
        )
        self.assertEqual((limit.code, limit.unit), ("T-LAC", "mmol/L"))

    def test_conversions_of_a_limit(self):
        conversion = self.glucose.conversion_ids
        with self.assertRaisesMsg(ValidationError, "must be above zero"):
            conversion.factor = 0
        with self.assertRaisesMsg(ValidationError, "already the unit of the limits"):
            conversion.unit = "MMOL/L"
        with self.assertRaisesMsg(ValidationError, "converts mg/dl twice"):
            self.glucose.conversion_ids = [Command.create({"unit": "mg/dl", "factor": 0.0555})]

    def test_unit_conversions_shared_by_all_tests(self):
        Conversion = self.env["ihospital.critical.unit.conversion"]
        with self.assertRaisesMsg(ValidationError, "already declared"):
            Conversion.create({"from_unit": "g/DL", "to_unit": "g/l", "factor": 10})
        with self.assertRaisesMsg(ValidationError, "already declared"):  # the other way round is the same pair
            Conversion.create({"from_unit": "g/L", "to_unit": "g/dL", "factor": 0.1})
        with self.assertRaisesMsg(ValidationError, "the same unit"):
            Conversion.create({"from_unit": "mmol/l", "to_unit": "mmol/L", "factor": 1})
        conversion = Conversion.create({"from_unit": "mg/dL", "to_unit": "ug/mL", "factor": 10})
        self.assertEqual(conversion.display_name, "mg/dL → ug/mL (× 10)")

    def test_range_display(self):
        self.assertEqual(self.k_adult.range_display, "< 2.8 | > 6.2 mmol/L")
        self.assertEqual(self.hemoglobin.range_display, "< 50 g/L")
        self.assertEqual(self.ph.range_display, "< 7.2 | > 7.6")
        self.assertEqual(self.k_adult.ages_display, "ages 18 and over")
        self.assertEqual(self.k_child.ages_display, "ages 0 to under 18")
        self.assertEqual(self.glucose.ages_display, "all ages")


@tagged("post_install", "-at_install")
class TestCriticalLimitAccess(CriticalLimitCase):
    """Medical affairs and administrators keep the list; every staff member
    of the hospital reads it; other hospitals do not see it."""

    def test_staff_read_their_hospitals_list(self):
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_director, self.user_quality):
            limits = self.Limit.with_user(user).search([("code", "=", "T-K")])
            self.assertEqual(limits, self.k_adult | self.k_child | self.k_surgery, user.login)
            self.assertEqual(limits.conversion_ids.with_user(user).mapped("unit"), ["mEq/L"])

    def test_a_nurse_or_a_doctor_cannot_change_the_list(self):
        for user in (self.user_nurse, self.user_doctor, self.user_head, self.user_director):
            with self.assertRaises(AccessError, msg=user.login):
                self.k_adult.with_user(user).write({"low": 1.0})
            with self.assertRaises(AccessError, msg=user.login):
                self.Limit.with_user(user).create(
                    {
                        "name": "血钾",
                        "code": "T-K9",
                        "unit": "mmol/L",
                        "low": 1,
                        "high": 9,
                        "company_id": self.hospital.id,
                    }
                )
            with self.assertRaises(AccessError, msg=user.login):
                self.glucose.conversion_ids.with_user(user).write({"factor": 1})
        self.assertEqual(self.k_adult.low, 2.8)

    def test_the_other_hospital_sees_nothing(self):
        as_other = self.Limit.with_user(self.user_doctor_2)
        self.assertFalse(as_other.search([("code", "like", "T-")]))
        self.assertTrue(as_other.search([]), "the other hospital reads its own list")
        self.assertFalse(as_other.search([]).filtered(lambda limit: limit.company_id != self.hospital_2))
        with self.assertRaises(AccessError):
            self.k_adult.with_user(self.user_doctor_2).read(["low", "high"])
        with self.assertRaises(AccessError):
            self.glucose.conversion_ids.with_user(self.user_doctor_2).read(["factor"])

    def test_medical_affairs_keep_the_list(self):
        as_quality = self.Limit.with_user(self.user_quality)
        as_quality.browse(self.k_adult.id).write({"low": 3.0, "note": "医务部 2024 年修订"})
        self.assertEqual(self.k_adult.low, 3.0)
        created = as_quality.create(
            {
                "name": "乳酸",
                "code": "T-LAC",
                "unit": "mmol/L",
                "bounds": "high",
                "high": 4,
                "company_id": self.hospital.id,
            }
        )
        created.conversion_ids = [Command.create({"unit": "mg/dL", "factor": 0.111})]
        created.action_archive()
        self.assertFalse(created.active)
        # medical affairs archives what it no longer uses; only an administrator deletes
        with self.assertRaises(AccessError):
            created.unlink()
        created.with_user(self.user_admin).unlink()
        self.assertFalse(created.exists())

    def test_medical_affairs_of_one_hospital_cannot_touch_another(self):
        other = self.Limit.search([("company_id", "=", self.hospital_2.id)], limit=1)
        self.assertTrue(other)
        with self.assertRaises(AccessError):
            other.with_user(self.user_quality).write({"low": 0.1})
        with self.assertRaises(AccessError):
            self.Limit.with_user(self.user_quality).create(
                {"name": "血钾", "code": "T-K", "unit": "mmol/L", "low": 3, "high": 6, "company_id": self.hospital_2.id}
            )

    def test_changes_are_traced(self):
        self.env.cr.precommit.clear()  # a later transaction than the limits' creation (untracked)
        self.k_adult.with_user(self.user_quality).with_context(tracking_disable=False).write({"high": 6.5})
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.k_adult.invalidate_recordset(["message_ids"])
        tracked = self.k_adult.message_ids.tracking_value_ids.filtered(lambda value: value.field_id.name == "high")
        self.assertEqual((tracked.old_value_float, tracked.new_value_float), (6.2, 6.5))
        self.assertEqual(tracked.mail_message_id.author_id, self.user_quality.partner_id)

    def test_shared_unit_conversions_are_platform_data(self):
        conversion = self.env.ref("ihospital_staff.ihospital_critical_unit_conversion_g_dl_g_l")
        for user in (self.user_nurse, self.user_quality, self.user_admin):
            self.assertEqual(conversion.with_user(user).factor, 10)
            with self.assertRaises(AccessError, msg=user.login):
                conversion.with_user(user).write({"factor": 1})
        with self.assertRaises(AccessError):
            conversion.with_user(self.user_portal).read(["factor"])
        with self.assertRaises(AccessError):
            self.k_adult.with_user(self.user_portal).read(["low"])


@tagged("post_install", "-at_install")
class TestDefaultLimits(CriticalLimitCase):
    """Each hospital starts with its own copy of the default list."""

    def expected(self):
        return [(row["name"], row["code"], row["loinc"], row["unit"]) for row in _default_rows()]

    def copy_of(self, company):
        limits = self.Limit.with_context(active_test=False).search(
            [("company_id", "=", company.id), ("id", "not in", self.fixtures.ids)], order="sequence, id"
        )
        return limits, [(limit.name, limit.code, limit.loinc, limit.unit or "") for limit in limits]

    def test_the_file_cites_its_source(self):
        rows = _default_rows()
        self.assertGreaterEqual(len(rows), 10)
        for row in rows:
            self.assertIn("来源", row["note"], row["name"])
            self.assertTrue(row["loinc"] and row["code"], row["name"])

    def test_every_hospital_has_its_own_copy(self):
        demo_hospitals = self.env.ref("base.main_company") | self.env.ref("ihospital_base.res_company_nanshan_demo")
        copies = self.Limit
        for company in self.hospital | self.hospital_2 | demo_hospitals:
            limits, rows = self.copy_of(company)
            self.assertEqual(rows, self.expected(), company.name)
            self.assertTrue(all(limit.note for limit in limits))
            copies |= limits
        self.assertEqual(len(copies), 4 * len(self.expected()), "one copy per hospital, nothing shared")
        potassium, _rows = self.copy_of(self.hospital)
        potassium = potassium.filtered(lambda limit: limit.code == "K")
        self.assertEqual(potassium.conversion_ids.mapped("unit"), ["mEq/L"])
        # medical affairs edits its copy only
        potassium.with_user(self.user_quality).write({"high": 6.0})
        other = self.copy_of(self.hospital_2)[0].filtered(lambda limit: limit.code == "K")
        self.assertNotEqual(other.high, 6.0)

    def test_a_company_becoming_a_hospital_gets_its_copy_once(self):
        company = self.env["res.company"].create({"name": "Test Clinic Group"})
        self.assertFalse(self.copy_of(company)[1])
        company.is_hospital = True
        limits, rows = self.copy_of(company)
        self.assertEqual(rows, self.expected())
        limits.action_archive()
        company.write({"is_hospital": True})
        self.Limit._ihospital_seed_defaults(company)
        self.Limit._ihospital_seed_all_hospitals()
        self.assertEqual(self.copy_of(company)[0], limits, "archived limits are the hospital's choice, not missing")


@tagged("post_install", "-at_install")
class TestEvaluate(CriticalLimitCase):
    """`_evaluate(company, items)`: the verdict of each result."""

    def test_matching_by_code_then_loinc(self):
        results = self.evaluate(
            {"code": "T-K", "loinc": "T-LN-NA", "value": "2.5", "unit": "mmol/L"},  # the code wins
            {"code": "XX", "loinc": "T-LN-NA", "value": "110", "unit": "mmol/L"},  # unknown code: LOINC
            {"code": None, "loinc": "T-LN-K", "value": "7.0", "unit": "mmol/L"},
            {"code": "UNKNOWN", "loinc": None, "value": "1", "unit": "mmol/L"},
            {"code": " T-K ", "value": "2.5", "unit": "mmol/L"},  # spaces around the code
            {"code": 42, "loinc": False, "value": "2.5", "unit": "mmol/L"},  # not text: no match, no error
        )
        self.assertEqual(
            [r["limit_id"] for r in results],
            [self.k_adult.id, self.sodium.id, self.k_adult.id, False, self.k_adult.id, False],
        )
        self.assertEqual([r["critical"] for r in results], ["low", "low", "high", False, "low", False])
        self.assertEqual(
            results[3],
            {
                "limit_id": False,
                "critical": False,
                "undecided": False,
                "review": False,
                "value": None,
                "comparator": None,
                "unit": None,
            },
        )

    def test_a_value_equal_to_a_limit_is_not_critical(self):
        results = self.evaluate(
            *({"code": "T-K", "value": value, "unit": "mmol/L"} for value in ("2.8", "6.2", "2.79", "6.21", "4.0"))
        )
        self.assertEqual([r["critical"] for r in results], [False, False, "low", "high", False])
        self.assertFalse(any(r["review"] for r in results))
        self.assertEqual(results[2]["value"], 2.79)
        self.assertEqual(results[2]["unit"], "mmol/L")

    def test_age_and_department_choose_the_limit(self):
        item = {"code": "T-K", "value": "6.3", "unit": "mmol/L"}
        child, adult, surgery, cardiology = self.evaluate(
            dict(item, age=10),
            dict(item, age=18),
            dict(item, department_id=self.surgery.id),
            dict(item, department_id=self.cardiology.id),
        )
        self.assertEqual((child["limit_id"], child["critical"]), (self.k_child.id, False))  # children: above 6.5
        self.assertEqual((adult["limit_id"], adult["critical"]), (self.k_adult.id, "high"))  # 18 is an adult
        self.assertEqual((surgery["limit_id"], surgery["critical"]), (self.k_surgery.id, "high"))
        self.assertEqual(cardiology["limit_id"], self.k_adult.id)  # no cardiology limit: the general one
        # a department-specific limit for adults does not apply to children of that department
        self.assertEqual(
            self.one(code="T-K", value="6.3", unit="mmol/L", age=5, department_id=self.surgery.id)["limit_id"],
            self.k_child.id,
        )

    def test_an_unknown_age_is_judged_and_reviewed(self):
        low = self.one(code="T-K", value="2.9", unit="mmol/L", age=None)
        # 2.9 is critical for children (below 3.0), not for adults: the critical verdict wins, with a reason
        self.assertEqual((low["limit_id"], low["critical"]), (self.k_child.id, "low"))
        self.assertIn("age is unknown", low["review"])
        normal = self.one(code="T-K", value="4.0", unit="mmol/L", age=None)
        self.assertFalse(normal["critical"])
        self.assertIn("age is unknown", normal["review"])
        # a limit for all ages needs no age
        self.assertEqual(self.one(code="T-GLU", value="1.5", unit="mmol/L", age=None)["review"], False)

    def test_bounds_are_judged_as_bounds(self):
        below, undecided, above, maybe, safe = self.evaluate(
            {"code": "T-HGB", "value": "<40", "unit": "g/L"},
            {"code": "T-HGB", "value": "<60", "unit": "g/L"},
            {"code": "T-TNI", "value": ">0.5", "unit": "ng/mL"},
            {"code": "T-TNI", "value": "＞0.3", "unit": "ng/mL"},
            {"code": "T-TNI", "value": "<0.01", "unit": "ng/mL"},
        )
        self.assertEqual((below["critical"], below["review"], below["comparator"]), ("low", False, "<"))
        self.assertEqual(below["value"], 40.0)
        self.assertFalse(undecided["critical"])
        self.assertIn("may or may not be critical", undecided["review"])
        self.assertIn("<60 g/L", undecided["review"])
        self.assertEqual(above["critical"], "high")
        self.assertFalse(maybe["critical"])
        self.assertIn("may or may not be critical", maybe["review"])
        self.assertEqual((safe["critical"], safe["review"]), (False, False))

    def test_values_as_laboratories_write_them(self):
        results = self.evaluate(
            {"code": "T-K", "value": "２．５", "unit": "mmol/L"},
            {"code": "T-K", "value": "6.5↑", "unit": "MMOL/L"},
            {"code": "T-GLU", "value": "1.2E3", "unit": "mg/dL"},
            {"code": "T-PH", "value": "7.1", "unit": None},
            {"code": "T-PH", "value": "7.4", "unit": ""},
        )
        self.assertEqual([r["critical"] for r in results], ["low", "high", "high", "low", False])
        self.assertEqual(results[3]["unit"], "")

    def test_text_results_are_not_judged(self):
        result = self.one(code="T-K", value="标本溶血，请重新采样", unit="mmol/L")
        self.assertEqual(
            result,
            {
                "limit_id": self.k_adult.id,
                "critical": False,
                "undecided": False,
                "review": False,
                "value": None,
                "comparator": None,
                "unit": "mmol/L",
            },
        )

    def test_units_are_converted_only_through_declared_conversions(self):
        per_limit, shared, reverse, spelled, undeclared, unitless = self.evaluate(
            {"code": "T-GLU", "value": "36", "unit": "mg/dl"},  # glucose: declared on the limit
            {"code": "T-HGB", "value": "4.5", "unit": "g/dL"},  # any analyte: g/dL -> g/L
            {"code": "T-TNI", "value": "1200", "unit": "ng/L"},  # a shared conversion, the other way
            {"code": "T-K", "value": "7", "unit": "mEq/L"},  # potassium: declared on the limit
            {"code": "T-HGB", "value": "3.1", "unit": "mmol/L"},  # nothing declared
            {"code": "T-PH", "value": "7.0", "unit": "mmol/L"},  # a unit on a unitless test
        )
        self.assertEqual((per_limit["critical"], round(per_limit["value"], 4)), ("low", 1.9984))
        self.assertEqual((shared["critical"], shared["value"], shared["unit"]), ("low", 45.0, "g/L"))
        self.assertEqual((reverse["critical"], reverse["value"]), ("high", 1.2))
        self.assertEqual(spelled["critical"], "high")
        for result, unit in ((undeclared, "mmol/L"), (unitless, "mmol/L")):
            self.assertEqual((result["critical"], result["value"]), (False, None))
            self.assertIn(f"The unit {unit} cannot be compared", result["review"])
        self.assertEqual(undeclared["limit_id"], self.hemoglobin.id)

    def test_a_result_without_unit_is_judged_in_the_limits_unit_and_reviewed(self):
        result = self.one(code="T-K", value="7.2", unit=None)
        self.assertEqual(result["critical"], "high")
        self.assertIn("has no unit", result["review"])

    def test_archived_limits_and_other_hospitals_limits_do_not_judge(self):
        self.assertFalse(
            self.evaluate({"code": "T-K", "value": "9", "unit": "mmol/L"}, company=self.hospital_2)[0]["limit_id"]
        )
        self.hemoglobin.action_archive()
        self.assertFalse(self.one(code="T-HGB", value="10", unit="g/L")["limit_id"])

    def test_the_engine_evaluates_whoever_calls(self):
        """The HIS processing may run as its integration user: the limits are
        read by the engine, and a user's record rules do not hide them."""
        gateway = new_test_user(self.env, login="t_lis", groups="base.group_portal", company_id=self.hospital.id)
        result = self.evaluate({"code": "T-K", "value": "9", "unit": "mmol/L"}, env=self.env(user=gateway))[0]
        self.assertEqual((result["limit_id"], result["critical"]), (self.k_adult.id, "high"))
        self.assertEqual(self.evaluate(company=self.hospital), [])

    def test_one_query_for_the_limits_of_a_batch(self):
        def batch(size):
            items = [
                {"code": "T-K", "value": "2.5", "unit": "mmol/L"},
                {"code": "T-GLU", "value": "30", "unit": "mmol/L"},
                {"code": None, "loinc": "T-LN-NA", "value": "130", "unit": "mmol/L", "department_id": self.surgery.id},
                {"code": "T-HGB", "value": "<60", "unit": "g/L"},
                {"code": "NOPE", "value": "1", "unit": "mmol/L"},
            ]
            return (items * size)[: size * len(items)]

        self.evaluate(*batch(1))  # the shared unit conversions are cached once per worker
        self.env.invalidate_all()
        # the limits with their departments; as many for 5 items as for 100
        for size in (1, 20):
            with self.assertQueryCount(2):
                results = self.evaluate(*batch(size))
            self.env.invalidate_all()
            self.assertEqual(len(results), 5 * size)
        # plus one query for the limits' own conversions, only when a unit needs them
        for size in (1, 20):
            items = batch(size) + [{"code": "T-GLU", "value": "40", "unit": "mg/dL"}] * size
            with self.assertQueryCount(4):
                results = self.evaluate(*items)
            self.env.invalidate_all()
            self.assertEqual(results[-1]["critical"], False)


@tagged("post_install", "-at_install")
class TestCriticalLimitRpc(RpcMixin, HttpCase):
    """What a browser's console can try, with the demo logins."""

    def test_rpc(self):
        main = self.env.ref("base.main_company")
        limit = self.env["ihospital.critical.limit"].search([("company_id", "=", main.id)], limit=1)
        self.assertTrue(limit, "the demo hospital has its critical limits")
        self.authenticate("nurse", "nurse")
        result, error = self._call(
            "ihospital.critical.limit", "search_read", [[["id", "=", limit.id]]], {"fields": ["low"]}
        )
        self.assertFalse(error)
        self.assertEqual([row["id"] for row in result], limit.ids)
        _result, error = self._call(
            "ihospital.critical.limit", "write", [limit.ids, {"low": 0}], {"context": {"sudo": 1}}
        )
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        _result, error = self._call("ihospital.critical.limit", "_evaluate", [main.id, []])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
        # the small second hospital's doctor does not read the Guangzhou hospital's list
        self.authenticate("doctor2", "doctor2")
        result, error = self._call(
            "ihospital.critical.limit", "search_read", [[["company_id", "=", main.id]]], {"fields": ["low"]}
        )
        self.assertEqual((result, error), ([], {}))
        _result, error = self._call("ihospital.critical.limit", "read", [limit.ids, ["low"]])
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError")
