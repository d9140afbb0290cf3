from datetime import date, datetime

import pytz

from odoo.addons.ihospital_base.tests.common import IhospitalCase
from odoo.tests import new_test_user

SHANGHAI = pytz.timezone("Asia/Shanghai")
D1, D2 = date(2026, 3, 1), date(2026, 3, 2)
PERIOD = {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-02"}


def local(*args):
    """Naive UTC of a wall-clock time in Beijing."""
    return SHANGHAI.localize(datetime(*args)).astimezone(pytz.utc).replace(tzinfo=None)


class AnalysisCase(IhospitalCase):
    """Two days of the test hospital (2026-03-01 and 02, Beijing time), the
    two days before and the same days a year before, with hand-computed
    figures (see each test):

    - visits: cardiology (Dr Li) an outpatient first visit at 00:30 on the
      1st (16:30 UTC the day before) 200 (insurance 80: drugs 120, lab 80)
      and an emergency return visit at 23:50, 100 without charge lines;
      surgery (Dr Zhang) an outpatient visit at 23:59 on Feb 28 (50) and
      an inpatient stay from 10:00 on the 2nd, 5000 (insurance 3500: drugs
      1000, beds 500, treatment 3500); two cardiology visits on 2025-03-01;
      the other hospital one visit on the 1st;
    - appointments of cardiology on the 1st: online (waited 20 min),
      window (40 min), phone (no-show), online cancelled;
    - cardiology's 10 beds: a stay from Feb 27 10:00 to Mar 1 09:00 (2
      days), one admitted on Mar 1 20:00 still there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cardiology.bed_count = 10
        cls.user_director_2 = new_test_user(
            cls.env,
            login="t_director_2",
            groups="ihospital_base.group_director",
            company_id=cls.hospital_2.id,
            company_ids=[cls.hospital_2.id],
        )
        Visit = cls.env["ihospital.visit"].sudo()

        def visit(department, doctor, start, total, insurance=0, kind=False, visit_type="outpatient", company=None):
            company = company or cls.hospital
            patient = cls.patient_2 if company == cls.hospital_2 else cls.patient_cardio
            return Visit.create(
                {
                    "company_id": company.id,
                    "patient_id": patient.id,
                    "department_id": department.id,
                    "doctor_id": doctor.id,
                    "visit_type": visit_type,
                    "visit_kind": kind,
                    "start": start,
                    "total_charges": total,
                    "insurance_amount": insurance,
                    "source": "his",
                }
            )

        cls.v_first = visit(cls.cardiology, cls.emp_doctor, local(2026, 3, 1, 0, 30), 200, 80, "first")
        cls.v_emergency = visit(
            cls.cardiology, cls.emp_doctor, local(2026, 3, 1, 23, 50), 100, 0, "return", "emergency"
        )
        cls.v_before = visit(cls.surgery, cls.emp_surgeon, local(2026, 2, 28, 23, 59), 50)
        cls.v_stay = visit(cls.surgery, cls.emp_surgeon, local(2026, 3, 2, 10, 0), 5000, 3500, False, "inpatient")
        cls.v_last_year = visit(cls.cardiology, cls.emp_doctor, local(2025, 3, 1, 9, 0), 60) | visit(
            cls.cardiology, cls.emp_doctor, local(2025, 3, 2, 9, 0), 40
        )
        cls.v_other = visit(cls.general_2, cls.emp_doctor_2, local(2026, 3, 1, 10, 0), 70, company=cls.hospital_2)
        # the hospital's map of its HIS's categories, then the lines as the HIS bills them
        classes = (("西药费", "drug"), ("化验费", "lab"), ("床位费", "bed"), ("手术费", "treatment"))
        cls.env["ihospital.charge.class.map"].sudo().create(
            [
                {"company_id": cls.hospital.id, "his_category": category, "charge_class": charge_class}
                for category, charge_class in classes
            ]
        )
        cls.env["ihospital.visit.charge"].sudo().create(
            [
                {"visit_id": cls.v_first.id, "name": "阿司匹林", "category": "西药费", "amount": 120},
                {"visit_id": cls.v_first.id, "name": "血常规", "category": "化验费", "amount": 80},
                {"visit_id": cls.v_stay.id, "name": "药品", "category": "西药费", "amount": 1000},
                {"visit_id": cls.v_stay.id, "name": "床位", "category": "床位费", "amount": 500},
                {"visit_id": cls.v_stay.id, "name": "阑尾切除术", "category": "手术费", "amount": 3500},
            ]
        )

        schedule = (
            cls.env["ihospital.schedule"]
            .sudo()
            .create(
                {
                    "company_id": cls.hospital.id,
                    "department_id": cls.cardiology.id,
                    "doctor_id": cls.emp_doctor.id,
                    "date": D1,
                    "session": "morning",
                    "capacity": 5,
                }
            )
        )
        schedule._generate_slots()
        slots = schedule.slot_ids

        patient_3 = cls.env["ihospital.patient"].create(
            {"name": "Wang Fang", "company_id": cls.hospital.id, "medical_card_number": "T0003"}
        )

        def appointment(slot, patient, channel, state, checked_in=None, called=None):
            return (
                cls.env["ihospital.appointment"]
                .sudo()
                .create(
                    {
                        "company_id": cls.hospital.id,
                        "patient_id": patient.id,
                        "schedule_id": schedule.id,
                        "slot_id": slot.id,
                        "channel": channel,
                        "state": state,
                        "checked_in_at": checked_in,
                        "called_at": called,
                    }
                )
            )

        appointment(slots[0], cls.patient_cardio, "portal", "done", local(2026, 3, 1, 9, 0), local(2026, 3, 1, 9, 20))
        appointment(slots[1], cls.patient_surgery, "window", "done", local(2026, 3, 1, 9, 10), local(2026, 3, 1, 9, 50))
        appointment(slots[2], patient_3, "phone", "no_show")
        appointment(slots[3], patient_3, "portal", "cancelled")

        Admission = cls.env["ihospital.admission"].sudo()
        cls.stay_discharged = Admission.create(
            {
                "company_id": cls.hospital.id,
                "name": "ZY-A1",
                "patient_id": cls.patient_cardio.id,
                "department_id": cls.cardiology.id,
                "admitted_at": local(2026, 2, 27, 10, 0),
            }
        )
        cls.stay_discharged.write({"state": "discharged", "discharged_at": local(2026, 3, 1, 9, 0)})
        cls.stay_current = Admission.create(
            {
                "company_id": cls.hospital.id,
                "name": "ZY-A2",
                "patient_id": cls.patient_surgery.id,
                "department_id": cls.cardiology.id,
                "admitted_at": local(2026, 3, 1, 20, 0),
            }
        )
        cls.Dashboard = cls.env["ihospital.analysis.dashboard"]

    @staticmethod
    def figures(data):
        return {figure["key"]: figure for section in data["sections"] for figure in section["figures"]}

    def values(self, data):
        return {key: figure["value"] for key, figure in self.figures(data).items()}
