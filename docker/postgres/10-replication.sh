#!/bin/bash
# Run once by the postgres image when the primary's data folder is created:
# a replication role for the replica and the backups, and its pg_hba line.
set -euo pipefail
REPLICATION_PASSWORD=${REPLICATION_PASSWORD:-$(cat "${REPLICATION_PASSWORD_FILE:?}")}
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD:?}';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
