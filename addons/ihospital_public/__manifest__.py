# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "iHospital Public Portal",
    "summary": "Public website and patient portal: booking, payment, check-in, queue, reports, consultation",
    "version": "18.0.1.0.0",
    "category": "Services/Internet Hospital",
    "website": "https://github.com/ihospital/ihospital",
    "author": "iHospital developers",
    "license": "LGPL-3",
    "depends": ["ihospital_base", "portal", "payment_demo", "website", "website_blog"],
    "data": [
        "security/ihospital_public_security.xml",
        "security/ir.model.access.csv",
        "data/ihospital_map_provider_data.xml",
        "data/website_data.xml",
        "views/ihospital_guide_views.xml",
        "views/ihospital_map_provider_views.xml",
        "views/website_views.xml",
        "views/ihospital_public_templates.xml",
        "views/ihospital_public_menus.xml",
    ],
    "demo": [
        "demo/website_demo.xml",
        "demo/blog_demo.xml",
        "demo/ihospital_guide_demo.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "ihospital_public/static/src/scss/ihospital_public.scss",
        ],
    },
    "installable": True,
}
