from . import test_regulation_campaign
from . import test_regulation_search
from . import test_regulation, test_regulation_rpc, test_regulation_ui
