from odoo import fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN
from odoo.exceptions import ValidationError

PHARMACIST = "ihospital_knowledge.group_pharmacist"
# who keeps the hospital's drug knowledge (formulary, incompatibilities,
# diagnosis codes): the pharmacy (药剂科) and the administrators
KNOWLEDGE_EDITORS = (PHARMACIST, ADMIN)


class ImportBatchRetry(Exception):
    """Raised instead of a row's error while an import creates its rows in
    one batch: Odoo's import then creates them one by one, and the error
    comes again, reported on its own row (a UserError in the batch would
    also be shown on the batch's first row)."""


def refuse_row(records, count, message):
    """Raise `message` as a ValidationError, or ImportBatchRetry while an
    import creates `count` (> 1) rows at once."""
    if count > 1 and records.env.context.get("import_file"):
        raise ImportBatchRetry(message)
    raise ValidationError(message)


class IhospitalKnowledgeMixin(models.AbstractModel):
    """A knowledge entry a hospital relies on for patient safety: it cites
    its source, says whether it is demo content, and records who of the
    pharmacy reviewed it and when. The review is an action (a pharmacist or
    an administrator confirms the entry), not a field one types in."""

    _name = "ihospital.knowledge.mixin"
    _inherit = ["ihospital.hospital.mixin", "ihospital.guard.mixin"]
    _description = "Reviewed Knowledge Entry"

    _action_groups = {"action_mark_reviewed": KNOWLEDGE_EDITORS}
    _engine_fields = ("reviewed_by_id", "reviewed_on")

    source = fields.Text(help="The cited reference, with its version or year.")
    is_demo_content = fields.Boolean(
        string="Demo content: the pharmacy must review it before use",
        help="Shipped as an example from published references; the hospital's pharmacy reviews it before use.",
    )
    reviewed_by_id = fields.Many2one("res.users", string="Reviewed by", readonly=True, copy=False)
    reviewed_on = fields.Date(readonly=True, copy=False)

    def action_mark_reviewed(self):
        """The pharmacy confirms these entries: they are no longer demo content."""
        self._check_action("action_mark_reviewed")
        self.sudo().write(
            {
                "reviewed_by_id": self.env.user.id,
                "reviewed_on": fields.Date.context_today(self),
                "is_demo_content": False,
            }
        )
        return True
