import json

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN, VIEW_ONLY
from odoo.exceptions import UserError, ValidationError
from odoo.tools import LazyTranslate

_lt = LazyTranslate(__name__, default_lang="en_US")

# The default menu of a hospital's messaging service account (互联网版,
# FEATURES W1-W4): label, path, children. Labels are translated when the
# menu is loaded.
DEFAULT_MENU = [
    (
        _lt("Hospital Guide"),
        [
            (_lt("Hospital"), "/hospital"),
            (_lt("Departments"), "/departments"),
            (_lt("Visit Guide"), "/guide"),
            (_lt("Health Encyclopedia"), "/encyclopedia"),
            (_lt("Phone Directory"), "/phones"),
        ],
    ),
    (
        _lt("Quick Care"),
        [
            (_lt("Book"), "/booking"),
            (_lt("Ask a Doctor"), "/my/consultations"),
            (_lt("My Queue"), "/my/appointments"),
            (_lt("My Reports"), "/my/reports"),
        ],
    ),
    (
        _lt("Personal Center"),
        [
            (_lt("My Appointments"), "/my/appointments"),
            (_lt("My Messages"), "/my/messages"),
            (_lt("My Patients"), "/my/patients"),
        ],
    ),
]
# WeChat service accounts: at most 3 top-level buttons of 4 Chinese characters
# (16 bytes), 5 sub-buttons of 60 bytes each.
MAX_TOP, MAX_SUB, MAX_TOP_BYTES, MAX_SUB_BYTES = 3, 5, 16, 60


class IhospitalServiceMenu(models.Model):
    """One entry of the menu of the hospital's messaging service account
    (e.g. a WeChat official account): deep links into the public website and
    the patient portal. Top-level entries group the links."""

    _name = "ihospital.service.menu"
    _description = "Service Account Menu Entry"
    _inherit = ["ihospital.guard.mixin", "ihospital.hospital.mixin"]
    _order = "company_id, parent_id desc, sequence, id"
    _patient_link_fields = ()
    _action_groups = {"action_load_default": (ADMIN,), "action_export_json": VIEW_ONLY}

    name = fields.Char(string="Label", required=True, translate=True)
    sequence = fields.Integer(default=10)
    parent_id = fields.Many2one(
        "ihospital.service.menu",
        string="Menu",
        index=True,
        ondelete="cascade",
        domain="[('parent_id', '=', False), ('company_id', '=', company_id)]",
    )
    child_ids = fields.One2many("ihospital.service.menu", "parent_id", string="Links")
    path = fields.Char(help="Path on the hospital's website, e.g. /my/reports. Empty for a menu with links.")
    url = fields.Char(string="Link", compute="_compute_url")
    active = fields.Boolean(default=True)

    @api.depends("path", "company_id")
    def _compute_url(self):
        for entry in self:
            entry.url = entry.path and entry._base_url() + entry.path or False

    def _base_url(self):
        """The base URL of the hospital's website (else the database's)."""
        self.ensure_one()
        website = self.env["website"].sudo().search([("company_id", "=", self.company_id.id)], limit=1)
        return (website.get_base_url() if website else self.get_base_url()).rstrip("/")

    @api.constrains("parent_id", "path", "company_id")
    def _check_entry(self):
        for entry in self:
            if entry.parent_id and entry.parent_id.parent_id:
                raise ValidationError(_("A service-account menu has two levels only: menus and their links."))
            if entry.parent_id and entry.parent_id.company_id != entry.company_id:
                raise ValidationError(_("A link and its menu belong to the same hospital."))
            if entry.parent_id and not entry.path:
                raise ValidationError(_("Give the path of the link %s, e.g. /my/reports.", entry.name))
            if entry.path and not entry.path.startswith("/"):
                raise ValidationError(_("A path starts with /, e.g. /my/reports."))

    # ------------------------------------------------------------------ actions
    @api.model
    def action_load_default(self):
        """Create the default menu (hospital guide, quick care, personal
        center) for the current hospital if it has none."""
        self._check_action("action_load_default")
        self._load_default_menu(self.env.company)
        return {"type": "ir.actions.client", "tag": "reload"}

    @api.model
    def action_export_json(self):
        self._check_action("action_export_json")
        return {
            "type": "ir.actions.act_url",
            "url": f"/ihospital/service-menu/json?company_id={self.env.company.id}",
            "target": "download",
        }

    # ------------------------------------------------------------------ business
    @api.model
    def _load_default_menu(self, company):
        """Create the default menu of `company` unless it has one. Labels
        are stored in English with their translations in every installed
        language."""
        if self.with_context(active_test=False).search_count([("company_id", "=", company.id)]):
            return self.browse()
        langs = [code for code, _name in self.env["res.lang"].get_installed() if code != "en_US"]

        def create(vals, label):
            entry = self.with_context(lang="en_US").create(dict(vals, name=label._translate("en_US")))
            if langs:
                entry.update_field_translations("name", {lang: label._translate(lang) for lang in langs})
            return entry

        menus = self.browse()
        for top_sequence, (label, links) in enumerate(DEFAULT_MENU, start=1):
            menu = create({"company_id": company.id, "sequence": top_sequence * 10}, label)
            for sequence, (link_label, path) in enumerate(links, start=1):
                create(
                    {"company_id": company.id, "parent_id": menu.id, "path": path, "sequence": sequence * 10},
                    link_label,
                )
            menus |= menu
        return menus

    @api.model
    def _load_default_menu_all(self):
        for company in self.env["res.company"].search([("is_hospital", "=", True)]):
            self._load_default_menu(company)

    @api.model
    def _menu_dict(self, company):
        """The menu of `company` in the service-account menu JSON format:
        {"button": [{"name": ..., "sub_button": [{"type": "view", ...}]}]}."""
        tops = self.search([("company_id", "=", company.id), ("parent_id", "=", False)], order="sequence, id")
        if len(tops) > MAX_TOP:
            raise UserError(_("A service account shows at most %d menus.", MAX_TOP))
        buttons = []
        for top in tops:
            links = top.child_ids.filtered("active").sorted(lambda e: (e.sequence, e.id))
            if len(links) > MAX_SUB:
                raise UserError(_("The menu %(menu)s has more than %(max)d links.", menu=top.name, max=MAX_SUB))
            if len(top.name.encode()) > MAX_TOP_BYTES:
                raise UserError(_("The menu label %s is too long (at most 4 Chinese characters).", top.name))
            if not links and top.path:
                buttons.append({"type": "view", "name": top.name, "url": top.url})
                continue
            sub_buttons = []
            for link in links:
                if len(link.name.encode()) > MAX_SUB_BYTES:
                    raise UserError(_("The link label %s is too long.", link.name))
                sub_buttons.append({"type": "view", "name": link.name, "url": link.url})
            buttons.append({"name": top.name, "sub_button": sub_buttons})
        return {"button": buttons}

    @api.model
    def _menu_json(self, company):
        return json.dumps(self._menu_dict(company), ensure_ascii=False, indent=2)
