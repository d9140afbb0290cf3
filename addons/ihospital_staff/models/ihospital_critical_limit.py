import csv
import io
from collections import defaultdict
from decimal import Decimal
from functools import lru_cache

from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import file_open

from ..lab_values import format_value, judge, normalize_unit, parse_value

DEFAULTS_FILE = "ihospital_staff/data/critical_limit_defaults.csv"

BOUNDS = [("low", "Low only"), ("high", "High only"), ("both", "Low and high")]
# What `_evaluate` answers for a result no limit judges.
NO_VERDICT = {
    "limit_id": False,
    "critical": False,
    "undecided": False,
    "review": False,
    "value": None,
    "comparator": None,
    "unit": None,
}


@lru_cache(maxsize=1)
def _default_rows():
    """The rows of the defaults file (data/critical_limit_defaults.csv),
    without its comment lines (#: the citation)."""
    with file_open(DEFAULTS_FILE, "r") as handle:  # UTF-8, whatever the locale
        lines = [line for line in handle if line.strip() and not line.lstrip().startswith("#")]
    return tuple(csv.DictReader(io.StringIO("".join(lines))))


def _clean(code):
    """A code as limits store it: text without surrounding spaces ("" for none)."""
    return "" if code is None or code is False else str(code).strip()


def _decimal(number):
    """A float field's value as the Decimal it reads as (2.8, not
    2.79999...), so that a result equal to a limit stays equal."""
    return Decimal(repr(number))


class IhospitalCriticalLimit(models.Model):
    """One critical item of a hospital's list (危急值项目及界限): a lab test,
    the unit of its limits, and the values below or above which a result is
    critical, for an age group and, optionally, some departments only.

    Medical affairs (quality officers) and administrators keep the list;
    every staff member of the hospital reads it; other hospitals do not see
    it. `_evaluate()` judges a batch of results against it."""

    _name = "ihospital.critical.limit"
    _inherit = ["mail.thread", "ihospital.hospital.mixin"]
    _description = "Critical Value Limit"
    _order = "company_id, sequence, name, age_min, id"

    active = fields.Boolean(default=True, tracking=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Test", required=True, tracking=True, help="The test's name as clinicians know it.")
    code = fields.Char(
        string="Test Code",
        index=True,
        tracking=True,
        help="The hospital's own code of the test in its laboratory system (LIS), as results carry it.",
    )
    loinc = fields.Char(
        string="LOINC",
        index=True,
        tracking=True,
        help="The test's LOINC code: results whose code matches no limit are matched by it.",
    )
    unit = fields.Char(
        tracking=True,
        help="The unit of the limits. A result in another unit is converted only through a declared conversion, "
        "otherwise it is flagged for review.",
    )
    unitless = fields.Boolean(string="No Unit", tracking=True, help="The result has no unit, as for pH or INR.")
    bounds = fields.Selection(
        BOUNDS,
        string="Critical When",
        required=True,
        default="both",
        tracking=True,
        help="Which limits apply: a result below the low limit or above the high limit is critical.",
    )
    low = fields.Float(
        string="Critical Below",
        digits=(16, 4),
        tracking=True,
        help="A result below this value is critical; a result equal to it is not.",
    )
    high = fields.Float(
        string="Critical Above",
        digits=(16, 4),
        tracking=True,
        help="A result above this value is critical; a result equal to it is not.",
    )
    age_min = fields.Float(
        string="From Age",
        digits=(6, 2),
        tracking=True,
        help="Youngest age in years the limits apply to, this age included. 0: from birth.",
    )
    age_max = fields.Float(
        string="Below Age",
        digits=(6, 2),
        tracking=True,
        help="The limits apply to patients younger than this age in years. 0: no upper age.",
    )
    department_ids = fields.Many2many(
        "hr.department",
        string="Departments",
        domain="[('company_id', '=', company_id)]",
        help="Only for patients of these departments; for them this limit replaces the general one. "
        "Empty: every department.",
    )
    conversion_ids = fields.One2many(
        "ihospital.critical.limit.unit",
        "limit_id",
        string="Unit Conversions",
        help="Units of this test's results that are converted to the limit's unit (for example glucose in mg/dL).",
    )
    note = fields.Text(string="Source and Note", help="Where the limits come from (citation) and remarks.")
    range_display = fields.Char(string="Critical Range", compute="_compute_range_display")
    ages_display = fields.Char(string="Ages", compute="_compute_range_display")

    @api.depends("bounds", "low", "high", "unit", "unitless", "age_min", "age_max")
    def _compute_range_display(self):
        for limit in self:
            unit = "" if limit.unitless else f" {limit.unit or ''}"
            parts = []
            if limit.bounds in ("low", "both"):
                parts.append(f"< {_decimal(limit.low).normalize():f}")
            if limit.bounds in ("high", "both"):
                parts.append(f"> {_decimal(limit.high).normalize():f}")
            limit.range_display = " | ".join(parts) + unit.rstrip()
            limit.ages_display = limit._ages_text()

    # --- constraints ------------------------------------------------------------------------------

    @api.constrains("bounds", "low", "high")
    def _check_bounds(self):
        for limit in self:
            if not limit.bounds:
                raise ValidationError(
                    _("Choose which critical limits %(test)s has: a low one, a high one or both.", test=limit.name)
                )
            if limit.bounds == "both" and limit.low >= limit.high:
                raise ValidationError(
                    _(
                        "The critical low limit (%(low)s) of %(test)s must be below its critical high limit "
                        "(%(high)s).",
                        low=limit.low,
                        high=limit.high,
                        test=limit.name,
                    )
                )

    @api.constrains("unit", "unitless", "bounds")
    def _check_unit(self):
        for limit in self:
            if limit.unitless and normalize_unit(limit.unit):
                raise ValidationError(
                    _(
                        "%(test)s is marked No Unit but has the unit %(unit)s: remove one of them.",
                        test=limit.name,
                        unit=limit.unit,
                    )
                )
            if not limit.unitless and not normalize_unit(limit.unit):
                raise ValidationError(
                    _(
                        "Give the unit of the limits of %(test)s (for example mmol/L), or tick No Unit for results "
                        "without a unit such as pH or INR.",
                        test=limit.name,
                    )
                )

    @api.constrains("code", "loinc")
    def _check_codes(self):
        for limit in self.filtered(lambda rec: not rec.code and not rec.loinc):
            raise ValidationError(
                _(
                    "Give the hospital's test code or the LOINC code of %(test)s, so that results can be matched "
                    "to it.",
                    test=limit.name,
                )
            )

    @api.constrains("age_min", "age_max")
    def _check_ages(self):
        for limit in self:
            if limit.age_min < 0 or limit.age_max < 0 or (limit.age_max and limit.age_max <= limit.age_min):
                raise ValidationError(
                    _(
                        "The ages of %(test)s are wrong: ages cannot be negative, and the upper age must be above "
                        "the lower one (0 means no upper age).",
                        test=limit.name,
                    )
                )

    @api.constrains("department_ids", "company_id")
    def _check_departments(self):
        for limit in self:
            if limit.department_ids.filtered(lambda dep, limit=limit: dep.company_id != limit.company_id):
                raise ValidationError(_("The departments of %(test)s must belong to its hospital.", test=limit.name))

    @api.constrains("code", "loinc", "age_min", "age_max", "department_ids", "active", "company_id")
    def _check_overlap(self):
        """Two active limits of a hospital may not judge the same results:
        same code (or, for limits without a code, same LOINC), overlapping
        ages, and both general or sharing a department. One search for the
        whole batch."""
        limits = self.filtered("active")
        if not limits:
            return
        codes = [code for code in limits.mapped("code") if code]
        loincs = [loinc for loinc, code in zip(limits.mapped("loinc"), limits.mapped("code"), strict=True) if not code]
        domain = [("company_id", "in", limits.company_id.ids), "|", ("code", "in", codes), ("loinc", "in", loincs)]
        others = self.search(domain)
        groups = defaultdict(list)
        for other in others:
            groups[other._match_key()].append(other)
        for limit in limits:
            for other in groups[limit._match_key()]:
                if other != limit and limit._overlaps(other):
                    raise ValidationError(
                        _(
                            "%(test)s (%(ages)s) and %(other)s (%(other_ages)s) would both judge the results of "
                            "%(code)s for the same patients. Narrow the ages or the departments of one of them, or "
                            "archive one.",
                            test=limit.name,
                            ages=limit._ages_text(),
                            other=other.name,
                            other_ages=other._ages_text(),
                            code=limit.code or limit.loinc,
                        )
                    )

    def _match_key(self):
        return (self.company_id.id, "code", self.code) if self.code else (self.company_id.id, "loinc", self.loinc)

    def _overlaps(self, other):
        upper, other_upper = self.age_max or float("inf"), other.age_max or float("inf")
        if not (self.age_min < other_upper and other.age_min < upper):
            return False
        if not self.department_ids and not other.department_ids:
            return True
        return bool(self.department_ids & other.department_ids)

    def _ages_text(self):
        # (no f-string inside _(): the term extractor cannot read it)
        age_min, age_max = "%g" % self.age_min, "%g" % self.age_max
        if self.age_max:
            return _("ages %(min)s to under %(max)s", min=age_min, max=age_max)
        if self.age_min:
            return _("ages %(min)s and over", min=age_min)
        return _("all ages")

    # --- CRUD -------------------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._clean_codes(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._clean_codes(vals))

    @api.model
    def _clean_codes(self, vals):
        """Codes are matched as the laboratory sends them, without the
        spaces a copy-paste adds."""
        vals = dict(vals)
        for name in ("code", "loinc", "unit"):
            if isinstance(vals.get(name), str):
                vals[name] = vals[name].strip() or False
        return vals

    # --- default limits ---------------------------------------------------------------------------

    @api.model
    def _ihospital_default_vals(self, company):
        """The values of the default limits (data/critical_limit_defaults.csv)
        for `company`."""
        vals_list = []
        for sequence, row in enumerate(_default_rows(), start=1):
            low, high = (row.get("low") or "").strip(), (row.get("high") or "").strip()
            unit = (row.get("unit") or "").strip()
            conversions = []
            for pair in filter(None, (row.get("conversions") or "").split(";")):
                from_unit, factor = pair.rsplit("=", 1)
                conversions.append(Command.create({"unit": from_unit.strip(), "factor": float(factor)}))
            vals_list.append(
                {
                    "company_id": company.id,
                    "sequence": sequence * 10,
                    "name": row["name"].strip(),
                    "code": row.get("code"),
                    "loinc": row.get("loinc"),
                    "unit": unit,
                    "unitless": not unit,
                    "bounds": "both" if low and high else "low" if low else "high",
                    "low": float(low or 0),
                    "high": float(high or 0),
                    "age_min": float(row.get("age_min") or 0),
                    "age_max": float(row.get("age_max") or 0),
                    "note": (row.get("note") or "").strip(),
                    "conversion_ids": conversions,
                }
            )
        return vals_list

    @api.model
    def _ihospital_seed_defaults(self, companies):
        """Give each hospital of `companies` that has no limits yet (archived
        ones count) its own copy of the default limits, which its medical
        affairs then adapts. Idempotent. Runs as superuser: it creates only
        the shipped defaults, for the hospitals the caller creates or flags."""
        limits_sudo = self.sudo().with_context(
            active_test=False, tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        hospitals = companies.filtered("is_hospital")
        if not hospitals:
            return limits_sudo
        groups = limits_sudo._read_group([("company_id", "in", hospitals.ids)], ["company_id"])
        seeded = {company.id for (company,) in groups}
        vals_list = [
            vals for company in hospitals if company.id not in seeded for vals in self._ihospital_default_vals(company)
        ]
        return limits_sudo.create(vals_list)

    @api.model
    def _ihospital_seed_all_hospitals(self):
        """At installation: every existing hospital gets its default limits."""
        self._ihospital_seed_defaults(self.env["res.company"].sudo().search([("is_hospital", "=", True)]))

    # --- evaluation -------------------------------------------------------------------------------

    @api.model
    def _evaluate(self, company, items):
        """Judge lab results of `company` against its critical limits.

        `items`: a list of dicts {"code", "loinc", "value", "unit", "age"
        (years), "department_id"}, any of which may be None except "value".
        Returns, in the same order, dicts {"limit_id": id or False,
        "critical": "low", "high" or False, "review": a sentence or False,
        "value": float in the limit's unit or None, "comparator": "=", "<",
        "<=", ">" or ">=" (for a value), "unit": the limit's unit or None,
        "undecided": True when the limits could not say whether the result
        is critical (a bound that may cross a limit, a unit without declared
        conversion): the review sentence says why}.

        A result is matched by the hospital's code first, then by LOINC;
        among the limits of its age (age_min <= age < age_max), one for its
        department wins over a general one. It is critical when below the
        low limit or above the high one (a value equal to a limit is not).
        A result that cannot be judged for sure (a bound such as "<0.5" that
        may cross a limit, a unit without declared conversion, an unknown
        age) carries a review sentence: it is never passed silently. Text
        results are not judged. All limits of the batch are read with one
        query (plus one for their departments and, only when a unit needs
        it, one for their conversions)."""
        company = self.env["res.company"].browse(company) if isinstance(company, int) else company
        codes = {_clean(item.get("code")) for item in items} - {""}
        loincs = {_clean(item.get("loinc")) for item in items} - {""}
        by_code, by_loinc = defaultdict(list), defaultdict(list)
        if codes or loincs:
            # active_test off (with an explicit active leaf) so that reading the departments
            # does not read them again to drop archived ones
            limits_sudo = (
                self.sudo()
                .with_context(active_test=False)
                .search_fetch(
                    [
                        ("active", "=", True),
                        ("company_id", "=", company.id),
                        "|",
                        ("code", "in", list(codes)),
                        ("loinc", "in", list(loincs)),
                    ],
                    [
                        "name",
                        "code",
                        "loinc",
                        "unit",
                        "unitless",
                        "bounds",
                        "low",
                        "high",
                        "age_min",
                        "age_max",
                        "department_ids",
                    ],
                )
            )
            for limit in limits_sudo:
                if limit.code:
                    by_code[limit.code].append(limit)
                if limit.loinc:
                    by_loinc[limit.loinc].append(limit)
        factors = self.env["ihospital.critical.unit.conversion"]._ihospital_factors()
        results = []
        for item in items:
            candidates = by_code.get(_clean(item.get("code"))) or by_loinc.get(_clean(item.get("loinc"))) or []
            results.append(self._ihospital_judge_item(item, candidates, factors))
        return results

    def _ihospital_judge_item(self, item, candidates, factors):
        """The verdict of one item against the limits matching its code."""
        age, department_id = item.get("age"), item.get("department_id")
        if age is not None:
            candidates = [limit for limit in candidates if limit._ihospital_applies_to_age(age)]
        specific = [limit for limit in candidates if department_id and department_id in limit.department_ids.ids]
        candidates = specific or [limit for limit in candidates if not limit.department_ids]
        if not candidates:
            return dict(NO_VERDICT)
        if age is None:
            all_ages = [limit for limit in candidates if not limit.age_min and not limit.age_max]
            if all_ages:
                return all_ages[0]._ihospital_judge(item, factors)
            # unknown age: judged against each age group's limits; a critical verdict wins
            verdicts = [(limit, limit._ihospital_judge(item, factors)) for limit in candidates]
            limit, verdict = next((pair for pair in verdicts if pair[1]["critical"]), verdicts[0])
            reason = _(
                "The patient's age is unknown: the result was judged against the limits for %(ages)s.",
                ages=limit._ages_text(),
            )
            verdict["review"] = f"{verdict['review']} {reason}" if verdict["review"] else reason
            return verdict
        return candidates[0]._ihospital_judge(item, factors)

    def _ihospital_applies_to_age(self, age):
        return self.age_min <= age and (not self.age_max or age < self.age_max)

    def _ihospital_judge(self, item, factors):
        """The verdict of this limit on one item (see `_evaluate`)."""
        self.ensure_one()
        verdict = dict(NO_VERDICT, limit_id=self.id, unit="" if self.unitless else self.unit)
        parsed = parse_value(item.get("value"))
        if parsed is None:
            return verdict  # a text result: not judged by rules
        reviews = []
        result_unit, limit_unit = normalize_unit(item.get("unit")), "" if self.unitless else normalize_unit(self.unit)
        factor = Decimal(1)
        if result_unit != limit_unit:
            if not result_unit:
                reviews.append(
                    _(
                        "The result has no unit: it was judged as if in the limit's unit %(limit_unit)s.",
                        limit_unit=self.unit,
                    )
                )
            else:
                factor = self._ihospital_factor(result_unit, limit_unit, factors)
                if factor is None:
                    verdict["undecided"] = True
                    verdict["review"] = _(
                        "The unit %(unit)s cannot be compared with the limit's unit %(limit_unit)s of %(test)s: "
                        "declare the conversion on the limit, or check the result.",
                        unit=item.get("unit"),
                        limit_unit=self.unit or _("(no unit)"),
                        test=self.name,
                    )
                    return verdict
        parsed = type(parsed)(parsed.number * factor, parsed.comparator)
        low = _decimal(self.low) if self.bounds in ("low", "both") else None
        high = _decimal(self.high) if self.bounds in ("high", "both") else None
        critical, doubts = judge(parsed, low, high)
        verdict["undecided"] = bool(doubts)
        if doubts:
            value = " ".join(filter(None, (format_value(parsed), verdict["unit"])))
            reviews.append(
                _(
                    "The result %(value)s cannot be judged against the critical limits of %(test)s (%(range)s): "
                    "it may or may not be critical.",
                    value=value,
                    test=self.name,
                    range=self.range_display,
                )
            )
        verdict.update(
            critical=critical,
            value=float(parsed.number),
            comparator=parsed.comparator,
            review=" ".join(reviews) or False,
        )
        return verdict

    def _ihospital_factor(self, result_unit, limit_unit, factors):
        """What a result in `result_unit` is multiplied by to be in the
        limit's unit: a conversion declared on the limit first, then an
        analyte-independent one; None when none is declared. The limits'
        conversions are read once for the whole batch (prefetch)."""
        for conversion in self.conversion_ids:
            if normalize_unit(conversion.unit) == result_unit:
                return _decimal(conversion.factor)
        return factors.get((result_unit, limit_unit))
