from odoo import _, api, fields, models
from odoo.tools import create_unique_index, index_exists

from .ihospital_knowledge_mixin import refuse_row

INCOMPATIBILITY_KINDS = [
    ("incompatible", "Incompatible in the same infusion"),
    ("interaction", "Interaction when given together"),
]
SEVERITIES = [
    ("contraindicated", "Contraindicated"),
    ("major", "Major"),
    ("moderate", "Moderate"),
    ("minor", "Minor"),
]
SEVERITY_RANK = {key: rank for rank, (key, _label) in enumerate(SEVERITIES)}


class IhospitalDrugIncompatibility(models.Model):
    """Two drugs (or a drug and an infusion solution) that must not be mixed
    in one infusion (配伍禁忌) or given together (相互作用): how severe, why,
    what to do instead, and the cited source. One row per pair, whichever
    drug is entered first."""

    _name = "ihospital.drug.incompatibility"
    _inherit = ["ihospital.knowledge.mixin"]
    _description = "Drug Incompatibility"
    _order = "company_id, drug_a_id, drug_b_id"
    _check_company_auto = True
    _rec_names_search = ["drug_a_id", "drug_b_id"]

    drug_a_id = fields.Many2one(
        "ihospital.drug", string="Drug", required=True, index=True, ondelete="cascade", check_company=True
    )
    drug_b_id = fields.Many2one(
        "ihospital.drug",
        string="With Drug or Solution",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    kind = fields.Selection(INCOMPATIBILITY_KINDS, required=True, default="incompatible")
    severity = fields.Selection(SEVERITIES, required=True, default="major", index=True)
    mechanism = fields.Text()
    management = fields.Text(string="What to do instead")
    source_version = fields.Char(help="The edition, version or year of the source.")

    _sql_constraints = [
        ("not_same_drug", "CHECK(drug_a_id != drug_b_id)", "A drug cannot be incompatible with itself."),
    ]

    def init(self):
        res = super().init()
        # one row per pair whatever its order: create() and write() say it
        # in words, this index holds it under concurrent imports
        if not index_exists(self.env.cr, "ihospital_drug_incompatibility_pair_uniq"):
            create_unique_index(
                self.env.cr,
                "ihospital_drug_incompatibility_pair_uniq",
                self._table,
                ["company_id", "LEAST(drug_a_id, drug_b_id)", "GREATEST(drug_a_id, drug_b_id)"],
            )
        return res

    @api.depends("drug_a_id", "drug_b_id")
    def _compute_display_name(self):
        for pair in self:
            pair.display_name = f"{pair.drug_a_id.name or ''} + {pair.drug_b_id.name or ''}"

    @api.model_create_multi
    def create(self, vals_list):
        # the rights first: the check below reads every hospital's pairs
        self.check_access("create")
        self._check_pairs_free([(vals.get("drug_a_id"), vals.get("drug_b_id")) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        self.check_access("write")
        if "drug_a_id" in vals or "drug_b_id" in vals:
            self._check_pairs_free(
                [(vals.get("drug_a_id", pair.drug_a_id.id), vals.get("drug_b_id", pair.drug_b_id.id)) for pair in self],
                exclude_ids=self.ids,
            )
        return super().write(vals)

    @api.model
    def _check_pairs_free(self, pairs, exclude_ids=()):
        """Refuse, in words, a drug paired with itself or a pair listed
        already in either order (before the database's index refuses it
        with a technical message): one query for all the pairs."""
        pairs = [(a, b) for a, b in pairs if a and b]
        # the names through the caller's rights: a drug of another hospital
        # is refused, not named
        Drug = self.env["ihospital.drug"]
        # another hospital's drug is refused before any message names it
        # (Odoo's company check would, with its name)
        Drug.browse({drug_id for pair in pairs for drug_id in pair}).check_access("read")
        for a, b in pairs:
            if a == b:
                refuse_row(self, len(pairs), _("%s cannot be incompatible with itself.", Drug.browse(a).name))
        if not pairs:
            return
        drug_ids = list({drug_id for pair in pairs for drug_id in pair})
        others = self.sudo().search_fetch(
            [("drug_a_id", "in", drug_ids), ("drug_b_id", "in", drug_ids), ("id", "not in", list(exclude_ids))],
            ["drug_a_id", "drug_b_id"],
        )
        taken = {frozenset((other.drug_a_id.id, other.drug_b_id.id)) for other in others}
        for a, b in pairs:
            key = frozenset((a, b))
            if key in taken:
                refuse_row(
                    self,
                    len(pairs),
                    _(
                        "The pair %(a)s + %(b)s is listed already (in either order): edit that entry instead.",
                        a=Drug.browse(a).name,
                        b=Drug.browse(b).name,
                    ),
                )
            taken.add(key)

    def _checker_sort_key(self):
        return (SEVERITY_RANK.get(self.severity, len(SEVERITY_RANK)), self.drug_a_id.name, self.drug_b_id.name, self.id)

    def _checker_result(self):
        """The pair as the checker returns it (plain values for XML-RPC)."""
        self.ensure_one()
        severities = dict(self._fields["severity"]._description_selection(self.env))
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        return {
            "id": self.id,
            "drug_a": {"id": self.drug_a_id.id, "code": self.drug_a_id.code, "name": self.drug_a_id.name},
            "drug_b": {"id": self.drug_b_id.id, "code": self.drug_b_id.code, "name": self.drug_b_id.name},
            "kind": self.kind,
            "kind_label": kinds.get(self.kind, ""),
            "severity": self.severity,
            "severity_label": severities.get(self.severity, ""),
            "mechanism": self.mechanism or "",
            "management": self.management or "",
            "source": self.source or "",
            "source_version": self.source_version or "",
        }
