from odoo.addons.ihospital_base.tests.common import IhospitalCase

CONTENT_1 = "<p>危急值 15 分钟内电话通知临床科室。</p>"
CONTENT_2 = "<p>危急值 10 分钟内系统推送并电话通知临床科室，30 分钟内处置。</p>"


class RegulationCase(IhospitalCase):
    """The two test hospitals of IhospitalCase, each with a regulation
    category; the first with a hospital regulation and a cardiology
    procedure (its head is IhospitalCase's head)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Page = cls.env["document.page"]
        cls.category = Page.create(
            {"name": "医疗管理", "type": "category", "regulation_area": "medical", "company_id": cls.hospital.id}
        )
        cls.category_2 = Page.create(
            {"name": "医疗管理", "type": "category", "regulation_area": "medical", "company_id": cls.hospital_2.id}
        )
        cls.regulation = Page.create(
            {
                "name": "危急值报告制度",
                "parent_id": cls.category.id,
                "regulation_number": "T〔2030〕1号",
                "company_id": cls.hospital.id,
            }
        )
        cls.procedure = Page.create(
            {
                "name": "急性胸痛接诊流程",
                "parent_id": cls.category.id,
                "department_id": cls.cardiology.id,
                "company_id": cls.hospital.id,
            }
        )
        cls.regulation_2 = Page.create(
            {"name": "首诊负责制度", "parent_id": cls.category_2.id, "company_id": cls.hospital_2.id}
        )
        cls.History = cls.env["document.page.history"]

    def _draft(self, page, content, effective_date, version=None, user=None):
        user = user or self.user_quality
        return self.History.with_user(user).create(
            {
                "page_id": page.id,
                "name": page.name,
                "content": content,
                "effective_date": effective_date,
                "version": version,
            }
        )

    def _approved(self, page, content, effective_date, version=None):
        """A version written and submitted by the quality office, approved
        by the director."""
        draft = self._draft(page, content, effective_date, version)
        draft.with_user(self.user_quality).action_to_approve()
        draft.with_user(self.user_director).action_approve()
        return draft
