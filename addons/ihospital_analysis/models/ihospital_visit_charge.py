from odoo import models
from odoo.tools import SQL

from .ihospital_analysis_day import insert_marks


class IhospitalVisitCharge(models.Model):
    _inherit = "ihospital.visit.charge"

    def _ihospital_charges_reclassified(self, company, his_categories):
        """The hospital's lines of `his_categories` changed class: their
        visits' days are refreshed (one statement)."""
        result = super()._ihospital_charges_reclassified(company, his_categories)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                insert_marks(
                    """SELECT v.company_id,
                              ((v.start AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(c.hospital_tz, 'Asia/Shanghai'))::date
                         FROM ihospital_visit_charge l
                         JOIN ihospital_visit v ON v.id = l.visit_id
                         JOIN res_company c ON c.id = v.company_id
                        WHERE l.company_id = %s AND l.category = ANY(%s)"""
                ),
                company.id,
                list(his_categories),
            )
        )
        if self.env.cr.rowcount:
            self.env.cr.execute("SELECT ihospital_analysis_trigger_cron()")
        return result
