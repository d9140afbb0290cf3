from . import test_regulation_search
