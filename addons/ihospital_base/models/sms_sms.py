from odoo import models


class SmsSms(models.Model):
    _inherit = "sms.sms"

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """Odoo's own texts (the chatter's SMS, the SMS composer) go to the
        hospital's SMS provider (``ihospital.sms``), never to Odoo's IAP
        service, which Chinese carriers do not accept. The hospital is the
        company of the record the text was posted on, else the sender's.
        They are logged like the suite's texts (purpose Other: an opt-out
        stops them) and their state and trackers follow the provider's
        answers and delivery receipts."""
        Sms = self.env["ihospital.sms"]
        for company, records in self.grouped(
            lambda sms: sms.mail_message_id.record_company_id or self.env.company
        ).items():
            Sms._send_text(company, [(sms.number, sms.body or "", sms.uuid) for sms in records], urgent=True)
        # what Odoo's _send does with the records it sent or failed
        finished = self.exists()
        finished.filtered(lambda sms: sms.state in ("pending", "sent", "canceled") and unlink_sent).to_delete = True
        finished.filtered(lambda sms: sms.state == "error" and unlink_failed).to_delete = True
