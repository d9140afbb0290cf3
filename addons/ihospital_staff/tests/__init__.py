from . import (
    test_critical_alert,
    test_critical_dashboard,
    test_critical_demo,
    test_critical_limit,
    test_critical_ui,
    test_duty_roster_demo,
    test_duty_roster_ui,
    test_duty_shift,
    test_duty_shift_copy,
    test_duty_shift_import,
    test_duty_shift_security,
    test_lab_values,
)
