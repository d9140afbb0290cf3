import math
import random
from datetime import timedelta

from odoo import api, models

# the HIS's own charge categories of the demo (its codes as it sends them)
DEMO_CATEGORIES = {
    "drug": "西药费",
    "lab": "化验费",
    "exam": "检查费",
    "treatment": "治疗费",
    "material": "卫生材料费",
    "bed": "床位费",
    "other": "诊查费",
}
# shares of a visit's charges by class (outpatient and emergency, inpatient)
SHARES = {
    "outpatient": {"drug": 0.38, "lab": 0.18, "exam": 0.2, "treatment": 0.1, "material": 0.04, "other": 0.1},
    "inpatient": {
        "drug": 0.3,
        "lab": 0.12,
        "exam": 0.14,
        "treatment": 0.18,
        "material": 0.12,
        "bed": 0.1,
        "other": 0.04,
    },
}
# visits a day of a demo department (weekdays), by category: the scale of
# the detailed demo visits (about 24 a day in the hospital)
DAILY_VISITS = {"internal": 2.5, "surgery": 2.5, "obstetrics": 2, "pediatrics": 3, "emergency": 3, "tcm": 1.5}
# the average length of stay of the demo wards (days)
DEMO_LOS = 8
SUMMARY_DAYS = 395
DETAILED_DAYS = 90


class IhospitalAnalysisDemo(models.AbstractModel):
    """Demo data that makes the operations charts meaningful: the demo
    visits' first/return kinds and charge lines, 13 months of the HIS's
    daily summaries of the demo hospital's departments (full figures before
    the detailed demo visits, inpatient figures since), then the
    aggregates rebuilt. Batch creates only (a fast install)."""

    _name = "ihospital.analysis.demo"
    _description = "iHospital Analysis Demo Data Generator"

    @api.model
    def _generate(self):
        rng = random.Random(2615)
        main = self.env.ref("base.main_company")
        self._generate_visit_details(rng, main)
        self._generate_summaries(rng, main)
        today = main._ihospital_today()
        self.env["ihospital.analysis.day"]._ihospital_rebuild(
            main | self.env.ref("ihospital_base.res_company_nanshan_demo"),
            today - timedelta(days=SUMMARY_DAYS + 1),
            today,
        )

    def _generate_visit_details(self, rng, company):
        """First or return visit, and charge lines by class summing to each
        demo visit's charges (the HIS's categories)."""
        visits = self.env["ihospital.visit"].search(
            [("company_id", "=", company.id), ("charge_ids", "=", False), ("total_charges", ">", 0)]
        )
        Charge = self.env["ihospital.visit.charge"]
        lines = []
        kinds = {"first": self.env["ihospital.visit"], "return": self.env["ihospital.visit"]}
        for visit in visits:
            if visit.visit_type != "inpatient":
                kinds["return" if rng.random() < 0.55 else "first"] |= visit
            shares = SHARES["inpatient" if visit.visit_type == "inpatient" else "outpatient"]
            left = visit.total_charges
            items = list(shares.items())
            for index, (key, share) in enumerate(items):
                amount = (
                    left if index == len(items) - 1 else round(visit.total_charges * share * rng.uniform(0.8, 1.2), 2)
                )
                amount = max(min(amount, left), 0)
                left = round(left - amount, 2)
                if not amount:
                    continue
                vals = {
                    "visit_id": visit.id,
                    "sequence": index,
                    "name": DEMO_CATEGORIES[key],
                    "category": DEMO_CATEGORIES[key],
                    "amount": amount,
                    "insurance_amount": round(amount * visit.insurance_amount / visit.total_charges, 2),
                }
                lines.append(vals)
        Charge.create(lines)
        for kind, records in kinds.items():
            records.with_context(tracking_disable=True).write({"visit_kind": kind})

    def _generate_summaries(self, rng, company):
        """The HIS's daily summaries of the demo hospital's departments for
        the 13 months before today: every figure before the detailed demo
        visits, the inpatient ones since (the HIS knows its wards)."""
        today = company._ihospital_today()
        departments = self.env["hr.department"].search([("company_id", "=", company.id), ("is_clinical", "=", True)])
        vals_list = []
        census = {department: round(department.bed_count * 0.85) for department in departments}
        for offset in range(SUMMARY_DAYS, 0, -1):
            day = today - timedelta(days=offset)
            weekday = 0.55 if day.weekday() >= 5 else 1.0
            season = 1 + 0.12 * math.cos((day.timetuple().tm_yday - 15) / 365 * 2 * math.pi)
            trend = 0.9 + 0.1 * (SUMMARY_DAYS - offset) / SUMMARY_DAYS
            for department in departments:
                vals = {"company_id": company.id, "date": day, "department_id": department.id}
                if department.bed_count:
                    # about 85 % occupied: admissions of a steady census, a stay of DEMO_LOS days
                    beds = department.bed_count
                    admissions = max(0, round(rng.gauss(0.85 * beds / DEMO_LOS, 1.2) * (0.7 if weekday < 1 else 1.1)))
                    discharges = max(0, min(census[department], round(rng.gauss(census[department] / DEMO_LOS, 1))))
                    census[department] = min(beds + 5, census[department] + admissions - discharges)
                    vals.update(
                        admissions=admissions,
                        discharges=discharges,
                        census=census[department],
                        open_beds=beds,
                        bed_days=census[department],
                    )
                base = DAILY_VISITS.get(department.ihospital_category)
                if offset > DETAILED_DAYS and base:
                    emergency = department.ihospital_category == "emergency"
                    visits = max(0, round(rng.gauss(base, base / 3) * (1 if emergency else weekday) * season * trend))
                    first = round(visits * rng.uniform(0.4, 0.5))
                    outpatient_amount = visits * rng.uniform(350, 600)
                    inpatient_amount = visits * 0.08 * rng.uniform(20000, 40000)
                    amounts = {
                        key: round(outpatient_amount * SHARES["outpatient"].get(key, 0) + inpatient_amount * share, 2)
                        for key, share in SHARES["inpatient"].items()
                    }
                    total = sum(amounts.values())
                    insured = round(total * rng.uniform(0.55, 0.65), 2)
                    vals.update(
                        outpatient_visits=0 if emergency else visits,
                        emergency_visits=visits if emergency else 0,
                        first_visits=first,
                        return_visits=visits - first,
                        prescriptions=round(visits * 0.7),
                        insurance_amount=insured,
                        self_paid_amount=round(total - insured, 2),
                        **{f"amount_{key}": amount for key, amount in amounts.items()},
                    )
                if len(vals) > 3:
                    vals_list.append(vals)
        self.env["ihospital.his.daily.summary"].create(vals_list)
