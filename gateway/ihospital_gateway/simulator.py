"""HIS / LIS / RIS / queue-system simulator (``ihospital-gateway simulate-his``).

It plays the hospital side of docs/his-protocol.md against a running gateway:

- it **sends** what a hospital sends (master data, schedules and a stop notice, patient registrations
  and updates, lab results with critical values, imaging reports with a critical ECG finding,
  admissions, a transfer, a discharge and a cancelled admission, vital signs from the ICU and nursing
  systems with critical values, medical orders of the inpatients with their executions (one skipped), a
  changed, a stopped and a cancelled order, physical-exam reports, outpatients' allergies and alerts, visits
  with charges and insurance amounts, queue calls, a complaint),
  HL7 v2 over MLLP and JSON lines, one short connection per message, and checks that every reply is
  ``AA``;
- it **listens** like a HIS for what the platform sends (bookings, cancellations, patient data, and
  the receipts of critical values, which it keeps in the laboratory's register), answers ``SRR^S01`` /
  a JSON reply with a HIS appointment number, remembers the bookings and later reports some of them
  attended (SIU^S14), no-show (S26) or cancelled (S15).

The codes match the demo data of ``ihospital_base`` (departments ``XNK``..., doctors ``D1001``...,
demo patients ``P01100000``... with medical cards ``YX010000001``...), so the traffic lands on real
records of a demo database. The builders (``build_lab_result``...) and clients (``send_mllp``,
``send_json``, ``MllpClient``, ``JsonLineClient``) are reusable by benchmarks and tests.
"""

import argparse
import datetime
import itertools
import json
import logging
import random
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field

from . import codec, hl7codec, jsoncodec
from .schema import DAILY_FIGURES, CodecError

_logger = logging.getLogger(__name__)

CHINA_TZ = datetime.timezone(datetime.timedelta(hours=8), "CST")
MLLP_START, MLLP_END = b"\x0b", b"\x1c\r"
DEFAULT_HL7 = "127.0.0.1:2575"
DEFAULT_JSON = "127.0.0.1:2576"
DEFAULT_LISTEN_HL7 = "127.0.0.1:2577"
DEFAULT_LISTEN_JSON = "127.0.0.1:2578"

# --- demo data of ihospital_base (main company 广州市越秀中心医院) ----------------------------------

HOSPITAL = {
    "code": "YXZX",
    "name": "广州市越秀中心医院",
    "grade": "3a",
    "address": "广州市越秀区中山二路88号",
    "phone": "020-83821000",
    "website": "https://www.yxzx-hospital.example.cn",
    "introduction": "广州市越秀中心医院始建于1952年，是一所集医疗、教学、科研、预防保健为一体的三级甲等综合医院。",
}
#: (his_code, name, category, floor, room, phone) of the demo clinical departments.
DEPARTMENTS = [
    ("XNK", "心血管内科", "internal", "3F", "3楼A区", "020-83821101"),
    ("HXK", "呼吸与危重症医学科", "internal", "3F", "3楼B区", "020-83821102"),
    ("XHK", "消化内科", "internal", "4F", "4楼A区", "020-83821103"),
    ("SJK", "神经内科", "internal", "4F", "4楼B区", "020-83821104"),
    ("NFM", "内分泌科", "internal", "4F", "4楼C区", "020-83821105"),
    ("PWK", "普通外科", "surgery", "2F", "2楼A区", "020-83821106"),
    ("GK", "骨科", "surgery", "2F", "2楼B区", "020-83821107"),
    ("FCK", "妇产科", "obstetrics", "5F", "5楼", "020-83821108"),
    ("EK", "儿科", "pediatrics", "1F", "1楼东侧", "020-83821109"),
    ("JZK", "急诊科", "emergency", "1F", "1楼西侧", "020-83821120"),
    ("YK", "眼科", "five_senses", "5F", "5楼A区", "020-83821110"),
    ("ZYK", "中医科", "tcm", "5F", "5楼B区", "020-83821111"),
]
DEPARTMENT_BUILDING = {"FCK": "住院大楼"}
#: staffed beds (开放床位) of the inpatient departments, as in the platform's demo data
DEPARTMENT_BEDS = {
    "XNK": 60, "HXK": 50, "XHK": 45, "SJK": 50, "NFM": 30, "PWK": 55, "GK": 50, "FCK": 40, "EK": 35, "JZK": 20,
    "ZYK": 25,
}  # fmt: skip
DEPARTMENT_ROOMS = {code: room for code, _name, _category, _floor, room, _phone in DEPARTMENTS}
#: (his_code, name, department his_code, title, specialty) of the demo doctors.
DOCTORS = [
    ("D1001", "陈志远", "XNK", "主任医师", "冠心病介入治疗、急性心肌梗死救治"),
    ("D1002", "郑子轩", "XNK", "副主任医师", "心律失常射频消融、起搏器植入"),
    ("D1003", "李晓明", "XNK", "主治医师", "高血压、心力衰竭的规范化治疗"),
    ("D1005", "周丽娟", "HXK", "主任医师", "慢性阻塞性肺疾病、支气管哮喘"),
    ("D1006", "林子轩", "HXK", "副主任医师", "肺部结节诊断与随访、支气管镜检查"),
    ("D1007", "苏嘉欣", "HXK", "主治医师", "睡眠呼吸暂停综合征"),
    ("D1009", "冯子轩", "XHK", "主任医师", "消化道早癌内镜诊治"),
    ("D1010", "蔡振宇", "XHK", "副主任医师", "炎症性肠病、功能性胃肠病"),
    ("D1011", "卢丽娟", "XHK", "主治医师", "肝硬化及并发症的治疗"),
    ("D1013", "林嘉欣", "SJK", "主任医师", "急性脑卒中溶栓与取栓"),
    ("D1014", "邓振宇", "SJK", "副主任医师", "癫痫、头痛的诊治"),
    ("D1015", "蔡伟民", "SJK", "主治医师", "帕金森病及运动障碍性疾病"),
    ("D1017", "黄子轩", "NFM", "主任医师", "糖尿病及其并发症"),
    ("D1018", "刘海燕", "NFM", "副主任医师", "甲状腺结节、甲亢与甲减"),
    ("D1019", "梁晓明", "NFM", "主治医师", "骨质疏松、肥胖症"),
    ("D1021", "杨俊杰", "PWK", "主任医师", "腹腔镜胆囊、阑尾及疝修补手术"),
    ("D1022", "罗国栋", "PWK", "副主任医师", "甲状腺、乳腺肿瘤手术"),
    ("D1023", "蔡少华", "PWK", "主治医师", "胃肠道肿瘤根治术"),
    ("D1025", "卢锦添", "GK", "主任医师", "人工髋膝关节置换"),
    ("D1026", "潘伟民", "GK", "副主任医师", "脊柱微创手术、腰椎间盘突出"),
    ("D1027", "许美玲", "GK", "主治医师", "运动损伤、关节镜手术"),
    ("D1029", "罗淑芬", "FCK", "主任医师", "高危妊娠管理、产前诊断"),
    ("D1030", "潘美玲", "FCK", "副主任医师", "子宫肌瘤、卵巢囊肿微创手术"),
    ("D1031", "何晓明", "FCK", "主治医师", "宫颈疾病筛查与治疗"),
    ("D1033", "谢慧敏", "EK", "主任医师", "儿童哮喘、反复呼吸道感染"),
    ("D1034", "钟婉婷", "EK", "副主任医师", "儿童生长发育、矮小症"),
    ("D1035", "周志强", "EK", "主治医师", "新生儿疾病、早产儿随访"),
    ("D1037", "罗婉婷", "JZK", "主任医师", "急危重症救治、心肺复苏"),
    ("D1038", "黄丽娟", "JZK", "副主任医师", "创伤急救、中毒救治"),
    ("D1039", "潘锦添", "JZK", "主治医师", "急性胸痛的快速诊断"),
    ("D1041", "林晓明", "YK", "主任医师", "白内障超声乳化手术"),
    ("D1042", "彭振宇", "YK", "副主任医师", "青光眼、眼底病激光治疗"),
    ("D1043", "杨秀英", "YK", "主治医师", "儿童近视防控、斜弱视"),
    ("D1045", "黄海燕", "ZYK", "主任医师", "中医内科调理、岭南膏方"),
    ("D1046", "蔡志强", "ZYK", "副主任医师", "针灸治疗颈肩腰腿痛"),
    ("D1047", "梁慧敏", "ZYK", "主治医师", "失眠、脾胃病的中医调理"),
]
DOCTORS_BY_DEPARTMENT = {code: [d for d in DOCTORS if d[2] == code] for code, *_rest in DEPARTMENTS}
#: ihospital.demo generates 200 patients of the main company (company id 1) with these identifiers.
DEMO_PATIENT_COUNT = 200
DEMO_COMPANY_ID = 1


def demo_patient(index: int) -> dict:
    """Identifiers of the ``index``-th demo patient (0-based), as ``ihospital.demo`` creates them.

    Only identifiers: the demo names, birth dates and ID numbers are random and the platform matches by
    ``his_patient_id`` first, so a message about a demo patient must not send another name.
    """
    return {
        "his_patient_id": "P%02d%d" % (DEMO_COMPANY_ID, 100000 + index),
        "medical_card_number": "YX%02d%07d" % (DEMO_COMPANY_ID, index + 1),
    }


SURNAMES = "陈李黄张梁林刘吴何罗郑谢冯邓曾彭苏卢蔡许叶杨周钟潘王赵徐胡朱高郭马"
GIVEN_MALE = ["志强", "建国", "伟", "俊杰", "家豪", "国华", "锦荣", "振宇", "子轩", "浩然", "文斌", "德明"]
GIVEN_FEMALE = ["丽娟", "秀英", "美玲", "婉婷", "嘉欣", "慧敏", "淑芬", "海燕", "颖", "雅琪", "晓雯", "玉兰"]
REGIONS = ["440103", "440104", "440105", "440106", "440111", "440112", "440113", "440114"]
STREETS = ["越秀区东风东路", "天河区天河路", "海珠区江南大道中", "荔湾区中山八路", "白云区机场路", "番禺区市桥街大北路"]
MOBILE_PREFIXES = ["138", "139", "135", "136", "137", "150", "158", "159", "186", "188", "189", "133"]
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(rng: random.Random, birth: datetime.date, male: bool) -> str:
    """A well-formed 18-digit resident ID number (GB 11643, ISO 7064 MOD 11-2 check digit)."""
    sequence = rng.randint(0, 99) * 10 + rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
    body = "%s%s%03d" % (rng.choice(REGIONS), birth.strftime("%Y%m%d"), sequence)
    check = (12 - sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


def new_patient(rng: random.Random, serial: int) -> dict:
    """A full new patient as a HIS registers it (identifiers outside the demo ranges)."""
    male = rng.random() < 0.48
    birth = datetime.date.today() - datetime.timedelta(days=rng.randint(18 * 365, 85 * 365))
    return {
        "his_patient_id": "P%02d%d" % (DEMO_COMPANY_ID, 300000 + serial),
        "medical_card_number": "YX%02d9%06d" % (DEMO_COMPANY_ID, serial),
        "id_type": "resident_id",
        "id_number": resident_id(rng, birth, male),
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN_MALE if male else GIVEN_FEMALE),
        "gender": "male" if male else "female",
        "birth_date": birth.isoformat(),
        "phone": rng.choice(MOBILE_PREFIXES) + "%08d" % rng.randint(0, 99999999),
        "address": "广州市%s%d号" % (rng.choice(STREETS), rng.randint(1, 300)),
    }


def hospital_today() -> datetime.date:
    """The date in Guangzhou, whatever the time zone of the machine the simulator runs on."""
    return datetime.datetime.now(CHINA_TZ).date()


def now_iso(offset_minutes: int = 0) -> str:
    moment = datetime.datetime.now(CHINA_TZ) + datetime.timedelta(minutes=offset_minutes)
    return moment.replace(microsecond=0).isoformat()


# --- realistic clinical content -----------------------------------------------------------------------

#: panel title -> items (code, name, unit, low, high, critical low, critical high, decimals).
LAB_PANELS = {
    "血常规": [
        ("WBC", "白细胞计数", "10^9/L", 3.5, 9.5, 1.0, 30.0, 2),
        ("RBC", "红细胞计数", "10^12/L", 4.3, 5.8, None, None, 2),
        ("HGB", "血红蛋白", "g/L", 130, 175, 50, None, 0),
        ("PLT", "血小板计数", "10^9/L", 125, 350, 20, 1000, 0),
        ("NEUT%", "中性粒细胞百分比", "%", 40, 75, None, None, 1),
    ],
    "肝功能": [
        ("ALT", "丙氨酸氨基转移酶", "U/L", 9, 50, None, None, 0),
        ("AST", "天门冬氨酸氨基转移酶", "U/L", 15, 40, None, None, 0),
        ("TBIL", "总胆红素", "μmol/L", 0, 26, None, None, 1),
        ("ALB", "白蛋白", "g/L", 40, 55, None, None, 1),
    ],
    "肾功能": [
        ("CREA", "肌酐", "μmol/L", 57, 111, None, 700, 0),
        ("UREA", "尿素", "mmol/L", 3.1, 8.0, None, None, 2),
        ("UA", "尿酸", "μmol/L", 208, 428, None, None, 0),
    ],
    "电解质": [
        ("K", "钾", "mmol/L", 3.5, 5.3, 2.8, 6.2, 2),
        ("NA", "钠", "mmol/L", 137, 147, 120, 160, 1),
        ("CL", "氯", "mmol/L", 99, 110, None, None, 1),
        ("CA", "钙", "mmol/L", 2.11, 2.52, 1.6, 3.5, 2),
    ],
    "空腹血糖": [("GLU", "葡萄糖", "mmol/L", 3.9, 6.1, 2.8, 22.2, 2)],
    "心肌标志物": [
        ("CTNI", "肌钙蛋白I", "ng/mL", 0, 0.04, None, 0.5, 3),
        ("CKMB", "肌酸激酶同工酶", "ng/mL", 0, 5, None, None, 2),
    ],
    "凝血四项": [
        ("PT", "凝血酶原时间", "s", 10, 14, None, 30, 1),
        ("INR", "国际标准化比值", "", 0.8, 1.2, None, 4.0, 2),
        ("APTT", "活化部分凝血活酶时间", "s", 25, 37, None, 80, 1),
        ("FIB", "纤维蛋白原", "g/L", 2, 4, 1.0, None, 2),
    ],
}
PANEL_SPECIMENS = {"血常规": "全血", "凝血四项": "枸橼酸钠抗凝血"}
QUALITATIVE_PANELS = {
    "尿常规": [("UPRO", "尿蛋白"), ("UGLU", "尿葡萄糖"), ("UBLD", "尿隐血")],
}
BLOOD_CULTURE = ("BC", "血培养", ["无细菌生长"], ["检出金黄色葡萄球菌（MRSA）", "检出大肠埃希菌（产ESBL）"])

IMAGING_EXAMS = {
    "radiology": [
        (
            "胸部正位片（DR）",
            "胸部",
            "双肺纹理清晰，未见明确实质性病变。\n心影大小、形态未见异常。\n双侧膈面光整，肋膈角锐利。",
            "心肺膈未见明显异常。",
        )
    ],
    "ct": [
        (
            "头颅CT平扫",
            "头颅",
            "脑实质内未见异常密度影，灰白质分界清楚。\n脑室系统未见扩大，中线结构居中。",
            "颅脑CT平扫未见明显异常。",
        ),
        (
            "胸部CT平扫",
            "胸部",
            "右肺上叶尖段见一磨玻璃结节，大小约6mm×5mm，边界清楚。\n纵隔内未见肿大淋巴结。",
            "右肺上叶磨玻璃结节，建议6-12个月复查。",
        ),
    ],
    "mr": [
        (
            "腰椎MRI平扫",
            "腰椎",
            "L4/5椎间盘向后突出，硬膜囊受压，双侧神经根受压。\nL5/S1椎间盘膨出。",
            "L4/5椎间盘突出（中央型）；L5/S1椎间盘膨出。",
        )
    ],
    "ultrasound": [
        (
            "腹部彩超（肝胆胰脾）",
            "腹部",
            "肝脏大小正常，实质回声增粗，分布欠均匀。\n胆囊壁毛糙，腔内见一强回声，大小约8mm，后伴声影。\n胰、脾未见异常。",
            "1. 脂肪肝（轻度）\n2. 胆囊结石",
        ),
        (
            "甲状腺彩超",
            "甲状腺",
            "甲状腺右叶见一低回声结节，大小约9mm×7mm，边界清，纵横比<1，未见钙化。",
            "甲状腺右叶结节，TI-RADS 3类。",
        ),
    ],
    "endoscopy": [
        (
            "电子胃镜检查",
            "胃",
            "食管黏膜光滑。\n胃窦黏膜红白相间，以红为主，可见散在糜烂，幽门圆，开闭好。\n十二指肠球部及降部未见异常。",
            "慢性非萎缩性胃炎伴糜烂（胃窦），已取活检1块送病理。",
        )
    ],
    "ecg": [
        (
            "常规十二导联心电图",
            "心脏",
            "窦性心律，心率72次/分。\nPR间期0.16s，QRS时限0.09s，QT/QTc 0.38/0.41s。\nST-T未见明显异常。",
            "正常心电图。",
        )
    ],
    "pathology": [
        (
            "胃窦黏膜活检病理",
            "胃窦",
            "（胃窦）送检黏膜组织2块，镜下见黏膜慢性炎，轻度活动，腺体轻度肠化。\nHp(+)。",
            "（胃窦）慢性浅表性胃炎伴轻度肠上皮化生，Hp阳性。",
        )
    ],
}
#: critical findings a reporting department flags (modality -> (findings, impression, critical finding)).
CRITICAL_FINDINGS = {
    "ecg": (
        "窦性心律，心率38次/分。\n二度Ⅱ型房室传导阻滞，可见长RR间期3.2s。",
        "1. 二度Ⅱ型房室传导阻滞\n2. 窦性心动过缓",
        "二度Ⅱ型房室传导阻滞，RR间期3.2秒，建议立即床旁评估是否需要临时起搏",
    ),
    "ct": (
        "左侧胸腔见大量气体密度影，左肺压缩约70%，纵隔向右侧移位。",
        "左侧张力性气胸",
        "左侧张力性气胸（肺压缩约70%），纵隔右移",
    ),
}
DIAGNOSES = {
    "internal": ["高血压病2级", "冠状动脉粥样硬化性心脏病", "2型糖尿病", "慢性胃炎", "社区获得性肺炎"],
    "surgery": ["急性阑尾炎", "胆囊结石伴慢性胆囊炎", "腰椎间盘突出症", "膝关节骨性关节炎"],
    "obstetrics": ["早孕", "妊娠期糖尿病", "子宫肌瘤"],
    "pediatrics": ["小儿急性支气管炎", "小儿腹泻", "儿童哮喘"],
    "emergency": ["急性胸痛", "急性胃肠炎", "头皮裂伤"],
    "five_senses": ["年龄相关性白内障", "屈光不正"],
    "tcm": ["失眠（心脾两虚证）", "颈椎病"],
}
#: the ICD-10 codes of the visit diagnoses above (visit.record diagnosis_code)
DIAGNOSIS_CODES = {
    "高血压病2级": "I10",
    "冠状动脉粥样硬化性心脏病": "I25.1",
    "2型糖尿病": "E11.9",
    "慢性胃炎": "K29.5",
    "社区获得性肺炎": "J18.9",
    "急性阑尾炎": "K35.8",
    "胆囊结石伴慢性胆囊炎": "K80.1",
    "腰椎间盘突出症": "M51.2",
    "膝关节骨性关节炎": "M17.9",
    "早孕": "Z32.1",
    "妊娠期糖尿病": "O24.4",
    "子宫肌瘤": "D25.9",
    "小儿急性支气管炎": "J20.9",
    "小儿腹泻": "K52.9",
    "儿童哮喘": "J45.9",
    "急性胸痛": "R07.4",
    "急性胃肠炎": "A09.9",
    "头皮裂伤": "S01.0",
    "年龄相关性白内障": "H25.9",
    "屈光不正": "H52.7",
    "失眠（心脾两虚证）": "G47.0",
    "颈椎病": "M47.8",
}
#: the wards (病区) of the departments that admit adults, and the diagnoses they admit with (ICD-10).
WARDS = {
    "XNK": ["心内科一病区", "心内科二病区"],
    "HXK": ["呼吸与危重症医学科病区"],
    "XHK": ["消化内科病区"],
    "SJK": ["神经内科病区"],
    "NFM": ["内分泌科病区"],
    "PWK": ["普外科一病区", "普外科二病区"],
    "GK": ["骨科病区"],
}
ADMISSION_DIAGNOSES = {
    "XNK": [("急性前壁心肌梗死", "I21.0"), ("不稳定型心绞痛", "I20.0"), ("心房颤动", "I48.9"), ("心力衰竭", "I50.9")],
    "HXK": [("重症社区获得性肺炎", "J18.9"), ("慢性阻塞性肺疾病急性加重", "J44.1"), ("肺栓塞", "I26.9")],
    "XHK": [("上消化道出血", "K92.2"), ("急性胰腺炎", "K85.9"), ("肝硬化失代偿期", "K74.6")],
    "SJK": [("急性脑梗死", "I63.9"), ("短暂性脑缺血发作", "G45.9")],
    "NFM": [("2型糖尿病伴酮症酸中毒", "E11.1"), ("甲状腺危象", "E05.5")],
    "PWK": [("急性阑尾炎", "K35.8"), ("胆囊结石伴急性胆囊炎", "K80.0"), ("粘连性肠梗阻", "K56.5")],
    "GK": [("股骨颈骨折", "S72.0"), ("腰椎间盘突出症", "M51.2")],
}
#: the operation (ICD-9-CM-3 code, name) a stay admitted with this diagnosis has (HL7 PR1, procedures)
OPERATIONS = {
    "I21.0": ("36.07", "经皮冠状动脉药物洗脱支架置入术"),
    "K35.8": ("47.01", "腹腔镜下阑尾切除术"),
    "K80.0": ("51.23", "腹腔镜下胆囊切除术"),
    "K56.5": ("54.59", "腹腔镜下肠粘连松解术"),
    "S72.0": ("81.52", "人工股骨头置换术"),
    "M51.2": ("80.51", "腰椎间盘切除术"),
}
#: (code, allergen, type, severity, reaction) of the allergies an admission may report (AL1).
ALLERGENS = [
    ("DRUG-PCN", "青霉素", "drug", "severe", "过敏性休克"),
    ("DRUG-SUL", "磺胺类药物", "drug", "moderate", "全身皮疹"),
    ("DRUG-IOD", "碘造影剂", "drug", "moderate", "荨麻疹、胸闷"),
    ("FOOD-SEA", "海鲜", "food", "mild", "荨麻疹"),
    ("ENV-POL", "花粉", "environmental", "mild", "打喷嚏、流涕"),
]
#: The health check centre's packages (体检套餐): code -> (name, sections); an item is (code, name, unit,
#: low, high, decimals, what an abnormal high / low value means) for a measured one, or (code, name, None,
#: normal result, abnormal result, its conclusion) for an examining doctor's finding.
_GENERAL = (
    "一般检查",
    [
        ("HGT", "身高", "cm", 150, 185, 0, None, None),
        ("WGT", "体重", "kg", 45, 80, 1, None, None),
        ("BMI", "体重指数", "kg/m²", 18.5, 23.9, 1, "超重", "体重过低"),
        ("SBP", "收缩压", "mmHg", 90, 139, 0, "血压偏高", None),
        ("DBP", "舒张压", "mmHg", 60, 89, 0, "血压偏高", None),
    ],
)
_INTERNAL = (
    "内科",
    [
        ("HEART", "心脏听诊", None, "心率齐，各瓣膜区未闻及病理性杂音", "心律不齐，可闻及早搏", "心律不齐"),
        ("LUNG", "肺部听诊", None, "双肺呼吸音清", "双肺呼吸音粗", "肺部呼吸音粗"),
        ("ABD", "肝脾触诊", None, "肝脾肋下未触及", "肝肋下1cm可触及", "肝脏可触及"),
    ],
)
_SURGERY = (
    "外科",
    [
        ("SKIN", "皮肤", None, "未见异常", "背部见散在皮疹", "皮疹"),
        ("LYMPH", "浅表淋巴结", None, "未触及肿大", "左颈部触及肿大淋巴结", "颈部淋巴结肿大"),
        ("SPINE", "脊柱四肢", None, "未见异常", "脊柱轻度侧弯", "脊柱侧弯"),
    ],
)
_EYES = (
    "眼科",
    [
        ("VAR", "视力（右）", None, "5.0", "4.6", "右眼视力下降"),
        ("VAL", "视力（左）", None, "5.0", "4.7", "左眼视力下降"),
        ("COLOR", "色觉", None, "正常", "红绿色弱", "色弱"),
    ],
)
_BLOOD = (
    "血常规",
    [
        ("WBC", "白细胞计数", "10^9/L", 3.5, 9.5, 2, "白细胞升高", "白细胞减少"),
        ("HGB", "血红蛋白", "g/L", 115, 150, 0, None, "轻度贫血"),
        ("PLT", "血小板计数", "10^9/L", 125, 350, 0, None, "血小板减少"),
    ],
)
_LIVER = ("肝功能", [("ALT", "丙氨酸氨基转移酶", "U/L", 7, 40, 0, "转氨酶升高", None)])
_LIPIDS = (
    "血脂",
    [
        ("TC", "总胆固醇", "mmol/L", 2.8, 5.17, 2, "血脂异常（总胆固醇升高）", None),
        ("TG", "甘油三酯", "mmol/L", 0.56, 1.7, 2, "血脂异常（甘油三酯升高）", None),
        ("LDL", "低密度脂蛋白胆固醇", "mmol/L", 1.5, 3.37, 2, "低密度脂蛋白胆固醇升高", None),
    ],
)
_GLUCOSE = ("血糖", [("GLU", "空腹血糖", "mmol/L", 3.9, 6.1, 2, "空腹血糖升高", None)])
_CHEST = ("胸部DR", [("CXR", "胸部正位片", None, "心肺膈未见明显异常", "右下肺少许纤维条索影", "右下肺陈旧性病变")])
_ULTRASOUND = (
    "腹部彩超",
    [("US-LIVER", "肝胆胰脾", None, "肝胆胰脾未见明显异常", "肝实质回声增粗增强，胆囊壁光滑", "轻度脂肪肝")],
)
_ECG = ("心电图", [("ECG", "常规心电图", None, "窦性心律，正常心电图", "窦性心动过缓", "窦性心动过缓")])
EXAM_PACKAGES = {
    "TJ-RZ01": ("入职体检套餐", [_GENERAL, _INTERNAL, _SURGERY, _EYES, _BLOOD, _LIVER, _CHEST]),
    "TJ-ND01": (
        "年度体检套餐（标准版）",
        [_GENERAL, _INTERNAL, _SURGERY, _EYES, _BLOOD, _LIVER, _LIPIDS, _GLUCOSE, _CHEST, _ULTRASOUND, _ECG],
    ),
}
#: advice (总检建议) for a conclusion, by a word it contains.
EXAM_ADVICE = {
    "血压": "血压偏高：低盐饮食，规律作息，每周测量血压，必要时心血管内科就诊。",
    "血脂": "血脂异常：低脂饮食，适量运动，3个月后复查血脂。",
    "胆固醇": "血脂异常：低脂饮食，适量运动，3个月后复查血脂。",
    "血糖": "空腹血糖升高：控制饮食，复查空腹血糖及糖化血红蛋白，内分泌科就诊。",
    "脂肪肝": "脂肪肝：控制体重，减少饮酒，半年后复查腹部彩超及肝功能。",
    "转氨酶": "转氨酶升高：避免饮酒及熬夜，1个月后复查肝功能。",
    "视力": "视力下降：眼科进一步检查。",
}
#: (code, text, severity, what to do) of the alerts (警示) the HIS may record outside admissions.
PATIENT_ALERTS = [
    ("ALERT-FALL", "跌倒高风险", "moderate", "行动需陪护，床栏保护"),
    ("ALERT-ISO", "接触隔离（耐药菌感染）", "severe", "单间隔离，接触时穿隔离衣"),
    ("ALERT-ANTICOAG", "长期服用抗凝药（华法林）", "moderate", "有创操作前查凝血功能"),
]

#: (code, LOINC, name, unit, low, high, critical low, critical high, decimals) of the vital signs a
#: nursing or ICU system sends.
VITAL_SIGNS = [
    ("HR", "8867-4", "心率", "次/分", 60, 100, 40, 150, 0),
    ("SBP", "8480-6", "收缩压", "mmHg", 90, 139, 70, 200, 0),
    ("DBP", "8462-4", "舒张压", "mmHg", 60, 89, None, 120, 0),
    ("SPO2", "59408-5", "血氧饱和度", "%", 95, 100, 85, None, 0),
    ("TEMP", "8310-5", "体温", "℃", 36.0, 37.3, 35.0, 41.0, 1),
    ("RR", "9279-1", "呼吸频率", "次/分", 12, 20, 8, 35, 0),
]
VITAL_SOURCES = ["ICU-CIS", "NURSING"]
#: (code, name, category, unit price, insurance ratio) of typical outpatient charges.
CHARGE_ITEMS = [
    ("110200001", "普通门诊诊查费", "诊查费", 10.0, 0.0),
    ("250101001", "血常规（五分类）", "化验费", 25.0, 0.7),
    ("250301001", "肝功能", "化验费", 60.0, 0.7),
    ("210102001", "胸部正位片（DR）", "检查费", 90.0, 0.7),
    ("220302001", "腹部彩超", "检查费", 160.0, 0.6),
    ("X-J01CA04", "阿莫西林胶囊 0.25g×24粒", "西药费", 18.5, 0.8),
    ("X-C08CA01", "苯磺酸氨氯地平片 5mg×28片", "西药费", 32.6, 0.8),
    ("Z-T01", "颗粒剂中药饮片（7剂）", "中药费", 126.0, 0.5),
    ("120400001", "静脉输液", "治疗费", 12.0, 0.7),
]
COMPLAINTS = [
    ("服务态度", "挂号窗口工作人员态度生硬，询问医保报销问题时不耐烦。希望加强窗口服务培训。"),
    ("候诊时间", "预约的是上午9点的号，到10点半还没有看上，叫号屏幕也不更新，老人等得很辛苦。"),
    ("环境设施", "门诊楼3楼卫生间没有纸巾，地面湿滑，存在安全隐患。"),
    ("收费问题", "缴费后发现检查费重复收取一次，请核实并退费。\n缴费单号：YX202611260012"),
]


def lab_result_data(
    rng: random.Random,
    patient: dict,
    report_no: str,
    panel: str | None = None,
    critical: bool = False,
    department_code: str | None = None,
    doctor_code: str | None = None,
) -> dict:
    """A lab report; ``critical`` makes one value critical (HH/LL, or AA for a positive culture)."""
    department_code = department_code or rng.choice(DEPARTMENTS)[0]
    doctor_code = doctor_code or rng.choice(DOCTORS_BY_DEPARTMENT[department_code])[0]
    if panel is None:  # a critical value needs a panel that can have one (not the urine dipstick)
        panels = [name for name, items in LAB_PANELS.items() if not critical or any(i[5] or i[6] for i in items)]
        panel = rng.choice([*panels, BLOOD_CULTURE[1], *([] if critical else QUALITATIVE_PANELS)])
    results = []
    if panel in LAB_PANELS:
        items = LAB_PANELS[panel]
        critical_index = None
        if critical:
            candidates = [i for i, item in enumerate(items) if item[5] is not None or item[6] is not None]
            critical_index = rng.choice(candidates) if candidates else None
        for index, (code, name, unit, low, high, critical_low, critical_high, decimals) in enumerate(items):
            span = high - low
            roll = rng.random()
            if index == critical_index:
                if critical_high is not None and (critical_low is None or rng.random() < 0.5):
                    value, flag = critical_high * rng.uniform(1.05, 1.5), "HH"
                else:
                    value, flag = critical_low * rng.uniform(0.6, 0.95), "LL"
            elif roll < 0.12:
                value, flag = high + span * rng.uniform(0.05, 0.5), "H"
            elif roll < 0.2 and low > 0:
                value, flag = max(low - span * rng.uniform(0.05, 0.4), low * 0.3), "L"
            else:
                value, flag = low + span * rng.uniform(0.1, 0.9), "N"
            results.append(
                {
                    "code": code,
                    "name": name,
                    "value": "%.*f" % (decimals, value),
                    "value_type": "NM",
                    "unit": unit,
                    "reference_range": "%g-%g" % (low, high),
                    "flag": flag,
                }
            )
    elif panel in QUALITATIVE_PANELS:
        for code, name in QUALITATIVE_PANELS[panel]:
            positive = rng.random() < 0.2
            results.append(
                {
                    "code": code,
                    "name": name,
                    "value": rng.choice(["+", "++"]) if positive else "阴性",
                    "value_type": "ST",
                    "reference_range": "阴性",
                    "flag": "A" if positive else "N",
                }
            )
    else:
        code, name, negatives, positives = BLOOD_CULTURE
        value = rng.choice(positives) if critical else rng.choice(negatives)
        results.append(
            {
                "code": code,
                "name": name,
                "value": value,
                "value_type": "ST",
                "reference_range": "无细菌生长",
                "flag": "AA" if critical else "N",
            }
        )
    specimen = PANEL_SPECIMENS.get(panel, "尿液" if panel in QUALITATIVE_PANELS else "血清")
    if panel == BLOOD_CULTURE[1]:
        specimen = "血液（需氧瓶）"
    return {
        "report_no": report_no,
        "patient": patient,
        "title": panel,
        "department_code": department_code,
        "doctor_code": doctor_code,
        "specimen": specimen,
        "status": "final",
        "collected_at": now_iso(-rng.randint(60, 240)),
        "reported_at": now_iso(-rng.randint(0, 30)),
        "results": results,
    }


def imaging_report_data(
    rng: random.Random, patient: dict, report_no: str, modality: str | None = None, critical: bool = False
) -> dict:
    """An imaging report; ``critical`` (ECG, CT) makes it one with a critical finding the department flags."""
    modality = modality or rng.choice(list(IMAGING_EXAMS))
    exam_name, body_part, findings, impression = rng.choice(IMAGING_EXAMS[modality])
    department_code = rng.choice(DEPARTMENTS)[0]
    extra = {}
    if critical and modality in CRITICAL_FINDINGS:
        findings, impression, finding = CRITICAL_FINDINGS[modality]
        extra = {"critical": True, "critical_finding": finding}
    return {
        **extra,
        "report_no": report_no,
        "patient": patient,
        "modality": modality,
        "exam_name": exam_name,
        "body_part": body_part,
        "department_code": department_code,
        "doctor_code": rng.choice(DOCTORS_BY_DEPARTMENT[department_code])[0],
        "findings": findings,
        "impression": impression,
        "viewer_url": "https://pacs.yxzx-hospital.example.cn/viewer?study=1.2.156.112605.%d&token=%08x"
        % (rng.randint(10**9, 10**10), rng.getrandbits(32)),
        "status": "final",
        "reported_at": now_iso(-rng.randint(0, 60)),
    }


def admission_data(rng: random.Random, patient: dict, admission_no: str, department_code: str | None = None) -> dict:
    """An admission (ADT^A01) to a ward of ``department_code`` (or any adult ward), with allergies at times."""
    department_code = department_code or rng.choice(list(WARDS))
    doctors = DOCTORS_BY_DEPARTMENT[department_code]
    diagnosis, code = rng.choice(ADMISSION_DIAGNOSES[department_code])
    data = {
        "admission_no": admission_no,
        "patient": patient,
        "department_code": department_code,
        "ward": rng.choice(WARDS[department_code]),
        "bed": str(rng.randint(1, 45)),
        "attending_doctor_code": doctors[0][0],
        "bed_doctor_code": doctors[-1][0],
        "admitted_at": now_iso(-rng.randint(30, 600)),
        "diagnosis": diagnosis,
        "diagnosis_code": code,
    }
    if rng.random() < 0.4:
        allergen_code, allergen, kind, severity, reaction = rng.choice(ALLERGENS)
        data["allergies"] = [
            {"allergen": allergen, "code": allergen_code, "type": kind, "severity": severity, "reaction": reaction}
        ]
    return data


def discharge_data(rng: random.Random, admission: dict, died: bool = False) -> dict:
    """The discharge (ADT^A03) of ``admission`` now, with its operation (PR1) when its diagnosis has one;
    ``died``: a death in hospital (死亡出院, PID-30 Y and PID-29)."""
    data = {key: admission[key] for key in ("admission_no", "patient", "department_code", "ward", "bed")}
    data["discharged_at"] = now_iso()
    operation = OPERATIONS.get(admission.get("diagnosis_code"))
    if operation:
        # operated on between the admission (at least 30 minutes ago) and now
        data["procedures"] = [{"code": operation[0], "name": operation[1], "at": now_iso(-rng.randint(10, 25))}]
    if died:
        data["patient"] = dict(admission["patient"], deceased=True, deceased_at=now_iso(-5))
    return data


def transfer_data(rng: random.Random, admission: dict) -> dict:
    """A transfer (ADT^A02) of ``admission`` to another bed, or another adult department's ward."""
    department_code = admission["department_code"]
    if rng.random() < 0.5:
        department_code = rng.choice([code for code in WARDS if code != department_code])
    return {
        "admission_no": admission["admission_no"],
        "patient": admission["patient"],
        "department_code": department_code,
        "ward": rng.choice(WARDS[department_code]),
        "bed": str(rng.randint(1, 45)),
        "attending_doctor_code": DOCTORS_BY_DEPARTMENT[department_code][0][0],
        "bed_doctor_code": DOCTORS_BY_DEPARTMENT[department_code][-1][0],
        "from_department_code": admission["department_code"],
        "from_ward": admission["ward"],
        "from_bed": admission["bed"],
        "transferred_at": now_iso(-rng.randint(0, 20)),
    }


def vital_signs_data(
    rng: random.Random,
    patient: dict,
    ref: str,
    critical: bool = False,
    department_code: str | None = None,
    admission_no: str | None = None,
) -> dict:
    """One round of vital signs (生命体征) of a patient; ``critical`` makes one of them critical (HH/LL)."""
    critical_index = rng.randrange(len(VITAL_SIGNS)) if critical else None
    observations = []
    for index, (code, loinc, name, unit, low, high, critical_low, critical_high, decimals) in enumerate(VITAL_SIGNS):
        if index == critical_index:
            if critical_high is not None and (critical_low is None or rng.random() < 0.5):
                value, flag = critical_high * rng.uniform(1.02, 1.15), "HH"
            else:
                value, flag = critical_low * rng.uniform(0.85, 0.97), "LL"
        elif rng.random() < 0.15:
            value, flag = high + (high - low) * rng.uniform(0.05, 0.3), "H"
        else:
            value, flag = low + (high - low) * rng.uniform(0.1, 0.9), "N"
        observations.append(
            {
                "code": code,
                "name": name,
                "loinc": loinc,
                "value": "%.*f" % (decimals, value),
                "unit": unit,
                "reference_range": "%g-%g" % (low, high),
                "flag": flag,
            }
        )
    data = {
        "ref": ref,
        "patient": patient,
        "source_system": rng.choice(VITAL_SOURCES),
        "department_code": department_code or rng.choice(list(WARDS)),
        "observed_at": now_iso(-rng.randint(0, 15)),
        "observations": observations,
    }
    if admission_no:
        data["admission_no"] = admission_no
    return data


#: (kind, term, code, item, dose, unit, route, frequency, instructions) of the orders an inpatient gets.
ORDER_ITEMS = [
    ("drug", "long_term", "X-B01AC06", "阿司匹林肠溶片 100mg", "100", "mg", "口服", "qd", ""),
    ("drug", "long_term", "X-A02BC01", "注射用奥美拉唑钠 40mg", "40", "mg", "静脉滴注", "q12h", ""),
    ("drug", "long_term", "X-J01DD62", "注射用头孢哌酮钠舒巴坦钠 2g", "2", "g", "静脉滴注", "q12h", "皮试阴性后使用"),
    ("drug", "temporary", "X-N02BE01", "对乙酰氨基酚片 0.5g", "0.5", "g", "口服", "st", "体温>38.5℃时"),
    ("nursing", "long_term", "N-HL1", "一级护理", "", "", "", "", ""),
    ("nursing", "long_term", "N-O2", "持续低流量吸氧", "2", "L/min", "鼻导管", "", ""),
    ("diet", "long_term", "D-DYZ", "低盐低脂饮食", "", "", "", "", ""),
    ("lab", "temporary", "250101001", "血常规（五分类）", "", "", "", "st", "晨起空腹采血"),
    ("exam", "temporary", "EC-12", "常规十二导联心电图", "", "", "", "st", ""),
]
SKIP_REASONS = ["患者拒绝", "患者外出检查", "遵医嘱暂停", "患者禁食"]


def nurse_code(department_code: str) -> str:
    """The demo nurse of a department: N2 followed by the number after its last doctor's (D1003 -> N2004)."""
    return "N2%03d" % (int(DOCTORS_BY_DEPARTMENT[department_code][-1][0][1:]) - 999)


def order_data(rng: random.Random, admission: dict, order_no: str, kind: str | None = None) -> dict:
    """A new order (ORM^O01, or OMP^O09 for a drug) for the inpatient of ``admission`` (of ``kind``)."""
    items = [item for item in ORDER_ITEMS if kind is None or item[0] == kind]
    kind, term, code, item, dose, unit, route, frequency, note = rng.choice(items)
    data = {
        "order_no": order_no,
        "patient": {"his_patient_id": admission["patient"]["his_patient_id"]}
        if admission["patient"].get("his_patient_id")
        else admission["patient"],
        "admission_no": admission["admission_no"],
        "department_code": admission["department_code"],
        "doctor_code": admission.get("bed_doctor_code") or DOCTORS_BY_DEPARTMENT[admission["department_code"]][-1][0],
        "kind": kind,
        "term": term,
        "item_code": code,
        "item_name": item,
        "ordered_at": now_iso(-rng.randint(20, 30)),
        "start_at": now_iso(-rng.randint(5, 15)),
    }
    for key, value in (("dose", dose), ("dose_unit", unit), ("route", route), ("frequency", frequency), ("note", note)):
        if value:
            data[key] = value
    return data


def execution_data(rng: random.Random, order: dict, execution_no: str, status: str = "given") -> dict:
    """An execution (RAS^O17) of ``order`` by the ward's nurse: given, or skipped with a reason."""
    data = {
        "execution_no": execution_no,
        "order_no": order["order_no"],
        "patient": order["patient"],
        "status": status,
        "executed_at": now_iso(-rng.randint(0, 4)),
        "executor_code": nurse_code(order["department_code"]),
    }
    if status == "skipped":
        data["reason"] = rng.choice(SKIP_REASONS)
    elif order.get("dose"):
        data["dose"], data["dose_unit"] = order["dose"], order.get("dose_unit", "")
    return data


def exam_report_data(
    rng: random.Random, patient: dict, report_no: str, package_code: str | None = None, exam_date: str | None = None
) -> dict:
    """A physical-exam report of one of the packages; about a fifth of the items abnormal, with the chief
    examiner's conclusions and advice drawn from them."""
    package_code = package_code or rng.choice(sorted(EXAM_PACKAGES))
    package_name, sections = EXAM_PACKAGES[package_code]
    examiner_code, examiner, _department, _title, _specialty = rng.choice(
        [doctor for doctor in DOCTORS if doctor[3] in ("主任医师", "副主任医师")]
    )
    items, findings = [], []
    for section, section_items in sections:
        for code, name, unit, low, high, decimals, *meanings in section_items:
            abnormal = rng.random() < 0.2
            item = {"section": section, "code": code, "name": name}
            if unit is None:  # an examining doctor's finding: normal text, abnormal text, its conclusion
                item["value"] = high if abnormal else low
                item["flag"] = "A" if abnormal else "N"
                if abnormal:
                    item["conclusion"] = decimals
                    findings.append(decimals)
            else:
                high_meaning, low_meaning = meanings
                span = high - low
                if abnormal and (high_meaning or low_meaning):
                    if high_meaning and (not low_meaning or rng.random() < 0.7):
                        value, flag, finding = high + span * rng.uniform(0.05, 0.4), "H", high_meaning
                    else:
                        value, flag, finding = low - span * rng.uniform(0.05, 0.3), "L", low_meaning
                    item["conclusion"] = finding
                    findings.append(finding)
                else:
                    value, flag = low + span * rng.uniform(0.1, 0.9), "N"
                item.update(
                    value="%.*f" % (decimals, value), unit=unit, reference_range="%g-%g" % (low, high), flag=flag
                )
            items.append(item)
    findings = list(dict.fromkeys(findings))
    advice = list(dict.fromkeys(text for finding in findings for word, text in EXAM_ADVICE.items() if word in finding))
    day = exam_date or (hospital_today() - datetime.timedelta(days=rng.randint(2, 6))).isoformat()
    return {
        "report_no": report_no,
        "patient": patient,
        "package_code": package_code,
        "package_name": package_name,
        "exam_date": day,
        "chief_examiner_code": examiner_code,
        "chief_examiner": examiner,
        "status": "final",
        "reported_at": now_iso(-rng.randint(0, 60)),
        "items": items,
        "conclusion": "\n".join("%d. %s" % (n, f) for n, f in enumerate(findings, 1)) or "本次体检未见明显异常。",
        "advice": "\n".join(advice) or "保持健康生活方式，每年定期体检。",
    }


def allergy_change_data(rng: random.Random, patient: dict, ref_prefix: str, recorded_at: str | None = None) -> dict:
    """Changes of a patient's allergies and alerts (ADT^A60): an allergy and an alert added."""
    code, allergen, kind, severity, reaction = rng.choice(ALLERGENS)
    alert_code, alert, alert_severity, what_to_do = rng.choice(PATIENT_ALERTS)
    return {
        "patient": patient,
        "recorded_at": recorded_at or now_iso(-rng.randint(1, 30)),
        "allergies": [
            {
                "action": "add",
                "ref": "%s-1" % ref_prefix,
                "allergen": allergen,
                "code": code,
                "type": kind,
                "severity": severity,
                "reaction": reaction,
            },
            {
                "action": "add",
                "ref": "%s-2" % ref_prefix,
                "kind": "alert",
                "allergen": alert,
                "code": alert_code,
                "severity": alert_severity,
                "reaction": what_to_do,
            },
        ],
    }


DAILY_FIGURE_NAMES = [name for name, _whole in DAILY_FIGURES]


def daily_figures(rng: random.Random, category: str, beds: int) -> dict:
    """Plausible figures of one department's day; without beds, no inpatient figures."""
    emergency = category == "emergency"
    visits = rng.randint(40, 160)
    first = rng.randint(visits // 4, visits // 2)
    figures = {
        "outpatient_visits": 0 if emergency else visits,
        "emergency_visits": visits if emergency else 0,
        "first_visits": first,
        "return_visits": visits - first,
        "prescriptions": rng.randint(visits // 2, visits),
    }
    amounts = {
        "amount_drug": round(visits * rng.uniform(60, 140), 2),
        "amount_lab": round(visits * rng.uniform(20, 60), 2),
        "amount_exam": round(visits * rng.uniform(20, 80), 2),
        "amount_treatment": round(visits * rng.uniform(10, 40), 2),
        "amount_material": round(visits * rng.uniform(5, 20), 2),
        "amount_other": round(visits * rng.uniform(5, 15), 2),
    }
    if beds:
        census = rng.randint(int(beds * 0.7), beds)
        figures.update(
            admissions=rng.randint(1, max(2, beds // 8)),
            discharges=rng.randint(1, max(2, beds // 8)),
            census=census,
            open_beds=beds,
            bed_days=census,
        )
        amounts["amount_bed"] = round(census * 60.0, 2)
    total = sum(amounts.values())
    insurance = round(total * rng.uniform(0.45, 0.7), 2)
    figures.update(amounts, insurance_amount=insurance, self_paid_amount=round(total - insurance, 2))
    return figures


def visit_data(rng: random.Random, patient: dict, visit_ref: str) -> dict:
    department_code, _name, category, *_rest = rng.choice(DEPARTMENTS)
    doctor_code = rng.choice(DOCTORS_BY_DEPARTMENT[department_code])[0]
    visit_type = "emergency" if category == "emergency" else ("inpatient" if rng.random() < 0.1 else "outpatient")
    start_offset = -rng.randint(60, 600) if visit_type != "inpatient" else -rng.randint(3, 10) * 24 * 60
    charges = []
    for code, name, charge_category, unit_price, ratio in [CHARGE_ITEMS[0], *rng.sample(CHARGE_ITEMS[1:], 3)]:
        quantity = 1 if charge_category != "西药费" else rng.randint(1, 3)
        amount = round(unit_price * quantity, 2)
        charges.append(
            {
                "code": code,
                "name": name,
                "category": charge_category,
                "quantity": quantity,
                "unit_price": unit_price,
                "amount": amount,
                "insurance_amount": round(amount * ratio, 2),
            }
        )
    total = round(sum(c["amount"] for c in charges), 2)
    diagnosis = rng.choice(DIAGNOSES.get(category, DIAGNOSES["internal"]))
    return {
        "visit_ref": visit_ref,
        "patient": patient,
        "visit_type": visit_type,
        "department_code": department_code,
        "doctor_code": doctor_code,
        "start": now_iso(start_offset),
        "end": now_iso(start_offset + rng.randint(10, 40)),
        "diagnosis": diagnosis,
        "diagnosis_code": DIAGNOSIS_CODES[diagnosis],
        "total_charges": total,
        "insurance_amount": round(sum(c["insurance_amount"] for c in charges), 2),
        "charges": charges,
    }


# --- builders (text ready to send) ------------------------------------------------------------------


def build(protocol: str, type_name: str, control_id: str, data: dict, charset: str = "utf-8") -> str:
    """Any hospital -> platform message as HL7 text (MSH-18 from ``charset``) or one JSON line."""
    if protocol == "hl7":
        return hl7codec.encode_inbound(
            type_name, control_id, data, sent_at=now_iso(), charset=hl7codec.charset_to_msh18(charset)
        )
    return json.dumps(
        {"version": "1", "type": type_name, "control_id": control_id, "sent_at": now_iso(), "data": data},
        ensure_ascii=False,
    )


def build_lab_result(
    control_id: str,
    patient: dict,
    rng: random.Random | None = None,
    critical: bool = False,
    protocol: str = "hl7",
    charset: str = "utf-8",
    **kwargs,
) -> str:
    """An ORU^R01 lab report (or its JSON form) about ``patient``; report_no derives from control_id."""
    rng = rng or random.Random(control_id)
    data = lab_result_data(rng, patient, "LR" + control_id[-30:], critical=critical, **kwargs)
    return build(protocol, "lab.result", control_id, data, charset)


def build_imaging_report(
    control_id: str,
    patient: dict,
    modality: str | None = None,
    rng: random.Random | None = None,
    protocol: str = "hl7",
    charset: str = "utf-8",
) -> str:
    rng = rng or random.Random(control_id)
    data = imaging_report_data(rng, patient, "RP" + control_id[-30:], modality)
    return build(protocol, "imaging.report", control_id, data, charset)


def build_admission(
    control_id: str, patient: dict, rng: random.Random | None = None, protocol: str = "hl7", charset: str = "utf-8"
) -> str:
    """An ADT^A01 admission (or its JSON form) of ``patient``; the admission number derives from control_id."""
    rng = rng or random.Random(control_id)
    data = admission_data(rng, patient, "ZY" + control_id[-30:])
    return build(protocol, "admission.admit", control_id, data, charset)


def build_vital_signs(
    control_id: str,
    patient: dict,
    rng: random.Random | None = None,
    critical: bool = False,
    protocol: str = "hl7",
    charset: str = "utf-8",
    **kwargs,
) -> str:
    """An ORU^R01 vital-signs set (OBR-4 8716-3) or its JSON form; ref derives from control_id."""
    rng = rng or random.Random(control_id)
    data = vital_signs_data(rng, patient, "VS" + control_id[-30:], critical=critical, **kwargs)
    return build(protocol, "vital.signs", control_id, data, charset)


def build_exam_report(
    control_id: str,
    patient: dict,
    rng: random.Random | None = None,
    protocol: str = "hl7",
    charset: str = "utf-8",
    **kwargs,
) -> str:
    """An ORU^R01 physical-exam report (OBR-4 coding system PEXAM) or its JSON form; report_no derives
    from control_id."""
    rng = rng or random.Random(control_id)
    data = exam_report_data(rng, patient, "TJ" + control_id[-30:], **kwargs)
    return build(protocol, "exam.report", control_id, data, charset)


def build_patient_allergy(
    control_id: str, patient: dict, rng: random.Random | None = None, protocol: str = "hl7", charset: str = "utf-8"
) -> str:
    """An ADT^A60 (or its JSON form) adding an allergy and an alert of ``patient``."""
    rng = rng or random.Random(control_id)
    return build(protocol, "patient.allergy", control_id, allergy_change_data(rng, patient, "AL" + control_id[-30:]))


def build_patient_register(control_id: str, patient: dict, protocol: str = "hl7", charset: str = "utf-8") -> str:
    return build(protocol, "patient.register", control_id, {"patient": patient}, charset)


def build_visit(
    control_id: str, patient: dict, rng: random.Random | None = None, protocol: str = "hl7", charset: str = "utf-8"
) -> str:
    rng = rng or random.Random(control_id)
    return build(protocol, "visit.record", control_id, visit_data(rng, patient, "HIS01MZ" + control_id[-12:]), charset)


def build_appointment_status(
    control_id: str,
    appointment_ref: str,
    status: str,
    his_ref: str = "",
    reason: str = "",
    protocol: str = "hl7",
    charset: str = "utf-8",
) -> str:
    data = {"appointment_ref": appointment_ref, "status": status}
    if his_ref:
        data["his_ref"] = his_ref
    if reason:
        data["reason"] = reason
    return build(protocol, "appointment.status", control_id, data, charset)


# --- clients ------------------------------------------------------------------------------------------


def parse_address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port)


class _Client:
    """One connection to a listener: send a payload, read one reply ending with ``terminator``."""

    terminator = b""

    def __init__(self, host: str, port: int, charset: str, timeout: float = 10.0):
        self.charset = charset
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buffer = b""

    def _exchange(self, payload: bytes) -> bytes:
        """Send ``payload`` and return the next reply, without its terminator."""
        self.sock.sendall(payload)
        while self.terminator not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the peer closed the connection before replying")
            self.buffer += chunk
        reply, _, self.buffer = self.buffer.partition(self.terminator)
        return reply

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class MllpClient(_Client):
    """One MLLP connection: send a message, read one framed reply. Reusable for persistent sessions."""

    terminator = MLLP_END

    def __init__(self, host: str, port: int, charset: str = "utf-8", timeout: float = 10.0):
        super().__init__(host, port, charset, timeout)

    def send(self, text: str) -> str:
        frame = self._exchange(MLLP_START + codec.encode_text(text, self.charset) + MLLP_END)
        return codec.decode_bytes(frame.lstrip(MLLP_START), self.charset, "hl7")


class JsonLineClient(_Client):
    """One JSON-lines connection: send a line, read one reply line."""

    terminator = b"\n"

    def __init__(self, host: str, port: int, charset: str = "gbk", timeout: float = 10.0):
        super().__init__(host, port, charset, timeout)

    def send(self, message) -> dict:
        line = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
        reply = self._exchange(codec.encode_text(line, self.charset) + b"\n")
        return json.loads(codec.decode_bytes(reply, self.charset, "json"))


def send_mllp(host: str, port: int, text: str, charset: str = "utf-8", timeout: float = 10.0) -> str:
    """Send one HL7 message on a short MLLP connection and return the reply text."""
    with MllpClient(host, port, charset, timeout) as client:
        return client.send(text)


def send_json(host: str, port: int, message, charset: str = "gbk", timeout: float = 10.0) -> dict:
    """Send one JSON message (dict or line) on a short connection and return the reply object."""
    with JsonLineClient(host, port, charset, timeout) as client:
        return client.send(message)


# --- the HIS listener ---------------------------------------------------------------------------------


@dataclass
class Booking:
    appointment_ref: str
    his_ref: str
    patient: dict
    date: str
    cancelled: bool = False
    reported: bool = False
    department_code: str = ""
    doctor_code: str = ""


@dataclass
class HisState:
    """What the simulated HIS remembers of the platform's messages."""

    bookings: dict = field(default_factory=dict)
    patients: dict = field(default_factory=dict)
    #: the laboratory's critical-value register (危急值登记): alert number -> the receipt
    receipts: dict = field(default_factory=dict)
    received: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def handle(self, message: codec.Canonical) -> str:
        """Apply one platform message; returns the HIS appointment number for a booking, else ""."""
        with self.lock:
            self.received.append(message)
            data = message.data
            if message.type == "booking.create":
                existing = self.bookings.get(data["appointment_ref"])
                if existing:  # the platform re-sent it (its report got lost): same answer, idempotent
                    return existing.his_ref
                his_ref = "HIS-APPT-%s-%04d" % (data["date"].replace("-", ""), next(self._numbers))
                self.bookings[data["appointment_ref"]] = Booking(
                    data["appointment_ref"],
                    his_ref,
                    data["patient"],
                    data["date"],
                    department_code=data.get("department_code") or "",
                    doctor_code=data.get("doctor_code") or "",
                )
                _logger.info("HIS: booking %s -> %s", data["appointment_ref"], his_ref)
                return his_ref
            if message.type == "booking.cancel":
                booking = self.bookings.get(data["appointment_ref"])
                if booking:
                    booking.cancelled = True
                _logger.info("HIS: cancelled %s", data["appointment_ref"])
                return ""
            if message.type == "critical.receipt":
                # a receipt sent again (its report got lost) overwrites the same register entry
                self.receipts[data["alert_ref"]] = data
                _logger.info("LIS: critical value %s of %s acknowledged", data["alert_ref"], data["report_no"])
                return ""
            self.patients[codec_patient_key(data["patient"])] = data["patient"]
            return ""


def codec_patient_key(patient: dict) -> str:
    return next((patient[k] for k in ("his_patient_id", "medical_card_number", "id_number") if patient.get(k)), "")


def answer(protocol: str, text: str, state: HisState) -> str:
    """The HIS's reply to one platform message (AA with his_ref, or AE/AR with the reason)."""
    try:
        message = codec.parse(protocol, text, outbound=True)
    except CodecError as exc:
        _logger.warning("HIS: refusing a platform message: %s", exc)
        return codec.ack(protocol, text, exc.control_id, exc.status, exc)
    his_ref = state.handle(message)
    return codec.ack(protocol, text, message.control_id, "AA", his_ref=his_ref)


class _HisHandler(socketserver.BaseRequestHandler):
    """Reads framed messages until the peer closes; answers each one."""

    def handle(self):
        server = self.server
        self.request.settimeout(30)
        buffer = b""
        terminator = MLLP_END if server.protocol == "hl7" else b"\n"
        while True:
            try:
                chunk = self.request.recv(65536)
            except (TimeoutError, OSError):
                return
            if not chunk:
                return
            buffer += chunk
            while terminator in buffer:
                payload, _, buffer = buffer.partition(terminator)
                reply = self._reply(payload)
                if server.protocol == "hl7":
                    data = MLLP_START + codec.encode_text(reply, server.charset) + MLLP_END
                else:
                    data = codec.encode_text(reply, server.charset) + b"\n"
                self.request.sendall(data)

    def _reply(self, payload: bytes) -> str:
        server = self.server
        try:
            text = codec.decode_bytes(payload, server.charset, server.protocol)
        except CodecError as exc:
            return codec.ack(server.protocol, None, exc.control_id, exc.status, exc)
        return answer(server.protocol, text, server.state)


class HisListener(socketserver.ThreadingTCPServer):
    """A HIS listener for platform-initiated messages (one protocol, one port)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], protocol: str, state: HisState, charset: str = "utf-8"):
        self.protocol = protocol
        self.state = state
        self.charset = charset
        super().__init__(address, _HisHandler)
        self.thread = None

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> "HisListener":
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


# --- the sending side ---------------------------------------------------------------------------------


@dataclass
class Stats:
    sent: int = 0
    accepted: int = 0
    failed: list = field(default_factory=list)

    def record(self, type_name: str, control_id: str, status: str, error: str) -> None:
        self.sent += 1
        if status == "AA":
            self.accepted += 1
        else:
            self.failed.append((type_name, control_id, status, error))
            _logger.error("%s %s answered %s: %s", type_name, control_id, status, error)


class Simulator:
    """Sends the hospital's traffic to the gateway and follows up on the bookings the HIS received."""

    def __init__(
        self, hl7_address, json_address, json_charset="gbk", hl7_charset="utf-8", seed=None, count=5, run_id=None
    ):
        self.hl7_address = hl7_address
        self.json_address = json_address
        self.json_charset = json_charset
        self.hl7_charset = hl7_charset
        self.rng = random.Random(seed)
        self.count = count
        self.run_id = run_id or datetime.datetime.now(CHINA_TZ).strftime("%y%m%d%H%M%S")
        self.serial = itertools.count(1)
        self.stats = Stats()
        self.schedule_refs: list[tuple[str, str]] = []  # (ref, department_code)
        self.today_refs: list[tuple[str, str]] = []  # today's clinics: (ref, department_code)
        self.new_patients: list[dict] = []

    def control_id(self, prefix: str) -> str:
        return "%s%s%05d" % (prefix, self.run_id, next(self.serial))

    def send(self, protocol: str, type_name: str, data: dict, prefix: str = "HIS") -> str:
        """Send one message; records the reply status. Returns the control id."""
        control_id = self.control_id(prefix)
        try:
            if protocol == "hl7":
                reply = codec.parse_reply(
                    "hl7",
                    send_mllp(
                        *self.hl7_address, build("hl7", type_name, control_id, data, self.hl7_charset), self.hl7_charset
                    ),
                )
            else:
                line = build("json", type_name, control_id, data)
                reply = jsoncodec.parse_reply(json.dumps(send_json(*self.json_address, line, self.json_charset)))
        except (OSError, ConnectionError) as exc:
            reply = {"status": "--", "error": "connection failed: %s" % exc}
        self.stats.record(type_name, control_id, reply["status"], reply["error"])
        _logger.info("sent %s %s via %s: %s", type_name, control_id, protocol, reply["status"])
        return control_id

    def pick_protocol(self) -> str:
        return "hl7" if self.rng.random() < 0.6 else "json"

    def demo_patients(self, count: int) -> list[dict]:
        return [demo_patient(index) for index in self.rng.sample(range(DEMO_PATIENT_COUNT), count)]

    def send_master_data(self) -> None:
        self.send("json", "master.hospital", dict(HOSPITAL))
        items = [
            {
                "code": code,
                "name": name,
                "category": category,
                "building": DEPARTMENT_BUILDING.get(code, "门诊楼"),
                "floor": floor,
                "room": room,
                "phone": phone,
                **({"bed_count": DEPARTMENT_BEDS[code]} if code in DEPARTMENT_BEDS else {}),
                "active": True,
            }
            for code, name, category, floor, room, phone in DEPARTMENTS
        ]
        self.send("hl7", "master.departments", {"items": items})
        doctors = [
            {
                "code": code,
                "name": name,
                "department_code": department,
                "title": title,
                "specialty": specialty,
                "active": True,
            }
            for code, name, department, title, specialty in DOCTORS
        ]
        self.send("hl7", "master.doctors", {"items": doctors})

    def send_schedules(self) -> None:
        day = hospital_today() + datetime.timedelta(days=self.rng.randint(2, 5))
        for code, name, department, title, _specialty in self.rng.sample(DOCTORS, self.count + 1):
            expert = title in ("主任医师", "副主任医师")
            session = self.rng.choice(["morning", "afternoon"])
            ref = "SCH%s%s%s" % (day.strftime("%Y%m%d"), code, "AM" if session == "morning" else "PM")
            data = {
                "ref": ref,
                "department_code": department,
                "doctor_code": code,
                "date": day.isoformat(),
                "session": session,
                "clinic_type": "expert" if expert else "general",
                "capacity": 20 if expert else 30,
                "fee": 50.0 if title == "主任医师" else (30.0 if expert else 10.0),
                "room": "%s %d诊室" % (DEPARTMENT_ROOMS[department], self.rng.randint(1, 9)),
                "slot_minutes": 12 if expert else 8,
            }
            self.send(self.pick_protocol(), "schedule.upsert", data, "SCH")
            self.schedule_refs.append((ref, department))
            _logger.debug("schedule %s: %s %s", ref, name, session)
        ref, _department = self.schedule_refs.pop()
        self.send("hl7", "schedule.stop", {"ref": ref, "reason": "医生外出参加学术会议，停诊一次"}, "SCH")
        # today's clinics, the ones the queue system calls numbers in
        today = hospital_today()
        session = "morning" if datetime.datetime.now(CHINA_TZ).hour < 12 else "afternoon"
        for code, _name, department, _title, _specialty in self.rng.sample(DOCTORS, self.count):
            ref = "SCH%s%s%s" % (today.strftime("%Y%m%d"), code, "AM" if session == "morning" else "PM")
            data = {
                "ref": ref,
                "department_code": department,
                "doctor_code": code,
                "date": today.isoformat(),
                "session": session,
                "clinic_type": "general",
                "capacity": 30,
                "fee": 10.0,
                "room": "%s %d诊室" % (DEPARTMENT_ROOMS[department], self.rng.randint(1, 9)),
                "slot_minutes": 8,
            }
            self.send(self.pick_protocol(), "schedule.upsert", data, "SCH")
            self.today_refs.append((ref, department))

    def send_patients(self) -> None:
        base = self.rng.randint(0, 899999)
        for index in range(self.count):
            patient = new_patient(self.rng, (base + index) % 1000000)
            self.new_patients.append(patient)
            self.send(self.pick_protocol(), "patient.register", {"patient": patient}, "ADT")
        for patient in self.demo_patients(2):
            update = dict(patient, phone=self.rng.choice(MOBILE_PREFIXES) + "%08d" % self.rng.randint(0, 99999999))
            update["address"] = "广州市%s%d号" % (self.rng.choice(STREETS), self.rng.randint(1, 300))
            self.send(self.pick_protocol(), "patient.update", {"patient": update}, "ADT")

    def patients_for_results(self, count: int) -> list[dict]:
        """Half demo patients, half the ones registered in this run (identifiers only for demo ones)."""
        pool = self.demo_patients(count)
        for index, patient in enumerate(self.new_patients[:count]):
            if index % 2 == 0:
                pool[index] = {"his_patient_id": patient["his_patient_id"], "name": patient["name"]}
        return pool

    def send_results(self) -> None:
        for index, patient in enumerate(self.patients_for_results(self.count)):
            critical = index % 3 == 0
            data = lab_result_data(self.rng, patient, self.control_id("LR"), critical=critical)
            self.send("hl7" if index % 4 else "json", "lab.result", data, "LIS")
        for modality, patient in zip(IMAGING_EXAMS, itertools.cycle(self.patients_for_results(3)), strict=False):
            critical = modality == "ecg"
            data = imaging_report_data(self.rng, patient, self.control_id("RP"), modality, critical=critical)
            self.send("hl7" if modality != "pathology" else "json", "imaging.report", data, "RIS")

    def send_admissions(self) -> list[dict]:
        """Admissions (A01) of demo and new patients, then a transfer (A02), a discharge (A03) and a
        cancelled admission (A11); returns the admissions still in hospital."""
        admissions = []
        for index, patient in enumerate(self.patients_for_results(self.count + 2)):
            admission_no = "ZY%s%04d" % (self.run_id, next(self.serial) % 10000)
            # the stay discharged below is a surgical one: its discharge carries the operation (PR1)
            data = admission_data(self.rng, patient, admission_no, "PWK" if index == 1 else None)
            self.send("hl7" if index % 3 else "json", "admission.admit", data, "ADT")
            admissions.append(data)
        transferred, discharged, cancelled = admissions[:3]
        self.send(self.pick_protocol(), "admission.transfer", transfer_data(self.rng, transferred), "ADT")
        self.send(self.pick_protocol(), "admission.discharge", discharge_data(self.rng, discharged), "ADT")
        data = {"admission_no": cancelled["admission_no"], "patient": cancelled["patient"], "reason": "误办入院"}
        self.send("hl7", "admission.cancel", dict(data, cancelled_at=now_iso()), "ADT")
        return [transferred, *admissions[3:]]

    def send_vital_signs(self, admissions: list[dict]) -> None:
        """Vital signs of the inpatients from the ICU and nursing systems, some critical."""
        for index, admission in enumerate(admissions):
            data = vital_signs_data(
                self.rng,
                admission["patient"],
                self.control_id("VS"),
                critical=index % 2 == 0,
                department_code=admission["department_code"],
                admission_no=admission["admission_no"],
            )
            self.send("hl7" if index % 2 else "json", "vital.signs", data, "VS")

    def send_orders(self, admissions: list[dict]) -> None:
        """Orders of the inpatients (a drug, then nursing, diet, lab or examination), their executions
        (one skipped), then a changed dose, a stopped and a cancelled order."""
        orders = []
        for index, admission in enumerate(admissions):
            for kind in ("drug", self.rng.choice(["nursing", "diet", "lab", "exam"])):
                data = order_data(self.rng, admission, self.control_id("YZ"), kind)
                self.send("hl7" if (index + len(orders)) % 3 else "json", "order.new", data, "ORD")
                orders.append(data)
        for index, order in enumerate(orders):
            status = "skipped" if index == 1 else "given"
            data = execution_data(self.rng, order, self.control_id("ZX"), status)
            self.send("hl7" if index % 2 else "json", "order.execution", data, "NIS")
        drug = orders[0]
        change = {
            "order_no": drug["order_no"],
            "patient": drug["patient"],
            "changed_at": now_iso(),
            "frequency": "bid",
            "reason": "遵医嘱调整频次",
        }
        self.send(self.pick_protocol(), "order.change", change, "ORD")
        stopped, cancelled = orders[1], orders[-1]
        stop = {
            "order_no": stopped["order_no"],
            "patient": stopped["patient"],
            "stop_at": now_iso(),
            "reason": "病情好转",
        }
        self.send(self.pick_protocol(), "order.stop", stop, "ORD")
        cancel = {"order_no": cancelled["order_no"], "patient": cancelled["patient"], "cancelled_at": now_iso()}
        self.send("hl7", "order.cancel", dict(cancel, reason="医嘱开错"), "ORD")

    def send_exam_reports_and_allergies(self) -> None:
        """Physical-exam reports of both packages, then allergies and alerts of outpatients (A60), one of
        them removed again."""
        for index, patient in enumerate(self.patients_for_results(self.count)):
            package = sorted(EXAM_PACKAGES)[index % len(EXAM_PACKAGES)]
            data = exam_report_data(self.rng, patient, self.control_id("TJ"), package)
            self.send("hl7" if index % 2 else "json", "exam.report", data, "PE")
        changes = []
        for index, patient in enumerate(self.demo_patients(self.count)):
            data = allergy_change_data(self.rng, patient, self.control_id("AL"), now_iso(-60))
            self.send("hl7" if index % 2 == 0 else "json", "patient.allergy", data, "ADT")
            changes.append(data)
        removed = changes[0]["allergies"][1]
        data = {
            "patient": changes[0]["patient"],
            "recorded_at": now_iso(),
            "allergies": [dict(removed, action="remove")],
        }
        self.send("hl7", "patient.allergy", data, "ADT")

    def send_visits(self) -> None:
        for patient in self.patients_for_results(self.count):
            data = visit_data(
                self.rng,
                patient,
                "HIS01%s9%04d" % (hospital_today().strftime("%Y%m%d"), next(self.serial) % 10000),
            )
            self.send(self.pick_protocol(), "visit.record", data, "FEE")

    def send_daily_summaries(self, day: datetime.date | None = None) -> None:
        """Yesterday's daily summary (stats.daily) of each department and of the whole hospital: the
        departments without beds report no inpatient figures (left out: not reported)."""
        day = day or hospital_today() - datetime.timedelta(days=1)
        totals: dict = {}
        for index, (code, _name, category, *_rest) in enumerate(DEPARTMENTS):
            data = {"date": day.isoformat(), "department_code": code}
            data.update(daily_figures(self.rng, category, DEPARTMENT_BEDS.get(code, 0)))
            for name, value in data.items():
                if name in DAILY_FIGURE_NAMES:
                    totals[name] = round(totals.get(name, 0) + value, 2)
            self.send("hl7" if index % 2 else "json", "stats.daily", data, "STA")
        self.send("hl7", "stats.daily", dict(totals, date=day.isoformat()), "STA")

    def send_queue_and_complaints(self) -> None:
        for ref, department in self.today_refs[: self.count]:
            data = {
                "department_code": department,
                "number": "A%03d" % self.rng.randint(1, 30),
                "schedule_ref": ref,
                "called_at": now_iso(),
                "patient_name": self.rng.choice(SURNAMES) + "*" + self.rng.choice("强明华玲娟"),
            }
            self.send("json", "queue.call", data, "QUE")
        category, content = self.rng.choice(COMPLAINTS)
        department = self.rng.choice(DEPARTMENTS)[0]
        data = {
            "ref": self.control_id("TS"),
            "patient": demo_patient(self.rng.randrange(DEMO_PATIENT_COUNT)),
            "department_code": department,
            "staff_code": self.rng.choice(DOCTORS_BY_DEPARTMENT[department])[0],
            "category": category,
            "content": content,
            "contact_phone": self.rng.choice(MOBILE_PREFIXES) + "%08d" % self.rng.randint(0, 99999999),
            "received_at": now_iso(-self.rng.randint(5, 120)),
        }
        self.send("hl7", "complaint", data, "CMP")

    def send_round(self) -> Stats:
        """One round of everything a hospital sends, in a sensible order (master data first)."""
        self.send_master_data()
        self.send_schedules()
        self.send_patients()
        self.send_results()
        admissions = self.send_admissions()
        self.send_vital_signs(admissions)
        self.send_orders(admissions)
        self.send_exam_reports_and_allergies()
        self.send_visits()
        self.send_daily_summaries()
        self.send_queue_and_complaints()
        self.send_death()
        return self.stats

    def send_death(self) -> None:
        """The death of a patient registered this round, as the HIS reports it: an ADT^A08 update with
        PID-30 Y and PID-29 the time of death (the platform stops its follow-up messages)."""
        if not self.new_patients:
            return
        patient = self.new_patients[-1]
        update = {"his_patient_id": patient["his_patient_id"], "deceased": True, "deceased_at": now_iso(-30)}
        self.send("hl7", "patient.update", {"patient": update}, "ADT")

    def follow_up(self, state: HisState) -> int:
        """Report what happened to the bookings the HIS received: attended, no-show or cancelled."""
        sent = 0
        with state.lock:
            pending = [b for b in state.bookings.values() if not b.reported and not b.cancelled]
        for booking in pending:
            roll = self.rng.random()
            if roll < 0.6:
                status, reason = "attended", ""
            elif roll < 0.8:
                status, reason = "no_show", "患者未按时就诊"
            elif roll < 0.9:
                status, reason = "cancelled", "医生临时停诊"
            else:
                continue
            data = {"appointment_ref": booking.appointment_ref, "his_ref": booking.his_ref, "status": status}
            if reason:
                data["reason"] = reason
            if booking.patient:
                data["patient"] = booking.patient
            self.send(self.pick_protocol(), "appointment.status", data, "SIU")
            booking.reported = True
            sent += 1
            if status == "attended" and booking.patient:
                # the HIS's visit of the booking names it: the platform completes the same visit
                self.send(self.pick_protocol(), "visit.record", self.booked_visit_data(booking), "FEE")
                sent += 1
        return sent

    def booked_visit_data(self, booking: Booking) -> dict:
        """The HIS's visit record of an attended booking, carrying its appointment reference."""
        visit_ref = "HIS01%s9%04d" % (booking.date.replace("-", ""), next(self.serial) % 10000)
        data = visit_data(self.rng, booking.patient, visit_ref)
        department = booking.department_code or data["department_code"]
        data.update(
            appointment_ref=booking.appointment_ref,
            visit_type="outpatient",
            visit_kind=self.rng.choice(["first", "return"]),
            department_code=department,
            doctor_code=booking.doctor_code or self.rng.choice(DOCTORS_BY_DEPARTMENT.get(department, DOCTORS))[0],
        )
        return data


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="ihospital-gateway simulate-his", description=__doc__.split("\n\n")[0])
    parser.add_argument("--hl7", default=DEFAULT_HL7, help="gateway HL7/MLLP address (default %(default)s)")
    parser.add_argument("--json", default=DEFAULT_JSON, help="gateway JSON address (default %(default)s)")
    parser.add_argument("--json-charset", default="gbk", help="JSON character set (default %(default)s)")
    parser.add_argument(
        "--hl7-charset", default="utf-8", help="HL7 character set, sent in MSH-18 (default %(default)s)"
    )
    parser.add_argument("--listen-hl7", default=DEFAULT_LISTEN_HL7, help="HIS HL7 listener (default %(default)s)")
    parser.add_argument("--listen-json", default=DEFAULT_LISTEN_JSON, help="HIS JSON listener (default %(default)s)")
    parser.add_argument("--scenario", choices=["demo", "once", "listen"], default="demo")
    parser.add_argument("--count", type=int, default=5, help="messages per kind in a round (default %(default)s)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (reproducible data)")
    parser.add_argument("--follow-up", type=float, default=30.0, help="seconds between booking follow-ups (SIU)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    simulator = Simulator(
        parse_address(args.hl7), parse_address(args.json), args.json_charset, args.hl7_charset, args.seed, args.count
    )
    if args.scenario == "once":
        stats = simulator.send_round()
        print("sent %d messages, %d accepted, %d refused" % (stats.sent, stats.accepted, len(stats.failed)))
        return 0 if not stats.failed else 1
    state = HisState()
    listeners = [
        HisListener(parse_address(args.listen_hl7), "hl7", state, args.hl7_charset).start(),
        HisListener(parse_address(args.listen_json), "json", state, args.json_charset).start(),
    ]
    _logger.info("HIS listening on %s (HL7) and %s (JSON)", args.listen_hl7, args.listen_json)
    try:
        if args.scenario == "demo":
            stats = simulator.send_round()
            print(
                "sent %d messages, %d accepted, %d refused; listening (Ctrl-C to stop)"
                % (stats.sent, stats.accepted, len(stats.failed))
            )
        while True:
            time.sleep(args.follow_up)
            if args.scenario == "demo" and simulator.follow_up(state):
                _logger.info("follow-ups sent: %d messages so far", simulator.stats.sent)
    except KeyboardInterrupt:
        pass
    finally:
        for listener in listeners:
            listener.stop()
    print("HIS received %d platform messages (%d bookings)" % (len(state.received), len(state.bookings)))
    return 0


# --- fixed examples (docs/his-protocol.md and the tests) ------------------------------------------------

_EXAMPLE_PATIENT = {
    "his_patient_id": "P01100023",
    "medical_card_number": "YX010000024",
    "id_type": "resident_id",
    "id_number": "440104198507150023",
    "name": "李秀英",
    "gender": "female",
    "birth_date": "1985-07-15",
    "phone": "13922334455",
    "address": "广州市越秀区东风东路123号",
}

#: One complete message of every canonical type with fixed values: the protocol document's examples
#: are these messages, and the tests check that each one survives HL7 and JSON unchanged.
EXAMPLES = {
    "master.hospital": ("HOS20261126000001", dict(HOSPITAL)),
    "master.departments": (
        "DEP20261126000001",
        {
            "items": [
                {
                    "code": "XNK",
                    "name": "心血管内科",
                    "category": "internal",
                    "building": "门诊楼",
                    "floor": "3F",
                    "room": "3楼A区",
                    "phone": "020-83821101",
                    "description": "胸痛中心挂靠科室，擅长冠心病介入治疗。",
                    "bed_count": 60,
                    "active": True,
                },
                {"code": "HXK", "name": "呼吸与危重症医学科", "category": "internal", "active": True},
            ]
        },
    ),
    "master.doctors": (
        "DOC20261126000001",
        {
            "items": [
                {
                    "code": "D1001",
                    "name": "陈志远",
                    "department_code": "XNK",
                    "title": "主任医师",
                    "specialty": "冠心病介入治疗、急性心肌梗死救治",
                    "introduction": "从事心血管内科临床工作13年。",
                    "gender": "male",
                    "phone": "020-83821101",
                    "active": True,
                }
            ]
        },
    ),
    "schedule.upsert": (
        "SCH20261126000001",
        {
            "ref": "SCH20261128D1001AM",
            "department_code": "XNK",
            "doctor_code": "D1001",
            "date": "2026-11-28",
            "session": "morning",
            "clinic_type": "expert",
            "capacity": 20,
            "fee": 50,
            "room": "3楼A区 2诊室",
            "slot_minutes": 12,
        },
    ),
    "schedule.stop": ("SCH20261126000002", {"ref": "SCH20261128D1001AM", "reason": "医生外出参加学术会议，停诊一次"}),
    "patient.register": ("ADT20261126000001", {"patient": dict(_EXAMPLE_PATIENT)}),
    "patient.update": (
        "ADT20261126000002",
        {"patient": {"his_patient_id": "P01100023", "phone": "13800138000", "address": "广州市天河区天河路1号"}},
    ),
    "appointment.status": (
        "SIU20261126000001",
        {
            "appointment_ref": "APT/2026/00042",
            "his_ref": "HIS-APPT-778",
            "status": "no_show",
            "reason": "患者未按时就诊",
        },
    ),
    "lab.result": (
        "LIS20261126000123",
        {
            "report_no": "LR202611260123",
            "patient": {"his_patient_id": "P01100023", "medical_card_number": "YX010000024"},
            "title": "电解质",
            "department_code": "XNK",
            "doctor_code": "D1003",
            "specimen": "血清",
            "status": "final",
            "collected_at": "2026-11-26T08:12:00+08:00",
            "reported_at": "2026-11-26T09:30:00+08:00",
            "results": [
                {
                    "code": "K",
                    "name": "钾",
                    "value": "6.85",
                    "value_type": "NM",
                    "unit": "mmol/L",
                    "reference_range": "3.5-5.3",
                    "flag": "HH",
                },
                {
                    "code": "NA",
                    "name": "钠",
                    "value": "139.2",
                    "value_type": "NM",
                    "unit": "mmol/L",
                    "reference_range": "137-147",
                    "flag": "N",
                },
                {
                    "code": "UPRO",
                    "name": "尿蛋白",
                    "value": "++",
                    "value_type": "ST",
                    "reference_range": "阴性",
                    "flag": "A",
                },
            ],
        },
    ),
    "imaging.report": (
        "RIS20261126000045",
        {
            "report_no": "US202611260045",
            "patient": {"his_patient_id": "P01100023"},
            "modality": "ultrasound",
            "exam_name": "腹部彩超（肝胆胰脾）",
            "body_part": "腹部",
            "department_code": "XHK",
            "doctor_code": "D1011",
            "findings": "肝脏大小正常，实质回声增粗。\n胆囊腔内见一强回声，大小约8mm，后伴声影。",
            "impression": "1. 脂肪肝（轻度）\n2. 胆囊结石",
            "viewer_url": "https://pacs.yxzx-hospital.example.cn/viewer?study=1.2.156.112605.1&token=9f2c",
            "status": "final",
            "reported_at": "2026-11-26T10:05:00+08:00",
        },
    ),
    "visit.record": (
        "FEE20261126000007",
        {
            "visit_ref": "HIS0120261126900007",
            "patient": {"his_patient_id": "P01100023"},
            "visit_type": "outpatient",
            "visit_kind": "return",
            "appointment_ref": "APT/2026/00042",
            "department_code": "XNK",
            "doctor_code": "D1003",
            "start": "2026-11-26T08:40:00+08:00",
            "end": "2026-11-26T09:05:00+08:00",
            "diagnosis": "高血压病2级",
            "diagnosis_code": "I10",
            "total_charges": 100.2,
            "insurance_amount": 52.16,
            "charges": [
                {
                    "code": "110200001",
                    "name": "普通门诊诊查费",
                    "category": "诊查费",
                    "quantity": 1,
                    "unit_price": 10,
                    "amount": 10,
                    "insurance_amount": 0,
                },
                {
                    "code": "X-C08CA01",
                    "name": "苯磺酸氨氯地平片 5mg×28片",
                    "category": "西药费",
                    "quantity": 2,
                    "unit_price": 32.6,
                    "amount": 65.2,
                    "insurance_amount": 52.16,
                },
                {
                    "code": "250101001",
                    "name": "血常规（五分类）",
                    "category": "化验费",
                    "quantity": 1,
                    "unit_price": 25,
                    "amount": 25,
                },
            ],
        },
    ),
    "queue.call": (
        "QUE20261126000301",
        {
            "department_code": "XNK",
            "room": "3楼A区 2诊室",
            "number": "A012",
            "schedule_ref": "SCH20261126D1001AM",
            "called_at": "2026-11-26T09:41:00+08:00",
            "patient_name": "李*英",
        },
    ),
    "complaint": (
        "CMP20261126000002",
        {
            "ref": "TS20261126002",
            "patient": {"his_patient_id": "P01100023"},
            "department_code": "XNK",
            "staff_code": "D1003",
            "category": "候诊时间",
            "content": "预约的是上午9点的号，到10点半还没有看上。\n叫号屏幕也不更新 | 希望改进 & 回复。",
            "contact_phone": "13922334455",
            "received_at": "2026-11-26T11:20:00+08:00",
        },
    ),
    "admission.admit": (
        "ADT20261126000011",
        {
            "admission_no": "ZY202611260012",
            "patient": dict(_EXAMPLE_PATIENT),
            "department_code": "XNK",
            "ward": "心内科一病区",
            "bed": "12",
            "attending_doctor_code": "D1001",
            "bed_doctor_code": "D1003",
            "admitted_at": "2026-11-26T10:20:00+08:00",
            "diagnosis": "急性前壁心肌梗死",
            "diagnosis_code": "I21.0",
            "allergies": [
                {
                    "allergen": "青霉素",
                    "code": "DRUG-PCN",
                    "type": "drug",
                    "severity": "severe",
                    "reaction": "过敏性休克",
                    "identified_at": "2015-06-03",
                },
                {"allergen": "海鲜", "code": "FOOD-SEA", "type": "food", "severity": "mild", "reaction": "荨麻疹"},
            ],
        },
    ),
    "admission.transfer": (
        "ADT20261127000003",
        {
            "admission_no": "ZY202611260012",
            "patient": {"his_patient_id": "P01100023"},
            "department_code": "XNK",
            "ward": "心内科CCU",
            "bed": "3",
            "attending_doctor_code": "D1001",
            "bed_doctor_code": "D1002",
            "from_department_code": "XNK",
            "from_ward": "心内科一病区",
            "from_bed": "12",
            "transferred_at": "2026-11-27T02:15:00+08:00",
        },
    ),
    "admission.discharge": (
        "ADT20261203000008",
        {
            "admission_no": "ZY202611260012",
            "patient": {"his_patient_id": "P01100023"},
            "department_code": "XNK",
            "ward": "心内科一病区",
            "bed": "12",
            "admitted_at": "2026-11-26T10:20:00+08:00",
            "discharged_at": "2026-12-03T09:30:00+08:00",
            "procedures": [
                {"code": "36.07", "name": "经皮冠状动脉药物洗脱支架置入术", "at": "2026-11-26T11:45:00+08:00"},
            ],
        },
    ),
    "admission.cancel": (
        "ADT20261126000013",
        {
            "admission_no": "ZY202611260013",
            "patient": {"his_patient_id": "P01100024"},
            "cancelled_at": "2026-11-26T11:05:00+08:00",
            "reason": "误办入院",
        },
    ),
    "vital.signs": (
        "ICU20261127000031",
        {
            "ref": "VS202611270031",
            "patient": {"his_patient_id": "P01100023"},
            "source_system": "ICU-CIS",
            "admission_no": "ZY202611260012",
            "department_code": "XNK",
            "observed_at": "2026-11-27T03:00:00+08:00",
            "observations": [
                {
                    "code": "HR",
                    "name": "心率",
                    "loinc": "8867-4",
                    "value": "38",
                    "unit": "次/分",
                    "reference_range": "60-100",
                    "flag": "LL",
                },
                {
                    "code": "SBP",
                    "name": "收缩压",
                    "loinc": "8480-6",
                    "value": "86",
                    "unit": "mmHg",
                    "reference_range": "90-139",
                    "flag": "L",
                },
                {
                    "code": "SPO2",
                    "name": "血氧饱和度",
                    "loinc": "59408-5",
                    "value": "93",
                    "unit": "%",
                    "reference_range": "95-100",
                    "flag": "L",
                    "observed_at": "2026-11-27T02:58:00+08:00",
                    "ref": "VS202611270031-3",
                },
            ],
        },
    ),
    "order.new": (
        "ORD20261126000051",
        {
            "order_no": "YZ20261126001201",
            "patient": {"his_patient_id": "P01100023"},
            "admission_no": "ZY202611260012",
            "department_code": "XNK",
            "doctor_code": "D1003",
            "kind": "drug",
            "term": "long_term",
            "item_code": "X-B01AC06",
            "item_name": "阿司匹林肠溶片 100mg",
            "dose": "100",
            "dose_unit": "mg",
            "route": "口服",
            "frequency": "qd",
            "note": "餐后服用",
            "ordered_at": "2026-11-26T10:35:00+08:00",
            "start_at": "2026-11-26T10:40:00+08:00",
        },
    ),
    "order.change": (
        "ORD20261127000052",
        {
            "order_no": "YZ20261126001202",
            "patient": {"his_patient_id": "P01100023"},
            "admission_no": "ZY202611260012",
            "department_code": "XNK",
            "doctor_code": "D1001",
            "kind": "nursing",
            "term": "long_term",
            "item_code": "N-O2",
            "item_name": "持续低流量吸氧",
            "dose": "3",
            "dose_unit": "L/min",
            "route": "鼻导管",
            "start_at": "2026-11-26T10:40:00+08:00",
            "changed_at": "2026-11-27T03:10:00+08:00",
            "reason": "血氧饱和度下降",
        },
    ),
    "order.stop": (
        "ORD20261128000053",
        {
            "order_no": "YZ20261126001201",
            "patient": {"his_patient_id": "P01100023"},
            "doctor_code": "D1003",
            "stop_at": "2026-11-28T09:00:00+08:00",
            "reason": "消化道出血风险，停用",
        },
    ),
    "order.cancel": (
        "ORD20261126000054",
        {
            "order_no": "YZ20261126001203",
            "patient": {"his_patient_id": "P01100023"},
            "doctor_code": "D1003",
            "cancelled_at": "2026-11-26T11:02:00+08:00",
            "reason": "医嘱开错",
        },
    ),
    "order.execution": (
        "NIS20261127000055",
        {
            "execution_no": "ZX2026112700031",
            "order_no": "YZ20261126001201",
            "patient": {"his_patient_id": "P01100023"},
            "status": "given",
            "executed_at": "2026-11-27T08:05:00+08:00",
            "executor_code": "N2004",
            "executor_name": "黄丽娟",
            "item_code": "X-B01AC06",
            "item_name": "阿司匹林肠溶片 100mg",
            "dose": "100",
            "dose_unit": "mg",
        },
    ),
    "exam.report": (
        "PE20261120000018",
        {
            "report_no": "TJ202611200018",
            "patient": {"his_patient_id": "P01100023", "medical_card_number": "YX010000024"},
            "package_code": "TJ-RZ01",
            "package_name": "入职体检套餐",
            "exam_date": "2026-11-20",
            "chief_examiner_code": "D1001",
            "chief_examiner": "陈志远",
            "status": "final",
            "reported_at": "2026-11-23T16:30:00+08:00",
            "items": [
                {"section": "一般检查", "code": "HGT", "name": "身高", "value": "162", "unit": "cm", "flag": "N"},
                {
                    "section": "一般检查",
                    "code": "SBP",
                    "name": "收缩压",
                    "value": "146",
                    "unit": "mmHg",
                    "reference_range": "90-139",
                    "flag": "H",
                    "conclusion": "血压偏高",
                },
                {"section": "内科", "code": "HEART", "name": "心脏听诊", "value": "心率齐，各瓣膜区未闻及病理性杂音"},
                {
                    "section": "眼科",
                    "code": "VAR",
                    "name": "视力（右）",
                    "value": "4.6",
                    "flag": "A",
                    "conclusion": "右眼视力下降",
                },
                {
                    "section": "肝功能",
                    "code": "ALT",
                    "name": "丙氨酸氨基转移酶",
                    "value": "58",
                    "unit": "U/L",
                    "reference_range": "7-40",
                    "flag": "H",
                    "conclusion": "转氨酶升高",
                },
            ],
            "conclusion": "1. 血压偏高\n2. 右眼视力下降\n3. 转氨酶升高",
            "advice": "血压偏高：低盐饮食，规律作息，每周测量血压。\n转氨酶升高：避免饮酒及熬夜，1个月后复查肝功能。",
        },
    ),
    "patient.allergy": (
        "ADT20261126000021",
        {
            "patient": {"his_patient_id": "P01100023"},
            "recorded_at": "2026-11-26T14:05:00+08:00",
            "allergies": [
                {
                    "action": "add",
                    "ref": "GM-88231",
                    "allergen": "碘造影剂",
                    "code": "DRUG-IOD",
                    "type": "drug",
                    "severity": "moderate",
                    "reaction": "荨麻疹、胸闷",
                    "identified_at": "2026-11-26",
                },
                {
                    "action": "add",
                    "ref": "JS-3301",
                    "kind": "alert",
                    "allergen": "跌倒高风险",
                    "code": "ALERT-FALL",
                    "severity": "moderate",
                    "reaction": "行动需陪护，床栏保护",
                },
                {"action": "remove", "ref": "GM-70015", "allergen": "海鲜", "code": "FOOD-SEA", "type": "food"},
            ],
        },
    ),
    "stats.daily": (
        "STA20261127000012",
        {
            "date": "2026-11-26",
            "department_code": "XNK",
            "outpatient_visits": 186,
            "emergency_visits": 0,
            "first_visits": 74,
            "return_visits": 112,
            "admissions": 9,
            "discharges": 7,
            "census": 54,
            "open_beds": 60,
            "bed_days": 54,
            "prescriptions": 151,
            "amount_drug": 21350.6,
            "amount_lab": 8420,
            "amount_exam": 12680.5,
            "amount_treatment": 5210,
            "amount_material": 3890.4,
            "amount_bed": 3240,
            "amount_other": 1860,
            "insurance_amount": 35420.75,
            "self_paid_amount": 21230.75,
        },
    ),
    "booking.create": (
        "OUT20261126000042",
        {
            "appointment_ref": "APT/2026/00042",
            "schedule_ref": "SCH20261128D1001AM",
            "department_code": "XNK",
            "doctor_code": "D1001",
            "date": "2026-11-28",
            "session": "morning",
            "number": 7,
            "start": "2026-11-28T09:12:00+08:00",
            "fee": 50,
            "paid": True,
            "patient": dict(_EXAMPLE_PATIENT),
        },
    ),
    "booking.cancel": (
        "OUT20261126000043",
        {
            "appointment_ref": "APT/2026/00042",
            "his_ref": "HIS-APPT-778",
            "reason": "行程有变",
            "cancelled_by": "patient",
        },
    ),
    "patient.sync": ("OUT20261126000044", {"patient": dict(_EXAMPLE_PATIENT)}),
    "critical.receipt": (
        "OUT20261126000045",
        {
            "alert_ref": "WJZ/2026/00042",
            "report_no": "LR202611260123",
            "source": "lab",
            "item_code": "K",
            "item": "钾",
            "value": "6.85",
            "unit": "mmol/L",
            "flag": "HH",
            "patient": {"his_patient_id": "P01100023", "medical_card_number": "YX010000024"},
            "acknowledged_by": "陈志强",
            "acknowledged_by_code": "D1003",
            "acknowledged_role": "duty_doctor",
            "acknowledged_at": "2026-11-26T09:33:00+08:00",
            "read_back": "6.85",
            "department_code": "XNK",
            "detected_at": "2026-11-26T09:30:05+08:00",
        },
    ),
}
EXAMPLE_SENT_AT = "2026-11-26T09:30:00+08:00"
#: The HIS reports a death (docs/his-protocol.md, "A patient's death"): an update with PID-30 Y and PID-29.
DEATH_EXAMPLE = (
    "ADT20261220000004",
    {"patient": {"his_patient_id": "P01100024", "deceased": True, "deceased_at": "2026-12-20T03:40:00+08:00"}},
)
