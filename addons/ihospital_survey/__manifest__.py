# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "iHospital Follow-up and Surveys",
    "summary": "Follow-up care messages and satisfaction surveys after visits",
    "version": "18.0.1.0.0",
    "category": "Services/Internet Hospital",
    "website": "https://github.com/ihospital/ihospital",
    "author": "iHospital developers",
    "license": "LGPL-3",
    "depends": ["ihospital_base", "survey"],
    "data": [
        "security/ihospital_survey_security.xml",
        "security/ir.model.access.csv",
        "data/ihospital_survey_cron.xml",
        "data/ihospital_sms_template_data.xml",
        "data/ihospital_survey_data.xml",
        "views/ihospital_followup_plan_views.xml",
        "views/ihospital_followup_views.xml",
        "views/res_company_views.xml",
        "views/survey_survey_views.xml",
        "views/ihospital_survey_menus.xml",
        "views/ihospital_survey_templates.xml",
        "security/ihospital_followup_result_security.xml",
        "views/ihospital_followup_result_views.xml",
    ],
    "demo": [
        "demo/ihospital_survey_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "ihospital_survey/static/src/results/*",
        ],
        "web.assets_tests": [
            "ihospital_survey/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
