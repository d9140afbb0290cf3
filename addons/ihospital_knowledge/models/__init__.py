from . import ihospital_knowledge_mixin
from . import ihospital_disease
from . import ihospital_diagnosis_code
from . import ihospital_drug
from . import ihospital_drug_incompatibility
from . import ihospital_literature
