# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "iHospital Staff App",
    "summary": "Staff app (hospital edition): directory, critical values, lookups, knowledge, Q&A, operations analysis",
    "version": "18.0.1.0.0",
    "category": "Services/Internet Hospital",
    "website": "https://github.com/ihospital/ihospital",
    "author": "iHospital developers",
    "license": "LGPL-3",
    "depends": ["ihospital_base"],
    "data": [
        "security/ihospital_staff_security.xml",
        "security/ir.model.access.csv",
        "data/ihospital_critical_limit_data.xml",
        "views/ihospital_staff_menus.xml",
        "views/ihospital_critical_limit_views.xml",
        "views/ihospital_critical_menus.xml",
    ],
    "installable": True,
}
