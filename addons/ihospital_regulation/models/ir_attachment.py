from odoo import api, models

# The text kept of one text file (its first characters): enough for a
# regulation's attachment, bounded for a pasted log file.
TEXT_INDEX_MAX = 1_000_000
TEXT_TYPES = ("text/plain", "text/csv", "text/markdown")


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model
    def _index(self, bin_data, file_type, checksum=None):
        """Odoo keeps of a text file its runs of printable ASCII only (like
        `strings`): a Chinese text file would be indexed as nothing. Keep its
        text, read as UTF-8, else as GB18030 (Chinese Windows' encoding).
        Word, Excel, PowerPoint, OpenDocument and PDF files are read by
        attachment_indexation (PDF when pdfminer.six is installed)."""
        mimetype = (file_type or "").split(";")[0].strip().lower()
        if mimetype in TEXT_TYPES and bin_data:
            for encoding in ("utf-8", "gb18030"):
                try:
                    return bin_data.decode(encoding).replace("\x00", "")[:TEXT_INDEX_MAX]
                except UnicodeDecodeError:
                    continue
        return super()._index(bin_data, file_type, checksum=checksum)
