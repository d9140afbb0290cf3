
from . import ihospital_camera
