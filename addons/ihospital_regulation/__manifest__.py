# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "iHospital Regulations and Procedures",
    "summary": "The hospital's regulations and procedures (规章制度): versions, approval, effective dates, "
    "Chinese search, read-and-confirm campaigns",
    "version": "18.0.1.0.0",
    "category": "Services/Internet Hospital",
    "website": "https://github.com/ihospital/ihospital",
    "author": "iHospital developers",
    "license": "LGPL-3",
    "depends": ["ihospital_base", "ihospital_staff", "document_page_approval", "attachment_indexation"],
    "data": [
        "security/ihospital_regulation_security.xml",
        "security/ir.model.access.csv",
        "security/ihospital_regulation_campaign_security.xml",
        "data/ir_cron_data.xml",
        "data/ihospital_sms_template_data.xml",
        "data/ihospital_regulation_campaign_data.xml",
        "views/document_page_history_views.xml",
        "views/document_page_views.xml",
        "views/document_page_search_views.xml",
        "views/ihospital_regulation_campaign_views.xml",
        "views/ihospital_regulation_menus.xml",
    ],
    "demo": [
        "demo/document_page_demo.xml",
        "demo/ihospital_regulation_campaign_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "ihospital_regulation/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
