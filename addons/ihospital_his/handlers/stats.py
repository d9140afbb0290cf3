"""The daily summary (stats.daily; HL7 ZDS^Z01): figures of one day the HIS
knows only in aggregate, for one department or the whole hospital."""

from odoo import _
from odoo.exceptions import ValidationError

from .common import Handler, register

# The figures of a daily summary, in the order of the protocol (stats.daily,
# HL7 ZDS-3 onwards): (field, integer?)
SUMMARY_FIGURES = [
    ("outpatient_visits", True),
    ("emergency_visits", True),
    ("first_visits", True),
    ("return_visits", True),
    ("admissions", True),
    ("discharges", True),
    ("census", True),
    ("open_beds", True),
    ("bed_days", True),
    ("prescriptions", True),
    ("amount_drug", False),
    ("amount_lab", False),
    ("amount_exam", False),
    ("amount_treatment", False),
    ("amount_material", False),
    ("amount_bed", False),
    ("amount_other", False),
    ("insurance_amount", False),
    ("self_paid_amount", False),
]


@register
class StatsDaily(Handler):
    message_type = "stats.daily"

    def process(self, message, data):
        message._require(data, "date")
        day = message._date(data["date"], "date")
        if day > message._today():
            raise ValidationError(_("A daily summary cannot be of a day to come (%s).", data["date"]))
        # an unknown department waits for its master data (retried, then parked)
        department = message._department(data.get("department_code"))
        figures = {}
        for name, integer in SUMMARY_FIGURES:
            value = data.get(name)
            if value is None or value == "":
                continue  # not reported: stays NULL
            if integer and isinstance(value, float) and not value.is_integer():
                raise ValidationError(_("%s must be a whole number.", name))
            figures[name] = message._number(value, name, integer=integer, minimum=0)
        if not figures:
            raise ValidationError(_("The daily summary reports no figure."))
        summary, created = (
            message.env["ihospital.his.daily.summary"]
            .sudo()
            ._ihospital_upsert(message._hospital, day, department, figures)
        )
        message._link(summary, "created" if created else "updated")
