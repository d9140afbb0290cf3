from . import ihospital_critical_alert
from . import ihospital_his_message
