from . import main
from . import camera
