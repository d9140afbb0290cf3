from odoo import fields, models

LITERATURE_KINDS = [
    ("article", "Journal Article"),
    ("internal", "Internal Journal"),
    ("lecture", "Lecture"),
    ("video", "Video"),
]


class IhospitalLiterature(models.Model):
    """A journal article or internal journal issue (期刊文献) with its PDF,
    or learning material for continuing education (继续教育): a lecture or
    a video, given as a link."""

    _name = "ihospital.literature"
    _inherit = ["ihospital.hospital.mixin", "ihospital.pinyin.mixin"]
    _description = "Literature and Learning Material"
    _order = "year desc, id desc"
    _rec_names_search = ["name", "authors", "keywords", "journal"]

    name = fields.Char(string="Title", required=True, index="trigram")
    authors = fields.Char(index="trigram")
    journal = fields.Char(index="trigram")
    year = fields.Integer(index=True)
    abstract = fields.Text()
    keywords = fields.Char(index="trigram", help="Comma-separated.")
    kind = fields.Selection(LITERATURE_KINDS, required=True, default="article", index=True)
    url = fields.Char(string="Link", help="Where the video or lecture is watched, or the article's page (DOI).")
    pdf_file = fields.Binary(string="PDF", attachment=True)
    pdf_filename = fields.Char(string="PDF File Name")
    active = fields.Boolean(default=True)
