from odoo import fields, models, tools
from odoo.tools import SQL


class IhospitalRegulationCampaignReport(models.Model):
    """The completion of read-and-confirm campaigns by department, for
    medical affairs (医务部): one row per campaign and department of its
    readers, with how many confirmed. A view over the read receipts (one
    query whatever the number of readers), listed, pivoted and exported to
    a spreadsheet with Odoo's list export."""

    _name = "ihospital.regulation.campaign.report"
    _description = "Read-and-Confirm Completion by Department"
    _auto = False
    _order = "campaign_id desc, department_id"
    _rec_name = "department_id"

    campaign_id = fields.Many2one("ihospital.regulation.campaign", readonly=True)
    page_id = fields.Many2one("document.page", string="Regulation", readonly=True)
    company_id = fields.Many2one("res.company", string="Hospital", readonly=True)
    department_id = fields.Many2one("hr.department", readonly=True)
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("closed", "Closed")], string="Status", readonly=True
    )
    deadline = fields.Date(readonly=True)
    total_count = fields.Integer(string="Readers", readonly=True)
    confirmed_count = fields.Integer(string="Confirmed", readonly=True)
    unconfirmed_count = fields.Integer(string="Not Confirmed", readonly=True)
    # a share of each row: summing or averaging it over rows means nothing
    confirmed_rate = fields.Float(string="Confirmed (%)", readonly=True, aggregator=False, digits=(16, 1))

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(view)s AS (
                    SELECT MIN(receipt.id) AS id,
                           campaign.id AS campaign_id,
                           campaign.page_id AS page_id,
                           campaign.company_id AS company_id,
                           campaign.state AS state,
                           campaign.deadline AS deadline,
                           receipt.department_id AS department_id,
                           COUNT(*) AS total_count,
                           COUNT(receipt.confirmed_at) AS confirmed_count,
                           COUNT(*) - COUNT(receipt.confirmed_at) AS unconfirmed_count,
                           ROUND(100.0 * COUNT(receipt.confirmed_at) / COUNT(*), 1) AS confirmed_rate
                      FROM ihospital_read_receipt receipt
                      JOIN ihospital_regulation_campaign campaign
                        ON receipt.res_model = 'ihospital.regulation.campaign' AND receipt.res_id = campaign.id
                  GROUP BY campaign.id, receipt.department_id
                )
                """,
                view=SQL.identifier(self._table),
            )
        )
