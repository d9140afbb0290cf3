from . import main
from . import sms
