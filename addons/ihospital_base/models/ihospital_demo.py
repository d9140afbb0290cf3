import random
from datetime import datetime, time, timedelta

from stdnum.cn import ric

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

SURNAMES = "陈李黄张梁林刘吴何罗郑谢冯邓曾彭苏卢蔡许叶杨周钟潘王赵徐胡朱高郭马"
GIVEN_MALE = [
    "志强",
    "建国",
    "伟",
    "俊杰",
    "家豪",
    "国华",
    "锦荣",
    "振宇",
    "子轩",
    "浩然",
    "文斌",
    "少华",
    "永康",
    "德明",
]
GIVEN_FEMALE = [
    "丽娟",
    "秀英",
    "美玲",
    "婉婷",
    "嘉欣",
    "慧敏",
    "淑芬",
    "海燕",
    "颖",
    "雅琪",
    "晓雯",
    "佩珊",
    "雪梅",
    "玉兰",
]
# Guangzhou districts first, then neighbouring provinces' capitals.
REGIONS = [
    "440103",
    "440104",
    "440105",
    "440106",
    "440111",
    "440112",
    "440113",
    "440114",
    "440304",
    "440604",
    "430102",
    "450103",
    "360102",
    "350102",
]
MOBILE_PREFIXES = ["138", "139", "135", "136", "137", "150", "158", "159", "186", "188", "189", "133", "180"]
STREETS = [
    "越秀区东风东路",
    "天河区天河路",
    "海珠区江南大道中",
    "荔湾区中山八路",
    "白云区机场路",
    "番禺区市桥街大北路",
    "黄埔区大沙地东",
    "天河区体育西路",
]
DIAGNOSES = {
    "internal": [
        "高血压病2级",
        "冠状动脉粥样硬化性心脏病",
        "2型糖尿病",
        "慢性胃炎",
        "上呼吸道感染",
        "社区获得性肺炎",
        "脑梗死恢复期",
        "甲状腺功能亢进症",
        "慢性阻塞性肺疾病急性加重",
    ],
    "surgery": [
        "急性阑尾炎",
        "胆囊结石伴慢性胆囊炎",
        "腹股沟疝",
        "腰椎间盘突出症",
        "膝关节骨性关节炎",
        "桡骨远端骨折",
        "甲状腺结节",
    ],
    "obstetrics": ["早孕", "妊娠期糖尿病", "子宫肌瘤", "慢性宫颈炎"],
    "pediatrics": ["小儿急性支气管炎", "小儿腹泻", "手足口病", "儿童哮喘"],
    "emergency": ["急性胸痛", "急性胃肠炎", "头皮裂伤", "发热待查"],
    "five_senses": ["年龄相关性白内障", "原发性开角型青光眼", "屈光不正"],
    "tcm": ["失眠（心脾两虚证）", "颈椎病", "脾胃虚弱"],
    "other": ["高血压病", "2型糖尿病", "上呼吸道感染", "慢性胃炎"],
}

# (department HIS code, ward, attending doctor, bed doctor, diagnosis,
# ICD-10, days in hospital, discharged days ago or None) of the demo
# hospital's inpatients; the bed doctor D1003 is the demo doctor.
INPATIENTS = [
    ("XNK", "心内科一病区", "D1001", "D1003", "急性前壁心肌梗死", "I21.0", 3, None),
    ("XNK", "心内科一病区", "D1002", "D1003", "心房颤动", "I48.9", 5, None),
    ("XNK", "心内科二病区", "D1002", "D1003", "慢性心力衰竭急性加重", "I50.9", 8, None),
    ("HXK", "呼吸与危重症医学科病区", "D1005", "D1007", "重症社区获得性肺炎", "J18.9", 4, None),
    ("HXK", "呼吸与危重症医学科病区", "D1006", "D1007", "慢性阻塞性肺疾病急性加重", "J44.1", 6, None),
    ("XHK", "消化内科病区", "D1009", "D1011", "上消化道出血", "K92.2", 2, None),
    ("SJK", "神经内科病区", "D1013", "D1015", "急性脑梗死", "I63.9", 3, None),
    ("NFM", "内分泌科病区", "D1017", "D1019", "2型糖尿病伴酮症酸中毒", "E11.1", 2, None),
    ("PWK", "普外科一病区", "D1021", "D1023", "胆囊结石伴急性胆囊炎", "K80.0", 4, None),
    ("GK", "骨科病区", "D1025", "D1027", "股骨颈骨折", "S72.0", 6, None),
    ("EK", "儿科病区", "D1033", "D1035", "小儿支气管肺炎", "J18.0", 3, None),
    ("XNK", "心内科一病区", "D1001", "D1003", "不稳定型心绞痛", "I20.0", 7, 2),
    ("HXK", "呼吸与危重症医学科病区", "D1005", "D1007", "支气管哮喘急性发作", "J45.9", 6, 4),
    ("PWK", "普外科一病区", "D1022", "D1023", "急性阑尾炎", "K35.8", 5, 10),
    ("GK", "骨科病区", "D1026", "D1027", "腰椎间盘突出症", "M51.2", 9, 15),
    ("SJK", "神经内科病区", "D1014", "D1015", "短暂性脑缺血发作", "G45.9", 4, 20),
]
ALLERGIES = [
    {"allergen": "青霉素", "allergen_code": "DRUG-PCN", "allergy_type": "drug", "severity": "severe",
     "reaction": "过敏性休克、喉头水肿"},
    {"allergen": "磺胺类药物", "allergen_code": "DRUG-SUL", "allergy_type": "drug", "severity": "moderate",
     "reaction": "全身皮疹"},
    {"allergen": "头孢类抗生素", "allergen_code": "DRUG-CEPH", "allergy_type": "drug", "severity": "moderate",
     "reaction": "荨麻疹、瘙痒"},
    {"allergen": "海鲜（虾、蟹）", "allergen_code": "FOOD-SEA", "allergy_type": "food", "severity": "mild",
     "reaction": "口唇肿胀、皮疹"},
]  # fmt: skip
# (code, LOINC, name, unit, reference range, normal low, normal high, decimals)
VITAL_SIGNS = [
    ("HR", "8867-4", "心率", "次/分", "60-100", 62, 96, 0),
    ("SBP", "8480-6", "收缩压", "mmHg", "90-139", 105, 138, 0),
    ("DBP", "8462-4", "舒张压", "mmHg", "60-89", 62, 86, 0),
    ("SPO2", "59408-5", "血氧饱和度", "%", "95-100", 95, 99, 0),
    ("TEMP", "8310-5", "体温", "℃", "36.0-37.3", 36.2, 37.2, 1),
    ("RR", "9279-1", "呼吸频率", "次/分", "12-20", 14, 20, 0),
]

# The health check centre's packages (体检套餐): (code, name, sections); an
# item is (code, name, unit, reference range, normal value, abnormal value,
# flag, conclusion); a unit of None is an examining doctor's finding.
EXAM_PACKAGES = [
    (
        "TJ-RZ01",
        "入职体检套餐",
        [
            (
                "一般检查",
                [
                    ("HGT", "身高", "cm", "", "168", "168", "N", ""),
                    ("WGT", "体重", "kg", "", "62.5", "78.4", "N", ""),
                    ("BMI", "体重指数", "kg/m²", "18.5-23.9", "22.1", "27.8", "H", "超重"),
                    ("BP", "血压", "mmHg", "90-139/60-89", "118/76", "148/94", "H", "血压偏高"),
                ],
            ),
            (
                "内科",
                [
                    (
                        "HEART",
                        "心脏听诊",
                        None,
                        "",
                        "心率齐，各瓣膜区未闻及病理性杂音",
                        "心律不齐，可闻及早搏",
                        "A",
                        "心律不齐",
                    ),
                    ("LUNG", "肺部听诊", None, "", "双肺呼吸音清", "双肺呼吸音清", "N", ""),
                ],
            ),
            ("外科", [("SKIN", "皮肤", None, "", "未见异常", "背部见散在皮疹", "A", "皮疹")]),
            ("眼科", [("VIS", "视力（右/左）", None, "≥4.9", "5.0/5.0", "4.6/4.7", "L", "双眼视力下降")]),
            (
                "血常规",
                [
                    ("WBC", "白细胞计数", "10^9/L", "3.5-9.5", "6.12", "10.86", "H", "白细胞升高"),
                    ("HGB", "血红蛋白", "g/L", "115-150", "136", "108", "L", "轻度贫血"),
                ],
            ),
            ("肝功能", [("ALT", "丙氨酸氨基转移酶", "U/L", "7-40", "23", "68", "H", "转氨酶升高")]),
            (
                "胸部DR",
                [
                    (
                        "CXR",
                        "胸部正位片",
                        None,
                        "",
                        "心肺膈未见明显异常",
                        "右下肺少许纤维条索影",
                        "A",
                        "右下肺陈旧性病变",
                    )
                ],
            ),
        ],
    ),
    (
        "TJ-ND01",
        "年度体检套餐（标准版）",
        [
            (
                "一般检查",
                [
                    ("BMI", "体重指数", "kg/m²", "18.5-23.9", "23.0", "28.6", "H", "超重"),
                    ("BP", "血压", "mmHg", "90-139/60-89", "126/80", "152/96", "H", "血压偏高"),
                ],
            ),
            ("内科", [("ABD", "肝脾触诊", None, "", "肝脾肋下未触及", "肝肋下1cm可触及", "A", "肝脏可触及")]),
            (
                "血脂",
                [
                    ("TC", "总胆固醇", "mmol/L", "2.8-5.17", "4.62", "6.35", "H", "血脂异常"),
                    ("TG", "甘油三酯", "mmol/L", "0.56-1.7", "1.21", "2.86", "H", "血脂异常"),
                ],
            ),
            ("血糖", [("GLU", "空腹血糖", "mmol/L", "3.9-6.1", "5.12", "7.04", "H", "空腹血糖升高")]),
            (
                "腹部彩超",
                [("US-LIVER", "肝胆胰脾", None, "", "肝胆胰脾未见明显异常", "肝实质回声增粗增强", "A", "轻度脂肪肝")],
            ),
            ("心电图", [("ECG", "常规心电图", None, "", "窦性心律，正常心电图", "窦性心动过缓", "A", "窦性心动过缓")]),
        ],
    ),
]
EXAM_ADVICE = {
    "血压偏高": "血压偏高：低盐饮食，规律作息，每周测量血压，必要时心血管内科就诊。",
    "血脂异常": "血脂异常：低脂饮食，适量运动，3个月后复查血脂。",
    "空腹血糖升高": "空腹血糖升高：控制饮食，复查空腹血糖及糖化血红蛋白，内分泌科就诊。",
    "轻度脂肪肝": "轻度脂肪肝：控制体重，减少饮酒，半年后复查腹部彩超及肝功能。",
    "转氨酶升高": "转氨酶升高：避免饮酒及熬夜，1个月后复查肝功能。",
    "超重": "超重：控制饮食总热量，每周至少150分钟中等强度运动。",
    "双眼视力下降": "视力下降：眼科进一步检查，注意用眼卫生。",
}
# The allergies and alerts the HIS keeps of outpatients (ADT^A60).
OUTPATIENT_ALLERGIES = [
    {"kind": "allergy", "allergen": "阿司匹林", "allergen_code": "DRUG-ASA", "allergy_type": "drug",
     "severity": "moderate", "reaction": "哮喘发作"},
    {"kind": "allergy", "allergen": "碘造影剂", "allergen_code": "DRUG-IOD", "allergy_type": "drug",
     "severity": "moderate", "reaction": "荨麻疹、胸闷"},
    {"kind": "allergy", "allergen": "花粉", "allergen_code": "ENV-POL", "allergy_type": "environmental",
     "severity": "mild", "reaction": "打喷嚏、流涕"},
    {"kind": "allergy", "allergen": "青霉素", "allergen_code": "DRUG-PCN", "allergy_type": "drug",
     "severity": "severe", "reaction": "过敏性休克"},
    {"kind": "alert", "allergen": "跌倒高风险", "allergen_code": "ALERT-FALL", "severity": "moderate",
     "reaction": "行动需陪护，检查床加床栏"},
    {"kind": "alert", "allergen": "长期服用抗凝药（华法林）", "allergen_code": "ALERT-ANTICOAG",
     "severity": "moderate", "reaction": "有创操作前查凝血功能"},
]  # fmt: skip


class IhospitalDemo(models.AbstractModel):
    """Generates the demo hospitals' patients and visits relative to the
    install date, deterministically (fixed seed)."""

    _name = "ihospital.demo"
    _description = "iHospital Demo Data Generator"

    @api.model
    def _install_chinese(self):
        """Activate Simplified Chinese with the translations of the modules
        installed so far (the demo staff use it; modules installed later get
        theirs at install time)."""
        self.env["res.lang"]._activate_lang("zh_CN")
        installed = self.env["ir.module.module"].search([("state", "=", "installed")])
        installed._update_translations(["zh_CN"])

    @api.model
    def _generate(self, patients_main=200, patients_second=30, days=90):
        rng = random.Random(2026)
        main = self.env.ref("base.main_company")
        second = self.env.ref("ihospital_base.res_company_nanshan_demo")
        main_patients = self._generate_patients(rng, main, patients_main, "YX")
        second_patients = self._generate_patients(rng, second, patients_second, "NS")
        self._link_demo_portal_account(main_patients)
        self._generate_visits(rng, main, main_patients, days, per_day=(18, 30))
        self._generate_visits(rng, second, second_patients, days, per_day=(2, 5))
        self._generate_schedules(rng, main | second)
        self._book_demo_appointments(rng, main, main_patients)

    def _resident_id(self, rng, birth, male, used):
        while True:
            sequence = rng.randint(0, 99) * 10 + (rng.choice([1, 3, 5, 7, 9]) if male else rng.choice([0, 2, 4, 6, 8]))
            body = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")  # it ignores the last character
            if number not in used:
                used.add(number)
                return number

    def _generate_patients(self, rng, company, count, card_prefix):
        today = fields.Date.context_today(self)
        used = set()
        vals_list = []
        for index in range(count):
            male = rng.random() < 0.48
            # a realistic age mix: children, adults, elderly
            age_days = rng.choice(
                [
                    rng.randint(365, 17 * 365),
                    rng.randint(18 * 365, 60 * 365),
                    rng.randint(18 * 365, 60 * 365),
                    rng.randint(60 * 365, 90 * 365),
                ]
            )
            birth = today - timedelta(days=age_days)
            name = rng.choice(SURNAMES) + rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
            vals = {
                "name": name,
                "company_id": company.id,
                "id_type": "resident_id",
                "id_number": self._resident_id(rng, birth, male, used),
                "phone": rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}",
                "address": f"广州市{rng.choice(STREETS)}{rng.randint(1, 300)}号",
                "medical_card_number": f"{card_prefix}{company.id:02d}{index + 1:07d}",
                "his_patient_id": f"P{company.id:02d}{100000 + index}",
            }
            if age_days < 18 * 365:
                vals.update(
                    {
                        "guardian_name": rng.choice(SURNAMES) + rng.choice(GIVEN_FEMALE),
                        "guardian_relation": "parent",
                        "guardian_phone": rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}",
                    }
                )
            vals_list.append(vals)
        return self.env["ihospital.patient"].create(vals_list)

    def _link_demo_portal_account(self, patients):
        user = self.env.ref("ihospital_base.user_patient_demo", raise_if_not_found=False)
        if not user:
            return
        adults = patients.filtered(lambda p: not p.is_minor and p.gender == "female")
        children = patients.filtered("is_minor")
        elderly = patients.filtered(lambda p: p.age >= 65)
        self_patient = adults[0]
        self_patient.name = user.name
        links = [(self_patient, "self"), (children[0], "child"), (elderly[0], "parent")]
        self.env["ihospital.patient.account"].create(
            [{"patient_id": patient.id, "user_id": user.id, "relation": relation} for patient, relation in links]
        )

    def _generate_schedules(self, rng, companies):
        """Weekly clinics for every doctor (two or three sessions a week),
        then the published schedules of the coming booking window."""
        fees = {"chief_physician": ("expert", 50), "associate_chief_physician": ("expert", 30)}
        vals_list = []
        for doctor in self.env["hr.employee"].search(
            [("company_id", "in", companies.ids), ("ihospital_role", "=", "doctor")]
        ):
            clinic_type, fee = fees.get(doctor.professional_title, ("general", 10))
            weekdays = rng.sample(range(6), rng.choice([2, 3]))
            for weekday in weekdays:
                vals_list.append(
                    {
                        "company_id": doctor.company_id.id,
                        "department_id": doctor.department_id.id,
                        "doctor_id": doctor.id,
                        "weekday": str(weekday),
                        "session": rng.choice(["morning", "morning", "afternoon"]),
                        "clinic_type": clinic_type,
                        "fee": fee,
                        "capacity": 30 if clinic_type == "general" else 20,
                        "slot_minutes": 8 if clinic_type == "general" else 12,
                        "room": f"{doctor.department_id.room or ''} {rng.randint(1, 9)}诊室".strip(),
                    }
                )
        templates = self.env["ihospital.schedule.template"].create(vals_list)
        for company in companies:
            # the hospital's own date: between 16:00 and 24:00 UTC, Guangzhou is a day ahead
            today = company._ihospital_today()
            mine = templates.filtered(lambda t, c=company: t.company_id == c)
            mine._generate_schedules(today, today + timedelta(days=company.booking_days_ahead), publish=True)

    def _book_demo_appointments(self, rng, company, patients):
        """A few booked appointments in the coming days, among them the demo
        portal account's patients."""
        Appointment = self.env["ihospital.appointment"]
        now = fields.Datetime.now()
        schedules = self.env["ihospital.schedule"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "published"),
                ("session_start", ">", now),
                ("release_at", "<=", now),
            ]
        )
        portal_user = self.env.ref("ihospital_base.user_patient_demo")
        managed = self.env["ihospital.patient.account"].search([("user_id", "=", portal_user.id)]).patient_id
        for patient in managed[:2] | patients.filtered(lambda p: not p.is_minor)[:40]:
            schedule = rng.choice(schedules)
            try:
                with self.env.cr.savepoint():
                    Appointment._book(schedule, patient, channel=rng.choice(["window", "phone"]))
            except UserError:
                continue  # a rule refused this one (same department that day...): fine for demo data

    def _generate_visits(self, rng, company, patients, days, per_day):
        departments = self.env["hr.department"].search([("company_id", "=", company.id), ("is_clinical", "=", True)])
        doctors_by_department = {
            department: self.env["hr.employee"].search(
                [("department_id", "=", department.id), ("ihospital_role", "=", "doctor")]
            )
            for department in departments
        }
        adults = patients.filtered(lambda p: not p.is_minor)
        children = patients.filtered("is_minor")
        today = fields.Date.context_today(self)
        vals_list = []
        for day in range(days, -1, -1):
            date = today - timedelta(days=day)
            for _index in range(rng.randint(*per_day)):
                department = rng.choice(departments)
                pool = children if department.ihospital_category == "pediatrics" and children else adults
                patient = rng.choice(pool)
                kind = (
                    "emergency"
                    if department.ihospital_category == "emergency"
                    else ("inpatient" if rng.random() < 0.08 else "outpatient")
                )
                start = datetime.combine(date, time(hour=rng.randint(0, 9), minute=rng.randint(0, 59)))
                if kind == "inpatient":
                    end = start + timedelta(days=rng.randint(2, 14), hours=rng.randint(0, 6))
                    total = rng.randint(5000, 60000)
                    insured = round(total * rng.uniform(0.5, 0.85), 2)
                    if end.date() > today:
                        end = False
                else:
                    end = start + timedelta(minutes=rng.randint(10, 40))
                    total = rng.randint(300, 3000) if kind == "emergency" else rng.randint(50, 900)
                    insured = round(total * rng.choice([0, 0.3, 0.5, 0.6]), 2)
                doctors = doctors_by_department[department]
                vals_list.append(
                    {
                        "company_id": company.id,
                        "patient_id": patient.id,
                        "department_id": department.id,
                        "doctor_id": rng.choice(doctors).id if doctors else False,
                        "visit_type": kind,
                        "start": start,
                        "end": end,
                        "diagnosis": rng.choice(DIAGNOSES.get(department.ihospital_category, DIAGNOSES["other"])),
                        "total_charges": total,
                        "insurance_amount": insured,
                        "source": "his",
                        "external_ref": f"HIS{company.id:02d}{date:%Y%m%d}{len(vals_list):05d}",
                    }
                )
        self.env["ihospital.visit"].create(vals_list)

    @api.model
    def _generate_inpatients(self):
        """The demo hospital's inpatients (a handful in hospital now, a few
        discharged), as the HIS sends them: ward, bed, attending and bed
        doctor, admission diagnosis (ICD-10), a transfer from the emergency
        department, allergies, the last day's vital signs (one critical) and
        a critical ECG finding. Its own seed: the other demo data stay as
        they were."""
        rng = random.Random(2027)
        company = self.env.ref("base.main_company")
        departments = {
            d.his_code: d for d in self.env["hr.department"].search([("company_id", "=", company.id)]) if d.his_code
        }
        doctors = {
            e.his_code: e for e in self.env["hr.employee"].search([("company_id", "=", company.id)]) if e.his_code
        }
        patients = self.env["ihospital.patient"].search([("company_id", "=", company.id)], order="id")
        adults = list(patients.filtered(lambda p: not p.is_minor and p.age < 85))
        children = list(patients.filtered("is_minor"))
        rng.shuffle(adults)
        rng.shuffle(children)
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        beds_taken = set()
        vals_list = []
        for index, (code, ward, attending, bed_doctor, diagnosis, icd, days, discharged_ago) in enumerate(INPATIENTS):
            patient = children.pop() if code == "EK" else adults.pop()
            bed = rng.randint(1, 40)
            while (ward, bed) in beds_taken:
                bed = rng.randint(1, 40)
            beds_taken.add((ward, bed))
            discharged_at = now - timedelta(days=discharged_ago, hours=rng.randint(1, 6)) if discharged_ago else False
            admitted_at = (discharged_at or now) - timedelta(days=days, hours=rng.randint(0, 10))
            vals_list.append(
                {
                    "company_id": company.id,
                    "name": f"ZY{admitted_at:%Y%m%d}{index + 1:04d}",
                    "patient_id": patient.id,
                    "department_id": departments[code].id,
                    "ward": ward,
                    "bed": str(bed),
                    "attending_doctor_id": doctors[attending].id,
                    "bed_doctor_id": doctors[bed_doctor].id,
                    "admission_diagnosis": diagnosis,
                    "admission_diagnosis_code": icd,
                    "admitted_at": admitted_at,
                }
            )
        Admission = self.env["ihospital.admission"].with_context(tracking_disable=True)
        admissions = Admission.create(vals_list)
        for admission, stay in zip(admissions, INPATIENTS, strict=True):
            if stay[7]:
                admission.write({"state": "discharged", "discharged_at": now - timedelta(days=stay[7], hours=2)})
        # the myocardial infarction came in through the emergency department
        infarction = admissions[0]
        self.env["ihospital.admission.transfer"].create(
            {
                "admission_id": infarction.id,
                "transferred_at": infarction.admitted_at + timedelta(hours=3),
                "from_department_id": departments["JZK"].id,
                "from_ward": "急诊抢救室",
                "from_bed": "抢3",
                "to_department_id": departments["XNK"].id,
                "to_ward": infarction.ward,
                "to_bed": infarction.bed,
            }
        )
        allergic = admissions[0] | admissions[3] | admissions[6] | admissions[10]
        self.env["ihospital.patient.allergy"].create(
            [
                dict(allergy, patient_id=a.patient_id.id, source="his", identified_date=a.admitted_at.date())
                for a, allergy in zip(allergic, ALLERGIES, strict=True)
            ]
        )
        self._generate_vital_signs(rng, admissions.filtered(lambda a: a.state == "admitted"), now)
        self.env["ihospital.imaging.report"].create(
            {
                "company_id": company.id,
                "name": f"ECG{now:%Y%m%d}0007",
                "patient_id": infarction.patient_id.id,
                "department_id": infarction.department_id.id,
                "doctor_id": infarction.bed_doctor_id.id,
                "modality": "ecg",
                "exam_name": "常规十二导联心电图",
                "findings": (
                    "窦性心律，心率42次/分。\nV1-V4导联ST段抬高0.3-0.5mV。\n可见多源室性早搏，短阵室性心动过速。"
                ),
                "impression": "1. 急性前壁心肌梗死\n2. 窦性心动过缓\n3. 短阵室性心动过速",
                "is_critical": True,
                "critical_finding": "短阵室性心动过速，急性前壁ST段抬高型心肌梗死",
                "source": "his",
                "reported_at": now - timedelta(minutes=40),
            }
        )

    @api.model
    def _generate_exam_reports(self):
        """Physical-exam reports (体检报告) of outpatients of the Guangzhou
        hospital, of its two packages (入职体检, 年度体检), as the health
        check centre's system sends them; and the allergies and alerts the
        HIS keeps of outpatients (outside admissions). Some reports' chief
        examiner is the demo doctor, one is the demo portal patient's. Its
        own seed: the other demo data stay as they were."""
        rng = random.Random(2028)
        company = self.env.ref("base.main_company")
        doctors = {
            e.his_code: e for e in self.env["hr.employee"].search([("company_id", "=", company.id)]) if e.his_code
        }
        examiners = [doctors[code] for code in ("D1003", "D1017", "D1005") if code in doctors]
        inpatients = self.env["ihospital.admission"].search([("company_id", "=", company.id)]).patient_id
        patients = self.env["ihospital.patient"].search(
            [("company_id", "=", company.id), ("id", "not in", inpatients.ids)], order="id"
        )
        adults = patients.filtered(lambda p: not p.is_minor)
        portal_self = adults.filtered(lambda p: p.account_ids.filtered(lambda a: a.relation == "self"))[:1]
        examined = (portal_self | adults.filtered(lambda p: 18 <= p.age <= 70)[:10])[:10]
        today = fields.Date.context_today(self)
        vals_list = []
        for index, patient in enumerate(examined):
            code, package, sections = EXAM_PACKAGES[0 if patient.age < 35 else 1]
            exam_date = today - timedelta(days=rng.randint(3, 60))
            items, findings = [], []
            for section, section_items in sections:
                for item_code, name, unit, reference, normal, abnormal, flag, finding in section_items:
                    is_abnormal = rng.random() < 0.25
                    items.append(
                        Command.create(
                            {
                                "sequence": len(items) + 1,
                                "section": section,
                                "code": item_code,
                                "name": name,
                                "value": abnormal if is_abnormal else normal,
                                "unit": unit or False,
                                "reference_range": reference or False,
                                "flag": flag if is_abnormal else "N",
                                "conclusion": finding if is_abnormal and finding else False,
                            }
                        )
                    )
                    if is_abnormal and finding and finding not in findings:
                        findings.append(finding)
            examiner = examiners[index % len(examiners)]
            vals_list.append(
                {
                    "company_id": company.id,
                    "name": f"TJ{exam_date:%Y%m%d}{index + 1:04d}",
                    "patient_id": patient.id,
                    "package_code": code,
                    "package_name": package,
                    "exam_date": exam_date,
                    "doctor_id": examiner.id,
                    "chief_examiner": examiner.name,
                    "reported_at": fields.Datetime.to_datetime(exam_date) + timedelta(days=3, hours=8),
                    "source": "his",
                    "item_ids": items,
                    "conclusion": "\n".join(f"{n}. {finding}" for n, finding in enumerate(findings, 1))
                    or "本次体检未见明显异常。",
                    "advice": "\n".join(EXAM_ADVICE[f] for f in findings if f in EXAM_ADVICE)
                    or "保持健康生活方式，每年定期体检。",
                }
            )
        self.env["ihospital.exam.report"].with_context(tracking_disable=True, mail_notrack=True).create(vals_list)
        # allergies and alerts of outpatients the demo cardiologists see (their visits)
        cardiology = self.env["hr.department"].search([("company_id", "=", company.id), ("his_code", "=", "XNK")])
        seen = patients.filtered(lambda p: cardiology in p.visit_ids.department_id and not p.allergy_ids)
        elderly = seen.filtered(lambda p: p.age >= 65)
        chosen = (elderly[:2] | seen[:4])[: len(OUTPATIENT_ALLERGIES)]
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        self.env["ihospital.patient.allergy"].create(
            [
                dict(
                    entry,
                    patient_id=patient.id,
                    source="his",
                    his_ref=f"GM{patient.id:06d}{index}",
                    his_recorded_at=now - timedelta(days=rng.randint(5, 80)),
                    identified_date=today - timedelta(days=rng.randint(200, 3000)),
                )
                for index, (patient, entry) in enumerate(
                    zip(chosen, OUTPATIENT_ALLERGIES[4:] + OUTPATIENT_ALLERGIES[:4], strict=False)
                )
            ]
        )

    def _generate_vital_signs(self, rng, admissions, now):
        """Every six hours of the last day for the inpatients; the pneumonia
        patient's oxygen saturation falls to a critical value."""
        vals_list = []
        for admission in admissions:
            critical = admission.admission_diagnosis_code == "J18.9"
            for hours_ago in (24, 18, 12, 6, 1):
                observed_at = now - timedelta(hours=hours_ago, minutes=rng.randint(0, 20))
                for code, loinc, name, unit, reference, low, high, decimals in VITAL_SIGNS:
                    value, flag = rng.uniform(low, high), "N"
                    if critical and code == "SPO2" and hours_ago == 1:
                        value, flag = 84, "LL"
                    elif critical and code == "RR" and hours_ago <= 6:
                        value, flag = 28, "H"
                    vals_list.append(
                        {
                            "company_id": admission.company_id.id,
                            "patient_id": admission.patient_id.id,
                            "admission_id": admission.id,
                            "department_id": admission.department_id.id,
                            "observed_at": observed_at,
                            "code": code,
                            "loinc": loinc,
                            "name": name,
                            "value": f"{value:.{decimals}f}",
                            "unit": unit,
                            "reference_range": reference,
                            "flag": flag,
                            "source_system": "重症监护信息系统" if critical else "移动护理系统",
                            "source": "his",
                            "his_ref": f"VS{admission.name}{code}{observed_at:%m%d%H%M}",
                        }
                    )
        self.env["ihospital.vital.sign"].create(vals_list)

    @api.model
    def _generate_emergency_access(self):
        """Emergency accesses (break the glass) in the Guangzhou hospital:
        the demo doctor's consultation running now, an older one the
        quality office found appropriate, and the demo nurse's emergency
        waiting for review; each on a patient of another department."""
        company = self.env.ref("base.main_company")
        doctor = self.env.ref("ihospital_base.user_doctor_demo")
        nurse = self.env.ref("ihospital_base.user_nurse_demo")
        quality = self.env.ref("ihospital_base.user_quality_demo")
        Patient = self.env["ihospital.patient"]
        patients = Patient.search([("company_id", "=", company.id)], order="id")
        hidden = patients - Patient.with_user(doctor).search([]) - Patient.with_user(nurse).search([])
        if len(hidden) < 3:
            return
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        hidden[0].with_user(doctor)._break_glass(
            "consultation", "消化内科请心内科会诊：患者胸闷伴心电图ST段改变，需查看既往检验结果和用药"
        )
        Access = self.env["ihospital.emergency.access"].sudo()
        employee = self.env["hr.employee"].search([("user_id", "=", doctor.id)], limit=1)
        Access.create(
            {
                "user_id": doctor.id,
                "department_id": employee.department_id.id,
                "patient_id": hidden[1].id,
                "company_id": company.id,
                "reason_kind": "emergency",
                "reason": "夜间急诊会诊，患者晕厥待查，需查看近期心肌酶和电解质结果",
                "granted_at": now - timedelta(days=3, hours=2),
                "expires_at": now - timedelta(days=2, hours=22),
                "review_state": "appropriate",
                "review_note": "急诊会诊记录完整，查阅范围与会诊需要相符",
                "reviewed_by_id": quality.id,
                "reviewed_at": now - timedelta(days=2),
            }
        )
        access = (
            hidden[2]
            .with_user(nurse)
            ._break_glass("emergency", "急诊转入患者突发皮疹和呼吸困难，需核对过敏史和近期用药")
        )
        access.sudo().write({"granted_at": now - timedelta(hours=7), "expires_at": now - timedelta(hours=3)})
