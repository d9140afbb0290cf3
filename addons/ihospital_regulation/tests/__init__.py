from . import test_regulation, test_regulation_rpc, test_regulation_ui
