from . import ihospital_guide_faq
from . import ihospital_guide_step
from . import ihospital_map_provider
from . import res_company
from . import ihospital_hospital_phone
from . import website
from . import ihospital_appointment
from . import ihospital_service_menu
