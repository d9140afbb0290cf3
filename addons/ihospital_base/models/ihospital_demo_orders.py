import random
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

# (kind, term, HIS item code, item, dose, unit, route, frequency, instructions)
NURSING_1 = ("nursing", "long_term", "N-HL1", "一级护理", "", "", "", "", "")
NURSING_2 = ("nursing", "long_term", "N-HL2", "二级护理", "", "", "", "", "")
BLOOD_COUNT = ("lab", "temporary", "250101001", "血常规（五分类）", "", "", "", "st", "晨起空腹采血")
ORDERS_BY_DEPARTMENT = {
    "XNK": [
        NURSING_1,
        ("diet", "long_term", "D-DYZ", "低盐低脂饮食", "", "", "", "", ""),
        ("drug", "long_term", "X-B01AC06", "阿司匹林肠溶片 100mg", "100", "mg", "口服", "qd", ""),
        ("drug", "long_term", "X-B01AC04", "硫酸氢氯吡格雷片 75mg", "75", "mg", "口服", "qd", ""),
        ("drug", "long_term", "X-C10AA05", "阿托伐他汀钙片 20mg", "20", "mg", "口服", "qn", ""),
        ("lab", "temporary", "250301001", "心肌酶谱+肌钙蛋白I", "", "", "", "st", ""),
    ],
    "HXK": [
        NURSING_1,
        ("diet", "long_term", "D-PT", "普通饮食", "", "", "", "", ""),
        (
            "drug",
            "long_term",
            "X-J01CR05",
            "注射用哌拉西林钠他唑巴坦钠 4.5g",
            "4.5",
            "g",
            "静脉滴注",
            "q8h",
            "皮试阴性后使用",
        ),
        ("drug", "long_term", "X-R05CB06", "盐酸氨溴索注射液 30mg", "30", "mg", "静脉注射", "bid", ""),
        ("nursing", "long_term", "N-O2", "持续低流量吸氧", "2", "L/min", "鼻导管", "", ""),
        ("lab", "temporary", "250102035", "动脉血气分析", "", "", "", "st", ""),
    ],
    "XHK": [
        NURSING_1,
        ("diet", "long_term", "D-JS", "禁食", "", "", "", "", "禁食禁水，静脉营养支持"),
        ("drug", "long_term", "X-A02BC01", "注射用奥美拉唑钠 40mg", "40", "mg", "静脉滴注", "q12h", ""),
        BLOOD_COUNT,
    ],
    "SJK": [
        NURSING_1,
        ("diet", "long_term", "D-DYZ", "低盐低脂饮食", "", "", "", "", ""),
        ("drug", "long_term", "X-B01AC06", "阿司匹林肠溶片 100mg", "100", "mg", "口服", "qd", ""),
        ("drug", "long_term", "X-N07XX-DBT", "丁苯酞氯化钠注射液 25mg", "25", "mg", "静脉滴注", "bid", ""),
        BLOOD_COUNT,
    ],
    "NFM": [
        NURSING_1,
        ("diet", "long_term", "D-TNB", "糖尿病饮食", "", "", "", "", ""),
        ("drug", "long_term", "X-A10AB01", "重组人胰岛素注射液", "6", "U", "皮下注射", "tid", "三餐前30分钟"),
        ("nursing", "long_term", "N-XT", "末梢血糖监测", "", "", "", "qid", "三餐前及睡前"),
        ("lab", "temporary", "250302001", "血酮体+电解质", "", "", "", "st", ""),
    ],
    "PWK": [
        NURSING_2,
        ("diet", "long_term", "D-DZLZ", "低脂流质饮食", "", "", "", "", ""),
        (
            "drug",
            "long_term",
            "X-J01DD62",
            "注射用头孢哌酮钠舒巴坦钠 2g",
            "2",
            "g",
            "静脉滴注",
            "q12h",
            "皮试阴性后使用",
        ),
        BLOOD_COUNT,
    ],
    "GK": [
        NURSING_2,
        ("diet", "long_term", "D-PT", "普通饮食", "", "", "", "", ""),
        ("drug", "long_term", "X-M01AH01", "塞来昔布胶囊 200mg", "200", "mg", "口服", "qd", "餐后服用"),
        ("drug", "long_term", "X-B01AB04", "低分子肝素钙注射液 4100IU", "4100", "IU", "皮下注射", "qd", ""),
        BLOOD_COUNT,
    ],
    "EK": [
        NURSING_2,
        ("diet", "long_term", "D-ETPS", "儿童普食", "", "", "", "", ""),
        ("drug", "long_term", "X-J01CR02", "阿莫西林克拉维酸钾颗粒 228.5mg", "228.5", "mg", "口服", "bid", "餐前服用"),
        ("drug", "long_term", "X-R03AC02", "吸入用硫酸沙丁胺醇溶液 2.5mg", "2.5", "mg", "雾化吸入", "bid", ""),
        BLOOD_COUNT,
    ],
}
# the hours (hospital time) at which a frequency is given
FREQUENCY_HOURS = {
    "qd": (8,),
    "bid": (8, 20),
    "tid": (7, 11, 17),
    "qid": (7, 11, 17, 21),
    "q8h": (0, 8, 16),
    "q12h": (8, 20),
    "qn": (21,),
}


class IhospitalDemo(models.AbstractModel):
    _inherit = "ihospital.demo"

    @api.model
    def _generate_orders(self):
        """Medical orders of the demo hospital's inpatients (nursing level,
        diet, drugs, a lab test) with today's executions by the ward's
        nurses, as the HIS sends them: the drugs of the frequency hours
        passed today given, one insulin dose skipped with its reason, a
        discharged patient's orders stopped. Its own seed."""
        rng = random.Random(2028)
        company = self.env.ref("base.main_company")
        tz = pytz.timezone(company.hospital_tz or "Asia/Shanghai")
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        today = company._ihospital_today()
        admissions = self.env["ihospital.admission"].search(
            [("company_id", "=", company.id), ("name", "like", "ZY%")], order="id"
        )
        nurses = {}
        for nurse in self.env["hr.employee"].search(
            [("company_id", "=", company.id), ("ihospital_role", "=", "nurse"), ("his_code", "!=", False)]
        ):
            nurses.setdefault(nurse.department_id.id, nurse)
        order_vals, plans = [], []
        for admission in admissions:
            templates = ORDERS_BY_DEPARTMENT.get(admission.department_id.his_code)
            if not templates:
                continue
            admitted = admission.admitted_at + timedelta(minutes=rng.randint(20, 90))
            # today's temporary orders (a morning blood test) were written at six
            morning = tz.localize(datetime.combine(today, time(6))).astimezone(pytz.utc).replace(tzinfo=None)
            for index, (kind, term, code, item, dose, unit, route, frequency, note) in enumerate(templates):
                stopped = admission.state == "discharged"
                start = admitted
                if term == "temporary" and not stopped:
                    start = max(admitted, min(morning, now - timedelta(minutes=45)))
                stop_at = admission.discharged_at if stopped else False
                order_vals.append(
                    {
                        "company_id": company.id,
                        "name": f"YZ{admission.name[2:]}{index + 1:02d}",
                        "patient_id": admission.patient_id.id,
                        "admission_id": admission.id,
                        "department_id": admission.department_id.id,
                        "doctor_id": admission.bed_doctor_id.id,
                        "his_doctor_code": admission.bed_doctor_id.his_code,
                        "his_department_code": admission.department_id.his_code,
                        "kind": kind,
                        "term": term,
                        "item_code": code,
                        "item_name": item,
                        "dose": dose or False,
                        "dose_unit": unit or False,
                        "route": route or False,
                        "frequency": frequency or False,
                        "note": note or False,
                        "ordered_at": start - timedelta(minutes=5),
                        "start_at": start,
                        "stop_at": stop_at,
                        "state": "stopped" if stopped else "new",
                        "reason": "出院停止医嘱" if stopped else False,
                        "last_event_at": stop_at if stopped else start,
                    }
                )
                plans.append((admission, stopped))
        Order = self.env["ihospital.medical.order"].with_context(tracking_disable=True)
        orders = Order.create(order_vals)
        events = []
        executions = []
        for order, (admission, stopped) in zip(orders, plans, strict=True):
            events.append(
                {"order_id": order.id, "event": "new", "event_at": order.ordered_at, "doctor_id": order.doctor_id.id}
            )
            if stopped:
                events.append(
                    {
                        "order_id": order.id,
                        "event": "stopped",
                        "event_at": order.stop_at,
                        "doctor_id": order.doctor_id.id,
                        "reason": order.reason,
                    }
                )
                continue
            nurse = nurses.get(admission.department_id.id)
            for serial, moment in enumerate(self._demo_execution_times(order, tz, today, now), start=1):
                skipped = order.kind == "drug" and order.frequency == "tid" and serial == 2
                executions.append(
                    {
                        "name": f"ZX{order.name[2:]}{serial:02d}",
                        "order_id": order.id,
                        "executed_at": min(moment + timedelta(minutes=rng.randint(0, 25)), now),
                        "executor_id": nurse.id if nurse else False,
                        "his_executor_code": nurse.his_code if nurse else False,
                        "executor_name": nurse.name if nurse else "值班护士",
                        "state": "skipped" if skipped else "given",
                        "reason": "患者午餐未进食，遵医嘱暂停餐前胰岛素" if skipped else False,
                        "dose": order.dose,
                        "dose_unit": order.dose_unit,
                    }
                )
        self.env["ihospital.medical.order.event"].create(events)
        self.env["ihospital.order.execution"].create(executions)

    @api.model
    def _demo_execution_times(self, order, tz, today, now):
        """When `order` was carried out today (UTC, naive): its frequency's
        hours passed today, a temporary order once after it started, a
        nursing or diet order each morning."""
        if order.term == "temporary":
            moment = order.start_at + timedelta(minutes=30)
            return [moment] if moment <= now else []
        hours = FREQUENCY_HOURS.get(order.frequency or "", (8,))
        moments = []
        for hour in hours:
            local = tz.localize(datetime.combine(today, time(hour)))
            moment = local.astimezone(pytz.utc).replace(tzinfo=None)
            if order.start_at <= moment <= now:
                moments.append(moment)
        return moments
