from . import test_his_inbound
from . import test_his_outbound
