from odoo import models


class IrBinary(models.AbstractModel):
    _inherit = "ir.binary"

    def _record_to_stream(self, record, field_name):
        stream = super()._record_to_stream(record, field_name)
        if record._name == "ir.attachment" and record.res_model and record.res_id:
            Model = self.env.get(record.res_model)
            if Model is not None and isinstance(Model, self.env.registry["ihospital.audited.mixin"]):
                self.env["ihospital.access.log"]._log(Model.browse(record.res_id), "download", record.name)
        elif isinstance(record, self.env.registry["ihospital.audited.mixin"]):
            self.env["ihospital.access.log"]._log(record, "download", field_name)
        return stream
