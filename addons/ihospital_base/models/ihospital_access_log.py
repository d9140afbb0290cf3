from datetime import timedelta

from psycopg2.errors import ReadOnlySqlTransaction

from odoo import api, fields, models
from odoo.http import request
from odoo.tools import SQL

OPERATIONS = [
    ("read", "Read"),
    ("export", "Export"),
    ("print", "Print"),
    ("download", "Attachment Download"),
    ("emergency", "Emergency Access Granted"),
]
MIN_RETENTION_DAYS = 183  # six months at least
PURGE_BATCH = 10000
MAX_IDS_KEPT = 1000


class IhospitalAccessLog(models.Model):
    """Who saw which patient identity or clinical record, when and from
    where (A3, 敏感数据访问审计): every staff read (form, list, search_read,
    RPC), export, printed report and attachment download of the audited
    models. Rows are written by the platform only; quality officers and
    administrators review them; they are kept for the hospital's retention
    period (six months at least)."""

    _name = "ihospital.access.log"
    _description = "Access to Patient Data"
    _order = "id desc"
    _rec_name = "res_model"

    user_id = fields.Many2one("res.users", string="Who", readonly=True, index=True, ondelete="restrict")
    company_id = fields.Many2one("res.company", string="Hospital", readonly=True, index=True)
    res_model = fields.Char(string="Model", readonly=True, index=True)
    model_name = fields.Char(string="Records", compute="_compute_model_name")
    res_ids = fields.Char(string="Record IDs", readonly=True, help="The ids of the records, comma separated.")
    record_count = fields.Integer(string="Count", readonly=True)
    operation = fields.Selection(OPERATIONS, readonly=True, index=True)
    detail = fields.Char(readonly=True, help="Fields read, report printed or file downloaded.")
    ip_address = fields.Char(string="From (IP)", readonly=True)
    user_agent = fields.Char(readonly=True)
    emergency_access_id = fields.Many2one(
        "ihospital.emergency.access",
        readonly=True,
        index="btree_not_null",
        help="The record was reached through this emergency access (break the glass).",
    )

    @api.depends("res_model")
    def _compute_model_name(self):
        names = {model.model: model.name for model in self.env["ir.model"].sudo().search([])}
        for log in self:
            log.model_name = names.get(log.res_model, log.res_model)

    @api.model
    def _log(self, records, operation, detail="", count=None, emergency_access=None):
        """Record that the current user accessed `records`. Staff only (the
        portal's report views have their own log); nothing for the engine
        (sudo) or an empty set. One row per call, never per record. The
        audited models' read methods are not read-only (see the mixin): the
        row is written in the request's own transaction."""
        user = self.env.user
        if self.env.su or not user._is_internal() or (not records and not count):
            return
        if self.env.cr.readonly:
            # a read-only route (/web/image, /web/content): Odoo runs it
            # again read-write on this error; raised before the INSERT, the
            # server log gets no failed query for each image a doctor opens
            raise ReadOnlySqlTransaction("the access log is written in a read/write transaction")
        ids = list(records._ids)
        if emergency_access is None:
            # a view under an emergency grant is marked (no query: the
            # user's grants are cached)
            emergency_access = self.env["ihospital.emergency.access"]._grant_for(records)
        companies = records.sudo().mapped("company_id") if "company_id" in records._fields else self.env.company
        ip_address = user_agent = False
        if request:
            ip_address = request.httprequest.remote_addr
            user_agent = (request.httprequest.user_agent.string or "")[:256]
        self.sudo().create(
            {
                "user_id": user.id,
                "company_id": (companies[:1] or self.env.company).id,
                "res_model": records._name,
                "res_ids": ",".join(map(str, ids[:MAX_IDS_KEPT])),
                "record_count": len(ids) if count is None else count,
                "operation": operation,
                "detail": (detail or "")[:1000],
                "ip_address": ip_address,
                "user_agent": user_agent,
                "emergency_access_id": emergency_access.id if emergency_access else False,
            }
        )

    @api.model
    def _cron_purge(self):
        """Delete what each hospital no longer keeps, in batches."""
        for company in self.env["res.company"].search([]):
            days = max(company.ihospital_audit_retention_days or 0, MIN_RETENTION_DAYS)
            limit = fields.Datetime.now() - timedelta(days=days)
            while True:
                self.env.cr.execute(
                    SQL(
                        """DELETE FROM ihospital_access_log WHERE id IN (
                               SELECT id FROM ihospital_access_log
                                WHERE company_id = %s AND create_date < %s LIMIT %s)""",
                        company.id,
                        limit,
                        PURGE_BATCH,
                    )
                )
                if self.env.cr.rowcount < PURGE_BATCH:
                    break


class IhospitalAuditedMixin(models.AbstractModel):
    """Models holding patient identity or clinical data: every staff read,
    export, printed report and attachment download is logged in
    ihospital.access.log. `_read_format` is where read(), web_read(),
    search_read() and web_search_read() meet, so the list, the form, the
    kanban and JSON-RPC are all seen (a read() hook alone misses
    search_read)."""

    _name = "ihospital.audited.mixin"
    _description = "Audited Patient Data"

    # Odoo runs the @api.readonly methods of JSON-RPC in read-only
    # transactions; reading audited data writes its log row, so these
    # overrides (without the decorator) make such calls read-write.
    def read(self, fields=None, load="_classic_read"):
        return super().read(fields=fields, load=load)

    @api.model
    def search_read(self, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs):
        return super().search_read(domain=domain, fields=fields, offset=offset, limit=limit, order=order, **read_kwargs)

    def web_read(self, specification):
        return super().web_read(specification)

    @api.model
    def web_search_read(self, domain, specification, offset=0, limit=None, order=None, count_limit=None):
        return super().web_search_read(
            domain, specification, offset=offset, limit=limit, order=order, count_limit=count_limit
        )

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        result = super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy)
        # groups show values (a diagnosis, an ID number) without records
        self.env["ihospital.access.log"]._log(
            self.browse(), "read", f"group by {','.join(groupby or [])}: {','.join(fields or [])}", count=len(result)
        )
        return result

    @api.model
    def web_read_group(self, domain, fields, groupby, limit=None, offset=0, orderby=False, lazy=True):
        return super().web_read_group(domain, fields, groupby, limit=limit, offset=offset, orderby=orderby, lazy=lazy)

    # what Odoo's JSON-RPC reads to choose a read-only transaction: without
    # it, the first class of the model's MRO answering is Odoo's own
    # (decorated) method, and every read was retried read-write after a
    # failed INSERT of its log row
    read._readonly = search_read._readonly = web_read._readonly = web_search_read._readonly = False

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        result = super().name_search(name=name, args=args, operator=operator, limit=limit)
        self.env["ihospital.access.log"]._log(self.browse([row[0] for row in result]), "read", "name search")
        return result

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        if result:
            self.env["ihospital.access.log"]._log(self.browse([row["id"] for row in result]), "read", ",".join(fnames))
        return result

    def export_data(self, fields_to_export):
        self.env["ihospital.access.log"]._log(self, "export", ",".join(fields_to_export))
        return super().export_data(fields_to_export)
