# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "iHospital Staff App",
    "summary": "Staff app (hospital edition): directory, critical values, lookups, knowledge, Q&A, operations analysis",
    "version": "18.0.1.0.0",
    "category": "Services/Internet Hospital",
    "website": "https://github.com/ihospital/ihospital",
    "author": "iHospital developers",
    "license": "LGPL-3",
    "depends": ["ihospital_base", "base_import"],
    "data": [
        "security/ihospital_staff_security.xml",
        "security/ir.model.access.csv",
        "security/ihospital_critical_dashboard_security.xml",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "data/ihospital_critical_limit_data.xml",
        "wizards/ihospital_duty_shift_copy_views.xml",
        "views/ihospital_duty_shift_views.xml",
        "views/ihospital_critical_alert_views.xml",
        "views/ihospital_critical_limit_views.xml",
        "views/ihospital_critical_dashboard_views.xml",
        "views/ihospital_notice_views.xml",
        "views/res_config_settings_views.xml",
        "views/ihospital_staff_menus.xml",
        "views/ihospital_critical_menus.xml",
    ],
    "demo": [
        "demo/hr_employee_demo.xml",
        "demo/ihospital_duty_shift_demo.xml",
        "demo/ihospital_critical_demo.xml",
        "demo/ihospital_notice_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "ihospital_staff/static/src/js/*.js",
            "ihospital_staff/static/src/xml/*.xml",
        ],
        "web.assets_tests": [
            "ihospital_staff/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
