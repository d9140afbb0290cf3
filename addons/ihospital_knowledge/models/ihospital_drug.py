from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import VIEW_ONLY
from odoo.exceptions import AccessError, UserError

from .ihospital_knowledge_mixin import refuse_row

# The 14 anatomical main groups of the WHO's ATC classification (first letter).
ATC_GROUPS = [
    ("A", "Alimentary tract and metabolism"),
    ("B", "Blood and blood forming organs"),
    ("C", "Cardiovascular system"),
    ("D", "Dermatologicals"),
    ("G", "Genito-urinary system and sex hormones"),
    ("H", "Systemic hormonal preparations, excluding sex hormones and insulins"),
    ("J", "Antiinfectives for systemic use"),
    ("L", "Antineoplastic and immunomodulating agents"),
    ("M", "Musculo-skeletal system"),
    ("N", "Nervous system"),
    ("P", "Antiparasitic products, insecticides and repellents"),
    ("R", "Respiratory system"),
    ("S", "Sensory organs"),
    ("V", "Various"),
]
DRUG_KINDS = [("drug", "Drug"), ("solution", "Infusion Solution")]
HIGH_ALERT_LEVELS = [("A", "A"), ("B", "B"), ("C", "C")]


class IhospitalDrug(models.Model):
    """A drug of the hospital's formulary (药品目录), or an infusion solution
    (溶媒: 0.9% sodium chloride, 5% glucose...) drugs are given in: generic
    name with its pinyin, brand names, ATC category, indications and the
    safety information staff look up on a phone. Found by code, generic or
    brand name in characters, full pinyin or initials."""

    _name = "ihospital.drug"
    _inherit = ["ihospital.knowledge.mixin", "ihospital.pinyin.mixin"]
    _description = "Drug"
    _order = "name, id"
    _check_company_auto = True
    _pinyin_source = ("name", "brand_names")
    _rec_names_search = ["code", "name", "name_en", "brand_names"]

    _action_groups = {"action_view_incompatibilities": VIEW_ONLY}

    code = fields.Char(required=True, index=True, help="The hospital's drug code.")
    name = fields.Char(string="Generic Name", required=True, index="trigram", help="The generic name, in Chinese.")
    name_en = fields.Char(string="English Name (INN)", index="trigram")
    brand_names = fields.Char(index="trigram", help="Comma-separated, e.g. 罗氏芬, Rocephin.")
    kind = fields.Selection(DRUG_KINDS, required=True, default="drug", index=True)
    atc_code = fields.Char(string="ATC Code", help="e.g. J01DD04.")
    atc_group = fields.Selection(
        ATC_GROUPS, string="ATC Category", compute="_compute_atc_group", store=True, index=True
    )
    forms_strengths = fields.Text(string="Dosage Forms and Strengths")
    indication_ids = fields.Many2many(
        "ihospital.disease",
        "ihospital_drug_disease_rel",
        "drug_id",
        "disease_id",
        string="Indicated for",
        check_company=True,
    )
    indications = fields.Text()
    dosage = fields.Text(string="Dosage and Administration")
    contraindications = fields.Text()
    adverse_effects = fields.Text()
    pregnancy_lactation = fields.Text(string="Pregnancy and Lactation")
    is_high_alert = fields.Boolean(
        string="High-Alert Drug", index=True, help="On the Chinese list of high-alert drugs."
    )
    high_alert_level = fields.Selection(
        HIGH_ALERT_LEVELS, help="The level of the Chinese high-alert drug list (2019): A is the highest risk."
    )
    black_box_warning = fields.Text(string="Black-Box Warning")
    safety_warning = fields.Text()
    storage = fields.Text()
    active = fields.Boolean(default=True)
    incompatibility_count = fields.Integer(compute="_compute_incompatibility_count")

    _sql_constraints = [
        ("code_company_uniq", "unique(company_id, code)", "A drug code is used once in a hospital."),
    ]

    @api.depends("atc_code")
    def _compute_atc_group(self):
        groups = dict(ATC_GROUPS)
        for drug in self:
            letter = (drug.atc_code or "").strip()[:1].upper()
            drug.atc_group = letter if letter in groups else False

    def _compute_incompatibility_count(self):
        Incompatibility = self.env["ihospital.drug.incompatibility"]
        counts = dict.fromkeys(self.ids, 0)
        for field in ("drug_a_id", "drug_b_id"):
            for drug, count in Incompatibility._read_group([(field, "in", self.ids)], [field], ["__count"]):
                counts[drug.id] += count
        for drug in self:
            drug.incompatibility_count = counts.get(drug.id, 0)

    @api.onchange("is_high_alert")
    def _onchange_is_high_alert(self):
        if not self.is_high_alert:
            self.high_alert_level = False

    @api.model_create_multi
    def create(self, vals_list):
        # the rights first: the check below reads every hospital's codes
        self.check_access("create")
        self._check_codes_free(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self.check_access("write")
        if vals.get("code") or vals.get("company_id"):
            self._check_codes_free(
                [
                    {"code": vals.get("code", drug.code), "company_id": vals.get("company_id", drug.company_id.id)}
                    for drug in self
                ],
                exclude_ids=self.ids,
            )
        return super().write(vals)

    def _check_codes_free(self, vals_list, exclude_ids=()):
        """Refuse, in words, a drug code the hospital uses already (the
        database's unique constraint says it in technical terms)."""
        default_company = self.env.company.id
        wanted = [
            (vals.get("code"), vals.get("company_id") or default_company) for vals in vals_list if vals.get("code")
        ]
        if not self.env.su and any(company_id not in self.env.user.company_ids.ids for _code, company_id in wanted):
            # refused before the codes are compared (here or by the unique
            # index): no message tells another hospital's codes
            raise AccessError(_("You can only add drugs to the formulary of your own hospitals."))
        if not wanted:
            return
        taken = {
            (drug.code, drug.company_id.id)
            for drug in self.sudo()
            .with_context(active_test=False)
            .search_fetch(
                [("code", "in", [code for code, _company in wanted]), ("id", "not in", list(exclude_ids))],
                ["code", "company_id"],
            )
        }
        for key in wanted:
            if key in taken:
                refuse_row(self, len(wanted), _("The drug code %s is used already in this hospital.", key[0]))
            taken.add(key)

    def action_view_incompatibilities(self):
        self.ensure_one()
        self._check_action("action_view_incompatibilities")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ihospital_knowledge.ihospital_drug_incompatibility_action"
        )
        action["domain"] = ["|", ("drug_a_id", "=", self.id), ("drug_b_id", "=", self.id)]
        action["context"] = {"default_drug_a_id": self.id}
        return action

    # The checker -----------------------------------------------------------

    @api.model
    def check_incompatibilities(self, drugs):
        """Every known incompatibility or interaction among `drugs` (a list
        of drug ids and/or the hospital's drug codes), each pair once, the
        most severe first, whatever the order of `drugs`. Callable over
        XML-RPC (a HIS or pharmacy system) with the caller's rights: it
        sees the drugs and pairs of its own hospitals only. Two queries."""
        selected = self._resolve_drugs(drugs)
        if len(selected) < 2:
            return []
        Incompatibility = self.env["ihospital.drug.incompatibility"]
        pairs = Incompatibility.search_fetch(
            [("drug_a_id", "in", selected.ids), ("drug_b_id", "in", selected.ids)],
            ["drug_a_id", "drug_b_id", "kind", "severity", "mechanism", "management", "source", "source_version"],
        )
        return [pair._checker_result() for pair in pairs.sorted(lambda pair: pair._checker_sort_key())]

    @api.model
    def _resolve_drugs(self, drugs):
        """The drugs named by `drugs` (ids or codes), read in one query
        through the record rules; refuses anything unknown, naming it."""
        if not isinstance(drugs, list | tuple):
            raise UserError(_("Give the drugs to check as a list of drug ids or drug codes."))
        ids, codes, invalid = set(), set(), []
        for item in drugs:
            if isinstance(item, int) and not isinstance(item, bool):
                ids.add(item)
            elif isinstance(item, str) and item.strip():
                codes.add(item.strip())
            else:
                invalid.append(repr(item))
        if invalid:
            raise UserError(_("These are neither drug ids nor drug codes: %s", ", ".join(invalid)))
        if not ids and not codes:
            return self.browse()
        found = self.search_fetch(
            ["|", ("id", "in", list(ids)), ("code", "in", list(codes))], ["code", "name", "kind", "company_id"]
        )
        by_code = {}
        for drug in found:
            if drug.code in codes:
                by_code.setdefault(drug.code, []).append(drug)
        selected = found.filtered(lambda drug: drug.id in ids)
        ambiguous = []
        for code, matches in by_code.items():
            if len(matches) > 1:
                # a code in several of the caller's hospitals: the current one's
                matches = [drug for drug in matches if drug.company_id == self.env.company]
                if len(matches) != 1:
                    ambiguous.append(code)
                    continue
            selected |= matches[0]
        unknown = sorted(codes - set(by_code), key=str) + sorted(str(i) for i in ids - set(found.ids))
        if unknown:
            raise UserError(
                _(
                    "Unknown drugs (no such drug code or id in your hospital's formulary): %s",
                    ", ".join(unknown),
                )
            )
        if ambiguous:
            raise UserError(
                _(
                    "These drug codes exist in several of your hospitals; give the drug ids instead: %s",
                    ", ".join(sorted(ambiguous)),
                )
            )
        return selected
