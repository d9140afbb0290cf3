#!/usr/bin/env bash
# Backups of the tools/cluster.sh set-up, with PostgreSQL's own tools:
#
#   tools/backup.sh base [--dir DIR]
#       a base backup of the primary (pg_basebackup, compressed tar, its WAL
#       included), a snapshot of the filestore (rsync, unchanged files
#       hard-linked to the previous snapshot) and a manifest (times, WAL
#       positions) in DIR/backups/<UTC time>/. Schedule it, e.g. nightly from
#       cron: 0 2 * * * /path/tools/backup.sh base --dir /path/.local/cluster
#   tools/backup.sh filestore [--dir DIR]
#       a filestore snapshot alone (cheap: unchanged files are hard links);
#       run it often (e.g. every 5 minutes): files written after the last
#       snapshot exist only in the live filestore
#   tools/backup.sh list [--dir DIR]
#   tools/backup.sh restore --to 'TIMESTAMP' --into NEWDIR [--dir DIR] [--port P]
#       point-in-time recovery into NEWDIR: the newest base backup finished
#       before TIMESTAMP, the WAL replayed from DIR/wal-archive up to
#       TIMESTAMP (recovery_target_time), then promoted. The restored
#       PostgreSQL is left running on a unix socket in NEWDIR/run (port P,
#       default 5449) with the filestore in NEWDIR/odoo-data/filestore/<db>.
#       TIMESTAMP: e.g. '2026-12-05 18:30:00+00' (give the time zone).
#       The filestore is the union of the snapshots and the live filestore
#       (--no-live-filestore: the snapshots only, when the live one is lost).
#   tools/backup.sh stop-restored --into NEWDIR
# The WAL archive itself is filled continuously by the primary (archive_command,
# archive_timeout = 60 s): see tools/cluster.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
die() { echo "backup: $*" >&2; exit 1; }

CMD="${1:-}"
[ -n "$CMD" ] || { usage >&2; exit 2; }
shift
DIR="" TO="" INTO="" PORT=5449 NO_LIVE=""
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) DIR=$2; shift 2 ;;
        --to) TO=$2; shift 2 ;;
        --into) INTO=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        --no-live-filestore) NO_LIVE=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument $1 (see --help)" ;;
    esac
done
case "$CMD" in -h | --help | help) usage; exit 0 ;; esac
DIR=$(cd "${DIR:-$ROOT/.local/cluster}" 2>/dev/null && pwd) || die "no cluster folder ${DIR:-.local/cluster}"
[ -f "$DIR/cluster.env" ] || die "$DIR is not a cluster folder (no cluster.env): tools/cluster.sh start first"
# shellcheck disable=SC1091
source "$DIR/cluster.env"
RUNDIR="$DIR/run" ARCHIVE="$DIR/wal-archive" BACKUPS="$DIR/backups"

# shellcheck source=tools/pg-lib.sh
source "$ROOT/tools/pg-lib.sh"
primary_sql() { "$BIN/psql" -X -q -h "$RUNDIR" -p "$C_PRIMARY_PORT" -U ihospital -d postgres -tAc "$1"; }

# A snapshot of the filestore into DEST: rsync, files unchanged since the
# previous snapshot hard-linked to it (a snapshot costs only the new files).
snapshot_filestore() {
    local dest=$1 previous
    previous=$(find "$BACKUPS" -mindepth 2 -maxdepth 2 -name filestore -type d | sort | grep -v "^$dest\$" | tail -1 || true)
    mkdir -p "$dest"
    if [ -d "$DIR/odoo-data/filestore/$C_DB" ]; then
        rsync -a ${previous:+--link-dest="$previous"} "$DIR/odoo-data/filestore/$C_DB/" "$dest/"
    fi
    sync -f "$dest"
}

cmd_filestore() {
    local stamp
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    mkdir -p "$BACKUPS/filestore-$stamp"
    snapshot_filestore "$BACKUPS/filestore-$stamp/filestore"
    echo "filestore snapshot $BACKUPS/filestore-$stamp: $(find "$BACKUPS/filestore-$stamp" -type f | wc -l) files"
}

cmd_base() {
    local stamp dest previous t0=$SECONDS start_lsn end_lsn started
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    dest="$BACKUPS/$stamp"
    mkdir -p "$dest"
    started=$(date -u '+%Y-%m-%d %H:%M:%S+00')
    start_lsn=$(primary_sql "SELECT pg_current_wal_lsn()")
    "$BIN/pg_basebackup" -h "$RUNDIR" -p "$C_PRIMARY_PORT" -U ihospital -D "$dest/pgdata" \
        -Ft -z -X stream -c fast --label "ihospital-$stamp"
    end_lsn=$(primary_sql "SELECT pg_current_wal_lsn()")
    # the filestore after the database: every file the backed-up rows refer to is there
    # (Odoo's filestore only adds files, named by their content; its garbage collector
    # deletes files no row refers to any more)
    snapshot_filestore "$dest/filestore"
    cat > "$dest/manifest" <<MANIFEST
backup=$stamp
db=$C_DB
started=$started
finished=$(date -u '+%Y-%m-%d %H:%M:%S+00')
wal_start_lsn=$start_lsn
wal_end_lsn=$end_lsn
timeline=$(primary_sql "SELECT timeline_id FROM pg_control_checkpoint()")
files=$(find "$dest/filestore" -type f | wc -l)
size=$(du -sh "$dest" | cut -f1)
MANIFEST
    sync -f "$dest/manifest"
    echo "base backup $dest in $((SECONDS - t0)) s:"
    sed 's/^/  /' "$dest/manifest"
}

cmd_list() {
    local m
    for m in "$BACKUPS"/*/manifest; do
        [ -f "$m" ] || continue
        echo "$(dirname "$m"): $(grep -E '^(finished|wal_end_lsn|size)=' "$m" | tr '\n' ' ')"
    done
}

cmd_restore() {
    [ -n "$TO" ] || die "give the point in time: --to '2026-12-05 18:30:00+00'"
    [ -n "$INTO" ] || die "give the folder to restore into: --into DIR"
    local target backup="" m finished t0=$SECONDS data db
    target=$(date -u -d "$TO" +%s) || die "cannot read the time $TO"
    for m in $(find "$BACKUPS" -mindepth 2 -maxdepth 2 -name manifest -path "$BACKUPS/2*" | sort); do
        finished=$(sed -n 's/^finished=//p' "$m")
        if [ "$(date -u -d "$finished" +%s)" -lt "$target" ]; then backup=$(dirname "$m"); fi
    done
    [ -n "$backup" ] || die "no base backup finished before $TO (tools/backup.sh list)"
    mkdir -p "$INTO"
    INTO=$(cd "$INTO" && pwd)
    data="$INTO/pgdata"
    [ ! -e "$data" ] || die "$data exists already: restore into an empty folder"
    db=$(sed -n 's/^db=//p' "$backup/manifest")
    echo "Restoring $backup, then the archived WAL up to $TO, into $INTO ..." >&2
    mkdir -p "$data/pg_wal" "$INTO/run" "$INTO/log"
    tar -xzf "$backup/pgdata/base.tar.gz" -C "$data"
    tar -xzf "$backup/pgdata/pg_wal.tar.gz" -C "$data/pg_wal"
    chmod 700 "$data"
    if [ ${#RUN_AS[@]} -gt 0 ]; then
        local d=$INTO
        while [ "$d" != / ]; do
            as_pg test -x "$d" || chmod o+x "$d"
            d=$(dirname "$d")
        done
        chown -R "$PGOS_USER" "$data" "$INTO/run" "$INTO/log"
    fi
    as_pg tee -a "$data/postgresql.auto.conf" >/dev/null <<CONF
# point-in-time recovery by tools/backup.sh restore ($(date -u '+%F %T') UTC)
port = $PORT
unix_socket_directories = '$INTO/run'
archive_mode = off
restore_command = 'cp "$ARCHIVE/%f" "%p"'
recovery_target_time = '$TO'
recovery_target_action = 'promote'
CONF
    as_pg touch "$data/recovery.signal"
    as_pg "$BIN/pg_ctl" -D "$data" -l "$INTO/log/postgresql.log" -w -t 600 start >/dev/null || {
        tail -20 "$INTO/log/postgresql.log" >&2
        die "the restored PostgreSQL did not start"
    }
    local i
    for i in $(seq 1 3000); do
        [ "$("$BIN/psql" -X -h "$INTO/run" -p "$PORT" -U ihospital -d postgres -tAc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break
        if ! as_pg "$BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
            tail -20 "$INTO/log/postgresql.log" >&2
            die "recovery failed (is the WAL up to $TO archived yet?)"
        fi
        sleep 0.2
    done
    # the filestore: the union of the snapshots and the live filestore (files are named by
    # their content, so a union is safe; files no restored row refers to are harmless)
    mkdir -p "$INTO/odoo-data/filestore/$db"
    local sources
    sources=$(find "$BACKUPS" -mindepth 2 -maxdepth 2 -name filestore -type d | sort)
    [ -n "$NO_LIVE" ] || sources+=$'\n'"$DIR/odoo-data/filestore/$db"
    for m in $sources; do
        [ -d "$m" ] && rsync -a --ignore-existing "$m/" "$INTO/odoo-data/filestore/$db/"
    done
    echo "restored backup=$(basename "$backup") to='$TO' into=$INTO socket=$INTO/run port=$PORT db=$db seconds=$((SECONDS - t0))"
}

cmd_stop_restored() {
    [ -n "$INTO" ] || die "give the folder: --into DIR"
    if as_pg "$BIN/pg_ctl" -D "$INTO/pgdata" status >/dev/null 2>&1; then
        as_pg "$BIN/pg_ctl" -D "$INTO/pgdata" -m fast -w stop >/dev/null
    fi
}

case "$CMD" in
    base) cmd_base ;;
    filestore) cmd_filestore ;;
    list) cmd_list ;;
    restore) cmd_restore ;;
    stop-restored) cmd_stop_restored ;;
    *) usage >&2; exit 2 ;;
esac
