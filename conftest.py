"""Suite-wide pytest settings: a skipped test is a failed test here.

Odoo skips browser tests when Chromium is missing, and a test that skips
silently proves nothing; this hook turns every skip into a failure that
says what was missing."""

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} was skipped ({reason}); skips count as failures in this suite."
