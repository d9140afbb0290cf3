#!/usr/bin/env python3
"""Save phone-width (375x812) screenshots of the main pages, in Chinese
(and a desktop-width one of the pages of DESKTOP_PAGES).

Needs the Odoo of `make run` serving the demo database (default
http://127.0.0.1:8069, database `ihospital`) and a Chromium; it starts only a
headless Chromium of its own and drives it through the DevTools protocol
(websocket-client, installed in .venv). Portal pages are taken signed in as
the demo portal account `patient` / `patient`, staff app pages as the demo
quality officer `quality` / `quality`.

    make run            # in one terminal
    make screenshots    # in another; PNG files go to screenshots/
"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar

import websocket

WIDTH, HEIGHT, SCALE = 375, 812, 2
DESKTOP_WIDTH, DESKTOP_HEIGHT = 1366, 900
PUBLIC_PAGES = [
    ("01-home", "/hospital"),
    ("02-departments", "/departments"),
    ("03-department", None),  # the first department of /departments
    ("04-doctor", None),  # the first doctor of that department
    ("05-guide", "/guide"),
    ("06-navigation", "/navigation"),
    ("07-booking", "/booking"),
]
PORTAL_PAGES = [
    ("08-my", "/my"),
    ("09-reports", "/my/reports"),
    ("10-consultations", "/my/consultations"),
    ("11-consultation", None),  # the first consultation of /my/consultations
    ("12-messages", "/my/messages"),
]
STAFF_PAGES = [
    ("13-critical-supervision", "/odoo/action-ihospital_staff.ihospital_critical_dashboard_action"),
    ("14-staff-directory", "/odoo/action-ihospital_staff.hr_employee_public_action_directory"),
    ("15-hospital-numbers", "/odoo/action-ihospital_staff.ihospital_directory_entry_action"),
    ("16-workbench", "/odoo/action-ihospital_staff.ihospital_staff_workbench_action", "doctor"),
    ("17-notices", "/odoo/action-ihospital_staff.ihospital_notice_action"),
    ("18-my-patients", "/odoo/ihospital-my-patients", "doctor"),
    ("19-patient", None, "doctor"),  # the first of the doctor's inpatients
    ("20-lab-trend", None, "doctor"),  # that patient's potassium (血钾) of the newest lab report
    ("21-lab-lookup", "/odoo/ihospital-lab-lookup", "doctor"),  # with TYPED's term in its box
    ("22-regulations", "/odoo/action-ihospital_regulation.document_page_action_read", "nurse"),
    ("23-regulation", None, "nurse"),  # the critical-value procedure (危急值报告制度) in effect
    ("24-to-confirm", "/odoo/action-ihospital_regulation.ihospital_regulation_campaign_action_to_confirm", "nurse"),
    ("25-drugs", "/odoo/action-ihospital_knowledge.ihospital_drug_action", "doctor"),
    ("26-drug", None, "doctor"),  # warfarin (华法林), a high-alert drug
    ("27-drug-check", None, "doctor"),  # ceftriaxone and calcium gluconate in lactated Ringer's
    ("28-analysis", "/odoo/action-ihospital_analysis.ihospital_analysis_dashboard_action", "director"),
    ("29-analysis-desktop", "/odoo/action-ihospital_analysis.ihospital_analysis_dashboard_action", "director"),
    ("30-followup-results", "/odoo/action-ihospital_survey.ihospital_followup_results_screen_action", "director"),
]
# the follow-up survey a patient opens from the personal link of a text
# message (no login): an open invitation of the demo
SURVEY_PAGE = "31-followup-survey"
# pages taken at a desktop's width (a phone's otherwise)
DESKTOP_PAGES = ("29-analysis-desktop",)
# chips clicked before a page's screenshot: selector
CLICKED = {
    "28-analysis": ".o_ihospital_ad_period[data-period=month]",
    "29-analysis-desktop": ".o_ihospital_ad_period[data-period=month]",
}
KNOWLEDGE_PAGES = ("23-regulation", "26-drug", "27-drug-check")
# what is typed into a page's box before its screenshot: (selector, text)
TYPED = {"21-lab-lookup": (".o_ihospital_lookup_input", "陈")}


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("No Chromium found (Debian: apt-get install chromium).")


def login(base, db, user, password):
    """Sign in through JSON-RPC; returns the session id cookie."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    payload = {"jsonrpc": "2.0", "method": "call", "params": {"db": db, "login": user, "password": password}}
    request = urllib.request.Request(
        f"{base}/web/session/authenticate",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    answer = json.loads(opener.open(request, timeout=30).read())
    if answer.get("error"):
        sys.exit(f"Cannot sign in as {user}: {answer['error'].get('data', {}).get('message')}")
    return next(cookie.value for cookie in jar if cookie.name == "session_id")


class Browser:
    """A headless Chromium driven through the DevTools protocol."""

    def __init__(self, chromium, desktop=False):
        self.profile = tempfile.mkdtemp(prefix="ihospital-shots-")
        self.process = subprocess.Popen(
            [
                chromium,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--lang=zh-CN",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        port = self._devtools_port()
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=10).read())
        page = next(target for target in targets if target["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0
        self.call("Page.enable")
        self.call("Network.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=DESKTOP_WIDTH if desktop else WIDTH,
            height=DESKTOP_HEIGHT if desktop else HEIGHT,
            deviceScaleFactor=1 if desktop else SCALE,
            mobile=not desktop,
        )
        self.call(
            "Emulation.setUserAgentOverride",
            userAgent=(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
                if desktop
                else "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
            ),
            acceptLanguage="zh-CN,zh",
        )

    def _devtools_port(self):
        deadline = time.time() + 20
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        while time.time() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as handle:
                    content = handle.read().split()
                if content:
                    return int(content[0])
            time.sleep(0.2)
        sys.exit("Chromium did not start its DevTools endpoint.")

    def call(self, method, **params):
        self.next_id += 1
        message_id = self.next_id
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def set_cookie(self, base, name, value):
        self.call("Network.setCookie", name=name, value=value, url=base, path="/")

    def open(self, url, settle=1.5):
        self.call("Page.navigate", url=url)
        deadline = time.time() + 30
        while time.time() < deadline:
            state = self.call("Runtime.evaluate", expression="document.readyState", returnByValue=True)
            if state.get("result", {}).get("value") == "complete":
                break
            time.sleep(0.2)
        time.sleep(settle)  # web fonts, images and OWL components
        return self.call("Runtime.evaluate", expression="document.documentElement.outerHTML", returnByValue=True)[
            "result"
        ]["value"]

    def type_into(self, selector, text, settle=2.0):
        """Type `text` into the field `selector` as a user would (one input event)."""
        script = (
            f"(() => {{ const field = document.querySelector({json.dumps(selector)}); if (!field) return false;"
            f" field.focus(); field.value = {json.dumps(text)};"
            " field.dispatchEvent(new Event('input', { bubbles: true })); return true; })()"
        )
        typed = self.call("Runtime.evaluate", expression=script, returnByValue=True)["result"].get("value")
        time.sleep(settle)  # the lookup's debounce and answer
        return typed

    def click(self, selector, settle=3.0):
        """Click the element `selector` (a chip), then let the page answer."""
        script = (
            f"(() => {{ const el = document.querySelector({json.dumps(selector)}); if (!el) return false;"
            " el.click(); return true; })()"
        )
        clicked = self.call("Runtime.evaluate", expression=script, returnByValue=True)["result"].get("value")
        time.sleep(settle)
        return clicked

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


def call_kw(base, session, model, method, args):
    """A JSON-RPC call as the signed-in user of `session`."""
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"model": model, "method": method, "args": args, "kwargs": {}},
    }
    request = urllib.request.Request(
        f"{base}/web/dataset/call_kw",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Cookie": f"session_id={session}"},
    )
    answer = json.loads(urllib.request.urlopen(request, timeout=30).read())
    if answer.get("error"):
        sys.exit(f"{model}.{method} failed: {answer['error'].get('data', {}).get('message')}")
    return answer["result"]


def clinical_paths(base, session):
    """The patient's page of one of the signed-in doctor's inpatients, and
    the trend of the potassium of their newest lab report (or its first
    number)."""
    data = call_kw(base, session, "ihospital.patient.chart", "get_my_patients", [])
    rows = data["inpatients"] or data["census"]
    if not rows:
        return {}
    # the inpatient with the most lab reports: the richest trend
    pages = [call_kw(base, session, "ihospital.patient.chart", "get_patient", [row["patient_id"]]) for row in rows[:5]]
    page = max(pages, key=lambda page: sum(entry["kind"] == "lab" for entry in page["timeline"]))
    paths = {"19-patient": f"/odoo/ihospital-patient/{page['id']}"}
    lines = [line for entry in page["timeline"] if entry["kind"] == "lab" for line in entry["lines"] if line["numeric"]]
    line = next((line for line in lines if line["name"] == "血钾"), lines[0] if lines else None)
    if line:
        paths["20-lab-trend"] = f"/odoo/ihospital-lab-trend/{line['id']}"
    return paths


def knowledge_path(base, session, name):
    """The regulation, drug or incompatibility check of a knowledge page, as
    the signed-in user of `session` finds it."""
    if name == "23-regulation":
        ids = call_kw(base, session, "document.page", "search", [[("name", "=", "危急值报告制度")]])
        return ids and f"/odoo/action-ihospital_regulation.document_page_action_read/{ids[0]}"
    codes = {"Y0054": "warfarin", "Y0007": "ceftriaxone", "Y0073": "calcium", "Y0081": "ringer"}
    ids = {codes[code]: call_kw(base, session, "ihospital.drug", "search", [[("code", "=", code)]]) for code in codes}
    if not all(ids.values()):
        return None
    if name == "26-drug":
        return f"/odoo/action-ihospital_knowledge.ihospital_drug_action/{ids['warfarin'][0]}"
    check = call_kw(
        base,
        session,
        "ihospital.drug.check",
        "create",
        [{"drug_ids": [(6, 0, ids["ceftriaxone"] + ids["calcium"])], "solution_id": ids["ringer"][0]}],
    )
    return f"/odoo/action-ihospital_knowledge.ihospital_drug_check_action/{check}"


def followup_survey_path(base, session):
    """The personal link of an open follow-up survey invitation of the demo,
    as the quality officer (a survey administrator) finds it."""
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    answers = call_kw(
        base,
        session,
        "survey.user_input",
        "search_read",
        [
            [
                ("ihospital_followup_message_id.state", "=", "sent"),
                ("state", "=", "new"),
                ("ihospital_expires_at", ">", now),
            ],
            ["access_token", "survey_id"],
        ],
    )
    if not answers:
        return None
    survey = call_kw(base, session, "survey.survey", "read", [[answers[0]["survey_id"][0]], ["access_token"]])[0]
    return f"/survey/start/{survey['access_token']}?answer_token={answers[0]['access_token']}"


def first_link(html, pattern):
    match = re.search(pattern, html)
    return match.group(0) if match else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("IHOSPITAL_URL", "http://127.0.0.1:8069"))
    parser.add_argument("--db", default=os.environ.get("DB", "ihospital"))
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--login", default="patient")
    parser.add_argument("--password", default="patient")
    parser.add_argument("--staff-login", default="quality")
    parser.add_argument("--staff-password", default="quality")
    args = parser.parse_args()
    base = args.url.rstrip("/")
    try:
        urllib.request.urlopen(f"{base}/web/login", timeout=10)
    except (urllib.error.URLError, OSError):
        sys.exit(f"No Odoo at {base}: start it with `make run` first.")
    os.makedirs(args.out, exist_ok=True)
    browser = Browser(find_chromium())
    saved = []
    try:
        # Public pages, as a visitor, in Chinese.
        browser.set_cookie(base, "frontend_lang", "zh_CN")
        department = doctor = None
        for name, path in PUBLIC_PAGES:
            if name == "03-department":
                path = department
            elif name == "04-doctor":
                path = doctor
            if not path:
                print(f"skipped {name}: no link found")
                continue
            html = browser.open(base + path)
            if name == "02-departments":
                department = first_link(html, r"/departments/(?:[\w%-]+-)?\d+")
            if name == "03-department":
                doctor = first_link(html, r"/doctors/(?:[\w%-]+-)?\d+")
            target = os.path.join(args.out, f"{name}.png")
            browser.screenshot(target)
            saved.append(target)
        # Portal pages, signed in as the demo patient account.
        browser.set_cookie(base, "session_id", login(base, args.db, args.login, args.password))
        consultation = None
        for name, path in PORTAL_PAGES:
            if name == "11-consultation":
                path = consultation
            if not path:
                print(f"skipped {name}: no link found")
                continue
            html = browser.open(base + path, settle=2.5)
            if name == "10-consultations":
                consultation = first_link(html, r"/my/consultations/\d+")
            target = os.path.join(args.out, f"{name}.png")
            browser.screenshot(target)
            saved.append(target)
        # Staff app pages (web client, charts): signed in as the demo quality officer (or the
        # page's own demo login), each in a browser of its own: the web client's bus worker,
        # shared by the pages of one browser, takes a page loaded after another for an
        # outdated one ("the page is out of date") in a headless run.
        clinical = None
        for name, path, *page_login in STAFF_PAGES:
            browser.close()
            browser = Browser(find_chromium(), desktop=name in DESKTOP_PAGES)
            user = page_login[0] if page_login else args.staff_login
            password = args.staff_password if user == args.staff_login else user  # demo: login = password
            session = login(base, args.db, user, password)
            if path is None and name in KNOWLEDGE_PAGES:
                path = knowledge_path(base, session, name)
                if not path:
                    print(f"skipped {name}: its demo record was not found")
                    continue
            if path is None:
                if clinical is None:
                    clinical = clinical_paths(base, session)
                path = clinical.get(name)
                if not path:
                    print(f"skipped {name}: no inpatient or lab result found")
                    continue
            browser.set_cookie(base, "session_id", session)
            browser.open(base + path, settle=4)
            if name in TYPED and not browser.type_into(*TYPED[name]):
                print(f"{name}: its box was not found")
            if name in CLICKED and not browser.click(CLICKED[name]):
                print(f"{name}: {CLICKED[name]} was not found")
            target = os.path.join(args.out, f"{name}.png")
            browser.screenshot(target)
            saved.append(target)
        # The follow-up survey through its personal link, as the patient (no session).
        path = followup_survey_path(base, login(base, args.db, args.staff_login, args.staff_password))
        if path:
            browser.close()
            browser = Browser(find_chromium())
            browser.set_cookie(base, "frontend_lang", "zh_CN")
            browser.open(base + path, settle=2.5)
            # past the start page: the questions
            browser.click("button.btn-primary[type=submit], .o_survey_start button", settle=2.5)
            target = os.path.join(args.out, f"{SURVEY_PAGE}.png")
            browser.screenshot(target)
            saved.append(target)
        else:
            print(f"skipped {SURVEY_PAGE}: no open follow-up survey in the demo")
    finally:
        browser.close()
    for target in saved:
        print(f"saved {target}")


if __name__ == "__main__":
    main()
