"""Reading lab result values and units as laboratories write them.

Pure functions (no Odoo), used by the critical limits
(models/ihospital_critical_limit.py) and tested on their own.

- `parse_value("<0.5")` is a bound, not a number: ParsedValue(0.5, "<").
  A text result ("阴性", "溶血", "2-5") gives None: it is not a number and
  rules do not judge it.
- `normalize_unit("×10⁹/L") == normalize_unit("10*9/L") == "10^9/L"`: one
  spelling per unit, changing letter case only where no other unit could be
  meant (mmol/l is mmol/L, but g/L is never G/L, which is 10^9/L).
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Superscripts become "^" and digits before NFKC, which would turn 10⁹ into 109.
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPERSCRIPT_RUN_RE = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")


def _powers(text):
    return _SUPERSCRIPT_RUN_RE.sub(lambda m: "^" + m.group(0).translate(_SUPERSCRIPTS), text)


# --- values ---------------------------------------------------------------------------------------

# What a comparator prefix means, whatever the way it is typed.
_COMPARATORS = {
    "<": "<",
    "<=": "<=",
    "=<": "<=",
    "≤": "<=",
    "≦": "<=",
    ">": ">",
    ">=": ">=",
    "=>": ">=",
    "≥": ">=",
    "≧": ">=",
    "=": "=",
}
_COMPARATOR_RE = re.compile(r"^(<=|=<|>=|=>|[<>≤≥≦≧=])\s*")
# A number: sign, digits with optional thousands groups, decimals, exponent
# (1.2E3, 1.2e-3 or 1.2×10^3).
_NUMBER_RE = re.compile(
    r"""^(?P<sign>[+-]?)
        (?P<int>\d{1,3}(?:,\d{3})+|\d+)?
        (?:\.(?P<frac>\d+))?
        (?:(?:[eE](?P<exp>[+-]?\d+))|(?:\s*[x×*]\s*10\^(?P<exp10>[+-]?\d+)))?$""",
    re.VERBOSE,
)
# Flags a laboratory appends to the value: arrows, asterisks, H/L/HH/LL.
_FLAG_RE = re.compile(r"\s*(?:[↑↓]+|\*+|!+|\((?:HH|LL|H|L)\)|(?<![A-Za-z])(?:HH|LL|H|L))\s*$")


@dataclass(frozen=True)
class ParsedValue:
    """A numeric result: `number` is exact (Decimal); `comparator` is "="
    for a plain value, or "<", "<=", ">", ">=" when the laboratory only
    gives a bound (below or above what it can measure)."""

    number: Decimal
    comparator: str = "="


def parse_value(text):
    """The result `text` as a ParsedValue, or None when it is not a number.

    Accepts full-width characters (＜０．５), comparators (<, ≤, <=, >, ≥,
    >=), thousands separators (1,234), exponents (1.2E3, 1.2×10^3) and the
    flags laboratories append (6.5↑, 2.1 L, 7.0*). A comma that is not a
    thousands separator ("1,5") makes the text not a number rather than a
    guess."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | float | Decimal):
        number = Decimal(str(text))
        return ParsedValue(number) if number.is_finite() else None
    value = unicodedata.normalize("NFKC", _powers(str(text))).strip()
    value = value.replace("−", "-")
    previous = None
    while previous != value:  # "6.5 ↑ *" loses both flags
        previous = value
        value = _FLAG_RE.sub("", value)
    comparator = "="
    match = _COMPARATOR_RE.match(value)
    if match:
        comparator = _COMPARATORS[match.group(1)]
        value = value[match.end() :]
    match = _NUMBER_RE.match(value.strip())
    if not match or not (match.group("int") or match.group("frac")):
        return None
    digits = (match.group("int") or "0").replace(",", "")
    if match.group("frac"):
        digits += "." + match.group("frac")
    exponent = match.group("exp") or match.group("exp10")
    try:
        number = Decimal(match.group("sign") + digits)
        if exponent:
            number = number.scaleb(int(exponent))
    except (InvalidOperation, ValueError):
        return None
    return ParsedValue(number, comparator)


def format_value(parsed):
    """How a ParsedValue reads in a message: "<0.5", "3.1"."""
    prefix = {"=": "", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}[parsed.comparator]
    return f"{prefix}{parsed.number.normalize():f}"


# --- reference ranges -----------------------------------------------------------------------------

# "3.5-5.3", "3.5～5.3", "3.5 - 5.3", "-2.0--0.5": two numbers and a dash or tilde between them
_RANGE_RE = re.compile(r"^(?P<low>[+-]?[\d.]+)\s*(?:-|~|～|〜|—|–|至|到)\s*(?P<high>[+-]?[\d.]+)$")


def parse_range(text):
    """The (low, high) of a reference range as laboratories write it, each
    a Decimal or None for an open side: "3.5-5.3" -> (3.5, 5.3), "<5.2" ->
    (None, 5.2), "≥60" -> (60, None). A text range ("阴性") gives (None,
    None): nothing to draw."""
    if not text or isinstance(text, bool):
        return None, None
    value = unicodedata.normalize("NFKC", str(text)).strip().replace("−", "-")
    match = _RANGE_RE.match(value)
    if match:
        low, high = parse_value(match.group("low")), parse_value(match.group("high"))
        if low and high and low.number <= high.number:
            return low.number, high.number
        return None, None
    bound = parse_value(value)
    if bound is None or bound.comparator == "=":
        return None, None
    return (None, bound.number) if bound.comparator in ("<", "<=") else (bound.number, None)


# --- units ----------------------------------------------------------------------------------------

# Letter runs compared without case, and how each is written. Only
# spellings no other unit could mean: "g" (gram) and "G" (giga, G/L =
# 10^9/L) are not folded, nor "M" (molar) and "m" (milli), nor "S" and "s"
# inside a longer unit.
_FOLDED = {
    "mol": "mol",
    "mmol": "mmol",
    "umol": "umol",
    "nmol": "nmol",
    "pmol": "pmol",
    "mg": "mg",
    "ug": "ug",
    "ng": "ng",
    "pg": "pg",
    "kg": "kg",
    "l": "L",
    "dl": "dL",
    "ml": "mL",
    "ul": "uL",
    "nl": "nL",
    "fl": "fL",
    "meq": "mEq",
    "mmhg": "mmHg",
    "kpa": "kPa",
    "iu": "IU",
    "miu": "mIU",
    "u": "U",
    "mu": "mU",
    "ku": "kU",
    "sec": "s",
    "secs": "s",
    "cells": "cells",
}
_LETTERS_RE = re.compile(r"[A-Za-z]+")
# Units that mean "no unit" (pH, INR, ratios).
_NO_UNIT = {"", "1", "-", "--", "/", "none", "无"}
# Whole spellings of seconds.
_SECONDS = {"s", "S", "sec", "secs", "Sec", "SEC", "second", "seconds", "秒"}


def normalize_unit(text):
    """One spelling per unit, so that units are compared as strings.

    "10^9/L", "×10⁹/L", "x10^9/l", "10*9/L" and "10E9/L" all give "10^9/L";
    "µmol/L", "μmol/l" and "umol/L" give "umol/L"; "MMOL/L" gives "mmol/L";
    "S", "sec" and "秒" give "s"; no unit (None, "", "1") gives ""."""
    if text is None or text is False:
        return ""
    value = unicodedata.normalize("NFKC", _powers(str(text)))
    value = value.replace("μ", "u")  # NFKC made the micro sign µ a Greek mu
    value = re.sub(r"\s+", "", value)
    if value in _NO_UNIT or value.lower() in _NO_UNIT:
        return ""
    if value in _SECONDS:
        return "s"
    # a leading multiplication sign before a power of ten: ×10^9/L, x10^9/L, *10^9/L
    value = re.sub(r"^[x×X*·]\s*(?=10)", "", value)
    # powers of ten: 10^9, 10**9, 10*9, 10E9, 10e9
    value = re.sub(r"^10(?:\*\*|\*|\^|[eE])([+-]?\d+)", r"10^\1", value)
    value = re.sub(r"(?<=/)10(?:\*\*|\*|\^|[eE])([+-]?\d+)", r"10^\1", value)
    value = value.replace("^+", "^")
    return _LETTERS_RE.sub(lambda m: _FOLDED.get(m.group(0).lower(), m.group(0)), value)


# --- judging ---------------------------------------------------------------------------------------


def judge(parsed, low=None, high=None):
    """Judge a ParsedValue (in the limits' unit) against critical limits.

    A result is critical when it is below `low` or above `high`; a result
    equal to a limit is not critical. Either limit may be None (no limit
    on that side). Returns (verdict, doubts): verdict is "low", "high" or
    False; doubts lists the limits ("low", "high") that a bound such as
    "<0.5" may or may not cross, so that it is reviewed, never passed:
    "<0.5" is certainly below a low limit of 1.0, but against 0.3 the true
    value may be 0.2 or 0.4."""
    number, comparator = parsed.number, parsed.comparator
    if comparator == "=":
        if low is not None and number < low:
            return "low", ()
        if high is not None and number > high:
            return "high", ()
        return False, ()
    doubts = []
    if comparator in ("<", "<="):
        # the true value is below the number (or equal to it, for <=)
        if low is not None:
            if number <= low if comparator == "<" else number < low:
                return "low", ()
            doubts.append("low")
        if high is not None and number > high:
            doubts.append("high")
    else:
        # the true value is above the number (or equal to it, for >=)
        if high is not None:
            if number >= high if comparator == ">" else number > high:
                return "high", ()
            doubts.append("high")
        if low is not None and number < low:
            doubts.append("low")
    return False, tuple(doubts)
