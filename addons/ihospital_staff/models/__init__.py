from . import (
    ihospital_critical_alert,
    ihospital_critical_dashboard,
    ihospital_critical_event,
    ihospital_critical_limit,
    ihospital_critical_limit_unit,
    ihospital_critical_recipient,
    ihospital_critical_unit_conversion,
    ihospital_demo,
    ihospital_duty_shift,
    ihospital_imaging_report,
    ihospital_lab_report,
    ihospital_lab_result,
    ihospital_read_receipt,  # before the documents that inherit its mixin
    ihospital_notice,
    ihospital_vital_sign,
    res_company,
    res_config_settings,
)
