"""Regulation search benchmark (规章制度检索): the staff app's search of the
regulations library (`document.page.search_regulations`) among 10,000
regulations in Chinese, beside a plain indexed search in the same run.

Run with `make bench-regulation` (it builds a fresh copy of the demo database
and drops it afterwards). Steps:

1. DOCS regulations of the demo hospital (base.main_company) are written with
   SQL in a few batches: titles and bodies generated from a vocabulary of
   real regulation terms (the 18 core systems of medical quality and safety,
   nursing, infection control, quality and administration rules, the
   hospital's departments), one approved version each (document_page_history,
   the page's `history_head`), the stored search keys as the addon computes
   them (`content_text`: the version's plain text; `pinyin_full`,
   `pinyin_initials`: addons/ihospital_base/pinyin.py), in categories; one in
   ATTACHED has an attachment whose indexed text (`ir_attachment.index_content`)
   is a form or flow chart's text; then ANALYZE;
2. the plans of a body and an attachment substring are printed (EXPLAIN
   ANALYZE): the trigram indexes are used;
3. Odoo starts with WORKERS worker processes on a free loopback port; the demo
   nurse (login `nurse`) signs in over HTTP and calls the search over
   JSON-RPC as the staff app does, one call after the other: SAMPLES queries
   of each kind: a title's first two characters (`title_prefix`), the pinyin
   initials or full pinyin of a subject (`pinyin`), three to six characters of
   a body (`body`), of an attachment's text (`attachment`), and text found
   nowhere (`no_match`); after each search the same session makes the
   baseline call on the same route: a btree equality search of a title
   (`search_read` of `name = <a title>`).

The last line printed is the result:
regulation docs=.. p50_ms=.. p95_ms=.. baseline_p95_ms=..
(docs: the regulations in the database; p50_ms and p95_ms: the searches'
median and 95th percentile, all kinds together; baseline_p95_ms: the
baseline's 95th percentile). The lines before it give each kind's figures and
how often a query found something (`found`) and how often the regulation it
was taken from was among the 20 results (`source_in_top20`: a phrase common to
many regulations finds others first). Exits 1 unless every title, body and
attachment query found something and no `no_match` query found anything.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import psycopg2.extras

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bench_common import Client, percentile  # noqa: E402 - bench/ is the script's folder
from bulk_seed import _load_pinyin  # noqa: E402
from his_harness import OdooServer  # noqa: E402 - tests/ is put on the path by bench_common

pinyin_keys = _load_pinyin().pinyin_keys

NURSE = ("nurse", "nurse")

# The vocabulary: real regulation subjects (with their pinyin-friendly
# subject for the pinyin queries), grouped by category.
SUBJECTS = {
    "医疗管理": [
        "首诊负责",
        "三级查房",
        "会诊",
        "分级护理",
        "值班和交接班",
        "疑难病例讨论",
        "急危重患者抢救",
        "术前讨论",
        "死亡病例讨论",
        "查对",
        "手术安全核查",
        "手术分级管理",
        "新技术和新项目准入",
        "危急值报告",
        "病历管理",
        "抗菌药物分级管理",
        "临床用血审核",
        "信息安全管理",
        "日间手术管理",
        "多学科诊疗",
    ],
    "护理管理": [
        "患者身份识别",
        "跌倒坠床预防",
        "压力性损伤预防",
        "静脉治疗护理",
        "医嘱执行",
        "护理文书书写",
        "给药安全",
        "约束带使用",
        "管道滑脱预防",
        "护理质量考核",
    ],
    "医院感染管理": [
        "手卫生",
        "医疗废物管理",
        "多重耐药菌感染防控",
        "消毒隔离",
        "职业暴露处置",
        "导管相关血流感染预防",
        "呼吸机相关肺炎预防",
        "手术部位感染预防",
        "医院感染监测",
        "传染病疫情报告",
    ],
    "医疗质量与安全": [
        "医疗安全不良事件报告",
        "医疗纠纷处理",
        "患者投诉管理",
        "临床路径管理",
        "单病种质量管理",
        "质量控制指标监测",
        "药品不良反应监测",
        "医疗技术临床应用管理",
    ],
    "行政管理": [
        "公文处理",
        "固定资产管理",
        "印章管理",
        "考勤管理",
        "车辆管理",
        "档案管理",
        "物资采购管理",
        "消防安全管理",
    ],
}
SUFFIXES = ["制度", "管理制度", "管理规定", "实施细则", "工作流程", "操作规程", "应急预案", "考核标准", "管理办法"]
DEPARTMENTS = [
    "心血管内科",
    "呼吸内科",
    "消化内科",
    "神经内科",
    "普通外科",
    "骨科",
    "妇产科",
    "儿科",
    "急诊科",
    "重症医学科",
    "手术室",
    "检验科",
    "医学影像科",
    "药剂科",
    "门诊部",
    "护理部",
    "医务部",
    "院感管理科",
    "总务科",
    "信息中心",
]
ROLES = ["科主任", "护士长", "主治医师", "值班医师", "责任护士", "质控员", "医务部", "院感专职人员"]
RECORDS = ["护理记录单", "交接班记录本", "危急值登记本", "病程记录", "不良事件报告系统", "院感监测系统"]
BASES = [
    "《医疗质量管理办法》",
    "《医疗质量安全核心制度要点》",
    "《医院感染管理办法》",
    "《护士条例》",
    "《病历书写基本规范》",
    "《医疗纠纷预防和处理条例》",
    "《抗菌药物临床应用管理办法》",
]
SENTENCES = [
    "为规范{subject}工作，保障医疗质量和患者安全，根据{basis}等规定，结合本院实际，制定本制度。",
    "本制度适用于全院各临床、医技科室及相关职能部门。",
    "{dept}负责{subject}的组织实施，{role}为第一责任人。",
    "发现异常情况后，应在{minutes}分钟内报告{role}，并在{record}中如实记录。",
    "{role}应每月对本科室{subject}执行情况进行自查，发现问题及时整改。",
    "医务部、护理部每季度对{subject}落实情况进行督导检查，结果纳入科室绩效考核。",
    "对违反本制度造成不良后果的，按医院相关规定追究责任。",
    "各科室应组织全体医务人员学习本制度，新入职人员岗前培训必须包含{subject}内容。",
    "涉及{subject}的记录应当客观、真实、准确、及时、完整，保存期限不少于{years}年。",
    "遇节假日或夜间，由值班医师和值班护士按{subject}流程处置，并报告行政总值班。",
    "{dept}应建立{subject}登记台账，定期分析并提出持续改进措施。",
    "本制度由{dept}负责解释，自发布之日起施行，原有相关规定同时废止。",
]
# what only the attachments say (a form or a flow chart's text)
ATTACHMENT_SENTENCES = [
    "附件{n}：{subject}登记表，填写项目包括日期、患者姓名、住院号、处置经过及签名。",
    "{subject}流程图：发现问题→立即处置→报告{role}→填写登记表→科室讨论→持续改进。",
    "附表{n}：{dept}{subject}自查记录表，每月由{role}签字确认后交质控办公室存档。",
]
NO_MATCH = ["量子纠缠态", "火星探测器", "区块链钱包", "足球联赛积分", "咖啡拉花技巧", "天气预报雷达"]


def connect(args):
    return psycopg2.connect(dbname=args.db, host=args.db_host, user="ihospital")


def fill(template, rng, subject):
    return template.format(
        subject=subject,
        basis=rng.choice(BASES),
        dept=rng.choice(DEPARTMENTS),
        role=rng.choice(ROLES),
        minutes=rng.choice((5, 10, 15, 30)),
        record=rng.choice(RECORDS),
        years=rng.choice((3, 5, 15, 30)),
        n=rng.randint(1, 9),
    )


def generate(rng, count, attached_share):
    """[(category, subject, title, body paragraphs, attachment text or None)]"""
    subjects = [(category, subject) for category, names in SUBJECTS.items() for subject in names]
    docs = []
    for number in range(count):
        category, subject = rng.choice(subjects)
        scope = rng.choice(["", "", *DEPARTMENTS])
        title = f"{scope}{subject}{rng.choice(SUFFIXES)}（{rng.randint(2015, 2025)}年版 第{number % 97 + 1}号）"
        paragraphs = [
            f"第{n + 1}条 " + fill(template, rng, subject)
            for n, template in enumerate(rng.sample(SENTENCES, rng.randint(6, len(SENTENCES))))
        ]
        attachment = None
        if rng.random() < attached_share:
            attachment = "\n".join(fill(template, rng, subject) for template in ATTACHMENT_SENTENCES)
        docs.append((category, subject, title, paragraphs, attachment))
    return docs


def seed(conn, docs, uid):
    """Write the regulations as the addon stores them: categories, pages, one
    approved version each, attachments; the search keys computed here."""
    cr = conn.cursor()
    cr.execute("SELECT id FROM res_company ORDER BY id LIMIT 1")  # the demo hospital (base.main_company)
    company_id = cr.fetchone()[0]
    categories = {}
    for name in SUBJECTS:
        cr.execute(
            """INSERT INTO document_page (name, type, active, company_id, create_uid, write_uid,
                                          create_date, write_date, pinyin_full, pinyin_initials)
               VALUES (%s, 'category', TRUE, %s, %s, %s, now(), now(), %s, %s) RETURNING id""",
            (name, company_id, uid, uid, *pinyin_keys(name)),
        )
        categories[name] = cr.fetchone()[0]
    page_rows = []
    for category, _subject, title, _paragraphs, _attachment in docs:
        full, initials = pinyin_keys(title)
        page_rows.append((title, categories[category], company_id, uid, uid, full, initials))
    page_ids = [
        row[0]
        for row in psycopg2.extras.execute_values(
            cr,
            """INSERT INTO document_page (name, type, active, parent_id, company_id, create_uid, write_uid,
                                          create_date, write_date, pinyin_full, pinyin_initials)
               SELECT v.name, 'content', TRUE, v.parent_id, v.company_id, v.cu, v.wu, now(), now(), v.pf, v.pi
                 FROM (VALUES %s) AS v(name, parent_id, company_id, cu, wu, pf, pi) RETURNING id""",
            page_rows,
            page_size=1000,
            fetch=True,
        )
    ]
    history_rows = []
    for page_id, (_category, _subject, title, paragraphs, _attachment) in zip(page_ids, docs, strict=True):
        html = f"<h2>{title}</h2>" + "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
        history_rows.append((page_id, "1.0", "首次发布", html, uid, company_id))
    history_ids = [
        row[0]
        for row in psycopg2.extras.execute_values(
            cr,
            """INSERT INTO document_page_history (page_id, name, summary, content, state, approved_date, approved_uid,
                                                  company_id, create_uid, write_uid, create_date, write_date)
               SELECT v.page_id, v.name, v.summary, v.content, 'approved', now(), v.uid, v.company_id,
                      v.uid, v.uid, now(), now()
                 FROM (VALUES %s) AS v(page_id, name, summary, content, uid, company_id) RETURNING id""",
            history_rows,
            page_size=1000,
            fetch=True,
        )
    ]
    text_rows = [
        (page_id, history_id, title + "\n" + "\n".join(paragraphs))
        for page_id, history_id, (_c, _s, title, paragraphs, _a) in zip(page_ids, history_ids, docs, strict=True)
    ]
    psycopg2.extras.execute_values(
        cr,
        """UPDATE document_page p SET history_head = v.history_id, content_text = v.text,
                  content_date = now(), content_uid = p.create_uid, approved_date = now(), approved_uid = p.create_uid
             FROM (VALUES %s) AS v(page_id, history_id, text) WHERE p.id = v.page_id""",
        text_rows,
        page_size=1000,
    )
    # the files belong to the version (kept with it once approved)
    attachment_rows = [
        (f"{title[:20]}附件.docx", history_id, text, uid, company_id)
        for history_id, (_c, _s, title, _p, text) in zip(history_ids, docs, strict=True)
        if text
    ]
    psycopg2.extras.execute_values(
        cr,
        """INSERT INTO ir_attachment (name, res_model, res_id, type, mimetype, index_content, public,
                                      create_uid, write_uid, create_date, write_date, company_id)
           SELECT v.name, 'document.page.history', v.res_id, 'binary',
                  'application/vnd.openxmlformats-officedocument.wordprocessingml.document', v.text, FALSE,
                  v.cu, v.cu, now(), now(), v.company_id
             FROM (VALUES %s) AS v(name, res_id, text, cu, company_id)""",
        attachment_rows,
        page_size=1000,
    )
    conn.commit()
    conn.autocommit = True
    for table in ("document_page", "document_page_history", "ir_attachment"):
        cr.execute(f"VACUUM ANALYZE {table}")  # noqa: S608 - table names of this script
    conn.autocommit = False
    return page_ids, len(attachment_rows)


def explain(conn, body_term, rare_term, attachment_term):
    """The plans of the body and attachment substring branches, as the search
    runs them, for a sampled term and for one found nowhere: PostgreSQL walks
    the table until it has the limit when the term is frequent, and asks the
    trigram index when it is rare."""
    cr = conn.cursor()
    plans = {}
    body = (
        "SELECT p.id FROM document_page p WHERE p.content_text ILIKE %s AND p.type = 'content' AND p.active LIMIT 200"
    )
    attachment = (
        "SELECT DISTINCT p.id FROM ir_attachment a JOIN document_page p ON p.history_head = a.res_id"
        " WHERE a.res_model = 'document.page.history' AND a.res_field IS NULL AND a.index_content ILIKE %s"
        " AND p.type = 'content' AND p.active LIMIT 200"
    )
    for label, sql, term in (
        (f"body ({body_term})", body, body_term),
        (f"body ({rare_term}, found nowhere)", body, rare_term),
        (f"attachment ({attachment_term})", attachment, attachment_term),
        (f"attachment ({rare_term}, found nowhere)", attachment, rare_term),
    ):
        cr.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, ("%" + term + "%",))
        plans[label] = "\n".join(row[0] for row in cr.fetchall())
    conn.rollback()
    return plans


def queries(rng, docs, page_ids, samples):
    """[(kind, query, page id it was taken from or None)]"""
    result = []
    attached = [(page_id, doc) for page_id, doc in zip(page_ids, docs, strict=True) if doc[4]]
    for _n in range(samples):
        page_id, (_c, subject, title, paragraphs, _a) = rng.choice(list(zip(page_ids, docs, strict=True)))
        result.append(("title_prefix", title[:2], page_id))
        full, initials = pinyin_keys(subject)
        result.append(("pinyin", rng.choice((full.split()[0], initials.split()[0])), None))
        sentence = rng.choice(paragraphs).split(" ", 1)[1]  # without its "第N条"
        length = rng.randint(3, 6)
        start = rng.randrange(len(sentence) - length)
        result.append(("body", sentence[start : start + length], page_id))
        page_id, (_c, _s, _t, _p, text) = rng.choice(attached)
        line = rng.choice(text.splitlines())
        start = rng.randrange(len(line) - 6)
        result.append(("attachment", line[start : start + rng.randint(4, 6)], page_id))
        result.append(("no_match", rng.choice(NO_MATCH), None))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--db-host", required=True)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--attached", type=float, default=0.2, help="share of regulations with an attachment")
    parser.add_argument("--samples", type=int, default=40, help="queries of each kind")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    rng = random.Random(14)
    tmp = Path(tempfile.mkdtemp(prefix="bench-regulation-"))
    conn = connect(args)
    cr = conn.cursor()
    cr.execute("SELECT id FROM res_users WHERE login = %s", (NURSE[0],))
    nurse_uid = cr.fetchone()[0]
    # the readers' group of the knowledge pages (what the regulations' access rights give every staff role)
    cr.execute(
        """INSERT INTO res_groups_users_rel (gid, uid)
           SELECT res_id, %s FROM ir_model_data WHERE module = 'document_knowledge' AND name = 'group_document_user'
           ON CONFLICT DO NOTHING""",
        (nurse_uid,),
    )
    cr.execute("SELECT id FROM res_users WHERE login = 'quality'")
    author_uid = cr.fetchone()[0]
    print(f"generating and writing {args.docs} regulations")
    started = time.perf_counter()
    docs = generate(rng, args.docs, args.attached)
    page_ids, attachments = seed(conn, docs, author_uid)
    seed_s = time.perf_counter() - started
    cr = conn.cursor()
    cr.execute("SELECT count(*) FROM document_page WHERE type = 'content'")
    total = cr.fetchone()[0]
    print(f"seeded in {seed_s:.0f}s: {len(page_ids)} regulations, {attachments} with an attachment")
    terms = queries(rng, docs, page_ids, args.samples)
    plans = explain(
        conn,
        next(term for kind, term, _id in terms if kind == "body"),
        next(term for kind, term, _id in terms if kind == "no_match"),
        next(term for kind, term, _id in terms if kind == "attachment"),
    )
    for label, plan in plans.items():
        print(f"EXPLAIN ANALYZE of the {label} branch:\n{plan}")
    conn.close()

    odoo = OdooServer(args.db, args.db_host, tmp / "odoo.log", workers=args.workers, cron_workers=0)
    odoo.start()
    try:
        client = Client(odoo, *NURSE)
        # warm the workers: the registry, the rules, the session
        for _warm in range(4 * args.workers):
            client.call("document.page", "search_regulations", ["危急值"])
            client.call("document.page", "search_read", [[("name", "=", docs[0][2])], ["name"]])
        timings, found, hit, baseline = {}, {}, {}, []
        for kind, term, page_id in terms:
            rows, ms = client.call("document.page", "search_regulations", [term])
            timings.setdefault(kind, []).append(ms)
            found.setdefault(kind, []).append(bool(rows))
            hit.setdefault(kind, []).append(page_id is not None and any(row["id"] == page_id for row in rows))
            title = docs[rng.randrange(len(docs))][2]
            rows, ms = client.call("document.page", "search_read", [[("name", "=", title)], ["name"]])
            assert rows, title
            baseline.append(ms)
    finally:
        odoo.stop()

    every = [ms for values in timings.values() for ms in values]
    for kind, values in timings.items():
        print(
            f"  {kind:13} p50_ms={percentile(values, 0.5):6.1f} p95_ms={percentile(values, 0.95):6.1f} "
            f"found={sum(found[kind])}/{len(found[kind])} source_in_top20={sum(hit[kind])}/{len(hit[kind])}"
        )
    print(f"  {'baseline':13} p50_ms={percentile(baseline, 0.5):6.1f} p95_ms={percentile(baseline, 0.95):6.1f}")
    print(f"logs in {tmp}; seed {seed_s:.0f}s")
    print(
        f"regulation docs={total} p50_ms={percentile(every, 0.5):.1f} "
        f"p95_ms={percentile(every, 0.95):.1f} baseline_p95_ms={percentile(baseline, 0.95):.1f}"
    )
    ok = all(found["title_prefix"]) and all(found["body"]) and all(found["attachment"]) and not any(found["no_match"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
