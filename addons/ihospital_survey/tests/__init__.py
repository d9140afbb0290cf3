from . import test_followup_trigger
from . import test_followup_schedule
from . import test_followup_http
from . import test_followup_demo
from . import test_followup_results
from . import test_followup_results_rpc
from . import test_followup_low_score
from . import test_followup_survey_ui
