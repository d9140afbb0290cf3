from . import bus_fanout
from . import controllers
from . import models
from . import wizards
