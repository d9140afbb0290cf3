from odoo import _, models
from odoo.exceptions import AccessError


class DocumentPageCreateMenu(models.TransientModel):
    _inherit = "document.page.create.menu"

    def document_page_menu_create(self):
        """OCA creates the menu and its action as superuser for whoever may
        write the page, anywhere in the menus. A menu shows in the back
        office of every hospital: only the system's administrators add one."""
        if not self.env.su and not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only the system administrators add menus: a menu shows in every hospital."))
        return super().document_page_menu_create()
