from . import ihospital_drug_check
