"""Bulk data for the benchmarks that need a hospital's years of records
(bench_lookup.py; the analysis benchmark): patients, their visits, lab
reports and result lines, written with PostgreSQL's COPY straight into the
tables of a benchmark's copy of the demo database, before Odoo serves it.

    seed(conn, company_id, patients=1_000_000, results=20_000_000)

- patients with realistic Chinese names (the frequent surnames of
  Guangdong, polyphonic and compound ones among them, one- and two-character
  given names by gender), valid resident ID numbers (unique in the
  hospital), medical card and HIS numbers, phones, addresses, and the
  pinyin keys the search reads (ihospital_base/pinyin.py, as Odoo computes
  them);
- VISITS_PER_PATIENT visits each on average, over the hospital's clinical
  departments and their doctors, during the last YEARS years;
- lab reports (the simulator's panels) of random visits, with their result
  lines, until `results` lines; values normal, high or low as a laboratory
  reports them, the reports' abnormal counts to match.

What makes it fast (1,000,000 patients and 20,000,000 lines in minutes on
2 cores): ids are given, not read back; the rows of a result line are
prepared once per panel and value and only numbered here; the secondary
indexes of the four tables are dropped and built again after the COPY; the
foreign keys are not checked row by row (session_replication_role =
replica: the rows reference what this module just wrote); ANALYZE after.
Needs a superuser connection (the private cluster's user is one).
"""

import datetime
import importlib.util
import io
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "gateway"))

from ihospital_gateway.simulator import LAB_PANELS, MOBILE_PREFIXES, STREETS, resident_id  # noqa: E402


def _load_pinyin():
    """ihospital_base/pinyin.py (pure Python, no Odoo), as the addon computes the keys."""
    spec = importlib.util.spec_from_file_location("ihospital_pinyin", ROOT / "addons/ihospital_base/pinyin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The frequent surnames of Guangdong with rough weights (per thousand
# people), the polyphonic (曾 zeng, 区 ou, 单 shan, 覃 qin) and compound
# (欧阳, 司徒, 上官) ones among them.
SURNAMES = {
    "陈": 80,
    "李": 60,
    "黄": 55,
    "张": 45,
    "梁": 40,
    "林": 38,
    "刘": 36,
    "吴": 30,
    "何": 28,
    "罗": 26,
    "郑": 24,
    "谢": 22,
    "冯": 20,
    "邓": 20,
    "曾": 18,
    "彭": 16,
    "苏": 15,
    "卢": 15,
    "蔡": 14,
    "许": 14,
    "叶": 14,
    "杨": 14,
    "周": 13,
    "钟": 13,
    "潘": 12,
    "王": 12,
    "赵": 8,
    "徐": 10,
    "胡": 10,
    "朱": 10,
    "高": 9,
    "郭": 9,
    "马": 8,
    "麦": 8,
    "伍": 8,
    "关": 7,
    "邱": 7,
    "温": 7,
    "莫": 7,
    "赖": 7,
    "方": 6,
    "余": 6,
    "江": 6,
    "廖": 6,
    "杜": 5,
    "孙": 5,
    "袁": 5,
    "文": 5,
    "欧阳": 4,
    "区": 4,
    "司徒": 3,
    "谭": 6,
    "甘": 3,
    "骆": 3,
    "严": 3,
    "龙": 3,
    "汤": 3,
    "单": 2,
    "覃": 2,
    "上官": 1,
    "霍": 2,
    "简": 2,
    "戴": 3,
    "范": 3,
    "姚": 3,
    "夏": 2,
    "石": 3,
    "韦": 3,
    "易": 2,
    "洪": 3,
}
GIVEN_MALE = "伟强军杰俊浩宇轩涛明辉鹏斌华建国志锦荣振文德永家豪子嘉健耀广海东平伟峰晓智勇兴荣坚聪铭康泽博"
GIVEN_FEMALE = "丽娟秀英美玲婉婷嘉欣慧敏淑芬海燕颖雅琪晓雯玉兰静怡佩珊咏诗凤霞翠萍洁敏倩彩虹燕芳丹桂月琳嘉"
ONE_CHARACTER = 0.15  # of the given names
YEARS = 3
VISITS_PER_PATIENT = 1.5
CHUNK = 50_000  # rows per COPY call
PANELS_PER_REPORT = 3  # panels ordered together in one report (about ten lines)
TABLES = ("ihospital_patient", "ihospital_visit", "ihospital_lab_report", "ihospital_lab_result")


class _Names:
    """Realistic names and their pinyin keys (cached: names repeat)."""

    def __init__(self, rng):
        self.rng = rng
        self.surnames = list(SURNAMES)
        self.weights = list(SURNAMES.values())
        self.keys = {}
        self.pinyin_keys = _load_pinyin().pinyin_keys

    def name(self, male):
        pool = GIVEN_MALE if male else GIVEN_FEMALE
        size = 1 if self.rng.random() < ONE_CHARACTER else 2
        given = "".join(self.rng.choice(pool) for _ in range(size))
        return self.rng.choices(self.surnames, self.weights)[0] + given

    def pinyin(self, name):
        keys = self.keys.get(name)
        if keys is None:
            keys = self.keys[name] = self.pinyin_keys(name)
        return keys


def _copy(cr, table, columns, lines):
    """COPY `lines` (tab-separated text rows ending in a newline) into table, CHUNK at a time."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    buffer, count = [], 0
    for line in lines:
        buffer.append(line)
        if len(buffer) >= CHUNK:
            cr.copy_expert(statement, io.StringIO("".join(buffer)))
            count += len(buffer)
            buffer = []
    if buffer:
        cr.copy_expert(statement, io.StringIO("".join(buffer)))
        count += len(buffer)
    return count


def _next_id(cr, table):
    cr.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - a table name of TABLES
    return cr.fetchone()[0]


def _check_columns(cr, table, columns):
    """Refuse to seed a table with a required column this module does not fill (an addon added it)."""
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL""",
        (table,),
    )
    missing = {row[0] for row in cr.fetchall()} - set(columns) - {"id"}
    if missing:
        raise RuntimeError(f"bulk_seed does not fill the required columns {sorted(missing)} of {table}")


class _DeferredIndexes:
    """The secondary indexes of `tables` (TABLES unless told) dropped, then built
    again (one CREATE INDEX over the loaded table is much faster than updating
    it row by row)."""

    def __init__(self, cr, log, tables=TABLES):
        self.cr, self.log = cr, log
        cr.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                      SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            (list(tables),),
        )
        self.indexes = cr.fetchall()

    def __enter__(self):
        for name, _definition in self.indexes:
            self.cr.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        if exc[0]:
            return False
        started = time.perf_counter()
        for _name, definition in self.indexes:
            self.cr.execute(definition)
        self.log(f"  {len(self.indexes)} indexes built again in {time.perf_counter() - started:.0f}s")
        return False


def _pinyin_of(names):
    """{name: (full, initials)} for distinct names, on every core (pypinyin is slow)."""
    names = sorted(names)
    with multiprocessing.get_context("fork").Pool(max(1, os.cpu_count() or 1)) as pool:
        keys = pool.map(_pinyin_keys, names, chunksize=2000)
    return dict(zip(names, keys, strict=True))


def _pinyin_keys(name):
    global _PINYIN  # noqa: PLW0603 - loaded once per worker process
    if _PINYIN is None:
        _PINYIN = _load_pinyin().pinyin_keys
    return _PINYIN(name)


_PINYIN = None


def write_patients(cr, company_id, patients, rng, names, log=print, started=None):
    """COPY `patients` new patients of the hospital `company_id` (names from
    `names`, a _Names, other values from `rng`); returns (first id, count)."""
    started = time.perf_counter() if started is None else started
    today = datetime.date.today()
    now = datetime.datetime.now().replace(microsecond=0)
    stamp = now.isoformat(sep=" ")
    audit = f"1\t1\t{stamp}\t{stamp}"
    # drawn first, the pinyin of their distinct names on every core; the
    # hospital's resident ID numbers are unique (the demo's patients' too)
    cr.execute(
        "SELECT id_number FROM ihospital_patient WHERE company_id = %s AND id_type = 'resident_id'", (company_id,)
    )
    drawn, taken = [], {row[0] for row in cr.fetchall()}
    for _n in range(patients):
        male = rng.random() < 0.49
        birth = today - datetime.timedelta(days=rng.randint(0, 95 * 365))
        number = resident_id(rng, birth, male)
        while number in taken:
            number = resident_id(rng, birth, male)
        taken.add(number)
        drawn.append((names.name(male), male, birth, number))
    taken.clear()
    keys = _pinyin_of({row[0] for row in drawn})
    log(f"  {patients} patients drawn, {len(keys)} distinct names, {time.perf_counter() - started:.0f}s")
    first_patient = _next_id(cr, "ihospital_patient")
    columns = (
        "id company_id name active id_type id_number gender birth_date phone phone_source address "
        "medical_card_number his_patient_id pinyin_full pinyin_initials "
        "create_uid write_uid create_date write_date"
    ).split()
    _check_columns(cr, "ihospital_patient", columns)
    streets = STREETS
    prefixes = MOBILE_PREFIXES

    def patient_lines():
        for n, (name, male, birth, number) in enumerate(drawn):
            full, initials = keys[name]
            yield (
                f"{first_patient + n}\t{company_id}\t{name}\tt\tresident_id\t{number}\t"
                f"{'male' if male else 'female'}\t{birth.isoformat()}\t"
                f"+86{rng.choice(prefixes)}{rng.randrange(100000000):08d}\thospital\t"
                f"广州市{rng.choice(streets)}{rng.randint(1, 300)}号\t"
                f"YX{company_id:02d}7{n:07d}\tP{company_id:02d}{5_000_000 + n}\t{full}\t{initials}\t{audit}\n"
            )

    count = _copy(cr, "ihospital_patient", columns, patient_lines())
    drawn.clear()
    log(f"  {count} patients in {time.perf_counter() - started:.0f}s")
    return first_patient, count


def seed(conn, company_id, patients=1_000_000, results=20_000_000, seed_value=2031, log=print):
    """Write `patients` patients of the hospital `company_id` with their visits,
    and lab reports with `results` result lines in all; commits. Returns
    {"patients": (first id, last id), "visits": .., "reports": .., "results": ..}.
    The values written are generated here: no tab, newline or backslash in
    them, so rows are formatted without COPY escapes."""
    rng = random.Random(seed_value)
    cr = conn.cursor()
    cr.execute("SET session_replication_role = replica")  # no row-by-row foreign key checks
    cr.execute("SET maintenance_work_mem = '512MB'")
    cr.execute(
        """SELECT d.id, e.id FROM hr_department d JOIN hr_employee e ON e.department_id = d.id
            WHERE d.company_id = %s AND d.is_clinical AND e.ihospital_role = 'doctor' AND e.active
            ORDER BY d.id, e.id""",
        (company_id,),
    )
    doctors = {}
    for department_id, doctor_id in cr.fetchall():
        doctors.setdefault(department_id, []).append(doctor_id)
    if not doctors:
        raise RuntimeError(f"the hospital {company_id} has no clinical department with doctors")
    by_department = [[(department, doctor) for doctor in ids] for department, ids in sorted(doctors.items())]
    cr.execute(
        "SELECT id FROM hr_department WHERE company_id = %s AND NOT is_clinical AND name::text LIKE %s LIMIT 1",
        (company_id, "%检验%"),
    )
    laboratory = (cr.fetchone() or [None])[0]
    laboratory = "\\N" if laboratory is None else laboratory
    now = datetime.datetime.now().replace(microsecond=0)
    epoch = int(now.timestamp())
    stamp = now.isoformat(sep=" ")
    audit = f"1\t1\t{stamp}\t{stamp}"
    names = _Names(rng)
    summary = {}
    started = time.perf_counter()

    def when(seconds):
        return datetime.datetime.fromtimestamp(seconds).isoformat(sep=" ")

    with _DeferredIndexes(cr, log):
        # ---- patients
        first_patient, count = write_patients(cr, company_id, patients, rng, names, log, started)
        summary["patients"] = (first_patient, first_patient + count - 1)

        # ---- visits: (patient, department, doctor, start) kept for the reports
        first_visit = _next_id(cr, "ihospital_visit")
        visit_count = int(patients * VISITS_PER_PATIENT)
        columns = (
            "id company_id name patient_id department_id doctor_id visit_type start source "
            "total_charges insurance_amount self_paid_amount create_uid write_uid create_date write_date"
        ).split()
        _check_columns(cr, "ihospital_visit", columns)
        visits = []
        span = YEARS * 365 * 86400

        def visit_lines():
            for n in range(visit_count):
                # every patient has a visit, then the others at random
                patient_id = first_patient + (n if n < patients else rng.randrange(patients))
                department_id, doctor_id = rng.choice(rng.choice(by_department))
                start = epoch - rng.randrange(span)
                visits.append((patient_id, department_id, doctor_id, start))
                charges = rng.randint(20, 3000)
                insured = charges * rng.randrange(70) // 100
                yield (
                    f"{first_visit + n}\t{company_id}\tBV{n:08d}\t{patient_id}\t{department_id}\t{doctor_id}\t"
                    f"outpatient\t{when(start)}\this\t{charges}\t{insured}\t{charges - insured}\t{audit}\n"
                )

        count = _copy(cr, "ihospital_visit", columns, visit_lines())
        summary["visits"] = (first_visit, first_visit + count - 1)
        log(f"  {count} visits in {time.perf_counter() - started:.0f}s")

        # ---- lab reports (PANELS_PER_REPORT panels ordered together, about
        # ten lines) and their lines: the lines' text prepared once per panel
        # and value (40 variants of each), only numbered here
        panels = []
        for title, items in LAB_PANELS.items():
            variants = []
            for _variant in range(40):
                lines, abnormal = [], 0
                for code, name, unit, low, high, _cl, _ch, decimals in items:
                    roll, width = rng.random(), high - low
                    if roll < 0.1:
                        value, flag = high + width * rng.uniform(0.05, 0.5), "H"
                    elif roll < 0.17 and low > 0:
                        value, flag = max(low - width * rng.uniform(0.05, 0.4), low * 0.3), "L"
                    else:
                        value, flag = low + width * rng.uniform(0.1, 0.9), "N"
                    abnormal += flag != "N"
                    lines.append(
                        f"{code}\t{name}\t{value:.{decimals}f}\tNM\t{unit}\t{low:g}-{high:g}\t{flag}\t"
                        f"{'t' if flag != 'N' else 'f'}\tf\t{audit}\n"
                    )
                variants.append((lines, abnormal))
            panels.append((title, "全血" if title == "血常规" else "血清", variants))
        report_columns = (
            "id company_id name patient_id visit_id department_id doctor_id performing_department_id title "
            "specimen state source reported_at collected_at is_critical critical_count abnormal_count "
            "ready_notice_due create_uid write_uid create_date write_date"
        ).split()
        result_columns = (
            "id report_id company_id sequence code name value value_type unit reference_range flag "
            "is_abnormal is_critical create_uid write_uid create_date write_date"
        ).split()
        _check_columns(cr, "ihospital_lab_report", report_columns)
        _check_columns(cr, "ihospital_lab_result", result_columns)
        first_report = _next_id(cr, "ihospital_lab_report")
        first_result = _next_id(cr, "ihospital_lab_result")
        report_count = result_count = 0
        visits_total = len(visits)
        while result_count < results:
            # a batch of reports, then their lines
            report_lines, lines_of_batch = [], []
            next_result = first_result + result_count
            left = results - result_count
            while len(lines_of_batch) < CHUNK and len(lines_of_batch) < left:
                report_id = first_report + report_count
                visit_index = rng.randrange(visits_total)
                patient_id, department_id, doctor_id, start = visits[visit_index]
                chosen = rng.sample(panels, PANELS_PER_REPORT)
                titles, abnormal, sequence = [], 0, 0
                head = f"\t{report_id}\t{company_id}\t"
                for title, _specimen, variants in chosen:
                    lines, panel_abnormal = rng.choice(variants)
                    titles.append(title)
                    abnormal += panel_abnormal
                    for line in lines:
                        sequence += 1
                        lines_of_batch.append(f"{next_result + len(lines_of_batch)}{head}{sequence}\t{line}")
                del lines_of_batch[left:]
                report_lines.append(
                    f"{report_id}\t{company_id}\tBLK{report_count:09d}\t{patient_id}\t{first_visit + visit_index}\t"
                    f"{department_id}\t{doctor_id}\t{laboratory}\t{'、'.join(titles)}\t{chosen[0][1]}\tfinal\this\t"
                    f"{when(start + rng.randint(2400, 36000))}\t{when(start + 1200)}\tf\t0\t{abnormal}\tf\t{audit}\n"
                )
                report_count += 1
            _copy(cr, "ihospital_lab_report", report_columns, report_lines)
            result_count += _copy(cr, "ihospital_lab_result", result_columns, lines_of_batch)
            if report_count % (CHUNK * 4) < len(report_lines):
                log(f"  {result_count} result lines of {report_count} reports, {time.perf_counter() - started:.0f}s")
        summary["reports"] = (first_report, first_report + report_count - 1)
        summary["results"] = (first_result, first_result + result_count - 1)
        visits.clear()
        log(f"  {report_count} lab reports, {result_count} result lines in {time.perf_counter() - started:.0f}s")

    for table in TABLES:
        cr.execute(f"SELECT setval('{table}_id_seq', (SELECT MAX(id) FROM {table}))")  # noqa: S608
    cr.execute("SET session_replication_role = DEFAULT")
    conn.commit()
    # the planner's statistics; the smaller tables vacuumed too (visibility map, hint bits)
    conn.autocommit = True
    for table in TABLES:
        cr.execute(f"{'ANALYZE' if table == 'ihospital_lab_result' else 'VACUUM ANALYZE'} {table}")
    conn.autocommit = False
    log(f"  analyzed; {time.perf_counter() - started:.0f}s in all")
    return summary
