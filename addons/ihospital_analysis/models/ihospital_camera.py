from urllib.parse import quote, urlsplit, urlunsplit

from odoo import _, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_guard_mixin import ADMIN
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

# the staff roles a hospital may open its cameras to (nurses: nothing of the
# analysis, see access_matrix.py)
CAMERA_ROLES = (
    "ihospital_base.group_director",
    "ihospital_base.group_quality_officer",
    "ihospital_base.group_department_head",
    "ihospital_base.group_doctor",
)
STREAM_KINDS = [("hls", "HLS video"), ("webrtc", "WebRTC page")]


def _allowed_groups_domain(env):
    groups = env["res.groups"]
    for xmlid in CAMERA_ROLES:
        groups |= env.ref(xmlid, raise_if_not_found=False) or env["res.groups"]
    return [("id", "in", groups.ids)]


def url_with_credentials(url, username, password):
    """The stream's address with its credentials: put in place of the
    `{username}` and `{password}` placeholders when the address has them (a
    token in the query string), else as the URL's user information
    (rtsp://user:password@host/...)."""
    if not url or not (username or password):
        return url
    username, password = quote(username or "", safe=""), quote(password or "", safe="")
    if "{username}" in url or "{password}" in url:
        return url.replace("{username}", username).replace("{password}", password)
    parts = urlsplit(url)
    userinfo = f"{username}:{password}" if password else username
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc.rpartition('@')[2]}"))


class IhospitalCamera(models.Model):
    """A camera stream of a hospital (视频监控), opened from the dashboard
    through the logged route /ihospital/camera/<id> by the roles the
    hospital allows (group_ids).

    The stream's user name and password are kept in two columns the ORM
    does not know (created in init()): no read, search_read, web_read,
    export or read_group can return them, whoever asks, and no domain can
    probe them. The fields `stream_username` and `stream_password` only
    write them (they read empty); the route puts them into the stream's
    URL, for the user it let in, and nowhere else."""

    _name = "ihospital.camera"
    _inherit = ["ihospital.guard.mixin"]
    _description = "Camera Stream"
    _order = "company_id, sequence, id"
    _action_groups = {"action_forget_credentials": (ADMIN,)}

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", string="Hospital", required=True, index=True, default=lambda self: self.env.company
    )
    location = fields.Char(help="Where the camera looks, as staff say it (e.g. 急诊大厅).")
    stream_kind = fields.Selection(
        STREAM_KINDS,
        string="Stream Type",
        required=True,
        default="hls",
        help="HLS: an .m3u8 address played in the page (phones play it as it is); "
        "WebRTC: the address of the camera system's own player page, shown in the page.",
    )
    stream_url = fields.Char(
        string="Stream Address",
        help="https address of the HLS stream or of the WebRTC page, without user name or password. "
        "A token in the address can be written {username} or {password}: they are filled in when opened.",
    )
    rtsp_url = fields.Char(
        string="RTSP Address",
        help="rtsp:// address offered as a link for a video player (VLC), without user name or password.",
    )
    # write-only: they always read empty (see the class docstring)
    stream_username = fields.Char(
        string="Stream User Name",
        compute="_compute_stream_credentials",
        inverse="_inverse_stream_username",
        search="_search_stream_credentials",
        groups="ihospital_base.group_admin",
        help="Stored out of reach of every reading: type it to change it; it is never shown again.",
    )
    stream_password = fields.Char(
        compute="_compute_stream_credentials",
        inverse="_inverse_stream_password",
        search="_search_stream_credentials",
        groups="ihospital_base.group_admin",
        help="Stored out of reach of every reading: type it to change it; it is never shown again.",
    )
    has_credentials = fields.Boolean(
        string="Credentials Stored", compute="_compute_has_credentials", groups="ihospital_base.group_admin"
    )
    group_ids = fields.Many2many(
        "res.groups",
        "ihospital_camera_res_groups_rel",
        "camera_id",
        "group_id",
        string="Shown To",
        domain=lambda self: _allowed_groups_domain(self.env),
        default=lambda self: self.env.ref("ihospital_base.group_director", raise_if_not_found=False),
        help="The staff roles that see this camera and may open it (a department head is a doctor too). "
        "Administrators see every camera of their hospitals.",
    )

    def init(self):
        # the credentials' columns: outside the ORM on purpose (see the class docstring)
        self.env.cr.execute(
            SQL(
                "ALTER TABLE ihospital_camera ADD COLUMN IF NOT EXISTS stream_login varchar,"
                " ADD COLUMN IF NOT EXISTS stream_secret varchar"
            )
        )

    def _compute_stream_credentials(self):
        for camera in self:
            camera.stream_username = False
            camera.stream_password = False

    def _search_stream_credentials(self, operator, value):
        # a domain must not tell whether a guess is right
        raise UserError(_("A camera's user name and password cannot be searched."))

    def _inverse_stream_username(self):
        self._store_credential("stream_login", "stream_username")

    def _inverse_stream_password(self):
        self._store_credential("stream_secret", "stream_password")

    def _store_credential(self, column, field):
        # an empty value leaves what is stored (the form sends what was
        # typed); "Forget Credentials" clears them
        for camera in self:
            if camera[field]:
                self.env.cr.execute(
                    SQL(
                        "UPDATE ihospital_camera SET %s = %s WHERE id = %s",
                        SQL.identifier(column),
                        camera[field],
                        camera.id,
                    )
                )
        self.invalidate_recordset(["has_credentials"])

    def _compute_has_credentials(self):
        # a form's new record (onchange) has its saved record's id, or none
        ids = tuple(camera._origin.id for camera in self if camera._origin.id)
        stored = set()
        if ids:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM ihospital_camera WHERE id IN %s AND (stream_login <> '' OR stream_secret <> '')",
                    ids,
                )
            )
            stored = {row[0] for row in self.env.cr.fetchall()}
        for camera in self:
            camera.has_credentials = camera._origin.id in stored

    def write(self, vals):
        res = super().write(vals)
        if "company_id" in vals and not self.env.su:
            # the rules are checked before a write, not on the values
            # written: a camera moved to a hospital the user does not keep
            # is refused
            self.check_access("write")
        return res

    @api.constrains("stream_url", "rtsp_url", "stream_kind")
    def _check_urls(self):
        for camera in self:
            for url, schemes in ((camera.stream_url, ("https", "http")), (camera.rtsp_url, ("rtsp", "rtsps"))):
                if not url:
                    continue
                parts = urlsplit(url)
                if parts.scheme not in schemes or not parts.hostname:
                    raise ValidationError(
                        _("The address %(url)s must start with %(schemes)s.", url=url, schemes=" or ".join(schemes))
                    )
                if "@" in parts.netloc:
                    raise ValidationError(
                        _(
                            "Write the camera's user name and password in their own fields, not in the address "
                            "%(url)s: the address is shown to the staff who open the camera.",
                            url=url,
                        )
                    )
            if not (camera.stream_url or camera.rtsp_url):
                raise ValidationError(_("Give the camera %s a stream address or an RTSP address.", camera.name))

    @api.constrains("group_ids")
    def _check_group_ids(self):
        allowed = self.env["res.groups"].search(_allowed_groups_domain(self.env))
        for camera in self:
            if camera.group_ids - allowed:
                raise ValidationError(
                    _("A camera can be shown to directors, quality officers, department heads and doctors only.")
                )

    def action_forget_credentials(self):
        """Clear the stored user name and password (administrators)."""
        self._check_action("action_forget_credentials")
        if self.ids:
            self.env.cr.execute(
                SQL(
                    "UPDATE ihospital_camera SET stream_login = NULL, stream_secret = NULL WHERE id IN %s",
                    tuple(self.ids),
                )
            )
        self.invalidate_recordset(["has_credentials"])
        return True

    @api.model
    def get_dashboard_cameras(self):
        """The cameras the user may open, for the dashboard: none for a
        role without access (nurses), those of the user's roles (record
        rules) in his or her current hospital otherwise."""
        if not self.has_access("read"):
            return []
        cameras = self.search([("company_id", "=", self.env.company.id)])
        return [
            {
                "id": camera.id,
                "name": camera.name,
                "location": camera.location or "",
                "kind": camera.stream_kind if camera.stream_url else "rtsp",
                "url": f"/ihospital/camera/{camera.id}",
            }
            for camera in cameras
        ]

    def _ihospital_open_stream(self):
        """What the camera page shows, credentials included, after checking
        that the user may read this camera (ACL, hospital and role rules),
        and with a row in the access log. For the route only."""
        self.ensure_one()
        self.check_access("read")
        if not self.active:
            raise AccessError(_("This camera is archived."))
        self.env["ihospital.access.log"]._log(
            self, "read", detail="camera stream opened", count=1, emergency_access=False
        )
        self.env.cr.execute(SQL("SELECT stream_login, stream_secret FROM ihospital_camera WHERE id = %s", self.id))
        username, password = self.env.cr.fetchone()
        return {
            "name": self.name,
            "location": self.location or "",
            "kind": self.stream_kind,
            "stream_url": url_with_credentials(self.stream_url, username, password),
            "rtsp_url": url_with_credentials(self.rtsp_url, username, password),
        }


class IhospitalAnalysisDashboard(models.AbstractModel):
    _inherit = "ihospital.analysis.dashboard"

    @api.model
    def _ihospital_cameras(self, scope):
        """The cameras the caller may open, in the dashboard's hospital."""
        return self.env["ihospital.camera"].get_dashboard_cameras()
