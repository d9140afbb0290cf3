from . import test_demo_knowledge
from . import test_drug_check_ui
from . import test_drug_checker
from . import test_drug_import
from . import test_drug_rpc
from . import test_drug_search
from . import test_icd10
from . import test_knowledge_rights
