from . import test_regulation_campaign
