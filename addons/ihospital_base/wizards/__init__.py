from . import ihospital_schedule_stop
from . import ihospital_schedule_generate
from . import ihospital_appointment_book
from . import ihospital_emergency_access_wizard
