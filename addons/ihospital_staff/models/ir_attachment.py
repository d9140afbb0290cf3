from odoo import models


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def check(self, mode, values=None):
        """Odoo lets whoever may write a record add, replace or remove its
        files. The files of a document sent with read receipts are part of
        what its readers were sent: the document decides when they change
        (`_receipt_check_attachment_change`), e.g. a published notice's
        files never do, whoever may still write the notice."""
        result = super().check(mode, values=values)
        if mode != "read" and not self.env.su:
            for documents in self._ihospital_receipt_documents(values):
                documents._receipt_check_attachment_change()
        return result

    def _ihospital_receipt_documents(self, values):
        """The documents with read receipts these attachments belong to,
        before and after the change `values` makes, one recordset per model."""
        Mixin = self.env.registry["ihospital.read.receipt.mixin"]
        values = values or {}
        targets = set()
        for attachment in self.sudo():
            targets.add((attachment.res_model, attachment.res_id))
            targets.add((values.get("res_model", attachment.res_model), values.get("res_id", attachment.res_id)))
        if not self:
            targets.add((values.get("res_model"), values.get("res_id")))
        by_model = {}
        for res_model, res_id in targets:
            Model = self.env.get(res_model) if res_model and res_id else None
            if Model is not None and isinstance(Model, Mixin):
                by_model.setdefault(res_model, set()).add(res_id)
        return [self.env[res_model].browse(sorted(ids)).exists() for res_model, ids in by_model.items()]
