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
    "data": ["views/ihospital_staff_menus.xml"],
    "installable": True,
}
