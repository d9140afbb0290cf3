from . import test_critical_receipt
from . import test_critical_receipt_rpc
