from datetime import datetime, timedelta

import pytz

from odoo import Command, fields
from odoo.addons.ihospital_base.tests.test_booking import BookingCase

SHANGHAI = pytz.timezone("Asia/Shanghai")


def local(*args, tz=SHANGHAI):
    """Naive UTC of a wall-clock time in `tz` (Beijing by default)."""
    return tz.localize(datetime(*args)).astimezone(pytz.utc).replace(tzinfo=None)


class FollowupCase(BookingCase):
    """The test hospitals with their satisfaction surveys and three plans of
    the first hospital: a hospital-wide outpatient plan (day 1 care
    message, day 3 survey), a cardiology outpatient plan (day 2 survey), a
    hypertension (I10) chronic plan (day 7 care message), a discharge plan
    and a surgery plan (day 1 care message each); the second hospital one
    outpatient plan."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.survey = cls.hospital._ihospital_satisfaction_survey()
        cls.survey_2 = cls.hospital_2._ihospital_satisfaction_survey()
        Plan = cls.env["ihospital.followup.plan"]

        def plan(name, kind, steps, company=None, **vals):
            return Plan.create(
                {
                    "name": name,
                    "kind": kind,
                    "company_id": (company or cls.hospital).id,
                    "step_ids": [Command.create(step) for step in steps],
                    **vals,
                }
            )

        care = {"name": "Day 1: care message", "day_offset": 1, "hour": 10.0, "action": "message"}
        cls.plan_outpatient = plan(
            "Outpatient",
            "outpatient",
            [care, {"name": "Day 3: survey", "day_offset": 3, "action": "survey", "survey_id": cls.survey.id}],
        )
        cls.plan_cardiology = plan(
            "Cardiology",
            "outpatient",
            [{"name": "Day 2: survey", "day_offset": 2, "hour": 9.5, "action": "survey", "survey_id": cls.survey.id}],
            department_ids=[Command.link(cls.cardiology.id)],
        )
        cls.plan_chronic = plan(
            "Hypertension",
            "chronic",
            [{"name": "Day 7: care", "day_offset": 7, "action": "message"}],
            diagnosis_prefixes="I10, I11",
        )
        cls.plan_discharge = plan("Discharge", "discharge", [care])
        cls.plan_surgery = plan("After surgery", "surgery", [care])
        cls.plan_2 = plan(
            "Outpatient (2)",
            "outpatient",
            [{"name": "Day 1: survey", "day_offset": 1, "action": "survey", "survey_id": cls.survey_2.id}],
            company=cls.hospital_2,
        )
        cls.Followup = cls.env["ihospital.followup"].sudo()
        cls.Message = cls.env["ihospital.followup.message"].sudo()

    @classmethod
    def _finish_visit(cls, visit, end=None, code=None):
        """What the HIS's visit record does: the visit ends (sudo, as the handler)."""
        end = end or fields.Datetime.now()
        vals = {"end": end}
        if visit.start > end:
            vals["start"] = end - timedelta(minutes=20)
        if code:
            vals["diagnosis_code"] = code
        visit.sudo().write(vals)
        return cls.env["ihospital.followup"].sudo().search([("visit_id", "=", visit.id)])

    def _send_due(self):
        self.env["ihospital.followup.message"]._cron_send_due()
