from . import test_analysis_figures
from . import test_analysis_rpc
