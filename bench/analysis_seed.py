"""Three years of a large hospital for the analysis benchmark
(bench_analysis.py), written with PostgreSQL's COPY straight into the tables
of a benchmark's copy of the demo database, before Odoo serves it.

    seed(conn, company_id, visits=5_000_000, admissions=100_000)

Over the YEARS years that end today (the hospital's days, in its time zone),
spread over the hospital's clinical departments and their doctors:

- patients to own it all (bulk_seed.write_patients: realistic names, ID and
  card numbers, pinyin keys), a share of them chronic, who come back more;
- outpatient visits (门诊) in the clinics' sessions (morning, afternoon,
  evening), more on Mondays, fewer at weekends, a winter peak (stronger in
  respiratory medicine and paediatrics), a summer one, the Spring Festival
  and National Day weeks quiet, a few percent more each year;
  emergency visits (急诊) in the emergency department round the clock, more
  in the evening and on holidays; first or return visit (初诊/复诊) as the HIS
  reports them;
- appointments (预约) for most outpatient visits, by channel (online, phone,
  window, HIS), in the doctor's schedule of the day and session with one
  slot each, checked in, called after a wait, seen; no-shows and
  cancellations among them; the visit linked to its appointment;
- ADMISSIONS admissions (住院) with their inpatient visit, the ward, bed and
  doctors of the department, a length of stay drawn per department (those
  not over yet are in the beds today), and the departments' staffed beds
  set so that occupancy is about 85%;
- no daily summary of the HIS (the demo's are removed: their figures would
  replace those of these records for their days);
- the visits' charge lines (费用明细) as the HIS bills them: the HIS's own
  categories (西药费, 化验费 ...), their charge class from the hospital's
  map (added for the categories it lacks), the insurance's share for
  insured patients; a visit's totals are the sums of its lines.

Columns that other branches add are filled when the database has them
(visit_kind and appointment_id of a visit, charge_class of a charge,
bed_count of a department). What makes it fast: one pass over the days, in
the hospital's time order (visit ids follow their start); ids given, not
read back; timestamps formatted from tables; the rows made in this process
while a second thread COPYs the previous chunk; the secondary indexes of
the tables dropped and built again after the load; no row-by-row foreign key
checks (session_replication_role = replica); VACUUM ANALYZE after. Needs a
superuser connection (the private cluster's user is one).
"""

import calendar
import datetime
import io
import math
import queue
import random
import threading
import time
from zoneinfo import ZoneInfo

import bulk_seed  # noqa: I001 - puts the gateway on the path for the simulator's catalogue below
from ihospital_gateway.simulator import ADMISSION_DIAGNOSES, CHARGE_ITEMS, DIAGNOSES, WARDS

YEARS = 3
CHUNK = bulk_seed.CHUNK  # rows per COPY call
TABLES = (
    "ihospital_patient",
    "ihospital_visit",
    "ihospital_visit_charge",
    "ihospital_appointment",
    "ihospital_schedule",
    "ihospital_slot",
    "ihospital_admission",
)
EMERGENCY_SHARE = 0.10  # of the visits that are not admissions
BOOKED = 0.70  # outpatient visits booked through the platform (the others registered at the HIS only)
CHANNELS = (("portal", 0.55), ("phone", 0.08), ("window", 0.22), ("his", 0.15))
NO_SHOW = {"portal": 0.08, "phone": 0.07, "window": 0.02, "his": 0.02}  # per booking that was kept
CANCELLED = {"portal": 0.05, "phone": 0.03, "window": 0.01, "his": 0.01}
CHRONIC = 0.15  # of the patients: they make CHRONIC_VISITS of the visits
CHRONIC_VISITS = 0.40
INSURED = 85  # percent of the patients (城镇职工/城乡居民医保)
OCCUPANCY = 0.85  # the staffed beds are set for this occupancy
# the clinical departments by HIS code (bulk data of the simulator's hospital):
# outpatient and inpatient weights, winter amplitude, mean length of stay (days)
DEPARTMENT_PROFILE = {
    "XNK": (11, 16, 0.10, 8),
    "HXK": (10, 13, 0.35, 10),
    "XHK": (9, 11, 0.05, 8),
    "SJK": (8, 12, 0.10, 11),
    "NFM": (8, 7, 0.03, 9),
    "PWK": (8, 14, 0.02, 7),
    "GK": (9, 12, 0.05, 11),
    "FCK": (10, 10, 0.0, 4),
    "EK": (12, 5, 0.35, 5),
    "JZK": (0, 0, 0.15, 0),
    "YK": (7, 2, 0.0, 3),
    "ZYK": (8, 4, 0.05, 12),
}
OTHER_DEPARTMENT = (6, 0, 0.05, 0)
# weekday factors (Monday first)
OUTPATIENT_WEEK = (1.25, 1.12, 1.05, 1.02, 0.98, 0.62, 0.46)
EMERGENCY_WEEK = (1.0, 0.97, 0.96, 0.96, 1.0, 1.06, 1.08)
ADMISSION_WEEK = (1.2, 1.15, 1.1, 1.05, 1.0, 0.6, 0.5)
GROWTH = 0.06  # a year
# the sessions of the clinics (hours, the hospital's time): share on weekdays and at weekends
SESSIONS = (("morning", 8.0, 12.0, 0.62, 0.8), ("afternoon", 14.0, 17.5, 0.31, 0.2), ("evening", 18.0, 21.0, 0.07, 0.0))
EMERGENCY_HOURS = (3, 2, 2, 1.5, 1.5, 1.5, 2, 3, 4, 5, 5.5, 5.5, 5, 5, 5, 5, 5, 5.5, 6, 6.5, 6.5, 6, 5, 4)
ADMISSION_HOURS = (1, 1, 0.5, 0.5, 0.5, 0.5, 1, 2, 6, 6, 6, 6, 3, 3, 6, 6, 6, 5, 2, 2, 2, 2, 1.5, 1)
SPRING_FESTIVALS = ("2023-01-22", "2024-02-10", "2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13")
# the HIS's own charge categories and the class the hospital maps each to (added to its map when missing)
CATEGORY_CLASSES = {
    "西药费": "drug",
    "中成药费": "drug",
    "中药费": "drug",
    "化验费": "lab",
    "检查费": "exam",
    "放射费": "exam",
    "治疗费": "treatment",
    "手术费": "treatment",
    "护理费": "treatment",
    "材料费": "material",
    "床位费": "bed",
    "诊查费": "other",
}
# (code, name, category, unit price, insurance ratio) of outpatient charges besides the
# simulator's, and how often each is billed (the consultation fee, first, always is)
OUTPATIENT_ITEMS = [
    *CHARGE_ITEMS,
    ("250102001", "尿常规", "化验费", 15.0, 0.7),
    ("250305001", "血脂四项", "化验费", 45.0, 0.7),
    ("250401001", "糖化血红蛋白", "化验费", 70.0, 0.7),
    ("220800001", "常规心电图", "检查费", 30.0, 0.7),
    ("210300001", "头颅CT平扫", "放射费", 280.0, 0.6),
    ("X-A10BA02", "盐酸二甲双胍缓释片 0.5g×30片", "西药费", 28.0, 0.8),
    ("X-C10AA05", "阿托伐他汀钙片 20mg×7片", "西药费", 45.6, 0.8),
    ("X-R05CB01", "盐酸氨溴索口服溶液 100ml", "西药费", 36.8, 0.8),
    ("Z-P01", "复方丹参滴丸 180丸", "中成药费", 27.5, 0.7),
    ("310000001", "雾化吸入", "治疗费", 20.0, 0.7),
    ("M-001", "一次性使用输液器", "材料费", 6.5, 0.5),
    ("310903001", "电子胃镜检查", "检查费", 450.0, 0.6),
    ("210500001", "腰椎MRI平扫", "放射费", 600.0, 0.6),
]
OUTPATIENT_ITEM_WEIGHTS = [0, 6, 3, 2, 2, 6, 5, 2, 2, 3, 2, 1, 2, 1, 3, 3, 3, 2, 2, 2, 1, 1]
assert len(OUTPATIENT_ITEM_WEIGHTS) == len(OUTPATIENT_ITEMS)
OUTPATIENT_EXTRA_LINES = (0, 1, 1, 1, 2, 2, 2, 3, 3, 4)  # lines besides the consultation fee
# inpatient charges: (code, name, category, unit price, insurance ratio, how billed):
# "day" once a day of the stay, "days/3" every third day, "once", or a drug of the stay
INPATIENT_DAILY = [
    ("110900001", "床位费（三人间）", "床位费", 60.0, 0.8, "day"),
    ("120100002", "Ⅱ级护理", "护理费", 25.0, 0.7, "day"),
    ("110200002", "住院诊查费", "诊查费", 20.0, 0.7, "day"),
    ("120400001", "静脉输液", "治疗费", 12.0, 0.7, "day"),
    ("310701008", "心电监测", "治疗费", 96.0, 0.7, "day"),
    ("311000001", "氧气吸入", "治疗费", 30.0, 0.7, "day"),
    ("250101001", "血常规（五分类）", "化验费", 25.0, 0.7, "days/3"),
    ("250300000", "生化全项", "化验费", 230.0, 0.7, "days/3"),
]
INPATIENT_DRUGS = [
    ("X-J01DD04", "注射用头孢曲松钠 1g", 45.8),
    ("X-B05BB01", "氯化钠注射液 250ml", 4.5),
    ("X-B01AB06", "低分子肝素钙注射液 0.4ml", 38.0),
    ("X-A02BC02", "注射用泮托拉唑钠 40mg", 32.5),
    ("X-N02BE01", "对乙酰氨基酚片 0.5g×10片", 6.8),
    ("X-C01DA02", "硝酸甘油注射液 5mg", 18.6),
    ("X-H02AB04", "注射用甲泼尼龙琥珀酸钠 40mg", 52.0),
    ("X-B05AA01", "人血白蛋白 10g", 380.0),
    ("X-J01DH02", "注射用美罗培南 0.5g", 180.0),
]
INPATIENT_EXAMS = [
    ("210300002", "胸部CT平扫", "放射费", 300.0, 0.6),
    ("220302001", "腹部彩超", "检查费", 160.0, 0.6),
    ("220600001", "心脏彩超", "检查费", 220.0, 0.6),
    ("210102001", "胸部正位片（DR）", "放射费", 90.0, 0.7),
]
SURGERIES = {
    "PWK": ("330703001", "腹腔镜胆囊切除术", 3800.0, "M-PWK", "一次性腹腔镜套件", 2400.0),
    "GK": ("331500001", "人工股骨头置换术", 6200.0, "M-GK", "人工股骨头假体", 16000.0),
    "FCK": ("331202001", "子宫下段剖宫产术", 2800.0, "M-FCK", "一次性手术包", 600.0),
}
SURGERY_SHARE = 0.6  # of the admissions of a surgical department
# admission diagnoses (ICD-10) of the departments the simulator does not admit to
MORE_ADMISSION_DIAGNOSES = {
    "FCK": [("宫内孕39周待产", "O80.0"), ("子宫平滑肌瘤", "D25.9")],
    "EK": [("小儿支气管肺炎", "J18.0"), ("急性胃肠炎", "A09.9")],
    "YK": [("年龄相关性白内障", "H25.9")],
    "ZYK": [("腰椎间盘突出症", "M51.2"), ("脑梗死恢复期", "I69.3")],
}
NULL = "\\N"  # COPY's NULL


def _spring_festivals():
    return [datetime.date.fromisoformat(day) for day in SPRING_FESTIVALS]


def _holiday(day, festivals):
    """The outpatient factor of a public holiday (1.0 on an ordinary day)."""
    for festival in festivals:
        offset = (day - festival).days
        if -2 <= offset <= 6:
            return 0.3 if 0 <= offset <= 3 else 0.55
        if -7 <= offset < -2 or 6 < offset <= 10:
            return 0.85
    if day.month == 10 and day.day <= 7:
        return 0.55
    if (day.month, day.day) in ((1, 1), (5, 1), (5, 2), (5, 3)):
        return 0.6
    return 1.0


def _season(day, winter):
    """Winter peak (amplitude `winter`, highest mid-January) and a small summer one."""
    doy = day.timetuple().tm_yday
    return 1.0 + winter * math.cos(2 * math.pi * (doy - 15) / 365.25) + 0.05 * math.exp(-(((doy - 205) / 25) ** 2))


def _counts(total, weights, rng):
    """Whole counts proportional to `weights` (with a little daily noise) that sum to `total`."""
    noisy = [w * max(0.0, rng.gauss(1.0, 0.04)) for w in weights]
    scale = total / sum(noisy)
    counts, carry = [], 0.0
    for weight in noisy:
        exact = weight * scale + carry
        count = round(exact)
        carry = exact - count
        counts.append(count)
    counts[-1] += total - sum(counts)
    return counts


def _pool(pairs, size=2000):
    """A list to draw from uniformly: each item repeated in proportion to its weight."""
    total = sum(weight for _item, weight in pairs)
    pool = []
    for item, weight in pairs:
        pool.extend([item] * max(0, round(size * weight / total)))
    return pool


class _Writer(threading.Thread):
    """COPYs the chunks it is given, in order, on the seed's connection, while the
    main thread makes the next ones."""

    def __init__(self, cr):
        super().__init__(daemon=True)
        self.cr = cr
        self.queue = queue.Queue(maxsize=6)
        self.error = None
        self.rows = {}

    def run(self):
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error:
                continue
            table, columns, lines = item
            try:
                names = ", ".join(f'"{column}"' for column in columns)
                text = "".join(lines)
                # read in one piece: each read of the file needs the GIL, which the main thread holds
                self.cr.copy_expert(f"COPY {table} ({names}) FROM STDIN", io.StringIO(text), size=len(text) + 1)
                self.rows[table] = self.rows.get(table, 0) + len(lines)
            except Exception as error:  # noqa: BLE001 - raised again in the main thread by close()
                self.error = error

    def put(self, table, columns, lines):
        if self.error:
            raise self.error
        self.queue.put((table, columns, lines))

    def close(self):
        self.queue.put(None)
        self.join()
        if self.error:
            raise self.error


class _Table:
    """Rows of one table, sent to the writer CHUNK at a time."""

    def __init__(self, writer, cr, table, columns):
        bulk_seed._check_columns(cr, table, columns)
        self.writer, self.table, self.columns = writer, table, columns
        self.lines = []
        self.append = self.lines.append
        self.next_id = bulk_seed._next_id(cr, table)
        self.first_id = self.next_id

    def ids(self, count):
        first = self.next_id
        self.next_id += count
        return first

    def flush(self, force=False):
        if self.lines and (force or len(self.lines) >= CHUNK):
            self.writer.put(self.table, self.columns, self.lines)
            self.lines = []
            self.append = self.lines.append


def _columns_of(cr, table):
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))
    return {row[0] for row in cr.fetchall()}


def _hospital(cr, company_id):
    """The hospital's time zone, clinical departments (id, code, name) with their doctors
    (id, name), the emergency department."""
    cr.execute("SELECT COALESCE(hospital_tz, 'Asia/Shanghai') FROM res_company WHERE id = %s", (company_id,))
    tz = cr.fetchone()[0]
    cr.execute(
        """SELECT d.id, d.his_code, COALESCE(d.name->>'zh_CN', d.name->>'en_US'), e.id, e.name
             FROM hr_department d JOIN hr_employee e ON e.department_id = d.id
            WHERE d.company_id = %s AND d.is_clinical AND e.ihospital_role = 'doctor' AND e.active
            ORDER BY d.id, e.id""",
        (company_id,),
    )
    departments = {}
    for department_id, code, name, doctor_id, doctor_name in cr.fetchall():
        department = departments.setdefault(department_id, {"id": department_id, "code": code, "name": name})
        department.setdefault("doctors", []).append((doctor_id, doctor_name))
    if not departments:
        raise RuntimeError(f"the hospital {company_id} has no clinical department with doctors")
    for department in departments.values():
        profile = DEPARTMENT_PROFILE.get(department["code"], OTHER_DEPARTMENT)
        department["outpatient"], department["inpatient"], department["winter"], department["stay"] = profile
        if department["inpatient"] and not department["stay"]:
            department["stay"] = 7
    emergency = [d for d in departments.values() if d["code"] == "JZK" or "急诊" in (d["name"] or "")]
    if not emergency:  # emergency visits then go to every department
        emergency = list(departments.values())
        for department in emergency:
            department["outpatient"] = department["outpatient"] or 5
    if not any(d["inpatient"] for d in departments.values()):
        for department in departments.values():
            department["inpatient"], department["stay"] = 1, 7
    return tz, departments, emergency


def _charge_classes(cr, company_id, audit, log):
    """{HIS category: (charge class, unmapped)} from the hospital's map, the categories of
    this seed added to it when missing; None when the database has no charge classes."""
    if "charge_class" not in _columns_of(cr, "ihospital_visit_charge"):
        return None
    mapped = {}
    if _columns_of(cr, "ihospital_charge_class_map") >= {"company_id", "his_category", "charge_class"}:
        cr.execute(
            "SELECT his_category, charge_class FROM ihospital_charge_class_map WHERE company_id = %s", (company_id,)
        )
        mapped = dict(cr.fetchall())
        missing = [category for category in CATEGORY_CLASSES if category not in mapped]
        if missing:
            extra = _columns_of(cr, "ihospital_charge_class_map") & {"create_uid", "write_uid", "create_date"}
            audit_columns = ", create_uid, write_uid, create_date, write_date" if len(extra) == 3 else ""
            audit_values = ", 1, 1, %s, %s" if audit_columns else ""
            for category in missing:
                cr.execute(
                    f"""INSERT INTO ihospital_charge_class_map (company_id, his_category, charge_class{audit_columns})
                        VALUES (%s, %s, %s{audit_values})""",  # noqa: S608 - column names of this module
                    (company_id, category, CATEGORY_CLASSES[category], *([audit, audit] if audit_columns else [])),
                )
                mapped[category] = CATEGORY_CLASSES[category]
            log(f"  {len(missing)} HIS charge categories added to the hospital's map")
        return {category: (mapped[category], False) for category in CATEGORY_CLASSES}
    return {category: (charge_class, True) for category, charge_class in CATEGORY_CLASSES.items()}


def seed(  # noqa: PLR0915 - one pass over the days, its parts share the day's state
    conn,
    company_id,
    visits=5_000_000,
    admissions=100_000,
    patients=None,
    years=YEARS,
    seed_value=2033,
    log=print,
):
    """Write `visits` visits (`admissions` of them inpatient stays, each with its
    admission) of the hospital `company_id` over the last `years` years, with their
    charge lines, appointments and `patients` patients (visits // 5 unless told);
    commits. Returns {table: (first id, last id)}."""
    rng = random.Random(seed_value)
    patients = patients or max(1000, visits // 5)
    admissions = min(admissions, visits // 2)
    started = time.perf_counter()
    cr = conn.cursor()
    cr.execute("SET session_replication_role = replica")  # no row-by-row foreign key checks
    cr.execute("SET maintenance_work_mem = '512MB'")
    tz_name, departments, emergency = _hospital(cr, company_id)
    tz = ZoneInfo(tz_name)
    now = int(time.time())
    today = datetime.datetime.fromtimestamp(now, tz).date()
    first_day = today.replace(year=today.year - years, day=28 if today.month == 2 and today.day == 29 else today.day)
    first_day += datetime.timedelta(days=1)
    days = [first_day + datetime.timedelta(days=n) for n in range((today - first_day).days + 1)]
    stamp = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    audit = f"1\t1\t{stamp}\t{stamp}"
    classes = _charge_classes(cr, company_id, stamp, log)
    if _columns_of(cr, "ihospital_his_daily_summary"):
        # the HIS's daily summaries replace the figures of their days: the demo's would hide these records
        cr.execute("DELETE FROM ihospital_his_daily_summary WHERE company_id = %s", (company_id,))
        log(f"  {cr.rowcount} daily summaries of the hospital removed (the records written here are its history)")
    with_unmapped = classes is not None and "charge_class_unmapped" in _columns_of(cr, "ihospital_visit_charge")
    visit_columns_there = _columns_of(cr, "ihospital_visit")
    with_kind = "visit_kind" in visit_columns_there
    with_appointment = "appointment_id" in visit_columns_there
    summary = {}

    # ---- timestamps (UTC, as Odoo stores them) from tables
    day_zero = calendar.timegm(first_day.timetuple()) // 86400 - 2
    dates = [
        (datetime.date(1970, 1, 1) + datetime.timedelta(days=day_zero + n)).isoformat()
        for n in range(len(days) + 400)  # discharges run into the future of today
    ]
    clock = [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]

    def ts(epoch):
        return dates[epoch // 86400 - day_zero] + clock[epoch % 86400]

    # ---- volumes: each kind's visits spread over the days
    festivals = _spring_festivals()
    inpatient_total = admissions
    emergency_total = int((visits - admissions) * EMERGENCY_SHARE)
    outpatient_total = visits - admissions - emergency_total
    growth = [(1 + GROWTH) ** (n / 365.25) for n in range(len(days))]
    holiday = [_holiday(day, festivals) for day in days]
    season = [_season(day, 0.10) for day in days]
    # today: the share of its volume that has happened by now
    local_now = datetime.datetime.fromtimestamp(now, tz)
    hour_now = local_now.hour + local_now.minute / 60
    out_today = sum(
        share * max(0.0, min(hour_now, end) - start) / (end - start) for _k, start, end, share, _we in SESSIONS
    )
    emergency_today = sum(EMERGENCY_HOURS[: int(hour_now)]) / sum(EMERGENCY_HOURS)
    admission_today = sum(ADMISSION_HOURS[: int(hour_now)]) / sum(ADMISSION_HOURS)
    last = len(days) - 1
    out_weights = [
        growth[n] * season[n] * holiday[n] * OUTPATIENT_WEEK[day.weekday()] * (out_today if n == last else 1)
        for n, day in enumerate(days)
    ]
    emergency_weights = [
        growth[n] * season[n] * (1.15 if holiday[n] < 1 else 1.0) * EMERGENCY_WEEK[day.weekday()]
        for n, day in enumerate(days)
    ]
    emergency_weights[last] *= emergency_today
    admission_weights = [
        growth[n] * (0.6 + 0.4 * holiday[n]) * ADMISSION_WEEK[day.weekday()] * (admission_today if n == last else 1)
        for n, day in enumerate(days)
    ]
    out_counts = _counts(outpatient_total, out_weights, rng)
    emergency_counts = _counts(emergency_total, emergency_weights, rng)
    admission_counts = _counts(inpatient_total, admission_weights, rng)

    # ---- who: departments and doctors by month (their seasons), patients
    def month_pool(kind, month, among):
        middle = datetime.date(2001, month, 15)
        pairs = []
        for department in among:
            weight = 1 if kind == "emergency" else department[kind]
            weight *= _season(middle, department["winter"]) if kind == "outpatient" else 1
            doctors = department["doctors"]
            # the senior doctor (the first) sees more patients
            for rank, (doctor_id, _name) in enumerate(doctors):
                pairs.append(((department["id"], doctor_id), weight * (1.6 if rank == 0 else 1.0) / len(doctors)))
        return _pool(pairs)

    clinics = [d for d in departments.values() if d["outpatient"] and d not in emergency]
    wards = [d for d in departments.values() if d["inpatient"]]
    out_pools = {month: month_pool("outpatient", month, clinics) for month in range(1, 13)}
    emergency_pool = month_pool("emergency", 1, emergency)
    admission_pool = month_pool("inpatient", 1, wards)
    channel_pool = _pool(CHANNELS, 100)
    session_pools = (_pool([(s[0], s[3]) for s in SESSIONS], 100), _pool([(s[0], s[4]) for s in SESSIONS], 100))
    session_hours = {session: (start, end) for session, start, end, _wd, _we in SESSIONS}
    emergency_hour_pool = _pool(list(enumerate(EMERGENCY_HOURS)), 1000)
    admission_hour_pool = _pool(list(enumerate(ADMISSION_HOURS)), 1000)
    senior = {department["doctors"][0][0] for department in departments.values()}
    doctor_names = {doctor: name for d in departments.values() for doctor, name in d["doctors"]}
    department_of = {d["id"]: d for d in departments.values()}

    # ---- charge lines: each item's row tail prepared once per quantity and insurance
    def tail(code, name, category, quantity, price, ratio, insured):
        amount = round(price * quantity, 2)
        covered = round(amount * ratio, 2) if insured else 0.0
        klass = ""
        if classes is not None:
            charge_class, unmapped = classes.get(category, ("other", True))
            klass = f"\t{charge_class}" + (f"\t{'t' if unmapped else 'f'}" if with_unmapped else "")
        return (
            f"{code}\t{name}\t{category}{klass}\t{quantity}\t{price:.2f}\t{amount:.2f}\t{covered:.2f}\t{audit}\n",
            amount,
            covered,
        )

    def item_tails(item):
        code, name, category, price, ratio = item
        # drugs: a box or two, or the month or more of a chronic prescription (长处方)
        quantities = (1, 2, 2, 3, 4, 6) if category in ("西药费", "中成药费", "中药费") else (1,)
        return [
            [tail(code, name, category, quantity, price, ratio, insured) for quantity in quantities]
            for insured in (False, True)
        ]

    outpatient_tails = [item_tails(item) for item in OUTPATIENT_ITEMS]
    consultation = outpatient_tails[0]
    item_pool = _pool(list(enumerate(OUTPATIENT_ITEM_WEIGHTS)), 200)

    # ---- the tables
    writer = _Writer(cr)
    charge_extra = (" charge_class" if classes is not None else "") + (
        " charge_class_unmapped" if with_unmapped else ""
    )
    with bulk_seed._DeferredIndexes(cr, log, TABLES):
        names = bulk_seed._Names(rng)
        first_patient, patient_count = bulk_seed.write_patients(cr, company_id, patients, rng, names, log, started)
        summary["ihospital_patient"] = (first_patient, first_patient + patient_count - 1)
        chronic_count = max(1, int(patient_count * CHRONIC))
        visit_table = _Table(
            writer,
            cr,
            "ihospital_visit",
            (
                "id company_id name patient_id department_id doctor_id visit_type start end source diagnosis "
                "total_charges insurance_amount self_paid_amount create_uid write_uid create_date write_date"
                + (" visit_kind" if with_kind else "")
                + (" appointment_id" if with_appointment else "")
            ).split(),
        )
        charge_table = _Table(
            writer,
            cr,
            "ihospital_visit_charge",
            (
                "id visit_id company_id sequence code name category" + charge_extra + " quantity unit_price amount "
                "insurance_amount create_uid write_uid create_date write_date"
            ).split(),
        )
        schedule_table = _Table(
            writer,
            cr,
            "ihospital_schedule",
            (
                "id company_id department_id doctor_id name date session clinic_type state source fee capacity "
                "slot_minutes queue_last_number session_start session_end release_at "
                "create_uid write_uid create_date write_date"
            ).split(),
        )
        slot_table = _Table(
            writer,
            cr,
            "ihospital_slot",
            "id schedule_id company_id sequence capacity booked_count onsite_only start end "
            "create_uid write_uid create_date write_date".split(),
        )
        appointment_table = _Table(
            writer,
            cr,
            "ihospital_appointment",
            (
                "id company_id name patient_id schedule_id slot_id department_id doctor_id date start channel state "
                "payment_state fee queue_number queue_state queue_priority recall_count checked_in_at called_at "
                "started_at finished_at visit_id cancelled_by cancel_reason reminder_sent turn_near_sent "
                "create_uid write_uid create_date write_date"
            ).split(),
        )
        admission_table = _Table(
            writer,
            cr,
            "ihospital_admission",
            (
                "id company_id name patient_id visit_id department_id ward bed attending_doctor_id bed_doctor_id "
                "admission_diagnosis admission_diagnosis_code admitted_at discharged_at state codes_to_resolve "
                "create_uid write_uid create_date write_date"
            ).split(),
        )
        tables = (visit_table, charge_table, schedule_table, slot_table, appointment_table, admission_table)
        writer.start()
        rnd, randrange, expovariate = rng.random, rng.randrange, rng.expovariate
        chronic_share = CHRONIC_VISITS
        diagnoses = {d["id"]: DIAGNOSES.get(_category(d["code"]), DIAGNOSES["internal"]) for d in departments.values()}
        admission_diagnoses = {
            d["id"]: ADMISSION_DIAGNOSES.get(d["code"])
            or MORE_ADMISSION_DIAGNOSES.get(d["code"], [("肺部感染", "J18.9"), ("高血压病3级", "I10.x00")])
            for d in wards
        }
        ward_names = {d["id"]: WARDS.get(d["code"], [f"{d['name']}病区"]) for d in wards}
        states, census = {}, {}  # appointments by state, inpatients in the beds now by department
        visit_total = 0

        def patient():
            if rnd() < chronic_share:
                return first_patient + randrange(chronic_count), True
            return first_patient + randrange(patient_count), False

        def so_far(midnight):
            """A time of today between 08:00 and ten minutes ago (the hospital's time)."""
            earliest = midnight + 8 * 3600
            return earliest + randrange(max(1, now - 600 - earliest))

        for n, day in enumerate(days):
            offset_s = int(datetime.datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset().total_seconds())
            midnight = calendar.timegm(day.timetuple()) - offset_s  # the hospital's midnight, UTC
            is_today = n == last
            # [start, end, type, department, doctor, patient, kind, appointment id, stay, bed doctor]
            day_visits = []
            groups = {}  # (department, doctor, session) -> [[patient, channel, state, kind]]
            pool, pool_size = out_pools[day.month], len(out_pools[day.month])
            sessions = session_pools[day.weekday() >= 5]
            for _n in range(out_counts[n]):
                department_id, doctor_id = pool[int(rnd() * pool_size)]
                session = sessions[int(rnd() * len(sessions))]
                patient_id, chronic = patient()
                kind = "return" if rnd() < (0.8 if chronic else 0.35) else "first"
                if rnd() < BOOKED:
                    channel = channel_pool[int(rnd() * len(channel_pool))]
                    bookings = groups.setdefault((department_id, doctor_id, session), [])
                    bookings.append([patient_id, channel, "done", kind])
                    if rnd() < NO_SHOW[channel]:
                        bookings.append([first_patient + randrange(patient_count), channel, "no_show", None])
                    if rnd() < CANCELLED[channel]:
                        bookings.append([first_patient + randrange(patient_count), channel, "cancelled", None])
                    continue
                start_hour, end_hour = session_hours[session]
                start = midnight + int((start_hour + rnd() * (end_hour - start_hour)) * 3600)
                if is_today and start > now - 600:
                    start = so_far(midnight)
                day_visits.append(
                    [
                        start,
                        start + randrange(300, 1200),
                        "outpatient",
                        department_id,
                        doctor_id,
                        patient_id,
                        kind,
                        None,
                    ]
                )
            # the day's schedules: one slot per booking in a random order, the kept ones seen after a wait
            day_schedules = []
            for (department_id, doctor_id, session), bookings in groups.items():
                start_hour, end_hour = session_hours[session]
                session_start = midnight + int(start_hour * 3600)
                session_end = midnight + int(end_hour * 3600)
                minutes = max(2, min(15, int((end_hour - start_hour) * 60 / len(bookings))))
                rng.shuffle(bookings)
                schedule_id = schedule_table.ids(1)
                expert = doctor_id in senior
                fee = 30 if expert else 10
                schedule_table.append(
                    f"{schedule_id}\t{company_id}\t{department_id}\t{doctor_id}\t"
                    f"{doctor_names[doctor_id]} {day.isoformat()} {session.capitalize()}\t{day.isoformat()}\t"
                    f"{session}\t{'expert' if expert else 'general'}\tpublished\this\t{fee}\t{len(bookings)}\t"
                    f"{minutes}\t{len(bookings)}\t{ts(session_start)}\t{ts(session_end)}\t"
                    f"{ts(session_start - 7 * 86400)}\t{audit}\n"
                )
                first_slot = slot_table.ids(len(bookings))
                first_appointment = appointment_table.ids(len(bookings))
                taken = set()
                for number, booking in enumerate(bookings):
                    patient_id, channel, state, kind = booking
                    while patient_id in taken:  # one booking per patient and schedule
                        patient_id = first_patient + randrange(patient_count)
                    taken.add(patient_id)
                    slot_start = session_start + number * minutes * 60
                    if is_today and slot_start > now - 1800 and state != "cancelled":
                        if state == "done":  # not seen yet: a walk-in seen earlier makes up for the visit
                            start = so_far(midnight)
                            other_department, other_doctor = pool[int(rnd() * pool_size)]
                            other, chronic = patient()
                            day_visits.append(
                                [start, start + 600, "outpatient", other_department, other_doctor, other]
                                + ["return" if chronic else "first", None]
                            )
                        state = "booked"
                    slot_id = first_slot + number
                    appointment_id = first_appointment + number
                    slot_table.append(
                        f"{slot_id}\t{schedule_id}\t{company_id}\t{number + 1}\t1\t{0 if state == 'cancelled' else 1}"
                        f"\tf\t{ts(slot_start)}\t{ts(slot_start + minutes * 60)}\t{audit}\n"
                    )
                    times, visit = [NULL] * 4, None
                    if state == "done":
                        checked_in = slot_start - randrange(0, 1800)
                        called = max(slot_start, checked_in) + int(min(expovariate(1 / 720), 7200))
                        seen_at = called + randrange(20, 120)
                        finished = seen_at + randrange(240, 900)
                        times = [ts(checked_in), ts(called), ts(seen_at), ts(finished)]
                        visit = [seen_at, finished, "outpatient", department_id, doctor_id, patient_id, kind]
                        visit.append(appointment_id)
                        day_visits.append(visit)
                    states[state] = states.get(state, 0) + 1
                    booking[:] = [patient_id, channel, state, appointment_id, slot_id, slot_start, times, visit]
                day_schedules.append((schedule_id, department_id, doctor_id, fee, bookings))
            for _n in range(emergency_counts[n]):
                department_id, doctor_id = emergency_pool[int(rnd() * len(emergency_pool))]
                start = midnight + emergency_hour_pool[int(rnd() * len(emergency_hour_pool))] * 3600 + randrange(3600)
                if is_today and start > now - 600:
                    start = midnight + randrange(max(1, now - 600 - midnight))
                patient_id, _chronic = patient()
                kind = "return" if rnd() < 0.2 else "first"
                end = start + randrange(1200, 14400)
                day_visits.append([start, end, "emergency", department_id, doctor_id, patient_id, kind, None])
            for _n in range(admission_counts[n]):
                department_id, doctor_id = admission_pool[int(rnd() * len(admission_pool))]
                department = department_of[department_id]
                admitted = midnight + admission_hour_pool[int(rnd() * len(admission_hour_pool))] * 3600
                admitted += randrange(3600)
                if is_today and admitted > now - 600:
                    admitted = midnight + randrange(max(1, now - 600 - midnight))
                stay = max(1, min(90, round(rng.lognormvariate(math.log(department["stay"]) - 0.18, 0.6))))
                discharged = midnight + stay * 86400 + 9 * 3600 + randrange(4 * 3600)  # 09:00-13:00
                if discharged > now:
                    discharged = None
                    census[department_id] = census.get(department_id, 0) + 1
                doctors = department["doctors"]
                bed_doctor = doctors[randrange(len(doctors))][0]
                patient_id, _chronic = patient()
                day_visits.append(
                    [admitted, discharged, "inpatient", department_id, doctor_id, patient_id, None, None, stay]
                )
                day_visits[-1].append(bed_doctor)

            # ---- the day's rows: visits in their time order with their charge lines, admissions
            day_visits.sort(key=lambda row: row[0])
            first_visit = visit_table.ids(len(day_visits))
            vappend, cappend, next_charge = visit_table.append, charge_table.append, charge_table.next_id
            for offset, visit in enumerate(day_visits):
                visit_id = first_visit + offset
                start, end, visit_type, department_id, doctor_id, patient_id, kind, appointment_id = visit[:8]
                visit.append(visit_id)  # visit[-1]: for its appointment
                insured = patient_id * 2654435761 % 100 < INSURED
                if visit_type == "inpatient":
                    lines = _inpatient_charges(visit[8], department_of[department_id]["code"], tail, insured, rng)
                else:
                    lines = [consultation[insured][0]]
                    chosen = set()
                    for _line in range(OUTPATIENT_EXTRA_LINES[int(rnd() * 10)] + (visit_type == "emergency")):
                        item = item_pool[int(rnd() * len(item_pool))]
                        if item not in chosen:
                            chosen.add(item)
                            variants = outpatient_tails[item][insured]
                            lines.append(variants[int(rnd() * len(variants))])
                head = f"\t{visit_id}\t{company_id}\t"
                total = covered = 0.0
                for sequence, (text, amount, line_covered) in enumerate(lines, 1):
                    cappend(f"{next_charge}{head}{sequence}\t{text}")
                    next_charge += 1
                    total += amount
                    covered += line_covered
                end_text = ts(end) if end else NULL
                diagnosis = diagnoses[department_id]
                row = (
                    f"{visit_id}\t{company_id}\tAV{visit_id:09d}\t{patient_id}\t{department_id}\t{doctor_id}\t"
                    f"{visit_type}\t{ts(start)}\t{end_text}\this\t{diagnosis[visit_id % len(diagnosis)]}\t"
                    f"{total:.2f}\t{covered:.2f}\t{total - covered:.2f}\t{audit}"
                )
                if with_kind:
                    row += f"\t{kind or NULL}"
                if with_appointment:
                    row += f"\t{appointment_id or NULL}"
                vappend(row + "\n")
                if visit_type == "inpatient":
                    admission_id = admission_table.ids(1)
                    diagnosis, code = admission_diagnoses[department_id][
                        visit_id % len(admission_diagnoses[department_id])
                    ]
                    ward = ward_names[department_id]
                    admission_table.append(
                        f"{admission_id}\t{company_id}\tZY{admission_id:08d}\t{patient_id}\t{visit_id}\t"
                        f"{department_id}\t{ward[visit_id % len(ward)]}\t{1 + visit_id % 48}\t{doctor_id}\t"
                        f"{visit[9]}\t{diagnosis}\t{code}\t{ts(start)}\t{end_text}\t"
                        f"{'discharged' if end else 'admitted'}\tf\t{audit}\n"
                    )
            charge_table.next_id = next_charge
            visit_total += len(day_visits)
            # the appointments, now that their visits have ids
            for schedule_id, department_id, doctor_id, fee, bookings in day_schedules:
                for patient_id, channel, state, appointment_id, slot_id, slot_start, times, visit in bookings:
                    if state == "cancelled":
                        payment = "refunded" if channel == "portal" else "at_window"
                    else:
                        payment = "paid" if channel == "portal" else "at_window"
                    done = state == "done"
                    appointment_table.append(
                        f"{appointment_id}\t{company_id}\tA{day:%y%m%d}{appointment_id % 100000:05d}\t{patient_id}\t"
                        f"{schedule_id}\t{slot_id}\t{department_id}\t{doctor_id}\t{day.isoformat()}\t{ts(slot_start)}\t"
                        f"{channel}\t{state}\t{payment}\t{fee}\t{slot_id - bookings[0][4] + 1 if done else NULL}\t"
                        f"{'done' if done else NULL}\t0\t0\t{times[0]}\t{times[1]}\t{times[2]}\t{times[3]}\t"
                        f"{visit[-1] if visit else NULL}\t{'patient' if state == 'cancelled' else NULL}\t{NULL}\t"
                        f"{'f' if state == 'cancelled' else 't'}\t{'t' if done else 'f'}\t{audit}\n"
                    )
            for table in tables:
                table.flush()
            if n % 90 == 0 or is_today:
                log(
                    f"  {day}: {visit_total} visits, {next_charge - charge_table.first_id} charge lines, "
                    f"{appointment_table.next_id - appointment_table.first_id} appointments, "
                    f"{time.perf_counter() - started:.0f}s"
                )
        for table in tables:
            table.flush(force=True)
        writer.close()
        for table in tables:
            summary[table.table] = (table.first_id, table.next_id - 1)
        log(
            f"  {visit_total} visits, {charge_table.next_id - charge_table.first_id} charge lines, "
            f"appointments {states}, "
            f"{admission_table.next_id - admission_table.first_id} admissions "
            f"({sum(census.values())} in the beds today) in {time.perf_counter() - started:.0f}s"
        )

    # the staffed beds: the mean census of the last year at OCCUPANCY
    if "bed_count" in _columns_of(cr, "hr_department"):
        per_day = inpatient_total / max(1, len(days))
        weight = sum(d["inpatient"] for d in wards)
        for department in wards:
            census = per_day * department["inpatient"] / weight * department["stay"]
            cr.execute(
                "UPDATE hr_department SET bed_count = %s WHERE id = %s",
                (max(10, round(census / OCCUPANCY)), department["id"]),
            )
    for table in TABLES:
        cr.execute(f"SELECT setval('{table}_id_seq', (SELECT MAX(id) FROM {table}))")  # noqa: S608
    cr.execute("SET session_replication_role = DEFAULT")
    conn.commit()
    conn.autocommit = True
    for table in TABLES:
        cr.execute(f"VACUUM ANALYZE {table}")
    conn.autocommit = False
    log(f"  vacuumed and analyzed; {time.perf_counter() - started:.0f}s in all")
    return summary


def _category(code):
    """The simulator's department category of a HIS department code (for the diagnoses)."""
    return {
        "PWK": "surgery",
        "GK": "surgery",
        "FCK": "obstetrics",
        "EK": "pediatrics",
        "JZK": "emergency",
        "YK": "five_senses",
        "ZYK": "tcm",
    }.get(code, "internal")


def _inpatient_charges(stay, code, tail, insured, rng):
    """[(row tail, amount, covered)] of a stay of `stay` days in the department `code`."""
    lines = []
    for item_code, name, category, price, ratio, billed in INPATIENT_DAILY:
        quantity = stay if billed == "day" else max(1, math.ceil(stay / 3))
        lines.append(tail(item_code, name, category, quantity, price, ratio, insured))
    for item_code, name, price in rng.sample(INPATIENT_DRUGS, rng.randint(2, 4)):
        quantity = stay * rng.randint(1, 3)
        lines.append(tail(item_code, name, "西药费", quantity, price, 0.75, insured))
    for item_code, name, category, price, ratio in rng.sample(INPATIENT_EXAMS, rng.randint(1, 2)):
        lines.append(tail(item_code, name, category, 1, price, ratio, insured))
    surgery = SURGERIES.get(code)
    if surgery and rng.random() < SURGERY_SHARE:
        item_code, name, price, material_code, material, material_price = surgery
        lines.append(tail(item_code, name, "手术费", 1, price, 0.7, insured))
        lines.append(tail(material_code, material, "材料费", 1, material_price, 0.5, insured))
    else:
        lines.append(tail("M-001", "一次性使用输液器", "材料费", stay, 6.5, 0.5, insured))
    return lines
