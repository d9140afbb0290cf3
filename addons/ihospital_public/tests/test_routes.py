import threading
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

# Pages that only read: a read replica may serve them.
READ_ONLY = (
    "/hospital",
    "/departments",
    "/booking",
    "/departments/<string:slug>",
    "/doctors",
    "/doctors/<string:slug>",
    "/doctors/<int:doctor_id>/avatar",
    "/guide",
    "/phones",
    "/navigation",
    "/encyclopedia",
    "/ihospital/queue/<int:department_id>",
    "/ihospital/queue/<int:department_id>/state",
    "/ihospital/service-menu/json",
    "/my/book/<int:schedule_id>/slots",
)
# Routes that write (a booking, a report view log, an identity check): never
# read-only, or Odoo would run them twice (read-only, then read-write).
WRITING = (
    "/my/ihospital/book",
    "/my/reports/<string:kind>/<int:report_id>",
    "/my/reports/<string:kind>/<int:report_id>/verify",
    "/my/patients/<int:patient_id>/edit",
)


@tagged("post_install", "-at_install")
class TestRoutes(TransactionCase):
    def test_routes_that_never_write_are_read_only(self):
        # routing_map() reads the database's name where a request would have set it
        with patch.object(threading.current_thread(), "dbname", self.env.cr.dbname, create=True):
            rules = self.env["ir.http"].routing_map().iter_rules()
        routing = {rule.rule: rule.endpoint.routing for rule in rules}
        for path in READ_ONLY:
            self.assertIs(routing[path].get("readonly"), True, path)
        for path in WRITING:
            self.assertFalse(routing[path].get("readonly"), path)
