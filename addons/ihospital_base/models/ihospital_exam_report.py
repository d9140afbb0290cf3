from odoo import api, fields, models


class IhospitalExamReport(models.Model):
    """A physical-examination report (体检报告) from the hospital's health
    check centre: the exam package (体检套餐, e.g. 入职体检, 年度体检), its
    items grouped by section (一般检查, 内科, 外科, 眼科, 检验, 影像...) with
    result, unit, reference range, abnormal mark and the examining doctor's
    conclusion, then the chief examiner's overall conclusions (总检结论)
    and summary advice (总检建议).

    A report like the lab and imaging ones (`ihospital.report.mixin`): the
    HIS report number is its business key, the health check centre is its
    performing department (its staff see the reports, also while their
    patient is not identified), the ordering department sees it when one
    ordered it (a pre-admission exam), the chief examiner sees it as its
    doctor, the hospital's supervisors see all, the patient reads it in
    the portal after the identity check. A physical exam belongs to no
    clinical department: clinicians of other departments do not see it
    (emergency access is how a clinician outside those rules reads it)."""

    _name = "ihospital.exam.report"
    _description = "Physical Exam Report"
    _inherit = ["ihospital.report.mixin"]
    _rec_names_search = ["name", "package_name"]
    _performing_department_setting = "ihospital_exam_department_id"

    package_code = fields.Char(help="The exam package's code in the HIS, e.g. TJ-RZ01.")
    package_name = fields.Char(string="Exam Package", required=True, help="e.g. 入职体检套餐, 年度体检（男）.")
    exam_date = fields.Date(index=True, help="The day the patient was examined.")
    # the chief examiner (总检医生) is the report's doctor: the mixin resolves
    # the HIS code to the staff member as for the ordering doctor of a lab report
    doctor_id = fields.Many2one(string="Chief Examiner")
    chief_examiner = fields.Char(
        string="Chief Examiner Name", help="The chief examiner as the HIS named them, also before their code is known."
    )
    item_ids = fields.One2many("ihospital.exam.item", "report_id", string="Items", copy=True)
    conclusion = fields.Text(string="Conclusions", help="The chief examiner's overall conclusions (总检结论).")
    advice = fields.Text(string="Summary Advice", help="The chief examiner's advice (总检建议).")
    abnormal_count = fields.Integer(string="Abnormal Items", compute="_compute_abnormal", store=True)
    section_count = fields.Integer(string="Sections", compute="_compute_abnormal", store=True)

    def _ihospital_report_label(self):
        return f"{self.name} {self.package_name}"

    @api.depends("item_ids.is_abnormal", "item_ids.section")
    def _compute_abnormal(self):
        for report in self:
            report.abnormal_count = len(report.item_ids.filtered("is_abnormal"))
            report.section_count = len(set(report.item_ids.mapped("section")))

    def _sections(self):
        """[(section, items)] in the order of the report: what the screens
        and the printed report show, one block per section."""
        self.ensure_one()
        sections = {}
        for item in self.item_ids.sorted(lambda item: (item.sequence, item.id)):
            sections.setdefault(item.section or "", self.env["ihospital.exam.item"])
            sections[item.section or ""] |= item
        return list(sections.items())
