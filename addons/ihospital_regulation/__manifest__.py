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
        "views/document_page_search_views.xml",
    ],
    "installable": True,
}
