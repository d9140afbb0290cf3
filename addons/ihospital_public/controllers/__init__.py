from . import main
from . import portal
from . import queue_display
from . import portal_reports
from . import portal_consultation
from . import portal_messages
from . import service_menu
