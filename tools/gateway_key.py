"""Give a HIS integration user an API key for the gateway, written to a file.

Used by `make gateway`, the integration tests and `make bench-his`:

    python tools/gateway_key.py --db ihospital --db-host SOCKET --data-dir DIR \
        --login his-gateway --out .local/gateway/api-key

The key is reused while the file belongs to the same database (the database's
uuid is kept beside it); a new database gets a new key. Odoo keeps only a hash
of the key, so the file is the only copy: it is created readable by its owner
only.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--db-host", required=True)
    parser.add_argument("--db-port", help="PostgreSQL port (default: odoo.conf's); tools/cluster.sh uses its own")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--login", default="his-gateway")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)

    import odoo  # noqa: PLC0415 - only once the configuration is known
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    odoo.tools.config.parse_config(
        [
            "-c",
            str(ROOT / "odoo.conf"),
            f"--addons-path={ROOT / 'addons'}",
            f"--db_host={args.db_host}",
            f"--data-dir={args.data_dir}",
            *([f"--db_port={args.db_port}"] if args.db_port else []),
            "--log-level=warn",
        ]
    )
    registry = odoo.modules.registry.Registry(args.db)
    uuid_file = args.out.with_name(args.out.name + ".db")
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        db_uuid = env["ir.config_parameter"].get_param("database.uuid")
        if args.out.exists() and uuid_file.exists() and uuid_file.read_text().strip() == db_uuid:
            return 0
        user = env["res.users"].search([("login", "=", args.login)])
        if not user:
            sys.exit(f"No user {args.login!r} in database {args.db}: is ihospital_his installed with demo data?")
        # sudo: an integration key must not expire with the user's default key duration
        key = env["res.users.apikeys"].with_user(user).sudo()._generate("rpc", "ihospital-gateway", None)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as key_file:
        key_file.write(key + "\n")
    uuid_file.write_text(db_uuid + "\n")
    print(f"Wrote a new API key of {args.login} to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
