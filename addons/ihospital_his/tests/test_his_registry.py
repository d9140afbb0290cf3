from ihospital_gateway import hl7codec, schema

from odoo.tests import TransactionCase, tagged

from ..handlers import REGISTRY, Handler


@tagged("post_install", "-at_install")
class TestHisRegistry(TransactionCase):
    """A message type is declared once, by its handler: the gateway's JSON
    schema, its HL7 codec and the message-type data agree with it."""

    def test_every_inbound_type_has_one_handler_and_is_known_everywhere(self):
        types = set(REGISTRY)
        self.assertEqual(len(types), 26)
        self.assertTrue(all(isinstance(handler, Handler) for handler in REGISTRY.values()))
        self.assertEqual({t for t, handler in REGISTRY.items() if handler.message_type == t}, types)
        self.assertEqual(set(schema.INBOUND_TYPES), types, "gateway/ihospital_gateway/schema.py INBOUND_TYPES")
        hl7_inbound = set(hl7codec.REQUIRED_SEGMENTS) - set(hl7codec.OUTBOUND_ROUTES.values())
        self.assertEqual(hl7_inbound, types, "gateway/ihospital_gateway/hl7codec.py REQUIRED_SEGMENTS")
        self.assertLessEqual(set(hl7codec.INBOUND_ROUTES.values()), types)
        data = self.env["ihospital.his.message.type"].search([("direction", "=", "in")])
        self.assertEqual(set(data.mapped("code")), types, "data/ihospital_his_message_type_data.xml")
        outbound = self.env["ihospital.his.message.type"].search([("direction", "=", "out")])
        self.assertEqual(set(outbound.mapped("code")), set(schema.OUTBOUND_TYPES))
