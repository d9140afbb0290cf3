from . import test_his_inbound
from . import test_his_outbound
from . import test_his_security
from . import test_his_concurrency
