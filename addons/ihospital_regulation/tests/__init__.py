from . import test_regulation_campaign
from . import test_regulation_search
