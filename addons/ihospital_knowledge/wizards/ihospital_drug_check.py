from odoo import _, api, fields, models


class IhospitalDrugCheck(models.TransientModel):
    """The incompatibility checker on a phone: pick the drugs (by name,
    brand, pinyin or initials) and optionally the infusion solution, and
    every conflicting pair shows at once, the most severe first."""

    _name = "ihospital.drug.check"
    _description = "Incompatibility Check"

    drug_ids = fields.Many2many(
        "ihospital.drug",
        string="Drugs",
        domain="[('kind', '=', 'drug')]",
        help="Type a name, brand, pinyin or initials.",
    )
    solution_id = fields.Many2one(
        "ihospital.drug",
        string="Infusion Solution",
        domain="[('kind', '=', 'solution')]",
        help="The solution the drugs are given in, if any.",
    )
    pair_count = fields.Integer(string="Conflicts", compute="_compute_result")
    result_html = fields.Html(string="Result", compute="_compute_result", sanitize=False)

    def _compute_display_name(self):
        # the screen's title (breadcrumb), not the model's technical name
        for check in self:
            check.display_name = _("Incompatibility Check")

    @api.depends("drug_ids", "solution_id")
    def _compute_result(self):
        for check in self:
            drugs = check.drug_ids._origin | check.solution_id._origin
            pairs = self.env["ihospital.drug"].check_incompatibilities(drugs.ids) if len(drugs) > 1 else []
            check.pair_count = len(pairs)
            check.result_html = self.env["ir.qweb"]._render(
                "ihospital_knowledge.drug_check_result", {"pairs": pairs, "drug_count": len(drugs)}
            )
