from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext
from odoo.tools.sql import create_index

from . import regulation_search as rs


class DocumentPage(models.Model):
    _name = "document.page"
    _inherit = ["document.page", "ihospital.pinyin.mixin"]

    # ------------------------------------------------------------------
    # Search (规章制度检索): title in characters and pinyin, category, the
    # current version's text and its attachments' indexed text, ranked.
    # The SQL is in models/regulation_search.py.
    # ------------------------------------------------------------------
    _pinyin_source = "name"

    name = fields.Char(index="trigram")
    content_text = fields.Text(
        string="Current Text",
        compute="_compute_content_text",
        store=True,
        index="trigram",
        help="The current version's text without its formatting, which the full-text search reads.",
    )
    regulation_search = fields.Char(
        string="Title, Pinyin or Text",
        compute="_compute_regulation_search",
        search="_search_regulation_search",
        help="Finds regulations by title (characters or pinyin), by the text of their current version and by "
        "the text of their attachments.",
    )

    def init(self):
        res = super().init()  # the pinyin mixin creates pg_trgm when it may
        cr = self.env.cr
        for column in rs.PREFIX_COLUMNS:
            create_index(cr, f"document_page__{column}_prefix_index", self._table, [f'"{column}" text_pattern_ops'])
        if self.env.registry.has_trigram:
            # the attachments of the regulations only: their text is searched
            # as substrings, which only a trigram index serves
            create_index(
                cr,
                "ir_attachment__document_page_index_content_trgm",
                "ir_attachment",
                ["index_content gin_trgm_ops"],
                method="gin",
                where="res_model = 'document.page'",
            )
        return res

    @api.depends("type", "history_head.content")
    def _compute_content_text(self):
        for page in self:
            html = page.history_head.content if page.type == "content" else False
            page.content_text = (html and html2plaintext(html, include_references=False).strip()) or False

    def _compute_regulation_search(self):
        self.regulation_search = False

    def _search_regulation_search(self, operator, value):
        if operator not in ("ilike", "like", "=", "not ilike", "not like", "!=") or not isinstance(value, str):
            raise UserError(_("Regulations are searched by a text."))
        best = self._regulation_candidates(value, limit=rs.DOMAIN_CANDIDATES)
        return [("id", "not in" if operator.startswith("not") or operator == "!=" else "in", list(best))]

    @api.model
    def search_regulations(self, query, category_id=False, limit=20):
        """The regulations the caller may read that match `query`, best first:
        title matches (the whole title, its start, inside it), then pinyin
        (full or initials), then the current version's text, then the text of
        its attachments; in the category `category_id` and its sub-categories
        when given; at most `limit` (100 at most). A query of one or two
        characters matches titles and pinyin only.

        :return: [{"id", "title", "category_id", "category", "department_id",
            "department", "match" ("title", "pinyin", "body" or "attachment"),
            "attachment" (the attachment's name, for "attachment"),
            "snippet" (the text around the match)}]
        """
        if (
            not isinstance(query, str)
            or not isinstance(limit, int)
            or isinstance(limit, bool)
            or (category_id and (not isinstance(category_id, int) or isinstance(category_id, bool)))
        ):
            raise UserError(_("A search takes a text, a category and a number of results."))
        self.browse().check_access("read")
        text = rs.clean_query(query)
        best = self._regulation_candidates(text, category_id=category_id or None)
        if not best:
            return []
        visible = self.search([("id", "in", list(best))], order="id")
        pages = self.browse(sorted(visible._ids, key=best.__getitem__)[: max(1, min(limit, 100))])
        attached = [page_id for page_id in pages._ids if rs.KINDS[best[page_id][0]] == "attachment"]
        snippets = {
            page_id: (snippet, attachment)
            for page_id, snippet, attachment in self.env.execute_query(rs.snippets_sql(text, pages._ids, attached))
        }
        department = "department_id" in self._fields
        pages.fetch(["name", "parent_id", "department_id"] if department else ["name", "parent_id"])
        # the names of a readable regulation's category and department
        pages.parent_id.sudo().fetch(["name"])
        if department:
            pages.department_id.sudo().fetch(["complete_name"])
        result = []
        for page in pages:
            snippet, attachment = snippets.get(page.id, (False, False))
            result.append(
                {
                    "id": page.id,
                    "title": page.name,
                    "category_id": page.parent_id.id or False,
                    "category": page.parent_id.sudo().name or False,
                    "department_id": page.department_id.id or False if department else False,
                    "department": page.department_id.sudo().complete_name or False if department else False,
                    "match": rs.KINDS[best[page.id][0]],
                    "attachment": attachment or False,
                    "snippet": snippet or False,
                }
            )
        return result

    @api.model
    def _regulation_candidates(self, query, category_id=None, limit=rs.CANDIDATES):
        """{page id: (rank, branch, position)}: the pages of the current
        companies matching `query` and their best match, before the record
        rules (the caller applies them). One query."""
        sql = rs.candidates_sql(rs.clean_query(query), self.env.companies.ids, category_id, limit=limit)
        if sql is None:
            return {}
        self.flush_model(["name", "type", "active", "company_id", "parent_id", "content_text", *rs.PREFIX_COLUMNS])
        self.env["ir.attachment"].flush_model(["res_model", "res_id", "res_field", "index_content"])
        # raw SQL: a union of ordered, limited index walks, which a domain
        # cannot say; the record rules are applied by the caller's search
        return rs.best_matches(self.env.execute_query(sql))
