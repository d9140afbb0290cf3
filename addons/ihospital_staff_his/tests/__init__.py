from . import test_critical_receipt
