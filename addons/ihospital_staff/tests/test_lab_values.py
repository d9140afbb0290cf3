"""Result values and units as laboratories write them (lab_values.py)."""

from decimal import Decimal

from odoo.tests import BaseCase, tagged

from ..lab_values import ParsedValue, format_value, judge, normalize_unit, parse_range, parse_value


@tagged("post_install", "-at_install")
class TestParseValue(BaseCase):
    def test_numbers_as_laboratories_write_them(self):
        cases = {
            "3.1": ("3.1", "="),
            " 3.10 ": ("3.10", "="),
            ".5": ("0.5", "="),
            "-5": ("-5", "="),
            "1.2E3": ("1200", "="),
            "1.2e-3": ("0.0012", "="),
            "1.2×10³": ("1200", "="),
            "1,234": ("1234", "="),
            "1,234.5": ("1234.5", "="),
            "６．５": ("6.5", "="),  # full-width digits
            "6.5↑": ("6.5", "="),
            "2.1↓↓": ("2.1", "="),
            "6.5 H": ("6.5", "="),
            "2.1L": ("2.1", "="),
            "7.0*": ("7.0", "="),
            "0.5(L)": ("0.5", "="),
        }
        for text, (number, comparator) in cases.items():
            self.assertEqual(parse_value(text), ParsedValue(Decimal(number), comparator), text)
        self.assertEqual(parse_value(6.8), ParsedValue(Decimal("6.8")))
        self.assertEqual(parse_value(7), ParsedValue(Decimal("7")))

    def test_bounds_keep_their_comparator(self):
        cases = {
            "<0.5": "<",
            "< 0.5": "<",
            "＜0.5": "<",
            "<=0.5": "<=",
            "≤0.5": "<=",
            "≦0.5": "<=",
            "=<0.5": "<=",
            ">100": ">",
            "＞１００": ">",
            ">=100": ">=",
            "≥100": ">=",
            "≧100": ">=",
        }
        for text, comparator in cases.items():
            self.assertEqual(parse_value(text).comparator, comparator, text)
        self.assertEqual(parse_value("＞１００").number, Decimal(100))

    def test_text_is_not_a_number(self):
        for text in (
            "阴性",
            "溶血，请重新采样",
            "2-5",
            "1,5",
            "",
            "   ",
            "<",
            "NIL",
            "3.1 mmol/L",
            "nan",
            "inf",
            None,
            True,
        ):
            self.assertIsNone(parse_value(text), repr(text))
        self.assertIsNone(parse_value(float("nan")))

    def test_format_value(self):
        self.assertEqual(format_value(parse_value("<0.50")), "<0.5")
        self.assertEqual(format_value(parse_value(">=100")), "≥100")
        self.assertEqual(format_value(parse_value("1.2E3")), "1200")


@tagged("post_install", "-at_install")
class TestNormalizeUnit(BaseCase):
    def test_one_spelling_per_unit(self):
        same = {
            "10^9/L": [
                "×10⁹/L",
                "10*9/L",
                "x10^9/l",
                "X10^9/L",
                "*10^9/L",
                "10E9/L",
                "10e9/L",
                "10**9/L",
                " 10^9 / L ",
            ],
            "umol/L": ["µmol/L", "μmol/l", "UMOL/L", "umol/L"],
            "mmol/L": ["mmol/l", "MMOL/L", "mmol／L"],
            "mmHg": ["mm Hg", "MMHG", "mmhg"],
            "kPa": ["KPA", "kpa"],
            "s": ["S", "sec", "秒", "secs"],
            "U/L": ["u/L", "U/l"],
            "IU/L": ["iu/l"],
            "g/dL": ["g/dl"],
            "10^12/L": ["×10¹²/L", "10*12/L"],
            "": [None, False, "", " ", "1", "-", "无"],
        }
        for expected, spellings in same.items():
            for spelling in spellings:
                self.assertEqual(normalize_unit(spelling), expected, spelling)

    def test_case_is_kept_where_it_means_another_unit(self):
        self.assertEqual(normalize_unit("g/L"), "g/L")
        self.assertEqual(normalize_unit("G/L"), "G/L")  # giga per litre, not grams
        self.assertNotEqual(normalize_unit("mM"), normalize_unit("mm"))  # millimolar and millimetre
        self.assertEqual(normalize_unit("%"), "%")


@tagged("post_install", "-at_install")
class TestJudge(BaseCase):
    def judge(self, text, low=None, high=None):
        to_decimal = lambda value: None if value is None else Decimal(str(value))  # noqa: E731
        return judge(parse_value(text), to_decimal(low), to_decimal(high))

    def test_a_value_equal_to_a_limit_is_not_critical(self):
        self.assertEqual(self.judge("2.8", 2.8, 6.2), (False, ()))
        self.assertEqual(self.judge("6.2", 2.8, 6.2), (False, ()))
        self.assertEqual(self.judge("2.79", 2.8, 6.2), ("low", ()))
        self.assertEqual(self.judge("6.21", 2.8, 6.2), ("high", ()))
        self.assertEqual(self.judge("9", None, 6.2), ("high", ()))
        self.assertEqual(self.judge("1", 2.8, None), ("low", ()))

    def test_bounds_are_compared_as_bounds(self):
        self.assertEqual(self.judge("<0.5", 1.0), ("low", ()))  # below 0.5, so below 1.0
        self.assertEqual(self.judge("<0.5", 0.5), ("low", ()))
        self.assertEqual(self.judge("<0.5", 0.3), (False, ("low",)))  # 0.2 or 0.4: undecided
        self.assertEqual(self.judge("<=0.5", 0.5), (False, ("low",)))  # may be 0.5 itself
        self.assertEqual(self.judge("<=0.5", 0.6), ("low", ()))
        self.assertEqual(self.judge(">100", None, 100), ("high", ()))
        self.assertEqual(self.judge(">=100", None, 100), (False, ("high",)))
        self.assertEqual(self.judge(">100", None, 200), (False, ("high",)))
        self.assertEqual(self.judge(">100", 150, 200), (False, ("high", "low")))
        # a bound on the safe side of a one-sided limit is decided
        self.assertEqual(self.judge("<0.01", None, 0.5), (False, ()))
        self.assertEqual(self.judge(">5", 1.0, None), (False, ()))
        self.assertEqual(self.judge("<1", None, 0.5), (False, ("high",)))


@tagged("post_install", "-at_install")
class TestParseRange(BaseCase):
    """Reference ranges, for the lab trend chart's band."""

    def test_ranges_as_laboratories_write_them(self):
        d = Decimal
        for text, expected in (
            ("3.5-5.3", (d("3.5"), d("5.3"))),
            ("3.5～5.3", (d("3.5"), d("5.3"))),
            (" 137 - 147 ", (d("137"), d("147"))),
            ("0-40", (d("0"), d("40"))),
            ("-2.0--0.5", (d("-2.0"), d("-0.5"))),
            ("<5.2", (None, d("5.2"))),
            ("≤5.2", (None, d("5.2"))),
            (">=60", (d("60"), None)),
        ):
            self.assertEqual(parse_range(text), expected, text)

    def test_nothing_to_draw(self):
        for text in ("阴性", "5-3", "3.5", "", None, False):
            self.assertEqual(parse_range(text), (None, None), text)
