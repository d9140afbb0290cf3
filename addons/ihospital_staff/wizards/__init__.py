from . import (
    ihospital_critical_wizard_mixin,  # before the forms that inherit it
    ihospital_critical_ack_wizard,
    ihospital_critical_contact_wizard,
    ihospital_critical_handle_wizard,
    ihospital_duty_shift_copy,
    ihospital_consultation_handover,
)
