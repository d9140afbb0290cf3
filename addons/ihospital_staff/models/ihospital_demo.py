import random
from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.addons.ihospital_base.models.ihospital_schedule import local_to_utc
from odoo.tools import SQL

# The demo hospital's critical values (危急值) of the last weeks, by source:
# what was found, where it happens, and what the clinicians did about it.
# Lab: (code, test, unit, reference range, panel, specimen, [(value, flag)],
# departments (HIS codes), handling steps [(kind, note)], corrected value
# when a re-collected specimen can withdraw it (haemolysis, clumping)).
CRITICAL_DEMO_LAB = [
    ("K", "血钾", "mmol/L", "3.5-5.3", "电解质", "静脉血", [("6.8", "HH"), ("7.1", "HH"), ("6.5", "HH")],
     ["XNK", "NFM", "JZK", "PWK"],
     [("retest", "立即复查血钾，复查心电图"),
      ("treatment", "10%葡萄糖酸钙10ml静推，普通胰岛素10U加入10%葡萄糖250ml静滴，呋塞米20mg静推")], "4.6"),
    ("K", "血钾", "mmol/L", "3.5-5.3", "电解质", "静脉血", [("2.4", "LL"), ("2.6", "LL"), ("2.3", "LL")],
     ["XHK", "NFM", "PWK", "JZK"],
     [("treatment", "补钾：10%氯化钾15ml加入0.9%氯化钠500ml缓慢静滴，氯化钾缓释片1g口服"),
      ("retest", "补钾后4小时复查血钾")], None),
    ("NA", "血钠", "mmol/L", "137-147", "电解质", "静脉血", [("118", "LL"), ("116", "LL")], ["SJK", "XNK", "NFM"],
     [("treatment", "限制入水量，3%氯化钠溶液缓慢静滴"), ("retest", "6小时后复查血钠，监测神志")], None),
    ("GLU", "葡萄糖", "mmol/L", "3.9-6.1", "血糖", "静脉血", [("2.1", "LL"), ("1.9", "LL")], ["NFM", "JZK", "SJK"],
     [("treatment", "50%葡萄糖注射液40ml静推"), ("retest", "15分钟后复测指尖血糖6.2mmol/L")], None),
    ("GLU", "葡萄糖", "mmol/L", "3.9-6.1", "血糖", "静脉血", [("28.6", "HH"), ("33.3", "HH")], ["NFM", "JZK", "EK"],
     [("treatment", "小剂量胰岛素静脉泵入，积极补液"), ("retest", "每小时监测血糖，急查血酮及动脉血气")], None),
    ("PLT", "血小板计数", "×10^9/L", "125-350", "血常规", "静脉血", [("18", "LL"), ("12", "LL"), ("25", "LL")],
     ["XHK", "PWK", "EK", "FCK"],
     [("consult", "请血液内科会诊"), ("treatment", "输注单采血小板1个治疗量，观察出血倾向")], "186"),
    ("HGB", "血红蛋白", "g/L", "130-175", "血常规", "静脉血", [("52", "LL"), ("48", "LL"), ("55", "LL")],
     ["XHK", "PWK", "FCK", "JZK"],
     [("treatment", "交叉配血，输注去白细胞悬浮红细胞2U"), ("consult", "请消化内科会诊，评估急诊胃镜止血")], None),
    ("WBC", "白细胞计数", "×10^9/L", "3.5-9.5", "血常规", "静脉血", [("0.8", "LL"), ("1.1", "LL")], ["HXK", "EK"],
     [("treatment", "保护性隔离，予重组人粒细胞刺激因子皮下注射"), ("consult", "请血液内科会诊")], None),
    ("CTNI", "肌钙蛋白I", "ng/mL", "0-0.04", "心肌标志物", "静脉血", [("2.36", "HH"), ("5.80", "HH")], ["JZK", "XNK"],
     [("consult", "启动胸痛中心流程，请心内科会诊"), ("treatment", "阿司匹林300mg、替格瑞洛180mg嚼服")], None),
    ("INR", "国际标准化比值", "", "0.8-1.2", "凝血功能", "静脉血", [("5.6", "HH"), ("6.2", "HH")], ["XNK", "SJK", "GK"],
     [("treatment", "暂停华法林，维生素K1 10mg静滴"), ("retest", "次日复查凝血功能")], None),
    ("PO2", "动脉血氧分压", "mmHg", "80-100", "血气分析", "动脉血", [("42", "LL"), ("45", "LL")], ["HXK", "JZK"],
     [("treatment", "高流量吸氧，准备无创正压通气"), ("consult", "请重症医学科会诊")], None),
    ("CA", "血钙", "mmol/L", "2.11-2.52", "电解质", "静脉血", [("1.52", "LL"), ("1.60", "LL")], ["PWK", "NFM"],
     [("treatment", "10%葡萄糖酸钙20ml缓慢静推"), ("retest", "2小时后复查血钙")], None),
    ("BC", "血培养", "", "无菌生长", "血培养", "血培养瓶", [("革兰阴性杆菌生长", "AA"), ("革兰阳性球菌生长", "AA")],
     ["HXK", "PWK", "EK"],
     [("treatment", "根据经验调整抗生素为美罗培南，待药敏结果"), ("retest", "复查血培养两套")], None),
    ("TBIL", "总胆红素", "μmol/L", "3.4-17.1", "肝功能", "静脉血", [("352", "HH")], ["EK"],
     [("treatment", "蓝光治疗，监测胆红素"), ("consult", "请新生儿科会诊评估换血指征")], None),
]  # fmt: skip
# Vital signs from the wards' and the ICU's systems: (code, LOINC, name,
# unit, reference range, [(value, flag)], departments, handling steps).
CRITICAL_DEMO_VITAL = [
    ("SPO2", "59408-5", "血氧饱和度", "%", "95-100", [("84", "LL"), ("82", "LL"), ("86", "LL")], ["HXK", "XNK", "SJK"],
     [("treatment", "面罩吸氧5L/min，复测血氧饱和度94%"), ("doctor_notified", "已报告值班医生床旁查看")]),
    ("HR", "8867-4", "心率", "次/分", "60-100", [("38", "LL"), ("168", "HH")], ["XNK", "JZK"],
     [("treatment", "床旁心电图，静脉用药控制心室率"), ("doctor_notified", "已报告值班医生")]),
    ("SBP", "8480-6", "收缩压", "mmHg", "90-139", [("72", "LL"), ("215", "HH"), ("186", "HH")], ["SJK", "JZK", "FCK"],
     [("treatment", "复测血压，遵医嘱静脉用药调整血压"), ("doctor_notified", "已报告值班医生")]),
    ("RR", "9279-1", "呼吸频率", "次/分", "12-20", [("36", "HH")], ["HXK"],
     [("treatment", "无创呼吸机辅助通气"), ("consult", "请重症医学科会诊")]),
    ("TEMP", "8310-5", "体温", "℃", "36.0-37.3", [("41.2", "HH")], ["EK", "HXK"],
     [("treatment", "物理降温，布洛芬混悬液口服，抽取血培养"), ("retest", "30分钟后复测体温38.6℃")]),
]  # fmt: skip
# Imaging and examinations: (modality, examination, finding, impression,
# departments, handling steps).
CRITICAL_DEMO_IMAGING = [
    ("ct", "头颅CT平扫", "左侧基底节区脑出血，出血量约30ml，中线结构右移约5mm", "左侧基底节区脑出血",
     ["SJK", "JZK"], [("consult", "请神经外科急会诊"), ("treatment", "控制血压，甘露醇脱水降颅压")]),
    ("ct", "胸部CT平扫", "右侧张力性气胸，右肺压缩约80%，纵隔左移", "右侧张力性气胸", ["JZK", "HXK"],
     [("treatment", "床旁胸腔穿刺减压，胸腔闭式引流"), ("consult", "请胸外科会诊")]),
    ("ct", "主动脉CTA", "主动脉夹层（Stanford A型），累及升主动脉", "主动脉夹层", ["XNK", "JZK"],
     [("consult", "请心脏大血管外科急会诊，拟急诊手术"), ("treatment", "严格控制血压及心率，镇痛")]),
    ("radiology", "立位腹部平片", "双侧膈下游离气体，考虑消化道穿孔", "消化道穿孔", ["XHK", "PWK", "JZK"],
     [("consult", "请普通外科会诊，拟急诊剖腹探查"), ("treatment", "禁食、胃肠减压，抗感染")]),
    ("ultrasound", "经阴道妇科超声", "右侧附件区混合性包块，盆腔大量积液，考虑异位妊娠破裂", "异位妊娠破裂可能",
     ["FCK"],
     [("treatment", "开通两路静脉通路，备血，急诊腹腔镜手术"), ("patient_notified", "已向患者及家属交代病情")]),
    ("ultrasound", "床旁心脏超声", "大量心包积液，右心室舒张期塌陷，提示心脏压塞", "心脏压塞", ["XNK"],
     [("treatment", "超声引导下急诊心包穿刺引流"), ("retest", "复查床旁心脏超声")]),
    ("ecg", "常规十二导联心电图", "三度房室传导阻滞，心室率35次/分", "三度房室传导阻滞", ["XNK", "SJK"],
     [("treatment", "异丙肾上腺素静滴，安置临时起搏器"), ("consult", "请心内科会诊")]),
    ("ecg", "常规十二导联心电图", "V1-V4导联ST段抬高0.3mV，急性前壁ST段抬高型心肌梗死", "急性ST段抬高型心肌梗死",
     ["JZK", "XNK"], [("consult", "启动导管室，急诊PCI"), ("treatment", "双联抗血小板负荷量")]),
]  # fmt: skip
# lines measured with the critical one, so that reports look as they do
CRITICAL_DEMO_COMPANIONS = {
    "电解质": [("NA", "血钠", "141", "mmol/L", "137-147"), ("CL", "血氯", "102", "mmol/L", "99-110")],
    "血常规": [("WBC", "白细胞计数", "6.2", "×10^9/L", "3.5-9.5"), ("RBC", "红细胞计数", "4.1", "×10^12/L", "4.3-5.8")],
}
PATIENT_NOTIFIED = ("patient_notified", "电话通知患者立即返院急诊处理，已告知危急值结果")
# the alerts still open when the demo is installed: (minutes ago, source
# and catalog index, department, minutes to acknowledge, minutes to handle)
CRITICAL_DEMO_OPEN = [
    (3, ("lab", 0), "XNK", None, None),
    (26, ("lab", 3), "NFM", None, None),
    (14, ("lab", 1), "PWK", None, None),
    (9, ("lab", 5), "XHK", 2, None),
    (42, ("vital", 0), "HXK", 6, None),
    (120, ("imaging", 0), "SJK", 3, 14),
]


# The demo group SMS (短信群发): (campaign, days ago, hour sent (hospital
# time), [(recipient with a mobile, the carrier's failure)], recipient who
# replied 退订 before it went out).
SMS_CAMPAIGN_DEMO = [
    ("ihospital_staff.sms_campaign_meeting_demo", 17, 16.5, [(3, "用户关机")], None),
    ("ihospital_staff.sms_campaign_power_cut_demo", 9, 10.0, [(1, "空号"), (6, "用户关机")], None),
    ("ihospital_staff.sms_campaign_vaccine_demo", 3, 9.0, [(2, "运营商拦截")], 4),
]

# The electrolytes (电解质) of the demo inpatients over the last month, for
# the lab trend (检验结果趋势): potassium by admission diagnosis (ICD-10) as
# [(days ago, value)], the others' drawn around normal. The heart failure
# patient's potassium falls on diuretics and comes back with replacement.
POTASSIUM_SERIES = {
    "I50.9": [
        (29, "4.5"),
        (22, "4.2"),
        (15, "3.9"),
        (8, "3.6"),
        (7, "3.2"),
        (6, "3.0"),
        (5, "3.3"),
        (4, "3.6"),
        (3, "3.9"),
        (2, "4.1"),
        (1, "4.3"),
    ],
    "I21.0": [(27, "4.2"), (3, "3.6"), (2, "3.4"), (1, "3.9")],
    "I48.9": [(25, "4.8"), (12, "5.1"), (5, "5.6"), (4, "5.4"), (2, "5.0"), (1, "4.7")],
}
ELECTROLYTES = [
    # code, test, unit, reference range, low, high
    ("K", "血钾", "mmol/L", "3.5-5.3", 3.5, 5.3),
    ("NA", "血钠", "mmol/L", "137-147", 137, 147),
    ("CL", "血氯", "mmol/L", "99-110", 99, 110),
]


class IhospitalDemo(models.AbstractModel):
    _inherit = "ihospital.demo"

    @api.model
    def _generate_sms_campaigns(self):
        """Send the demo group SMS through the demo provider, as the SMS
        cron would, with the carriers' receipts: most delivered, a few
        failed (关机, 空号); dated back to when they were sent, so that
        they do not count toward today's cap."""
        Message = self.env["ihospital.sms.message"].sudo()
        for xmlid, days, hour, failures, optout in SMS_CAMPAIGN_DEMO:
            campaign = self.env.ref(xmlid)
            company = campaign.company_id
            if optout is not None:
                numbers = [row["number"] for row in campaign._recipient_rows() if row["number"]]
                self.env["ihospital.sms.optout"]._ihospital_opt_out(company, numbers[optout], "TD")
            campaign.action_send()
            messages = Message.search(
                [
                    ("res_model", "=", "ihospital.sms.campaign.recipient"),
                    ("res_id", "in", campaign.recipient_ids.ids),
                    ("state", "=", "queued"),
                ],
                order="id",
            )
            messages._send_now()
            failed = {messages[index].id: reason for index, reason in failures}
            self.env["ihospital.sms"]._apply_receipts(
                company,
                [
                    {
                        "id": message.provider_message_id,
                        "status": "failed" if message.id in failed else "delivered",
                        "reason": failed.get(message.id),
                    }
                    for message in messages
                ],
            )
            self._sms_campaign_backdate(campaign, days, hour)

    def _sms_campaign_backdate(self, campaign, days, hour):
        """Date a demo group SMS and its texts back (raw SQL: create and
        write dates are the ORM's own)."""
        company = campaign.company_id
        at = local_to_utc(company._ihospital_today() - timedelta(days=days), hour, company.hospital_tz)
        self.env.flush_all()
        recipients = campaign.recipient_ids
        self.env.cr.execute(
            SQL(
                """UPDATE ihospital_sms_campaign
                      SET create_date = %(at)s - interval '25 minutes', queued_at = %(at)s,
                          done_at = %(at)s + interval '4 minutes', write_date = %(at)s + interval '4 minutes'
                    WHERE id = %(id)s""",
                at=at,
                id=campaign.id,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE ihospital_sms_campaign_recipient SET updated_at = %(at)s + interval '2 minutes' "
                "WHERE campaign_id = %(id)s",
                at=at,
                id=campaign.id,
            )
        )
        self.env.cr.execute(
            SQL(
                """UPDATE ihospital_sms_message
                      SET create_date = %(at)s, next_try_at = %(at)s, write_date = %(at)s + interval '2 minutes',
                          sent_at = CASE WHEN sent_at IS NULL THEN NULL ELSE %(at)s + interval '20 seconds' END,
                          delivered_at = CASE WHEN delivered_at IS NULL THEN NULL
                                              ELSE %(at)s + interval '1 minute' + mod(id, 60) * interval '1 second' END
                    WHERE res_model = 'ihospital.sms.campaign.recipient' AND res_id = ANY(%(ids)s)""",
                at=at,
                ids=recipients.ids,
            )
        )
        self.env.invalidate_all()

    @api.model
    def _generate_duty_roster(self, weeks_back=4, weeks_ahead=2):
        """The demo hospitals' duty rosters from `weeks_back` weeks ago to
        `weeks_ahead` weeks ahead, relative to the install date and
        deterministic (rotations follow the date)."""
        main = self.env.ref("base.main_company")
        second = self.env.ref("ihospital_base.res_company_nanshan_demo")
        vals_list = []
        for company, plan in ((main, self._duty_roster_main), (second, self._duty_roster_second)):
            today = company._ihospital_today()
            days = [today + timedelta(days=n) for n in range(-7 * weeks_back, 7 * weeks_ahead)]
            vals_list += plan(company, days)
        self.env["ihospital.duty.shift"].create(vals_list)

    def _duty_shift_values(self, company, day, kind, post, employee, department=None, note=False):
        return {
            "company_id": company.id,
            "date": day,
            "kind": kind,
            "post": post,
            "employee_id": employee.id,
            "department_id": department.id if department else False,
            "note": note,
        }

    def _duty_roster_main(self, company, days):
        """The tertiary hospital: in every clinical department a day and a
        night doctor and nurse, each team of three rotating day shift, night
        shift, day off; medical affairs on duty (the medical affairs office
        and the department heads) and the administrator on duty (the
        director's office) for 24 hours."""
        Employee = self.env["hr.employee"]
        departments = self.env["hr.department"].search([("company_id", "=", company.id), ("is_clinical", "=", True)])
        staff = Employee.search(
            [("department_id", "in", departments.ids), ("ihospital_role", "in", ("doctor", "nurse"))], order="id"
        )
        vals_list = []
        for department in departments:
            for post in ("doctor", "nurse"):
                team = staff.filtered(lambda e, d=department, p=post: e.department_id == d and e.ihospital_role == p)
                if not team:
                    continue
                for day in days:
                    n = day.toordinal()
                    # a team member works the day shift, the night shift, then rests
                    vals_list.append(
                        self._duty_shift_values(company, day, "day", post, team[n % len(team)], department)
                    )
                    vals_list.append(
                        self._duty_shift_values(company, day, "night", post, team[(n + 2) % len(team)], department)
                    )
        medical_affairs = (
            Employee.search(
                [("department_id", "=", self.env.ref("ihospital_base.hr_department_quality_demo").id)], order="id"
            )
            | departments.manager_id
        )
        administrators = Employee.search(
            [("department_id", "=", self.env.ref("ihospital_base.hr_department_administration_demo").id)], order="id"
        )
        for day in days:
            n = day.toordinal()
            vals_list.append(
                self._duty_shift_values(
                    company, day, "24h", "medical_affairs", medical_affairs[n % len(medical_affairs)]
                )
            )
            vals_list.append(
                self._duty_shift_values(
                    company,
                    day,
                    "24h",
                    "administrator",
                    administrators[n % len(administrators)],
                    note="总值班室：行政楼1楼101室，座机020-83821999。",
                )
            )
        return vals_list

    def _duty_roster_second(self, company, days):
        """The community health centre: a day doctor and nurse in general
        practice from Monday to Saturday, and an administrator on duty (one
        of its doctors, a week each) around the clock."""
        Employee = self.env["hr.employee"]
        general = self.env.ref("ihospital_base.hr_department_nanshan_general_demo")
        doctors = Employee.search([("company_id", "=", company.id), ("ihospital_role", "=", "doctor")], order="id")
        nurses = Employee.search([("company_id", "=", company.id), ("ihospital_role", "=", "nurse")], order="id")
        vals_list = []
        for day in days:
            n = day.toordinal()
            if day.weekday() < 6:
                vals_list.append(
                    self._duty_shift_values(company, day, "day", "doctor", doctors[n % len(doctors)], general)
                )
                vals_list.append(
                    self._duty_shift_values(company, day, "day", "nurse", nurses[n % len(nurses)], general)
                )
            vals_list.append(
                self._duty_shift_values(company, day, "24h", "administrator", doctors[n // 7 % len(doctors)])
            )
        return vals_list

    # ------------------------------------------------------------------ critical values
    @api.model
    def _generate_critical_history(self, days=30):
        """A month of the demo hospital's critical values (危急值), taken
        through the engine so that their trails are real: lab reports, vital
        signs and imaging reports raise the alerts and route them; the
        recipients acknowledge (a few read back wrong first), record what
        they did and close; late alerts escalate; a few are withdrawn after
        a corrected result; a handful are still open now. Then each step is
        moved back to its time (sudo SQL: the engine stamps them with the
        install time, and its fields refuse writes), deterministically
        (fixed seed), relative to the install date. Loads once."""
        company = self.env.ref("base.main_company")
        Alert = self.env["ihospital.critical.alert"].sudo()
        if Alert.search_count([("company_id", "=", company.id)], limit=1):
            return
        rng = random.Random(2028)
        self._critical_demo_accounts(company)
        plans = self._critical_demo_plans(rng, company, days)
        self._critical_demo_raise(rng, company, plans)
        self._critical_demo_play(company, plans)

    def _critical_demo_accounts(self, company):
        """Staff app accounts for the clinical departments' doctors and
        nurses (their department heads as heads), so that critical values
        reach them and they sign their steps. No password: the demo logins
        are those of the README."""
        Employee = self.env["hr.employee"]
        departments = self.env["hr.department"].search([("company_id", "=", company.id), ("is_clinical", "=", True)])
        staff = Employee.search(
            [("department_id", "in", departments.ids), ("ihospital_role", "in", ("doctor", "nurse"))], order="id"
        )
        groups = {
            "doctor": self.env.ref("ihospital_base.group_doctor"),
            "nurse": self.env.ref("ihospital_base.group_nurse"),
        }
        head_group = self.env.ref("ihospital_base.group_department_head")
        numbers = defaultdict(int)
        vals_list = []
        for employee in staff:
            key = (employee.department_id.his_code or str(employee.department_id.id), employee.ihospital_role)
            numbers[key] += 1
            if employee.user_id:
                continue
            group_ids = [self.env.ref("base.group_user").id, groups[employee.ihospital_role].id]
            if employee in departments.manager_id:
                group_ids.append(head_group.id)
            vals_list.append(
                {
                    "name": employee.name,
                    "login": f"{key[0].lower()}.{key[1]}{numbers[key]}",
                    "company_id": company.id,
                    "company_ids": [Command.set([company.id])],
                    "groups_id": [Command.set(group_ids)],
                    "lang": "zh_CN",
                    "tz": company.hospital_tz or "Asia/Shanghai",
                    "create_employee_id": employee.id,
                    # the account's partner becomes the employee's work contact:
                    # it keeps the work mobile (directory, group SMS)
                    "mobile": employee.mobile_phone,
                    "email": employee.work_email,
                }
            )
        self.env["res.users"].with_context(no_reset_password=True, mail_create_nolog=True).create(vals_list)

    def _critical_demo_plans(self, rng, company, days):
        """What happens to each critical value: when it is found (the
        laboratory's morning runs first), where, for whom, who acknowledges
        how late, what is done, when it is closed or withdrawn."""
        tz = company.hospital_tz or "Asia/Shanghai"
        now = fields.Datetime.now()
        today = company._ihospital_today()
        departments = {
            d.his_code: d
            for d in self.env["hr.department"].search([("company_id", "=", company.id), ("is_clinical", "=", True)])
        }
        doctors = defaultdict(list)
        for doctor in self.env["hr.employee"].search(
            [("company_id", "=", company.id), ("ihospital_role", "=", "doctor")], order="id"
        ):
            doctors[doctor.department_id.his_code].append(doctor)
        patients = self.env["ihospital.patient"].search([("company_id", "=", company.id)], order="id")
        pools = {
            "EK": list(patients.filtered("is_minor")),
            "FCK": list(patients.filtered(lambda p: not p.is_minor and p.gender == "female" and p.age < 50)),
            None: list(patients.filtered(lambda p: not p.is_minor)),
        }
        catalogs = {"lab": CRITICAL_DEMO_LAB, "vital": CRITICAL_DEMO_VITAL, "imaging": CRITICAL_DEMO_IMAGING}

        def plan(source, entry, code, t0):
            department = departments[code]
            values = entry[6] if source == "lab" else (entry[5] if source == "vital" else [(entry[2], "AA")])
            value, flag = rng.choice(values)
            return {
                "source": source,
                "entry": entry,
                "department": department,
                "doctor": rng.choice(doctors[code]),
                "patient": rng.choice(pools.get(code) or pools[None]),
                "t0": t0,
                "value": value,
                "flag": flag,
                "ack": None,
                "mismatch": False,
                "withdraw": None,
                "steps": [],
                "close": None,
            }

        plans = []
        for offset in range(days - 1, -1, -1):
            day = today - timedelta(days=offset)
            for _index in range(rng.randint(4, 9)):
                source = rng.choices(["lab", "vital", "imaging"], weights=[70, 18, 12])[0]
                entry = rng.choice(catalogs[source])
                code = rng.choice(entry[7] if source == "lab" else (entry[6] if source == "vital" else entry[4]))
                # the laboratory reports most of its critical values after the morning draws
                hour = rng.uniform(6.5, 12) if source == "lab" and rng.random() < 0.6 else rng.uniform(0, 24)
                t0 = local_to_utc(day, hour, tz)
                if t0 > now - timedelta(hours=6):
                    continue  # today's later hours have not happened yet
                item = plan(source, entry, code, t0)
                self._critical_demo_outcome(rng, item, night=hour < 7 or hour >= 22)
                plans.append(item)
        for minutes_ago, (source, index), code, ack, handle in CRITICAL_DEMO_OPEN:
            item = plan(source, catalogs[source][index], code, now - timedelta(minutes=minutes_ago))
            item.update(
                {
                    "ack": ack,
                    "open": True,
                    "steps": [(handle, *item["entry"][-2 if source == "lab" else -1][0])] if handle else [],
                }
            )
            plans.append(item)
        return plans

    def _critical_demo_outcome(self, rng, item, night):
        """The course of one closed (or withdrawn) critical value, in
        minutes after its detection: most are acknowledged within a few
        minutes, some late (more at night), a few read back wrong first;
        the lab withdraws a few after a corrected result."""
        source, entry = item["source"], item["entry"]
        correctable = source == "lab" and entry[9]
        if correctable and rng.random() < 0.25:
            before_ack = rng.random() < 0.6
            item["ack"] = None if before_ack else round(rng.uniform(1.5, 6), 1)
            item["withdraw"] = round((item["ack"] or 0) + rng.uniform(3, 9), 1)
            return
        if rng.random() < (0.2 if night else 0.07):
            ack = rng.uniform(11, 32)
        else:
            ack = min(0.5 + rng.gammavariate(2.2, 1.5), 9.6)
        item["ack"] = round(ack, 1)
        item["mismatch"] = rng.random() < 0.05
        handle = ack + rng.uniform(3, 16) + (rng.uniform(12, 30) if rng.random() < 0.06 else 0)
        steps = list(entry[8] if source == "lab" else entry[-1])
        kinds = [steps[0]]
        if rng.random() < 0.6:
            kinds.append(steps[1])
        if source == "lab" and rng.random() < 0.2:
            kinds.append(PATIENT_NOTIFIED)
        at = handle
        for kind in kinds:
            item["steps"].append((round(at, 1), *kind))
            at += rng.uniform(15, 90)
        item["close"] = round(at - rng.uniform(0, 10), 1)

    def _critical_demo_raise(self, rng, company, plans):
        """Create the results the alerts come from, as the HIS sends them,
        and find each plan's alert: lab reports raise theirs through the
        engine; vital signs and imaging reports too where the engine raises
        alerts for them, otherwise they are raised with the engine's routing
        (_create_routed) from the same values."""
        Alert = self.env["ihospital.critical.alert"].sudo()
        self.env.flush_all()
        self.env.cr.execute("SELECT COALESCE(max(id), 0) FROM ihospital_critical_alert")
        watermark = self.env.cr.fetchone()[0]
        labs = [p for p in plans if p["source"] == "lab"]
        report_vals = []
        for index, item in enumerate(labs, start=1):
            code, name, unit, reference, panel, specimen = item["entry"][:6]
            lines = [(code, name, item["value"], unit, reference, item["flag"])]
            lines += [(c, n, v, u, r, "N") for c, n, v, u, r in CRITICAL_DEMO_COMPANIONS.get(panel, []) if c != code]
            report_vals.append(
                {
                    "company_id": company.id,
                    "name": f"LIS{item['t0']:%Y%m%d}{index:04d}",
                    "patient_id": item["patient"].id,
                    "department_id": item["department"].id,
                    "doctor_id": item["doctor"].id,
                    "title": panel,
                    "specimen": specimen,
                    "source": "his",
                    "result_ids": [
                        Command.create(
                            {
                                "sequence": sequence,
                                "code": c,
                                "name": n,
                                "value": v,
                                "value_type": "NM" if f != "AA" else "ST",
                                "unit": u,
                                "reference_range": r,
                                "flag": f,
                            }
                        )
                        for sequence, (c, n, v, u, r, f) in enumerate(lines, start=1)
                    ],
                }
            )
        reports = self.env["ihospital.lab.report"].create(report_vals)
        alerts = Alert.search([("lab_result_id", "in", reports.result_ids.ids)])
        by_line = {alert.lab_result_id.id: alert for alert in alerts}
        for item, report in zip(labs, reports, strict=True):
            item["record"] = report
            item["alert"] = by_line[report.result_ids.filtered("is_critical").id]

        vitals = [p for p in plans if p["source"] == "vital"]
        imaging = [p for p in plans if p["source"] == "imaging"]
        # one patient per vital sign or finding: the engine's alerts are found by it
        patients = self.env["ihospital.patient"].search([("company_id", "=", company.id)], order="id")
        used = {p["patient"].id for p in vitals + imaging}
        if len(used) < len(vitals + imaging):
            spare = iter(rng.sample(list(patients.filtered(lambda p: p.id not in used)), len(vitals + imaging)))
            seen = set()
            for item in vitals + imaging:
                if item["patient"].id in seen:
                    item["patient"] = next(spare)
                seen.add(item["patient"].id)
        signs = self.env["ihospital.vital.sign"].create(
            [
                {
                    "company_id": company.id,
                    "patient_id": item["patient"].id,
                    "department_id": item["department"].id,
                    "observed_at": item["t0"] - timedelta(minutes=1),
                    "code": item["entry"][0],
                    "loinc": item["entry"][1],
                    "name": item["entry"][2],
                    "value": item["value"],
                    "unit": item["entry"][3],
                    "reference_range": item["entry"][4],
                    "flag": item["flag"],
                    "source_system": "重症监护信息系统" if item["department"].his_code == "HXK" else "移动护理系统",
                    "source": "his",
                    "his_ref": f"VSCV{item['t0']:%Y%m%d%H%M}{index:03d}",
                }
                for index, item in enumerate(vitals, start=1)
            ]
        )
        findings = self.env["ihospital.imaging.report"].create(
            [
                {
                    "company_id": company.id,
                    "name": f"{item['entry'][0].upper()}{item['t0']:%Y%m%d}{index:04d}",
                    "patient_id": item["patient"].id,
                    "department_id": item["department"].id,
                    "doctor_id": item["doctor"].id,
                    "modality": item["entry"][0],
                    "exam_name": item["entry"][1],
                    "findings": item["entry"][2],
                    "impression": item["entry"][3],
                    "is_critical": True,
                    "critical_finding": item["entry"][2],
                    "source": "his",
                    "reported_at": item["t0"] - timedelta(minutes=2),
                }
                for index, item in enumerate(imaging, start=1)
            ]
        )
        for item, record in zip(vitals + imaging, [*signs, *findings], strict=True):
            item["record"] = record
        raised = Alert.search(
            [("id", ">", watermark), ("company_id", "=", company.id), ("source", "in", ("vital", "imaging"))]
        )
        by_patient = {(alert.source, alert.patient_id.id): alert for alert in raised}
        missing = [p for p in vitals + imaging if (p["source"], p["patient"].id) not in by_patient]
        created = Alert._create_routed([self._critical_demo_alert_values(company, item) for item in missing])
        for item, alert in zip(missing, created, strict=True):
            by_patient[(item["source"], item["patient"].id)] = alert
        for item in vitals + imaging:
            item["alert"] = by_patient[(item["source"], item["patient"].id)]

    def _critical_demo_alert_values(self, company, item):
        """An alert's values for a vital sign or an imaging finding, as the
        engine raises them for lab lines."""
        entry = item["entry"]
        vals = {
            "company_id": company.id,
            "patient_id": item["patient"].id,
            "source": item["source"],
            "department_id": item["department"].id,
            "doctor_id": item["doctor"].id,
            "flag": item["flag"],
            "direction": {"HH": "high", "LL": "low"}.get(item["flag"], "abnormal"),
            "detected_by": "source",
            "value": item["value"],
        }
        if item["source"] == "vital":
            vals.update({"item": entry[2], "item_code": entry[0], "unit": entry[3], "reference_range": entry[4]})
        else:
            vals.update({"item": entry[1], "item_code": entry[0]})
        return vals

    def _critical_demo_play(self, company, plans):
        """Take each alert through its course with the right people, step
        by step for all alerts at once, and move each step back to its time."""
        ack_timer = company.critical_ack_minutes or 10
        handle_timer = company.critical_handle_minutes or 30
        repeat = company.critical_repeat_minutes or 10
        now = fields.Datetime.now()
        for item in plans:
            alert, t0 = item["alert"], item["t0"]
            item["ack_rounds"], item["handle_rounds"] = [], []
            # the escalation pass runs every minute: half a minute late on average
            ack_end = item["ack"] if item["ack"] is not None else item["withdraw"]
            limit = ack_end if ack_end is not None else (now - t0).total_seconds() / 60
            at = ack_timer + 0.5
            while at < limit:
                item["ack_rounds"].append(at)
                at += repeat
            if item["ack"] is not None and item["withdraw"] is None:
                handled = item["steps"][0][0] if item["steps"] else (now - t0).total_seconds() / 60
                at = max(handle_timer, item["ack"]) + 0.5
                while at < handled:
                    item["handle_rounds"].append(at)
                    at += repeat
            item["recipients"] = alert.recipient_ids

        def minutes(item, value):
            return item["t0"] + timedelta(minutes=value)

        Alert = self.env["ihospital.critical.alert"].sudo()

        def escalation_rounds(key):
            """The escalation passes of `key` ("ack_rounds" or "handle_rounds"), round by round."""
            for round_index in range(max(len(p[key]) for p in plans)):
                due = [p for p in plans if len(p[key]) > round_index]
                self._critical_demo_step(
                    plans,
                    {p["alert"]: minutes(p, p[key][round_index]) for p in due},
                    lambda items: Alert.browse([p["alert"].id for p in items])._escalate(now),
                    due,
                    notified=True,
                )

        self._critical_demo_retime(plans, {p["alert"]: p["t0"] for p in plans}, notified=True)
        escalation_rounds("ack_rounds")
        mismatched = [p for p in plans if p["mismatch"]]
        self._critical_demo_step(
            plans,
            {p["alert"]: minutes(p, p["ack"] - 1) for p in mismatched},
            lambda items: [
                p["alert"].with_user(self._critical_demo_acker(p)).action_acknowledge(self._critical_demo_misread(p))
                for p in items
            ],
            mismatched,
        )
        acked = [p for p in plans if p["ack"] is not None]
        for item in acked:
            item["ack_user"] = self._critical_demo_acker(item)
        self._critical_demo_step(
            plans,
            {p["alert"]: minutes(p, p["ack"]) for p in acked},
            lambda items: [p["alert"].with_user(p["ack_user"]).action_acknowledge(p["alert"].value) for p in items],
            acked,
        )
        escalation_rounds("handle_rounds")
        withdrawn = [p for p in plans if p["withdraw"] is not None]
        lab_user = self.env.ref("ihospital_base.user_lab_demo", raise_if_not_found=False) or self.env.user
        self._critical_demo_step(
            plans,
            {p["alert"]: minutes(p, p["withdraw"]) for p in withdrawn},
            lambda items: [
                p["alert"].lab_result_id.with_user(lab_user).sudo().write({"value": p["entry"][9], "flag": "N"})
                for p in items
            ],
            withdrawn,
        )
        for step_index in range(max(len(p["steps"]) for p in plans)):
            due = [p for p in plans if len(p["steps"]) > step_index]
            for item in due:
                item.setdefault("doctor_user", self._critical_demo_doctor(item))
            self._critical_demo_step(
                plans,
                {p["alert"]: minutes(p, p["steps"][step_index][0]) for p in due},
                lambda items, i=step_index: [
                    p["alert"].with_user(p["doctor_user"]).action_handle(p["steps"][i][1], p["steps"][i][2])
                    for p in items
                ],
                due,
            )
        closed = [p for p in plans if p["close"] is not None]
        self._critical_demo_step(
            plans,
            {p["alert"]: minutes(p, p["close"]) for p in closed},
            lambda items: [p["alert"].with_user(p["doctor_user"]).action_close() for p in items],
            closed,
        )
        # the notices cron ran after the last notice: the open alerts' recipients have their to-do
        # (no SMS replayed: they would go to the demo provider's log only)
        opened = [p for p in plans if p.get("open")]
        Recipient = self.env["ihospital.critical.recipient"].sudo()
        self._critical_demo_step(
            plans,
            {p["alert"]: max(p["alert"].event_ids.mapped("at")) + timedelta(seconds=20) for p in opened},
            lambda items: Recipient.browse([r.id for p in items for r in p["alert"].recipient_ids])._send_activities(),
            opened,
        )
        self._critical_demo_finish(company, plans, now)

    def _critical_demo_acker(self, item):
        """Who acknowledges: the on-duty nurse or a doctor it was sent to,
        the department head for some escalated ones."""
        recipients = item["alert"].recipient_ids
        by_role = defaultdict(list)
        for recipient in recipients:
            by_role[recipient.role].append(recipient.user_id)
        rng = random.Random(item["alert"].id)
        if item["ack_rounds"] and by_role["department_head"] and rng.random() < 0.4:
            return by_role["department_head"][0]
        for roles in (("duty_nurse",), ("attending", "bed_doctor", "duty_doctor")):
            users = [user for role in roles for user in by_role[role]]
            if users and (roles != ("duty_nurse",) or rng.random() < 0.6):
                return rng.choice(users)
        return self._critical_demo_doctor(item)

    def _critical_demo_doctor(self, item):
        """Who handles and closes: the attending doctor, else a doctor of
        the department."""
        alert = item["alert"]
        if alert.doctor_id.user_id:
            return alert.doctor_id.user_id
        doctors = alert.department_id.member_ids.filtered(lambda e: e.ihospital_role == "doctor" and e.user_id)
        return doctors[:1].user_id

    def _critical_demo_misread(self, item):
        """A value read back wrong (a digit swapped), as happens on the phone."""
        value = item["alert"].value or ""
        return value[::-1] if value[::-1] != value else value + "0"

    def _critical_demo_step(self, plans, times, run, items, notified=False):
        """Run one step of the course for `items` (all at once), then move
        the trail steps it wrote to their times."""
        if not items:
            return
        self.env.flush_all()
        self.env.cr.execute("SELECT COALESCE(max(id), 0) FROM ihospital_critical_event")
        watermark = self.env.cr.fetchone()[0]
        run(items)
        self._critical_demo_retime(plans, times, notified=notified, watermark=watermark)

    def _critical_demo_retime(self, plans, times, notified=False, watermark=0):
        """The trail steps written after event `watermark` for the alerts of
        `times` ({alert: when}) happened then, a second apart in their
        order; the recipients notified then were notified then. Raw SQL: the
        trail is append-only for everyone else."""
        if not times:
            return
        self.env.flush_all()
        ids = [alert.id for alert in times]
        ats = list(times.values())
        self.env.cr.execute(
            SQL(
                """UPDATE ihospital_critical_event e
                      SET at = v.at + (r.rank - 1) * interval '1 second', create_date = v.at
                     FROM unnest(%s::int[], %s::timestamp[]) AS v(alert_id, at),
                          (SELECT id, rank() OVER (PARTITION BY alert_id ORDER BY id) AS rank
                             FROM ihospital_critical_event WHERE id > %s AND alert_id = ANY(%s)) AS r
                    WHERE e.id = r.id AND e.alert_id = v.alert_id""",
                ids,
                ats,
                watermark,
                ids,
            )
        )
        if notified:
            self.env.cr.execute(
                SQL(
                    """UPDATE ihospital_critical_recipient c
                          SET notified_at = v.at
                         FROM unnest(%s::int[], %s::timestamp[]) AS v(alert_id, at)
                        WHERE c.alert_id = v.alert_id""",
                    ids,
                    ats,
                )
            )
        self.env.invalidate_all()

    def _critical_demo_finish(self, company, plans, now):
        """Each alert's own times, from its course; nothing stays queued for
        after commit (notices, receipts, patients' report notices: they went
        out back then)."""
        self.env.flush_all()
        rows = defaultdict(list)
        for item in plans:
            t0 = item["t0"]

            def at(value, t0=t0):
                return t0 + timedelta(minutes=value) if value is not None else None

            alert = item["alert"]
            handled = item["steps"][0][0] if item["steps"] else None
            next_at = None
            if alert.state == "to_acknowledge":
                next_at = (
                    at(item["ack_rounds"][-1] + (company.critical_repeat_minutes or 10))
                    if item["ack_rounds"]
                    else at(company.critical_ack_minutes or 10)
                )
            elif alert.state == "acknowledged":
                next_at = (
                    at(item["handle_rounds"][-1] + (company.critical_repeat_minutes or 10))
                    if item["handle_rounds"]
                    else max(at(company.critical_handle_minutes or 30), at(item["ack"]))
                )
            values = {
                "id": alert.id,
                "detected_at": t0,
                "reported_at": t0 - timedelta(minutes=2),
                "acknowledged_at": at(item["ack"]),
                "minutes_to_acknowledge": item["ack"],
                "handled_at": at(handled),
                "minutes_to_handle": handled,
                "closed_at": at(item["close"]),
                "next_escalation_at": next_at,
                # the demo has no laboratory system to send receipts to
                "receipt_due": False,
            }
            for key, value in values.items():
                rows[key].append(value)
        self.env.cr.execute(
            SQL(
                """UPDATE ihospital_critical_alert a
                      SET detected_at = v.detected_at, reported_at = v.reported_at,
                          acknowledged_at = v.acknowledged_at, minutes_to_acknowledge = v.minutes_to_acknowledge,
                          handled_at = v.handled_at, minutes_to_handle = v.minutes_to_handle,
                          closed_at = v.closed_at, next_escalation_at = v.next_escalation_at,
                          receipt_due = v.receipt_due, create_date = v.detected_at
                     FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[], %s::timestamp[], %s::float8[],
                                 %s::timestamp[], %s::float8[], %s::timestamp[], %s::timestamp[], %s::bool[])
                          AS v(id, detected_at, reported_at, acknowledged_at, minutes_to_acknowledge,
                               handled_at, minutes_to_handle, closed_at, next_escalation_at, receipt_due)
                    WHERE a.id = v.id""",
                *rows.values(),
            )
        )
        # nothing left for the notices cron: the notices of the past went out then
        self.env.cr.execute(
            SQL(
                "UPDATE ihospital_critical_recipient SET notice_due = FALSE WHERE alert_id = ANY(%s)",
                [p["alert"].id for p in plans],
            )
        )
        # the results' own times; their patients were told back then
        for table, column, offset, source in (
            ("ihospital_lab_report", "reported_at", 2, "lab"),
            ("ihospital_imaging_report", "reported_at", 2, "imaging"),
            ("ihospital_vital_sign", "observed_at", 1, "vital"),
        ):
            items = [p for p in plans if p["source"] == source and p.get("record")]
            if not items:
                continue
            self.env.cr.execute(
                SQL(
                    "UPDATE %s r SET %s = v.at - %s * interval '1 minute' "
                    "FROM unnest(%s::int[], %s::timestamp[]) AS v(id, at) WHERE r.id = v.id",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    offset,
                    [p["record"].id for p in items],
                    [p["t0"] for p in items],
                )
            )
        labs = [p["record"].id for p in plans if p["source"] == "lab"]
        imaging = [p["record"].id for p in plans if p["source"] == "imaging"]
        self.env.cr.execute(
            SQL(
                "UPDATE ihospital_lab_report SET collected_at = reported_at - interval '1 hour', "
                "ready_notice_due = FALSE WHERE id = ANY(%s)",
                labs,
            )
        )
        self.env.cr.execute(
            SQL("UPDATE ihospital_imaging_report SET ready_notice_due = FALSE WHERE id = ANY(%s)", imaging)
        )
        self.env.invalidate_all()

    @api.model
    def _demo_notice_reads(self, notice_ids, ratio=0.7, seed=20261205):
        """Publish the demo notices `notice_ids`; most readers have read
        them, over the day after each was published (the first days ago);
        the demo logins' own stay unread so that they see the badge."""
        rng = random.Random(seed)
        now = fields.Datetime.now()
        notices = self.env["ihospital.notice"].sudo().browse(notice_ids)
        notices.action_publish()
        for index, notice in enumerate(notices):
            notice.published_at = now - timedelta(days=len(notices) - index, hours=rng.randint(1, 6))
        demo_logins = {"doctor", "nurse", "head", "director", "quality", "hospadmin", "doctor2"}
        receipts = notices._receipts()
        by_notice = {notice.id: notice for notice in notices}
        for receipt in receipts:
            if receipt.user_id.login in demo_logins or rng.random() > ratio:
                continue
            published = by_notice[receipt.res_id].published_at
            receipt.read_at = min(published + timedelta(minutes=rng.randint(5, 24 * 60)), now)

    @api.model
    def _generate_inpatient_labs(self):
        """The electrolytes of the demo hospital's current inpatients over
        the last month (before and during their stay), none critical: the
        lab trend of potassium has points to draw. Its own seed."""
        rng = random.Random(2028)
        company = self.env.ref("base.main_company")
        admissions = self.env["ihospital.admission"].search(
            [("company_id", "=", company.id), ("state", "=", "admitted")], order="id"
        )
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        vals_list = []
        for admission in admissions:
            stay = max((now - admission.admitted_at).days, 1)
            series = POTASSIUM_SERIES.get(admission.admission_diagnosis_code) or [
                (stay + 20, f"{rng.uniform(3.8, 4.9):.1f}"),
                (stay, f"{rng.uniform(3.6, 5.0):.1f}"),
                (1, f"{rng.uniform(3.7, 4.8):.1f}"),
            ]
            for days_ago, potassium in series:
                # drawn at 6 to 7 in the morning (hospital time, UTC+8)
                collected = (now - timedelta(days=days_ago)).replace(hour=22, minute=rng.randint(0, 50)) - timedelta(
                    days=1
                )
                lines = []
                for sequence, (code, test, unit, reference, low, high) in enumerate(ELECTROLYTES, start=1):
                    value = potassium if code == "K" else f"{rng.uniform(low + 1, high - 1):.0f}"
                    number = float(value)
                    flag = "L" if number < low else "H" if number > high else "N"
                    lines.append(
                        Command.create(
                            {
                                "sequence": sequence,
                                "code": code,
                                "name": test,
                                "value": value,
                                "unit": unit,
                                "reference_range": reference,
                                "flag": flag,
                            }
                        )
                    )
                vals_list.append(
                    {
                        "company_id": company.id,
                        "name": f"LIS{collected:%Y%m%d}E{len(vals_list) + 1:03d}",
                        "patient_id": admission.patient_id.id,
                        "department_id": admission.department_id.id,
                        "doctor_id": admission.attending_doctor_id.id,
                        "title": "电解质",
                        "specimen": "静脉血",
                        "source": "his",
                        "collected_at": collected,
                        "reported_at": collected + timedelta(minutes=rng.randint(50, 90)),
                        "result_ids": lines,
                    }
                )
        self.env["ihospital.lab.report"].with_context(tracking_disable=True).create(vals_list)
