from odoo import api, fields, models
from odoo.tools import SQL


class IrCron(models.Model):
    _inherit = "ir.cron"

    @api.model
    def _ihospital_trigger(self, xmlid):
        """Wake the cron `xmlid` as soon as possible, unless a wake-up call
        of it is already due and waiting: in a rush, each booking would
        otherwise add a trigger (and a notification of the cron workers)
        for the one run that serves them all. The cron's own interval is
        the backstop for a trigger consumed by a run that started just
        before this transaction committed. (The id comes from the cached
        xml id lookup: env.ref would query the cron's existence each time.)"""
        cron = self.sudo().browse(self.env["ir.model.data"]._xmlid_to_res_id(xmlid, raise_if_not_found=True))
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM ir_cron_trigger WHERE cron_id = %s AND call_at <= %s LIMIT 1",
                cron.id,
                fields.Datetime.now(),
            )
        )
        if not self.env.cr.fetchone():
            cron._trigger()

    @api.model
    def _ihospital_wake(self, *xmlids):
        """Wake these crons as soon as possible, each with a wake-up of its
        own, in one statement: for a transaction that must wake them
        whatever it sees (a pending wake-up in its snapshot may have been
        taken since by a run that found nothing to do), on a hot path."""
        ids = [self.env["ir.model.data"]._xmlid_to_res_id(xmlid, raise_if_not_found=True) for xmlid in xmlids]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, create_date, write_uid, write_date)
                   SELECT id, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM ir_cron WHERE id = ANY(%(ids)s) AND active""",
                now=fields.Datetime.now(),
                uid=self.env.uid,
                ids=ids,
            )
        )
        self.env.cr.postcommit.add(self._notifydb)

    @api.model
    def _ihospital_yield(self, xmlid, done, more):
        """End this run of the cron `xmlid` after one batch, and wake it
        again at once if `more` is left. Odoo's cron worker runs up to 10
        batches of a job that reports records remaining before it looks at
        the other jobs again; a job that yields instead goes back in the
        queue behind the jobs of higher priority that fell due meanwhile (a
        burst of HIS results must not wait for a burst of notices)."""
        if more:
            self._ihospital_trigger(xmlid)
        self._notify_progress(done=done, remaining=0)
