from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN, DIRECTOR, HEAD, HOSPITAL_WIDE, QUALITY
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import html2plaintext
from odoo.tools.sql import create_index

from . import regulation_search as rs

REGULATION_AREAS = [
    ("medical", "Medical"),
    ("nursing", "Nursing"),
    ("quality", "Quality"),
    ("infection", "Infection Control"),
    ("administration", "Administration"),
    ("other", "Other"),
]

# The roles a hospital may name as approvers of a category; whatever a
# category says, only the hospital-wide roles approve (never a nurse or a
# doctor, see `can_user_approve_this_page`).
APPROVER_ROLES = (QUALITY, DIRECTOR, ADMIN)

# Fields of a regulation page that only the versioning engine sets: the
# current version (HEAD) and what follows from it.
PAGE_ENGINE_FIELDS = ("history_head", "approved_date", "approved_uid", "content_date", "content_uid")


class DocumentPage(models.Model):
    """A regulation or procedure (规章制度、流程) of a hospital: an OCA
    document page whose category carries a regulation area. Its content is
    its current version: the approved version in effect today."""

    _name = "document.page"
    _inherit = ["document.page", "ihospital.pinyin.mixin"]

    regulation_area = fields.Selection(
        REGULATION_AREAS,
        compute="_compute_regulation_area",
        store=True,
        readonly=False,
        recursive=True,
        index=True,
        help="Set on a category, it makes its pages regulations of the hospital: versions are approved by "
        "the category's approvers and take effect on their effective date.",
    )
    is_regulation = fields.Boolean(compute="_compute_is_regulation", store=True, index=True)
    regulation_number = fields.Char(
        string="Document Number", index=True, tracking=True, help="The number the hospital issued the document under."
    )
    department_id = fields.Many2one(
        "hr.department",
        index=True,
        tracking=True,
        domain="[('company_id', '=', company_id)]",
        help="A department's own procedure: its head keeps it. Leave empty for a hospital regulation.",
    )
    regulation_approver_group_ids = fields.Many2many(
        "res.groups",
        "document_page_regulation_approver_rel",
        "page_id",
        "group_id",
        string="Approver Roles",
        default=lambda self: self._default_regulation_approver_groups(),
        domain=lambda self: [("id", "in", self._regulation_approver_role_ids())],
        help="The roles that approve the versions of this category's regulations (quality officers, "
        "directors, administrators). Nurses and doctors never approve.",
    )
    version_ids = fields.One2many("document.page.history", "page_id", string="Versions")
    current_version = fields.Char(related="history_head.version", string="Current Version")
    effective_date = fields.Date(related="history_head.effective_date", string="In Effect Since")
    version_count = fields.Integer(compute="_compute_version_count")
    # the files of the version in effect (the PDF or Word original, forms,
    # flow charts), attached to the version while it is a draft and kept with
    # it once approved: listed for the readers to download
    file_ids = fields.Many2many("ir.attachment", string="Files", compute="_compute_file_ids")

    @api.model
    def _regulation_approver_role_ids(self):
        return [self.env.ref(xmlid).id for xmlid in APPROVER_ROLES]

    @api.model
    def _default_regulation_approver_groups(self):
        return [(6, 0, self._regulation_approver_role_ids())]

    @api.depends("parent_id.regulation_area")
    def _compute_regulation_area(self):
        for page in self:
            if page.parent_id.regulation_area:
                page.regulation_area = page.parent_id.regulation_area
            elif page.type != "category":
                page.regulation_area = False

    @api.depends("regulation_area")
    def _compute_is_regulation(self):
        for page in self:
            page.is_regulation = bool(page.regulation_area)

    @api.depends("history_head")
    def _compute_file_ids(self):
        # one search for the pages, with the reader's own access (ir.attachment
        # lets whoever reads the page read its files)
        files = self.env["ir.attachment"].search(
            [("res_model", "=", "document.page.history"), ("res_id", "in", self.history_head.ids)], order="name, id"
        )
        for page in self:
            page.file_ids = files.filtered(lambda attachment, page=page: attachment.res_id == page.history_head.id)

    @api.depends("version_ids")
    def _compute_version_count(self):
        counts = dict(
            self.env["document.page.history"]._read_group([("page_id", "in", self.ids)], ["page_id"], ["__count"])
        )
        for page in self:
            page.version_count = counts.get(page, 0)

    @api.depends("approval_required", "parent_id.is_approval_required", "regulation_area")
    def _compute_is_approval_required(self):
        result = super()._compute_is_approval_required()
        for page in self.filtered("is_regulation"):
            page.is_approval_required = True
        return result

    @api.depends("approver_gid", "parent_id.approver_group_ids", "regulation_approver_group_ids")
    def _compute_approver_group_ids(self):
        result = super()._compute_approver_group_ids()
        for page in self.filtered(lambda page: page.type == "category"):
            page.approver_group_ids |= page.regulation_approver_group_ids
        return result

    @api.depends("history_ids", "version_ids.state", "version_ids.effective_date")
    def _compute_history_head(self):
        """A regulation's HEAD is its version in effect (state approved,
        kept single by `_ihospital_refresh_versions`); other pages keep
        OCA's latest approved change."""
        regulations = self.filtered("is_regulation")
        result = super(DocumentPage, self - regulations)._compute_history_head()
        for page in regulations:
            current = page.version_ids.filtered(lambda version: version.state == "approved")
            page.history_head = current.sorted(lambda v: (v.effective_date, v.approved_date, v.id))[-1:]
        return result

    @api.constrains("is_regulation", "company_id", "parent_id", "department_id", "type")
    def _check_regulation_hospital(self):
        # OCA shows a page without a company to every company: here, to the
        # staff of every hospital
        orphan = self.filtered(lambda page: not page.company_id and not page.is_regulation)
        if orphan:
            raise ValidationError(_("The page %s must belong to a hospital.", orphan[0].name))
        for page in self.filtered("is_regulation"):
            if not page.company_id:
                raise ValidationError(_("The regulation %s must belong to a hospital.", page.name))
            others = (page.parent_id.company_id, page.department_id.company_id)
            if any(company and company != page.company_id for company in others):
                raise ValidationError(
                    _(
                        "The category and department of %(page)s must belong to %(hospital)s.",
                        page=page.name,
                        hospital=page.company_id.name,
                    )
                )
            if page.department_id and page.type == "category":
                raise ValidationError(_("A category belongs to the hospital, not to a department."))

    def _get_page_index(self, link=True):
        """OCA's index of a category, with the page titles escaped: a title
        is text, not HTML."""
        self.ensure_one()
        index = [Markup("<li>%s</li>") % subpage._get_page_index() for subpage in self.child_ids]
        result = Markup("")
        if link:
            result = Markup('<a href="%s">%s</a>') % (self.backend_url, self.name)
        if index:
            result += Markup("<ul>%s</ul>") % Markup("").join(index)
        return result

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._check_regulation_engine_vals(vals)
                self._check_menu_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        if self.env.su:
            return super().write(vals)
        self._check_menu_vals(vals)
        regulations = self.filtered("is_regulation")
        if regulations or self._vals_make_regulation(vals):
            self._check_regulation_engine_vals(vals)
        others_with_versions = (self - regulations).filtered("version_ids")
        if {"parent_id", "regulation_area"} & set(vals):
            # a category made a regulation area makes its pages regulations:
            # their versions were approved by anyone (OCA approves a page
            # outside the library without approvers)
            others_with_versions = (
                self.sudo()
                .with_context(active_test=False)
                .search([("id", "child_of", self.ids), ("is_regulation", "=", False)])
                .filtered("version_ids")
            )
        result = super().write(vals)
        if {"department_id", "company_id", "parent_id", "regulation_area"} & set(vals):
            # the rules once more on the new values: a head cannot move his
            # procedure to another department or make it the hospital's
            self.check_access("write")
            # nor take a regulation out of the approval (a page outside the
            # library is approved by anyone), or bring in a page whose
            # versions nobody approved as a regulation
            if regulations.filtered(lambda page: not page.is_regulation):
                raise AccessError(_("A regulation stays in a regulation category: move it to another one."))
            if others_with_versions.filtered("is_regulation"):
                raise AccessError(
                    _("A page with versions cannot become a regulation: create the regulation and its first version.")
                )
        return result

    def _check_menu_vals(self, vals):
        """A page's menu is OCA's create-menu wizard's, which only the
        system's administrators run: deleting the page deletes its menu."""
        if "menu_id" in vals and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only the system administrators link a page to a menu."))

    def _vals_make_regulation(self, vals):
        parent = self.browse(vals.get("parent_id"))
        return bool(vals.get("regulation_area") or parent.sudo().regulation_area)

    def _check_regulation_engine_vals(self, vals):
        engine = set(vals) & set(PAGE_ENGINE_FIELDS + ("draft_name", "draft_summary"))
        if engine:
            labels = sorted(self._fields[name]._description_string(self.env) for name in engine)
            raise AccessError(
                _(
                    "%(fields)s of a regulation are set by its approved versions only; "
                    "write a new version and have it approved instead.",
                    fields=", ".join(labels),
                )
            )

    def action_new_version(self):
        """Open a new draft version of this regulation, starting from the
        current text (or the category's template)."""
        self.ensure_one()
        if not self.is_regulation or self.type != "content":
            raise UserError(_("Only a regulation of a category has versions."))
        self.check_access("write")
        if not any(self.env.user.has_group(group) for group in (HEAD, *HOSPITAL_WIDE)):
            raise AccessError(_("Your role does not allow you to write regulations."))
        version = self.env["document.page.history"].create(
            {
                "page_id": self.id,
                "name": self.name,
                "content": self.history_head.content or self.parent_id.template or "",
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "document.page.history",
            "res_id": version.id,
            "view_mode": "form",
            "views": [(self.env.ref("ihospital_regulation.document_page_history_view_form").id, "form")],
            "target": "current",
        }

    def action_view_versions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("ihospital_regulation.document_page_history_action")
        action["domain"] = [("page_id", "=", self.id)]
        action["context"] = {"default_page_id": self.id}
        return action

    def can_user_approve_this_page(self, user):
        """A regulation always needs approval, by a hospital-wide role
        (quality officer, director, administrator) of its hospital that the
        category names; OCA lets anyone approve a page without approval
        groups, and a knowledge manager approve anything."""
        self.ensure_one()
        if not self.is_regulation:
            return super().can_user_approve_this_page(user)
        if self.company_id not in user.company_ids:
            return False
        return bool(self._regulation_approver_roles() & user.groups_id)

    def _regulation_approver_roles(self):
        """The roles that approve this regulation: those its category names
        among the approver roles, or all of them when it names none (a
        regulation is never left without approvers, nor approved by anyone)."""
        self.ensure_one()
        role_ids = self._regulation_approver_role_ids()
        roles = self.approver_group_ids.filtered(lambda group: group.id in role_ids)
        return roles or self.env["res.groups"].browse(role_ids)

    def _ihospital_refresh_versions(self):
        """Put each regulation's version in effect today in place: of the
        approved versions (approved, scheduled or superseded), the one with
        the latest effective date on or before the hospital's today is in
        effect, earlier ones are superseded, later ones scheduled. Runs as
        the engine (after the caller's checks), set-based, idempotent."""
        History = self.env["document.page.history"].sudo()
        versions = History.search(
            [("page_id", "in", self.ids), ("state", "in", ("scheduled", "approved", "superseded"))]
        )
        todays = {}
        targets = {"scheduled": History, "approved": History, "superseded": History}
        newly_current = History
        for page in self.sudo():
            page_versions = versions.filtered(lambda version, page=page: version.page_id == page)
            today = todays.setdefault(page.company_id, page.company_id._ihospital_today())
            effective = page_versions.filtered(lambda version, today=today: version.effective_date <= today)
            current = effective.sorted(lambda v: (v.effective_date, v.approved_date, v.id))[-1:]
            for version in page_versions:
                if version.effective_date > today:
                    target = "scheduled"
                elif version == current:
                    target = "approved"
                else:
                    target = "superseded"
                if version.state != target:
                    targets[target] |= version
            if current and current.state != "approved":
                newly_current |= current
        for state, records in targets.items():
            if records:
                records.write({"state": state})
        for version in newly_current:
            version.page_id.message_post(
                body=_(
                    "Version %(version)s of %(page)s is in effect from %(date)s.",
                    version=version.version or "",
                    page=version.page_id.name,
                    date=version.effective_date,
                ),
                subtype_xmlid="mail.mt_comment",
            )
        return newly_current

    @api.model
    def _cron_refresh_versions(self):
        """Daily: versions whose effective date has come take effect."""
        # a hospital east of the server may already be a day ahead: look one
        # day on, each hospital's own today decides (_ihospital_refresh_versions)
        due = (
            self.env["document.page.history"]
            .sudo()
            .search(
                [("state", "=", "scheduled"), ("effective_date", "<=", fields.Date.add(fields.Date.today(), days=1))]
            )
        )
        due.page_id._ihospital_refresh_versions()

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
                "ir_attachment__document_page_history_index_content_trgm",
                "ir_attachment",
                ["index_content gin_trgm_ops"],
                method="gin",
                where="res_model = 'document.page.history'",
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

    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        """A search by `regulation_search` with no order of its own (the
        phone's search screen, the search box of the lists) comes best
        first, ranked as `search_regulations` ranks; an order the user picks
        (a column's header) wins. The candidates are found once (their ranks
        are the term's ids), at most DOMAIN_CANDIDATES, ranked here after
        the record rules."""
        position = None if order else self._regulation_search_leaf(domain)
        if position is None:
            return super().search_fetch(domain, field_names, offset=offset, limit=limit, order=order)
        best = self._regulation_candidates(domain[position][2], limit=rs.DOMAIN_CANDIDATES)
        domain = [*domain[:position], ("id", "in", list(best)), *domain[position + 1 :]]
        found = super().search_fetch(domain, field_names, order="id")
        ranked = sorted(found._ids, key=best.__getitem__)
        return self.browse(ranked[offset : None if limit is None else offset + limit])

    @api.model
    def _regulation_search_leaf(self, domain):
        """The position of the domain's positive `regulation_search` term, if any."""
        for position, leaf in enumerate(domain or ()):
            if (
                isinstance(leaf, list | tuple)
                and len(leaf) == 3
                and leaf[0] == "regulation_search"
                and leaf[1] in ("ilike", "like", "=")
                and isinstance(leaf[2], str)
            ):
                return position
        return None

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
