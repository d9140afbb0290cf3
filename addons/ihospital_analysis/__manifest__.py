# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "iHospital Operations Analysis",
    "summary": "Live operations figures (运营分析) for the director, department heads and doctors",
    "version": "18.0.1.0.0",
    "category": "Services/Internet Hospital",
    "website": "https://github.com/ihospital/ihospital",
    "author": "iHospital developers",
    "license": "LGPL-3",
    "depends": ["ihospital_base", "ihospital_staff", "ihospital_his", "ihospital_survey"],
    "data": [
        "security/ihospital_analysis_security.xml",
        "security/ir.model.access.csv",
        "data/ihospital_analysis_cron.xml",
        "views/ihospital_analysis_day_views.xml",
        "views/ihospital_analysis_menus.xml",
        "views/ihospital_analysis_dashboard_views.xml",
        "views/ihospital_camera_views.xml",
        "views/ihospital_camera_templates.xml",
    ],
    "demo": [
        "demo/ihospital_analysis_demo.xml",
        "demo/ihospital_camera_demo.xml",
    ],
    "uninstall_hook": "uninstall_hook",
    "assets": {
        "web.assets_backend": [
            "ihospital_analysis/static/src/dashboard/*",
        ],
        "web.assets_tests": [
            "ihospital_analysis/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
