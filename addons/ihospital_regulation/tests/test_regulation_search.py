"""The regulations' Chinese search (规章制度检索, H3): by title in characters
and pinyin (full or initials), by category, by the current version's text
and by its attachments' indexed text; short queries match titles only;
results ranked title first; the other hospital sees nothing; its query
count and its indexes; over JSON-RPC as the staff app calls it."""

import io
import zipfile
from unittest.mock import patch

from odoo.addons.ihospital_base.tests.common import IhospitalCase, RpcMixin
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

DOCX_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    "<w:p><w:r><w:t>{}</w:t></w:r></w:p></w:body></w:document>"
)


def docx(text):
    """A minimal Word document holding `text` (what attachment_indexation reads)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", DOCX_XML.format(text))
    return buffer.getvalue()


class RegulationSearchCase(IhospitalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reader = cls.env.ref("document_knowledge.group_document_user")
        for user in (cls.user_nurse, cls.user_doctor, cls.user_doctor_2):
            user.groups_id = [(4, reader.id)]
        Page = cls.env["document.page"]

        def category(name, company, parent=None):
            return Page.create(
                {"name": name, "type": "category", "company_id": company.id, "parent_id": parent and parent.id}
            )

        def page(name, text, parent, company=None):
            return Page.create(
                {
                    "name": name,
                    "type": "content",
                    "parent_id": parent.id,
                    "company_id": (company or cls.hospital).id,
                    "content": f"<h2>{name}</h2><p>{text}</p>",
                }
            )

        cls.medical = category("医疗管理", cls.hospital)
        cls.nursing = category("护理管理", cls.hospital)
        cls.infection = category("医院感染管理", cls.hospital, cls.medical)
        cls.critical = page(
            "临床危急值报告制度",
            "检验科、影像科发现危急值后，应在15分钟内电话通知临床科室，接听者复述确认并记录。",
            cls.medical,
        )
        cls.handover = page(
            "护理交接班制度",
            "交班者与接班者床旁交接危重患者病情，危急值处理情况一并交接。",
            cls.nursing,
        )
        cls.hand_hygiene = page(
            "手卫生管理规范",
            "医务人员在接触患者前后应执行手卫生，速干手消毒剂放置于病床旁。",
            cls.infection,
        )
        cls.core = page(
            "医疗质量安全核心制度",
            "十八项核心制度包括首诊负责制度、三级查房制度、会诊制度。",
            cls.medical,
        )
        cls.blood = page("临床输血管理制度", "输血前应双人核对患者身份与血型。", cls.medical)
        Attachment = cls.env["ir.attachment"]
        # a plain text file in Chinese, and a Word document
        Attachment.create(
            {
                "name": "输血流程.txt",
                "raw": "输血不良反应的识别与处置：立即停止输血，保持静脉通路。".encode(),
                "res_model": "document.page.history",
                "res_id": cls.blood.history_head.id,
            }
        )
        Attachment.create(
            {
                "name": "手卫生指征.docx",
                "raw": docx("手卫生的五个指征：接触患者前、清洁无菌操作前、接触体液后。"),
                "res_model": "document.page.history",
                "res_id": cls.hand_hygiene.history_head.id,
            }
        )
        cls.other_category = category("医疗管理", cls.hospital_2)
        cls.other_critical = page(
            "危急值报告制度（南山）",
            "检验科发现危急值后电话通知临床。",
            cls.other_category,
            company=cls.hospital_2,
        )

    def search(self, query, user=None, **kwargs):
        Page = self.env["document.page"].with_user(user or self.user_nurse)
        return Page.search_regulations(query, **kwargs)

    def found(self, query, user=None, **kwargs):
        return [(row["title"], row["match"]) for row in self.search(query, user=user, **kwargs)]


class TestRegulationSearch(RegulationSearchCase):
    def test_current_text_is_stored_plain(self):
        self.assertIn("15分钟内电话通知临床科室", self.critical.content_text)
        self.assertNotIn("<p>", self.critical.content_text)
        self.critical.content = "<p>危急值应在10分钟内通知。</p>"
        self.assertEqual(self.critical.content_text, "危急值应在10分钟内通知。")
        # the search reads the current version only
        self.assertEqual(self.found("10分钟内"), [("临床危急值报告制度", "body")])
        self.assertEqual(self.found("15分钟内"), [])

    def test_pinyin_title(self):
        # full pinyin, from the start or of a later word; initials, same
        self.assertEqual(self.found("linchuangweiji")[0], ("临床危急值报告制度", "pinyin"))
        self.assertEqual(self.found("weijizhi")[0], ("临床危急值报告制度", "pinyin"))
        self.assertEqual(self.found("lcwjz")[0], ("临床危急值报告制度", "pinyin"))
        self.assertEqual(self.found("wjzbg")[0], ("临床危急值报告制度", "pinyin"))
        self.assertEqual(self.found("Shou Wei Sheng")[0], ("手卫生管理规范", "pinyin"))
        self.assertEqual(self.found("sw")[0], ("手卫生管理规范", "pinyin"))

    def test_title_characters(self):
        self.assertEqual(self.found("临床危急值报告制度")[0], ("临床危急值报告制度", "title"))
        # a substring of the title, three characters or more
        self.assertEqual(self.found("危急值报告"), [("临床危急值报告制度", "title")])

    def test_body_substring(self):
        rows = self.search("三级查房")
        self.assertEqual([(row["title"], row["match"]) for row in rows], [("医疗质量安全核心制度", "body")])
        self.assertIn("三级查房制度", rows[0]["snippet"])
        self.assertFalse(rows[0]["attachment"])
        self.assertEqual(rows[0]["category"], "医疗管理")
        self.assertEqual(rows[0]["category_id"], self.medical.id)

    def test_attachment_text(self):
        # a Chinese text file (Odoo alone would keep its ASCII only)
        rows = self.search("静脉通路")
        self.assertEqual([(row["title"], row["match"]) for row in rows], [("临床输血管理制度", "attachment")])
        self.assertEqual(rows[0]["attachment"], "输血流程.txt")
        self.assertIn("保持静脉通路", rows[0]["snippet"])
        # a Word document (attachment_indexation)
        rows = self.search("清洁无菌操作")
        self.assertEqual([(row["title"], row["match"]) for row in rows], [("手卫生管理规范", "attachment")])
        self.assertEqual(rows[0]["attachment"], "手卫生指征.docx")

    def test_pdf_attachment_text(self):
        """A PDF's text is indexed by attachment_indexation when pdfminer.six
        is installed (with Chinese fonts); without it, it is not searched."""
        try:
            import pdfminer  # noqa: F401 - only whether it is there
        except ImportError:
            pdfminer = None
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfgen import canvas

        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer)
        pdf.setFont("STSong-Light", 12)
        pdf.drawString(72, 720, "会诊申请单应由主治医师以上人员填写并签名。")
        pdf.save()
        self.env["ir.attachment"].create(
            {
                "name": "会诊申请单.pdf",
                "raw": buffer.getvalue(),
                "res_model": "document.page.history",
                "res_id": self.core.history_head.id,
            }
        )
        expected = [("医疗质量安全核心制度", "attachment")] if pdfminer else []
        self.assertEqual(self.found("会诊申请单"), expected)

    def test_short_queries_match_titles_only(self):
        # "制度" is in many bodies too: one or two characters match titles
        self.assertEqual(
            {title for title, match in self.found("制度") if match == "title"},
            {"临床危急值报告制度", "护理交接班制度", "医疗质量安全核心制度", "临床输血管理制度"},
        )
        self.assertEqual({match for _title, match in self.found("制度")}, {"title"})
        # a title's start first, then titles containing it
        self.assertEqual(self.found("临床"), [("临床危急值报告制度", "title"), ("临床输血管理制度", "title")])
        self.assertEqual(self.found("手"), [("手卫生管理规范", "title")])
        # regulations only, not their categories (医疗管理 is one)
        self.assertEqual(self.found("医疗"), [("医疗质量安全核心制度", "title")])
        # "接班" is in a title; "床旁" only in bodies
        self.assertEqual(self.found("接班"), [("护理交接班制度", "title")])
        self.assertEqual(self.found("床旁"), [])

    def test_ranking_title_before_body_and_attachments(self):
        # 危急值 is in two titles and in the nursing handover's text
        self.assertEqual(
            self.found("危急值"),
            [("临床危急值报告制度", "title"), ("护理交接班制度", "body")],
        )
        # the title's whole before its start before inside it
        self.env["document.page"].create(
            {"name": "危急值", "type": "content", "parent_id": self.medical.id, "company_id": self.hospital.id}
        )
        self.assertEqual(
            [title for title, _match in self.found("危急值")],
            ["危急值", "临床危急值报告制度", "护理交接班制度"],
        )
        # body before attachments: 输血 in a title, a body and an attachment
        self.assertEqual(self.found("停止输血"), [("临床输血管理制度", "attachment")])
        self.assertEqual(self.found("患者身份")[0], ("临床输血管理制度", "body"))

    def test_the_search_screens_list_best_first(self):
        """The phone's search screen and the lists' search box (a domain on
        regulation_search, no order of their own) rank as the API does; a
        column's order, when picked, wins."""
        self.env["document.page"].create(
            {"name": "危急值", "type": "content", "parent_id": self.medical.id, "company_id": self.hospital.id}
        )
        Page = self.env["document.page"].with_user(self.user_nurse)
        domain = [("type", "=", "content"), ("regulation_search", "ilike", "危急值")]
        expected = [row["title"] for row in self.search("危急值")]
        self.assertEqual(expected, ["危急值", "临床危急值报告制度", "护理交接班制度"])
        Model = self.registry["document.page"]
        with patch.object(
            Model, "_regulation_candidates", autospec=True, side_effect=Model._regulation_candidates
        ) as find:
            records = Page.web_search_read(domain, {"name": {}}, order="")["records"]
        self.assertEqual([record["name"] for record in records], expected)
        self.assertEqual(find.call_count, 1, "the candidates are found once")
        self.assertEqual(Page.search(domain, limit=2, offset=1).mapped("name"), expected[1:3])
        self.assertEqual(
            Page.search(domain, order="name desc").mapped("name"), sorted(expected, reverse=True), "a picked order"
        )

    def test_category_filter(self):
        self.assertEqual(self.found("危急值", category_id=self.nursing.id), [("护理交接班制度", "body")])
        # a category holds its sub-categories' regulations
        self.assertEqual(
            [title for title, _match in self.found("手卫生", category_id=self.medical.id)], ["手卫生管理规范"]
        )
        self.assertEqual(self.found("手卫生", category_id=self.nursing.id), [])

    def test_other_hospital_sees_nothing(self):
        titles = [title for title, _match in self.found("危急值")]
        self.assertNotIn("危急值报告制度（南山）", titles)
        # the other hospital's doctor finds his own, never ours
        self.assertEqual(self.found("危急值", user=self.user_doctor_2), [("危急值报告制度（南山）", "title")])
        ours = {"临床危急值报告制度", "护理交接班制度", "手卫生管理规范", "医疗质量安全核心制度", "临床输血管理制度"}
        for query in ("临床危急值报告制度", "lcwjz", "三级查房", "静脉通路", "清洁无菌操作", "制度", "shou"):
            titles = {title for title, _match in self.found(query, user=self.user_doctor_2)}
            self.assertFalse(titles & ours, query)
        self.assertEqual(self.found("临床", user=self.user_doctor_2), [])
        # not even by naming our category
        self.assertEqual(self.found("危急值", user=self.user_doctor_2, category_id=self.medical.id), [])

    def test_record_rules_apply(self):
        """Whatever rule hides a page hides it from the search too (here an
        archived one, and one the caller's rules leave out)."""
        self.core.active = False
        self.assertEqual(self.found("三级查房"), [])
        self.env["ir.rule"].create(
            {
                "name": "test: no blood transfusion",
                "model_id": self.env["ir.model"]._get_id("document.page"),
                "domain_force": f"[('id', '!=', {self.blood.id})]",
            }
        )
        self.assertEqual(self.found("静脉通路"), [])

    def test_no_match_and_bad_arguments(self):
        self.assertEqual(self.search("这不是任何制度的内容"), [])
        self.assertEqual(self.search("   "), [])
        self.assertEqual(self.search("%"), [])
        self.assertEqual(self.search("_"), [])
        for args in ((["危急值"],), ("危急值", "1"), ("危急值", False, "20"), ("危急值", False, True)):
            with self.assertRaises(UserError):
                self.env["document.page"].with_user(self.user_nurse).search_regulations(*args)

    def test_needs_read_access(self):
        with self.assertRaises(AccessError):
            self.search("危急值", user=self.user_portal)

    def test_limit(self):
        self.assertEqual(len(self.search("制度", limit=2)), 2)

    def test_search_view_field(self):
        """The back office's search box finds the same regulations."""
        Page = self.env["document.page"].with_user(self.user_nurse)
        self.assertEqual(Page.search([("regulation_search", "ilike", "危急值")]), self.critical | self.handover)
        self.assertEqual(Page.search([("regulation_search", "ilike", "lcwjz")]), self.critical)
        self.assertEqual(Page.search([("regulation_search", "ilike", "清洁无菌操作")]), self.hand_hygiene)

    def test_phone_screen_views(self):
        """The phone's screen: the search action opens the cards first, and
        its search box's first field is the regulations' search."""
        action = self.env.ref("ihospital_regulation.document_page_search_action")
        self.assertEqual(action.view_mode.split(",")[0], "kanban")
        views = (
            self.env["document.page"]
            .with_user(self.user_nurse)
            .get_views([(action.view_ids[0].view_id.id, "kanban"), (action.search_view_id.id, "search")])
        )
        self.assertIn('name="regulation_search"', views["views"]["search"]["arch"])
        self.assertLess(
            views["views"]["search"]["arch"].index('name="regulation_search"'),
            views["views"]["search"]["arch"].index('name="draft_summary"'),
        )
        self.assertIn('name="name"', views["views"]["kanban"]["arch"])

    def test_query_count(self):
        """Whatever the query and however many pages it finds: the candidates
        of every kind in one query, the record rules over them in one, the
        snippets in one, then the pages' fields and their categories' names."""
        Page = self.env["document.page"].with_user(self.user_nurse)
        Page.search_regulations("危急值")  # the record rules' and the user's caches
        self.env.invalidate_all()
        for query, count in (("危急值", 2), ("lcwjz", 1), ("三级查房", 1), ("静脉通路", 1), ("制度", 4)):
            with self.assertQueryCount(5):
                self.assertEqual(len(Page.search_regulations(query)), count, query)
            self.env.invalidate_all()

    def test_substring_searches_use_the_trigram_indexes(self):
        self.env.flush_all()
        if not self.env.registry.has_trigram:
            self.skipTest("pg_trgm is not installed")
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        for column in ("name", "content_text", "pinyin_full", "pinyin_initials"):
            self.env.cr.execute(
                SQL("EXPLAIN SELECT id FROM document_page WHERE %s ILIKE %s", SQL.identifier(column), "%危急值%")
            )
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
            self.assertIn(f"document_page__{column}_index", plan, plan)
        # the attachments' text: a partial trigram index, the regulations' only
        # (a plan on a few test rows prefers the res_model index: the
        # benchmark shows it used on 10,000 regulations)
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
            ["ir_attachment__document_page_history_index_content_trgm"],
        )
        [(definition,)] = self.env.cr.fetchall()
        self.assertIn("gin (index_content gin_trgm_ops)", definition)
        self.assertIn("WHERE ((res_model)::text = 'document.page.history'::text)", definition)

    def test_prefix_walks_use_the_pattern_indexes(self):
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute("SET LOCAL enable_sort = off")
        for column in ("name", "pinyin_full", "pinyin_initials"):
            self.env.cr.execute(
                SQL(
                    "EXPLAIN SELECT id FROM document_page WHERE %s LIKE %s ORDER BY %s USING ~<~ LIMIT 200",
                    SQL.identifier(column),
                    "临床%",
                    SQL.identifier(column),
                )
            )
            plan = "\n".join(row[0] for row in self.env.cr.fetchall())
            self.assertIn(f"document_page__{column}_prefix_index", plan, plan)
            self.assertNotIn("Sort", plan, plan)


@tagged("post_install", "-at_install")
class TestRegulationSearchRpc(RpcMixin, HttpCase, RegulationSearchCase):
    def test_staff_app_over_json_rpc(self):
        self.authenticate("t_nurse", "t_nurse")
        result, error = self._call("document.page", "search_regulations", ["wjz"], {"limit": 5})
        self.assertFalse(error)
        self.assertEqual([(row["title"], row["match"]) for row in result], [("临床危急值报告制度", "pinyin")])
        # the other hospital's doctor: nothing of ours
        self.authenticate("t_doctor_2", "t_doctor_2")
        result, error = self._call("document.page", "search_regulations", ["临床危急值"])
        self.assertFalse(error)
        self.assertEqual(result, [])
        # a patient (portal) may not search the hospital's regulations
        self.authenticate("t_portal", "t_portal")
        result, error = self._call("document.page", "search_regulations", ["危急值"])
        self.assertIsNone(result)
        self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", error)
