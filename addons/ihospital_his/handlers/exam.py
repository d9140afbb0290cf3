"""Physical-exam reports (体检报告; ORU^R01 with the exam package in OBR-4,
told apart by its coding system PEXAM or OBR-24 PE): reports like the lab
ones, applied set-based, a run at a time, corrected by the same report
number."""

from odoo import Command, _
from odoo.exceptions import ValidationError

from .common import register
from .report import LAB_FLAGS, ReportHandler


@register
class ExamReport(ReportHandler):
    message_type = "exam.report"
    model = "ihospital.exam.report"
    lines_field = "item_ids"

    @staticmethod
    def line_key(line):
        """An item is its code within its section (a code may repeat in
        two sections, e.g. 小结), else its position."""
        if line["code"]:
            return ("code", line["section"] or "", line["code"])
        return ("sequence", line["sequence"])

    def checked_vals(self, message, data):
        vals = super().checked_vals(message, data)
        # the report's doctor is the chief examiner (总检医生)
        vals["his_doctor_code"] = data.get("chief_examiner_code") or False
        return vals

    def specific_vals(self, message, data):
        message._require(data, "report_no", "patient", "package_name", "exam_date", "reported_at", "items")
        if not isinstance(data["items"], list):
            raise ValidationError(_("The field items must be a list."))
        lines = []
        for index, item in enumerate(data["items"]):
            if not isinstance(item, dict):
                raise ValidationError(_("Each item must be an object."))
            message._require(item, "section", "name", "value")
            lines.append(
                Command.create(
                    {
                        "sequence": index + 1,
                        "section": str(item["section"]).strip(),
                        "code": str(item.get("code") or "").strip() or False,
                        "name": item["name"],
                        "value": str(item["value"]),
                        "unit": item.get("unit") or False,
                        "reference_range": item.get("reference_range") or False,
                        "flag": message._enum(item.get("flag") or "", LAB_FLAGS, "flag") or False,
                        "conclusion": item.get("conclusion") or False,
                    }
                )
            )
        return {
            "package_code": data.get("package_code") or False,
            "package_name": data["package_name"],
            "exam_date": message._date(data["exam_date"], "exam_date"),
            "chief_examiner": data.get("chief_examiner") or False,
            "conclusion": data.get("conclusion") or False,
            "advice": data.get("advice") or False,
            "item_ids": lines,
        }
