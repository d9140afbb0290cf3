import re

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_admission import normalize_icd10
from odoo.exceptions import ValidationError

# The kinds of follow-up plans, declared once. The event that starts each:
# outpatient and chronic, a visit finished (the consultation's end at the
# calling console or the HIS's visit record: the visit is the encounter);
# discharge and surgery, an admission discharged (surgery: after an
# operation, the admission's surgery_at). A chronic plan names the ICD-10
# prefixes of the diagnoses it follows.
FOLLOWUP_KINDS = [
    ("outpatient", "Outpatient"),
    ("discharge", "Discharge"),
    ("surgery", "Surgery"),
    ("chronic", "Chronic Disease"),
]
VISIT_KINDS = ("outpatient", "chronic")
ADMISSION_KINDS = ("discharge", "surgery")
_PREFIX = re.compile(r"^[A-Z][0-9A-Z.]{0,9}$")


class IhospitalFollowupPlan(models.Model):
    """A follow-up plan (随访计划) of a hospital: for the encounters of a
    kind (and of some departments, or of some diagnoses), the steps sent
    after the event: care messages (关怀信息) and surveys."""

    _name = "ihospital.followup.plan"
    _description = "Follow-up Plan"
    _inherit = ["ihospital.hospital.mixin", "mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, tracking=True)
    kind = fields.Selection(FOLLOWUP_KINDS, required=True, default="outpatient", tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    sequence = fields.Integer(default=10)
    department_ids = fields.Many2many(
        "hr.department",
        string="Departments",
        domain="[('company_id', '=', company_id), ('is_clinical', '=', True)]",
        help="The departments whose encounters follow this plan; empty: every department of the hospital.",
    )
    diagnosis_prefixes = fields.Char(
        string="ICD-10 Prefixes",
        help="Comma-separated ICD-10 code prefixes, e.g. I10, E11: only encounters with such a diagnosis follow "
        "this plan. Required for chronic disease plans.",
    )
    step_ids = fields.One2many("ihospital.followup.plan.step", "plan_id", string="Steps", copy=True)
    low_score_threshold = fields.Float(
        string="Low Score (%)",
        default=60.0,
        help="A survey answer scoring below this percentage opens a follow-up task for the department head.",
    )
    followup_count = fields.Integer(string="Follow-ups", compute="_compute_followup_count")

    def write(self, vals):
        res = super().write(vals)
        if "company_id" in vals and not self.env.su:
            # the rules are checked before a write, not on the values
            # written: a plan moved to a hospital the user does not keep is
            # refused
            self.check_access("write")
        return res

    def _compute_followup_count(self):
        counts = dict(
            self.env["ihospital.followup"]._read_group([("plan_id", "in", self.ids)], ["plan_id"], ["__count"])
        )
        for plan in self:
            plan.followup_count = counts.get(plan, 0)

    @api.constrains("kind", "diagnosis_prefixes")
    def _check_diagnosis_prefixes(self):
        for plan in self:
            prefixes = plan._prefixes()
            if plan.kind == "chronic" and not prefixes:
                raise ValidationError(
                    _("Chronic disease plan %s needs the ICD-10 prefixes of the diagnoses it follows.", plan.name)
                )
            wrong = [prefix for prefix in prefixes if not _PREFIX.match(prefix)]
            if wrong:
                raise ValidationError(
                    _(
                        "%(prefixes)s: write ICD-10 prefixes as a letter and up to nine more characters, "
                        "e.g. I10, E11.",
                        prefixes=", ".join(wrong),
                    )
                )

    @api.constrains("company_id", "department_ids", "step_ids")
    def _check_hospital(self):
        for plan in self:
            if any(department.company_id != plan.company_id for department in plan.department_ids):
                raise ValidationError(_("The departments of plan %s belong to its hospital.", plan.name))
            if any(step.survey_id.company_id != plan.company_id for step in plan.step_ids if step.survey_id):
                raise ValidationError(_("The surveys of plan %s belong to its hospital.", plan.name))

    @api.constrains("low_score_threshold")
    def _check_low_score_threshold(self):
        for plan in self:
            if not 0 <= plan.low_score_threshold <= 100:
                raise ValidationError(_("The low score of plan %s is a percentage from 0 to 100.", plan.name))

    def _prefixes(self):
        self.ensure_one()
        return [normalize_icd10(part) for part in re.split(r"[,，;\s]+", self.diagnosis_prefixes or "") if part]

    def _matches(self, kind, department, code):
        """Whether an encounter of `kind` (outpatient or discharge, the
        event), `department` and diagnosis `code` follows this plan, and how
        specifically: (diagnosis filtered, departments filtered, kind
        specific) or None."""
        self.ensure_one()
        prefixes = self._prefixes()
        if prefixes and not (code and any(normalize_icd10(code).startswith(prefix) for prefix in prefixes)):
            return None
        if self.department_ids and department not in self.department_ids:
            return None
        return (bool(prefixes), bool(self.department_ids), self.kind in ("surgery", "chronic"))

    @api.model
    def _ihospital_choose(self, plans, kinds, department, code):
        """The plan among `plans` (one hospital's, active, ordered) for an
        encounter: the most specific match (diagnosis-filtered, then
        department-filtered, then a surgery plan before a discharge plan),
        then by sequence; an empty recordset when none matches."""
        best, best_rank = self.browse(), None
        for plan in plans:
            if plan.kind not in kinds:
                continue
            specificity = plan._matches(plan.kind, department, code)
            if specificity is None:
                continue
            rank = (*(not flag for flag in specificity), plan.sequence, plan.id)
            if best_rank is None or rank < best_rank:
                best, best_rank = plan, rank
        return best
