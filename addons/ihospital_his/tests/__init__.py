from . import test_his_inbound
from . import test_his_outbound
from . import test_his_security
from . import test_his_concurrency
from . import test_his_batch
from . import test_his_registry
from . import test_his_exam_allergy
from . import test_his_critical_lane
