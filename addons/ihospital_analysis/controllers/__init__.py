
from . import camera
