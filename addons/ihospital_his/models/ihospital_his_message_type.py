from odoo import fields, models


class IhospitalHisMessageType(models.Model):
    """A canonical message type of the HIS protocol (docs/his-protocol.md),
    enabled per endpoint."""

    _name = "ihospital.his.message.type"
    _description = "HIS Message Type"
    _order = "direction, sequence, code"

    sequence = fields.Integer(default=10)
    code = fields.Char(required=True, index=True)
    name = fields.Char(required=True, translate=True)
    direction = fields.Selection([("in", "Hospital to Platform"), ("out", "Platform to Hospital")], required=True)
    hl7_message = fields.Char(string="HL7 v2 Message")

    _sql_constraints = [("code_uniq", "unique(code)", "A message type's code is unique.")]

    def _compute_display_name(self):
        for message_type in self:
            message_type.display_name = f"{message_type.code} · {message_type.name}"
