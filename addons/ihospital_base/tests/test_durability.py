from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDurability(TransactionCase):
    """An acknowledged booking or HIS message survives a crash: commits are
    synchronous everywhere but in the throw-away test database."""

    def test_only_the_test_database_trades_durability(self):
        self.env.cr.execute("SELECT setting, source FROM pg_settings WHERE name = 'synchronous_commit'")
        self.assertEqual(self.env.cr.fetchone(), ("off", "database"), "the test database itself")
        self.env.cr.execute(
            "SELECT setting FROM pg_file_settings WHERE name = 'synchronous_commit' AND applied AND error IS NULL"
        )
        self.assertNotIn(("off",), self.env.cr.fetchall(), "the cluster's configuration keeps commits durable")
        self.env.cr.execute(
            """SELECT d.datname FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                WHERE 'synchronous_commit=off' = ANY(s.setconfig) AND d.datname <> current_database()"""
        )
        self.assertFalse(self.env.cr.fetchall(), "no other database trades durability")
