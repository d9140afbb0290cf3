from . import test_followup_trigger
from . import test_followup_schedule
from . import test_followup_http
from . import test_followup_survey
from . import test_followup_concurrency
