from . import ihospital_followup_result
from . import survey_user_input_alert
from . import ihospital_followup_demo
