
from . import test_camera
