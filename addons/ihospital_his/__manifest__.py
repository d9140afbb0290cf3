# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "iHospital HIS Connector",
    "summary": "Connectors to the hospital's HIS, LIS and queue systems through the front-end gateway",
    "version": "18.0.1.0.0",
    "category": "Services/Internet Hospital",
    "website": "https://github.com/ihospital/ihospital",
    "author": "iHospital developers",
    "license": "LGPL-3",
    "depends": ["ihospital_base"],
    "data": [
        "security/ihospital_his_security.xml",
        "security/ir.model.access.csv",
        "data/ihospital_his_message_type_data.xml",
        "data/ir_cron_data.xml",
        "views/ihospital_his_endpoint_views.xml",
        "views/ihospital_his_message_views.xml",
        "views/ihospital_appointment_views.xml",
        "views/ihospital_his_menus.xml",
    ],
    "demo": [
        "demo/res_users_demo.xml",
        "demo/ihospital_his_endpoint_demo.xml",
        "demo/ihospital_his_message_demo.xml",
    ],
    "installable": True,
}
