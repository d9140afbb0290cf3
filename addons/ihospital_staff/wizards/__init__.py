from . import ihospital_duty_shift_copy
