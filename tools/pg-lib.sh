# Sourced by tools/pg.sh, tools/cluster.sh and tools/backup.sh: PostgreSQL's
# server binaries (BIN) and how to run them. PostgreSQL refuses to run as
# root: when we are root, its commands run as an unprivileged user (postgres,
# or a system user 'ihospital-pg' created for it; IHOSPITAL_PG_OSUSER chooses
# another): `as_pg cmd...`, with that user in PGOS_USER.

pg_find_bindir() {
    if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/postgres" ]; then
        pg_config --bindir; return
    fi
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -n "$d" ] && [ -x "$d/postgres" ]; then echo "$d"; return; fi
    if command -v postgres >/dev/null; then dirname "$(command -v postgres)"; return; fi
    cat >&2 <<'MSG'
PostgreSQL server binaries (initdb, pg_ctl, postgres) are missing.
Install them (Debian/Ubuntu: apt-get install postgresql), then run this again.
MSG
    exit 1
}
BIN=$(pg_find_bindir)

RUN_AS=()
PGOS_USER=$(id -un)
if [ "$(id -u)" = 0 ]; then
    PGOS_USER="${IHOSPITAL_PG_OSUSER:-}"
    if [ -z "$PGOS_USER" ]; then
        if id postgres >/dev/null 2>&1; then PGOS_USER=postgres; else PGOS_USER=ihospital-pg; fi
    fi
    if ! id "$PGOS_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PGOS_USER"
    fi
    RUN_AS=(runuser -u "$PGOS_USER" --)
fi
as_pg() { "${RUN_AS[@]}" "$@"; }
