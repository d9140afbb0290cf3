from . import ihospital_critical_limit
from . import ihospital_critical_limit_unit
from . import ihospital_critical_unit_conversion
from . import res_company
