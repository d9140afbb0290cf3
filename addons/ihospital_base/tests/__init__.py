from . import test_patient
from . import test_visit
from . import test_hospital
from . import test_security
from . import test_demo
from . import test_ui
from . import test_booking
from . import test_booking_concurrency
