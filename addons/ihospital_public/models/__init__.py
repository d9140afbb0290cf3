from . import ihospital_guide_faq
from . import ihospital_guide_step
from . import ihospital_map_provider
from . import res_company
from . import website
