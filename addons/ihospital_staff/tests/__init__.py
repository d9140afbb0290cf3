from . import test_critical_alert, test_critical_ui
