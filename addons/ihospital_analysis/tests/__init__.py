from . import test_analysis_figures
from . import test_analysis_rpc
from . import test_camera
from . import test_dashboard_ui
from . import test_review_attacks
from . import test_analysis_marks_concurrency
