from . import ihospital_analysis_day
from . import ihospital_analysis_dashboard
from . import ihospital_visit_charge
from . import ihospital_analysis_demo
