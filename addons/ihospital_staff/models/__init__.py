from . import res_company
from . import res_config_settings
from . import ihospital_duty_shift
from . import ihospital_demo
