from . import test_critical_receipt
from . import test_critical_receipt_rpc
from . import test_critical_give_way
