# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "iHospital Medical Knowledge",
    "summary": "Drugs with safety warnings, incompatibility checks (配伍禁忌), ICD-10 diseases and literature",
    "version": "18.0.1.0.0",
    "category": "Services/Internet Hospital",
    "website": "https://github.com/ihospital/ihospital",
    "author": "iHospital developers",
    "license": "LGPL-3",
    "depends": ["ihospital_base", "ihospital_staff", "base_import"],
    "installable": True,
}
