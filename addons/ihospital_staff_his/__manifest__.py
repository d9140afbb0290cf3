# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "iHospital Staff App: HIS Connection",
    "summary": "Sends the receipt of each acknowledged critical value back to the LIS/RIS through the gateway",
    "version": "18.0.1.0.0",
    "category": "Services/Internet Hospital",
    "website": "https://github.com/ihospital/ihospital",
    "author": "iHospital developers",
    "license": "LGPL-3",
    "depends": ["ihospital_base", "ihospital_staff", "ihospital_his"],
    "data": [
        "data/ir_cron_data.xml",
        "views/ihospital_critical_alert_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
