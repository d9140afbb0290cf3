from . import test_lab_values
from . import test_critical_limit
