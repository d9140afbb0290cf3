from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.tools import SQL

# The fixed classification of charges (drugs, lab, ...) the figures use; each
# hospital maps its HIS's own categories (西药费, 化验费, ...) onto it
# (ihospital.charge.class.map).
CHARGE_CLASSES = [
    ("drug", "Drugs"),
    ("lab", "Laboratory"),
    ("exam", "Examinations"),
    ("treatment", "Treatment"),
    ("material", "Materials"),
    ("bed", "Beds"),
    ("other", "Other"),
]


class IhospitalVisitCharge(models.Model):
    """A charge line (费用明细) of a visit, as the HIS billed it."""

    _name = "ihospital.visit.charge"
    _inherit = ["ihospital.audited.mixin", "ihospital.guard.mixin"]
    _description = "Visit Charge"
    _order = "visit_id, sequence, id"
    # the class comes from the hospital's map, never from a user
    _engine_fields = ("charge_class", "charge_class_unmapped")
    _patient_link_fields = ()

    visit_id = fields.Many2one("ihospital.visit", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="visit_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="visit_id.currency_id")
    sequence = fields.Integer(default=10)
    code = fields.Char()
    name = fields.Char(string="Item", required=True)
    category = fields.Char(help="The HIS's own charge category, as the HIS sent it.")
    quantity = fields.Float(default=1.0, digits=(16, 2))
    unit_price = fields.Monetary()
    amount = fields.Monetary(required=True)
    insurance_amount = fields.Monetary(string="Insurance Covered")
    # set in the INSERT from the hospital's map (precompute: the lines of a
    # create at once, from the cached map; no query once it is cached); a map
    # changed later reclassifies in one UPDATE (ihospital.charge.class.map)
    charge_class = fields.Selection(
        CHARGE_CLASSES,
        required=True,
        default="other",
        index=True,
        compute="_compute_charge_class",
        store=True,
        precompute=True,
        readonly=True,
        help="The fixed class of the line, from the hospital's charge class map of its category.",
    )
    charge_class_unmapped = fields.Boolean(
        string="Category Not Mapped",
        compute="_compute_charge_class",
        store=True,
        precompute=True,
        readonly=True,
        help="The hospital's map has no class for this category yet: the line counts as Other until an "
        "administrator maps it.",
    )

    @api.depends("category", "visit_id.company_id")
    def _compute_charge_class(self):
        classes = self.env["ihospital.charge.class.map"]._classes_of(
            {(line.visit_id.company_id.id, line.category) for line in self if line.category}
        )
        for line in self:
            charge_class = classes.get((line.visit_id.company_id.id, line.category))
            line.charge_class = charge_class or "other"
            # a line without a category is other: there is nothing to map
            line.charge_class_unmapped = bool(line.category) and not charge_class

    def write(self, vals):
        res = super().write(vals)
        if "visit_id" in vals and not self.env.su:
            # the rules are checked before a write, not on the values
            # written: a line moved to a visit of a hospital the user does
            # not keep is refused
            self.check_access("write")
        return res

    @api.model
    def _ihospital_charges_reclassified(self, company, his_categories):
        """Called after the lines of `company` (res.company) with these HIS
        categories (a set of texts) were reclassified by a change of its
        map. Nothing here: the operations analysis marks the days to
        refresh."""


class IhospitalChargeClassMap(models.Model):
    """How one HIS category of charges (西药费, 化验费, ...) of a hospital
    counts in the figures: its charge class. Changing the map reclassifies
    the hospital's lines of that category."""

    _name = "ihospital.charge.class.map"
    _description = "Charge Class Map"
    _order = "company_id, charge_class, his_category"
    _rec_name = "his_category"

    company_id = fields.Many2one(
        "res.company", string="Hospital", required=True, index=True, default=lambda self: self.env.company
    )
    his_category = fields.Char(
        string="HIS Category",
        required=True,
        help="The category exactly as the HIS sends it in a charge line.",
    )
    charge_class = fields.Selection(CHARGE_CLASSES, required=True)

    _sql_constraints = [
        (
            "his_category_uniq",
            "unique(company_id, his_category)",
            "This HIS category is already mapped for this hospital.",
        ),
    ]

    @api.model
    def _classes_of(self, keys):
        """{(company id, HIS category): charge class} of the mapped keys
        among `keys` (a set of (company id, category)): one query per
        hospital whose map is not cached yet, none once it is."""
        classes = {}
        for company_id in {company_id for company_id, category in keys if company_id and category}:
            hospital_map = dict(self._class_map(company_id))
            classes.update(
                {
                    (company_id, category): hospital_map[category]
                    for key_company, category in keys
                    if key_company == company_id and category in hospital_map
                }
            )
        return classes

    @tools.ormcache("company_id")
    def _class_map(self, company_id):
        """The map of a hospital, ((HIS category, charge class), ...):
        cached, cleared whenever a map changes (create, write, unlink)."""
        maps = self.sudo().search_fetch([("company_id", "=", company_id)], ["his_category", "charge_class"])
        return tuple((m.his_category, m.charge_class) for m in maps)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("his_category"):
                vals["his_category"] = vals["his_category"].strip()
        maps = super().create(vals_list)
        self.env.registry.clear_cache()  # _class_map
        maps._reclassify({(m.company_id.id, m.his_category) for m in maps})
        return maps

    def write(self, vals):
        if vals.get("his_category"):
            vals = dict(vals, his_category=vals["his_category"].strip())
        before = {(m.company_id.id, m.his_category) for m in self}
        result = super().write(vals)
        if "company_id" in vals and not self.env.su:
            # the rules are checked before a write, not on the values
            # written: a map moved to a hospital the user does not keep is
            # refused (before it reclassifies that hospital's lines)
            self.check_access("write")
        if {"company_id", "his_category", "charge_class"} & set(vals):
            self.env.registry.clear_cache()  # _class_map
            self._reclassify(before | {(m.company_id.id, m.his_category) for m in self})
        return result

    def unlink(self):
        keys = {(m.company_id.id, m.his_category) for m in self}
        result = super().unlink()
        self.env.registry.clear_cache()  # _class_map
        self._reclassify(keys)
        return result

    @api.model
    def _reclassify(self, keys):
        """Set the class of the charge lines of these (company id, HIS
        category) keys from the map as it is now, in one UPDATE (lines
        whose category lost its map become Other, unmapped), then tell
        _ihospital_charges_reclassified per hospital."""
        keys = sorted(keys)
        if not keys:
            return
        self.flush_model()
        Charge = self.env["ihospital.visit.charge"]
        Charge.flush_model(["company_id", "category", "charge_class", "charge_class_unmapped"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE ihospital_visit_charge AS line
                   SET charge_class = COALESCE(k.charge_class, 'other'),
                       charge_class_unmapped = k.charge_class IS NULL
                  FROM (SELECT key.company_id, key.category, map.charge_class
                          FROM unnest(%s::int[], %s::varchar[]) AS key(company_id, category)
                          LEFT JOIN ihospital_charge_class_map AS map
                            ON map.company_id = key.company_id AND map.his_category = key.category) AS k
                 WHERE line.company_id = k.company_id AND line.category = k.category
                   AND (line.charge_class IS DISTINCT FROM COALESCE(k.charge_class, 'other')
                        OR line.charge_class_unmapped IS DISTINCT FROM (k.charge_class IS NULL))
                """,
                [company_id for company_id, _category in keys],
                [category for _company_id, category in keys],
            )
        )
        Charge.invalidate_model(["charge_class", "charge_class_unmapped"])
        by_company = defaultdict(set)
        for company_id, category in keys:
            by_company[company_id].add(category)
        for company_id, categories in by_company.items():
            Charge._ihospital_charges_reclassified(self.env["res.company"].browse(company_id), categories)
