import random
from datetime import timedelta

from odoo import api, fields, models

# the patients' comments of the demo answers, by how they scored
GOOD_COMMENTS = [
    "医生很耐心，把检查结果讲得很清楚，谢谢！",
    "护士态度很好，抽血一点都不疼。",
    "挂号到就诊很顺利，手机上就能看报告，很方便。",
    "王医生非常专业，复诊时还记得我的情况。",
    "病房干净整洁，出院手续办得很快。",
    "医生建议很实在，没有开不必要的检查。",
    "整体体验不错，希望继续保持。",
    "术后护士每天都来问情况，很贴心。",
    "回访电话和短信都很及时，感觉被重视。",
]
MIXED_COMMENTS = [
    "候诊时间有点长，希望能按预约时间就诊。",
    "停车位太少，周末来很难找车位。",
    "检查排队时间较长，建议增加自助机。",
    "缴费窗口人多，医保结算有点慢。",
    "指示牌不太清楚，找了半天才找到检验科。",
]
BAD_COMMENTS = [
    "医生看病太匆忙，没说几句话就开单了。",
    "等了两个多小时才看上，预约形同虚设。",
    "护士态度冷淡，问问题也不耐烦。",
    "病情没有解释清楚，回家后还是很担心。",
]
# the demo plans of the main hospital: (kind, name, steps); a step is
# (day, action, name, portal text)
MAIN_PLANS = [
    (
        "outpatient",
        "门诊就诊回访",
        [
            (1, "message", "第1天：关怀信息", "感谢您昨日来院就诊，请按医嘱用药，如有不适请及时复诊。"),
            (3, "survey", "第3天：就诊满意度调查", "请花1分钟评价本次就诊的医生和服务。"),
        ],
    ),
    (
        "discharge",
        "出院患者回访",
        [
            (1, "message", "第1天：出院关怀", "您已顺利出院，请注意休息、按时服药，出院小结可在个人中心查看。"),
            (3, "survey", "第3天：住院满意度调查", "请评价您住院期间的医生和护理服务。"),
            (30, "message", "第30天：康复随访", "出院已满一个月，请按出院医嘱按时复查。"),
        ],
    ),
    (
        "surgery",
        "手术患者回访",
        [
            (1, "message", "第1天：术后关怀", "术后请保持伤口清洁干燥，出现发热、伤口红肿请及时就诊。"),
            (3, "survey", "第3天：手术满意度调查", "请评价您的主刀医生和围手术期的服务。"),
            (30, "message", "第30天：术后复查提醒", "术后一个月，请按约到门诊复查。"),
        ],
    ),
    (
        "chronic",
        "慢病随访（高血压、糖尿病）",
        [
            (3, "survey", "第3天：慢病就诊满意度调查", "请评价本次慢病门诊的医生和服务。"),
            (30, "message", "第30天：用药与复诊提醒", "请坚持规律服药，每天监测血压血糖，按时复诊。"),
        ],
    ),
]
NANSHAN_PLAN = (
    "outpatient",
    "南山分院门诊回访",
    [(3, "survey", "第3天：就诊满意度调查", "请评价本次就诊的医生和服务。")],
)
# how many survey invitations the demo sends at most, by hospital
MAIN_SURVEYS = 420
NANSHAN_SURVEYS = 60
DEMO_DAYS = 90
# what became of an invitation: answered, declined, expired, still open
OUTCOMES = [("answered", 0.68), ("declined", 0.08), ("expired", 0.2), ("sent", 0.04)]


class IhospitalFollowupDemo(models.AbstractModel):
    """Demo follow-ups that make the results mean something: the
    hospitals' satisfaction surveys (ihospital_survey's own), the plans of the demo hospital (outpatient,
    discharge, surgery, chronic) and of its branch, and a few hundred
    invitations of the last three months answered, declined or expired,
    spread over the doctors and departments of the demo visits. Batch
    creates only (a fast install)."""

    _name = "ihospital.followup.demo"
    _description = "iHospital Follow-up Demo Data Generator"

    @api.model
    def _generate(self):
        rng = random.Random(1616)
        main = self.env.ref("base.main_company")
        nanshan = self.env.ref("ihospital_base.res_company_nanshan_demo")
        for company, plans, count in ((main, MAIN_PLANS, MAIN_SURVEYS), (nanshan, [NANSHAN_PLAN], NANSHAN_SURVEYS)):
            # the hospital's satisfaction survey about the treating doctor
            survey = company._ihospital_satisfaction_survey()
            plan_records = self._demo_plans(company, survey, plans)
            self._demo_answers(rng, company, survey, plan_records, count)
        self._demo_ratings(rng, main)

    @api.model
    def _demo_ratings(self, rng, company, count=80):
        """Rated online questions (the consultation ratings shown beside the
        survey scores) of the doctors taking questions, over the last three
        months, asked by the patients' own portal accounts."""
        doctors = (
            self.env["hr.employee"].sudo().search([("company_id", "=", company.id), ("online_consultation", "=", True)])
        )
        accounts = self.env["ihospital.patient.account"].sudo().search([("patient_id.company_id", "=", company.id)])
        if not doctors or not accounts:
            return
        now = fields.Datetime.now()
        subjects = ["血压控制不好怎么办", "复查结果怎么看", "药吃完了能否续方", "术后伤口有点痒", "孩子咳嗽一周了"]
        picks = [(rng.choice(doctors), rng.choice(accounts)) for _index in range(count)]
        consultations = (
            self.env["ihospital.consultation"]
            .sudo()
            .with_context(mail_create_nosubscribe=True, tracking_disable=True)
            .create(
                [
                    {
                        "company_id": company.id,
                        "doctor_id": doctor.id,
                        "patient_id": account.patient_id.id,
                        "user_id": account.user_id.id,
                        "subject": rng.choice(subjects),
                        "question": "请问医生，需要注意什么？",
                    }
                    for doctor, account in picks
                ]
            )
        )
        level = {doctor: rng.uniform(3.6, 4.9) for doctor in doctors}
        stars = [max(1, min(5, round(rng.gauss(level[consultation.doctor_id], 0.7)))) for consultation in consultations]
        self.env["rating.rating"].sudo().create(
            [
                {
                    "res_model_id": self.env["ir.model"]._get_id("ihospital.consultation"),
                    "res_id": consultation.id,
                    "partner_id": consultation.user_id.partner_id.id,
                    "rated_partner_id": consultation.doctor_id.user_id.partner_id.id,
                    "rating": value,
                    "consumed": True,
                }
                for consultation, value in zip(consultations, stars, strict=True)
            ]
        )
        # answered, then rated and closed on a past day (raw SQL: the engine's
        # own fields, dated in the past, in one statement)
        self.env.flush_all()
        days = [now - timedelta(days=rng.uniform(1, DEMO_DAYS)) for _consultation in consultations]
        self.env.cr.execute(
            """UPDATE ihospital_consultation c
                  SET state = 'closed', close_reason = 'rated', rating_last_value = v.stars,
                      answered_date = v.day - interval '3 hours', closed_date = v.day
                 FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::timestamp[]) AS day, unnest(%s::int[]) AS stars) v
                WHERE c.id = v.id""",
            [consultations.ids, days, stars],
        )
        consultations.invalidate_recordset()

    @api.model
    def _demo_plans(self, company, survey, plans):
        vals_list = []
        for sequence, (kind, name, steps) in enumerate(plans, start=1):
            vals = {
                "company_id": company.id,
                "name": name,
                "kind": kind,
                "sequence": sequence * 10,
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "sequence": index,
                            "day_offset": day,
                            "action": action,
                            "name": step_name,
                            "body": text,
                            "survey_id": survey.id if action == "survey" else False,
                        },
                    )
                    for index, (day, action, step_name, text) in enumerate(steps)
                ],
            }
            if kind == "chronic":
                vals["diagnosis_prefixes"] = "I10, E11"
            vals_list.append(vals)
        return self.env["ihospital.followup.plan"].sudo().create(vals_list)

    @api.model
    def _demo_answers(self, rng, company, survey, plans, count):
        """Follow-ups of past visits and discharges, their survey
        invitations and, for most, the patients' answers."""
        now = fields.Datetime.now()
        since = now - timedelta(days=DEMO_DAYS)
        until = now - timedelta(days=4)
        Visit, Admission = self.env["ihospital.visit"].sudo(), self.env["ihospital.admission"].sudo()
        taken = self.env["ihospital.followup"].sudo().search([("company_id", "=", company.id)])
        visits = Visit.search(
            [
                ("company_id", "=", company.id),
                ("start", ">=", since),
                ("start", "<", until),
                ("doctor_id", "!=", False),
                ("department_id", "!=", False),
                ("visit_type", "in", ("outpatient", "emergency")),
                ("id", "not in", taken.visit_id.ids),
            ],
            order="id",
        )
        admissions = Admission.search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "discharged"),
                ("discharged_at", ">=", since),
                ("discharged_at", "<", until),
                ("attending_doctor_id", "!=", False),
                ("id", "not in", taken.admission_id.ids),
            ],
            order="id",
        )
        by_kind = {plan.kind: plan for plan in plans}
        encounters = []
        for admission in admissions:
            kind = "surgery" if admission.surgery_at and "surgery" in by_kind else "discharge"
            if kind in by_kind:
                encounters.append(
                    (
                        by_kind[kind],
                        admission.discharged_at,
                        admission.patient_id,
                        admission.attending_doctor_id,
                        admission.department_id,
                        {"admission_id": admission.id},
                    )
                )
        visit_list = list(visits)
        rng.shuffle(visit_list)
        for visit in visit_list[: max(0, count - len(encounters))]:
            plan = by_kind["outpatient"]
            if "chronic" in by_kind and rng.random() < 0.12:
                plan = by_kind["chronic"]
            encounters.append(
                (
                    plan,
                    visit.end or visit.start,
                    visit.patient_id,
                    visit.doctor_id,
                    visit.department_id,
                    {"visit_id": visit.id},
                )
            )
        if not encounters:
            return
        followups = (
            self.env["ihospital.followup"]
            .sudo()
            .create(
                [
                    {
                        "company_id": company.id,
                        "plan_id": plan.id,
                        "kind": plan.kind,
                        "patient_id": patient.id,
                        "doctor_id": doctor.id,
                        "department_id": department.id,
                        "event_at": event_at,
                        "state": "done",
                        **link,
                    }
                    for plan, event_at, patient, doctor, department, link in encounters
                ]
            )
        )
        # each doctor his or her own level of satisfaction (mean points)
        doctors = followups.doctor_id
        level = {doctor: rng.uniform(3.5, 4.8) for doctor in doctors}
        message_vals, outcomes = [], []
        for followup in followups:
            for step in followup.plan_id.step_ids:
                due = followup.event_at + timedelta(days=step.day_offset, hours=2)
                if due > now:
                    message_vals.append({"followup_id": followup.id, "step_id": step.id, "due_at": due})
                    outcomes.append(None)
                    continue
                if step.action == "survey":
                    outcome = rng.choices([o for o, _w in OUTCOMES], [w for _o, w in OUTCOMES])[0]
                else:
                    outcome = "sent"
                message_vals.append(
                    {
                        "followup_id": followup.id,
                        "step_id": step.id,
                        "due_at": due,
                        "sent_at": due,
                        "state": outcome,
                        "recipient": "guardian" if followup.patient_id.is_minor else "patient",
                        "expires_at": due + timedelta(days=company.ihospital_followup_link_days or 14),
                    }
                )
                outcomes.append(outcome if step.action == "survey" else None)
        messages = self.env["ihospital.followup.message"].sudo().create(message_vals)
        questions = survey.question_ids
        scored = questions.filtered(lambda question: question.ihospital_question_role == "rating")
        complaint_question = questions.filtered(lambda question: question.ihospital_question_role == "complaint")[:1]
        comment_question = questions.filtered(lambda question: question.ihospital_question_role == "comment")[:1]
        input_vals, surveyed = [], []
        for message, outcome in zip(messages, outcomes, strict=True):
            if outcome is None:
                continue
            followup = message.followup_id
            vals = {
                "survey_id": survey.id,
                "ihospital_followup_message_id": message.id,
                "ihospital_doctor_id": followup.doctor_id.id,
                "ihospital_department_id": followup.department_id.id,
                "ihospital_patient_id": followup.patient_id.id,
                "ihospital_event_at": followup.event_at,
                "ihospital_expires_at": message.expires_at,
                "ihospital_declined": outcome == "declined",
                "deadline": message.expires_at,
                "predefined_question_ids": [(6, 0, questions.ids)],
                "state": "new",
            }
            if outcome == "answered":
                answered_at = message.sent_at + timedelta(hours=rng.uniform(0.2, 40))
                lines = []
                mean = level[followup.doctor_id]
                points_given = []
                for question in scored:
                    points = max(1, min(5, round(rng.gauss(mean, 0.8))))
                    points_given.append(points)
                    answer = question.suggested_answer_ids.filtered(lambda a, p=points: a.answer_score == p)[:1]
                    lines.append(
                        (
                            0,
                            0,
                            {"question_id": question.id, "answer_type": "suggestion", "suggested_answer_id": answer.id},
                        )
                    )
                worst = min(points_given, default=5)
                complains = worst <= 2 and rng.random() < 0.3
                if complaint_question:
                    answer = complaint_question.suggested_answer_ids.filtered(
                        lambda a, c=complains: a.ihospital_complaint == c
                    )[:1]
                    lines.append(
                        (
                            0,
                            0,
                            {
                                "question_id": complaint_question.id,
                                "answer_type": "suggestion",
                                "suggested_answer_id": answer.id,
                            },
                        )
                    )
                pool = GOOD_COMMENTS if worst >= 4 else MIXED_COMMENTS if worst == 3 else BAD_COMMENTS
                if comment_question and (worst <= 2 or rng.random() < 0.45):
                    lines.append(
                        (
                            0,
                            0,
                            {
                                "question_id": comment_question.id,
                                "answer_type": "text_box",
                                "value_text_box": rng.choice(pool),
                            },
                        )
                    )
                vals.update(
                    state="done",
                    start_datetime=answered_at - timedelta(minutes=2),
                    end_datetime=answered_at,
                    user_input_line_ids=lines,
                )
            input_vals.append(vals)
            surveyed.append(message)
        user_inputs = self.env["survey.user_input"].sudo().create(input_vals)
        # link the invitations to their answers in one statement (raw SQL:
        # a bulk update of engine-owned links, not one write per message)
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE ihospital_followup_message m SET user_input_id = v.answer
                 FROM (SELECT unnest(%s::int[]) AS message, unnest(%s::int[]) AS answer) v
                WHERE m.id = v.message""",
            [[message.id for message in surveyed], user_inputs.ids],
        )
        self.env["ihospital.followup.message"].invalidate_model(["user_input_id"])
        # the low scores and complaints of the answers, as the patients'
        # submissions would have opened them
        user_inputs.filtered(lambda ui: ui.state == "done")._ihospital_alert_low_scores()
