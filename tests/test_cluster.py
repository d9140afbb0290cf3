"""The multi-node set-up of tools/cluster.sh (issue 17), started for real in a
folder of its own: PostgreSQL primary + streaming replica, two Odoo nodes,
HAProxy, the HIS gateway. A small load only: on a 2-core machine this proves
correctness and failover, not speed.

The tests run in this order and share one cluster: the mixed load on both
nodes, the read-only routes on the replica, a node killed under bookings, the
point-in-time restore, and last the promotion of the replica (it changes the
topology)."""

import datetime
import json
import os
import random
import time
from pathlib import Path

import pytest
import websocket
from cluster_harness import BACKUP, BookingLoad, Cluster, cleanup, last_line_fields, prepare_booking, run
from his_harness import ROOT, wait_for
from ihospital_gateway import simulator

DB = "ihospital_t_cluster"


@pytest.fixture(scope="module")
def cluster():
    folder = ROOT / ".local" / f"test-cluster-{int(time.time())}"
    cluster = Cluster(folder, DB)
    started = time.monotonic()
    try:
        output = cluster.start()
        print(f"cluster started in {time.monotonic() - started:.0f} s:\n{output}")
        assert f"cluster url=http://127.0.0.1:{cluster.front} db={DB} nodes=2 replica=on" in output
        cluster.schedule_id, clients = prepare_booking(cluster, 160)
        cluster.clients = iter(clients)
        yield cluster
    finally:
        cluster.stop()
        if not os.environ.get("IHOSPITAL_KEEP_CLUSTER"):  # keep its logs to look into a failure
            cleanup(folder)


def header(headers, name, containing=""):
    """The last value of a response header (any case) that contains `containing`."""
    return [value for key, value in headers if key.lower() == name and containing in value][-1]


def take(cluster, count):
    return [next(cluster.clients) for _ in range(count)]


def booked_appointments(cluster, patient_ids, port=None):
    """{patient id: number of booked appointments} on the clinic, in the database."""
    rows = cluster.sql(
        """SELECT patient_id, count(*) FROM ihospital_appointment
            WHERE schedule_id = %s AND patient_id = ANY(%s) GROUP BY patient_id""",
        (cluster.schedule_id, list(patient_ids)),
        port=port,
    )
    return dict(rows)


def test_mixed_load_is_served_by_both_nodes(cluster):
    before = cluster.haproxy_servers()
    for path in ["/", "/hospital", "/departments", "/booking", "/web/login"] * 2:
        status, body, path = cluster.get(path)
        assert status == 200, (path, body[:300])
    # a staff login (a doctor of the demo data) and a call as that doctor
    status, answer, headers = cluster.json_rpc(
        "/web/session/authenticate", {"db": DB, "login": "doctor", "password": "doctor"}
    )
    assert status == 200 and answer.get("result", {}).get("uid"), answer
    cookie = header(headers, "set-cookie", "session_id=")
    staff_sid = cookie.split("session_id=")[1].split(";")[0]
    for _ in range(4):  # the session is shared: whichever node answers knows it
        status, answer, _headers = cluster.json_rpc("/web/session/get_session_info", {}, staff_sid)
        assert status == 200 and answer["result"]["username"] == "doctor", answer
    # portal bookings
    load = BookingLoad(cluster, cluster.schedule_id, take(cluster, 4), threads=2).start()
    load.join()
    booked = load.outcomes("booked")
    assert len(booked) == 4, load.results
    after = cluster.haproxy_servers()
    served = {node: after[node][1] - before[node][1] for node in after}
    assert all(count > 3 for count in served.values()), f"both nodes serve: {served}"
    print(f"requests per node: {served}")
    # a websocket goes through HAProxy to a node's gevent port
    socket = websocket.create_connection(
        f"ws://127.0.0.1:{cluster.front}/websocket?version=18.0-3",
        timeout=10,
        header=[f"Origin: http://127.0.0.1:{cluster.front}"],
    )
    socket.send(json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": 0}}))
    assert socket.connected
    socket.close()
    assert sum(total for _status, total in cluster.haproxy_servers("odoo_websocket").values()) >= 1
    # the crons run on node 1 only
    for node, crons in ((1, "--max-cron-threads=2"), (2, "--max-cron-threads=0")):
        pid = (cluster.dir / "run" / f"node{node}.pid").read_text().strip()
        assert crons in Path(f"/proc/{pid}/cmdline").read_text().split("\0"), node


def test_readonly_routes_are_served_from_the_replica(cluster):
    """Odoo 18 opens a read-only route's cursor on db_replica_host (registry.cursor(readonly=True)):
    the replica's transaction counters grow with the calls of /departments."""
    state = cluster.state()
    replica = int(state["C_REPLICA_PORT"])

    def replica_transactions():
        return cluster.sql(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s", (DB,), port=replica
        )[0][0]

    assert cluster.sql("SELECT pg_is_in_recovery()", port=replica)[0][0] is True
    _status, _body, path = cluster.get("/departments")  # the path with the website's language
    before = replica_transactions()
    for _ in range(20):
        status, _body, _headers = cluster.request("GET", path)
        assert status == 200
    # PostgreSQL publishes a backend's counters within about ten seconds when it goes idle
    wait_for(lambda: replica_transactions() - before >= 20, 30, "20 read-only transactions on the replica")
    connections = cluster.sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name LIKE 'odoo-%%'",
        (DB,),
        port=replica,
    )[0][0]
    assert connections, "the nodes hold connections to the replica"
    print(f"replica transactions for 20 reads: {replica_transactions() - before}, odoo connections: {connections}")


def test_a_node_killed_under_bookings_loses_no_acknowledged_booking(cluster):
    load = BookingLoad(cluster, cluster.schedule_id, take(cluster, 60), threads=4).start()
    load.wait_count(10)
    killed_at = time.time()
    cluster.cluster("kill-node", "2")
    cluster.wait_server("node2", "DOWN", timeout=30)
    out_seconds = time.time() - killed_at
    load.wait_count(40)
    cluster.cluster("start-node", "2", timeout=300)
    cluster.wait_server("node2", "UP", timeout=60)
    back_seconds = time.time() - killed_at
    load.stop()
    served_before = cluster.haproxy_servers()["node2"][1]
    rest = BookingLoad(cluster, cluster.schedule_id, take(cluster, 8), threads=2).start()
    rest.join()
    assert len(rest.outcomes("booked")) == 8, rest.results
    assert cluster.haproxy_servers()["node2"][1] > served_before, "node 2 serves again"

    booked, failed = load.outcomes("booked"), load.outcomes("failed")
    in_db = booked_appointments(cluster, [r[1] for r in load.results])
    # every acknowledged booking is in the database, exactly once
    assert all(in_db.get(r[1]) == 1 for r in booked), (booked, in_db)
    # a failed request may have been committed before its node died: never twice
    assert all(count == 1 for count in in_db.values()), in_db
    # only requests in flight on the killed node failed: answered after the kill, sent
    # before HAProxy took the node out (and no more than the 4 clients at a time)
    down_at = killed_at + out_seconds
    in_flight = [r for r in failed if r[3] >= killed_at and r[2] <= down_at]
    assert len(failed) <= 4 and failed == in_flight, failed
    assert not load.outcomes("refused"), load.outcomes("refused")
    print(
        f"node kill: booked={len(booked)} failed_in_flight={len(failed)} out_seconds={out_seconds:.1f} "
        f"back_seconds={back_seconds:.1f}"
    )


def test_point_in_time_restore(cluster, tmp_path):
    """A base backup, then bookings, a lab report (with an attachment) and the HIS
    messages that brought it, before and after a chosen time; the restore to that
    time has the rows before and not those after, and the attachments' files."""
    started = time.monotonic()
    output = run([BACKUP, "base", "--dir", cluster.dir])
    print(f"base backup in {time.monotonic() - started:.1f} s:\n{output}")
    state = cluster.state()
    hl7_port = int(state["C_GW_HL7"])
    time.sleep(1.5)  # the target time must come after the end of the backup

    def write_rows(prefix, serial):
        """Rows as the hospital writes them: a booking through the portal, a patient
        and a lab result through the gateway, an attachment on the report."""
        load = BookingLoad(cluster, cluster.schedule_id, take(cluster, 1), threads=1).start()
        load.join()
        assert load.outcomes("booked"), load.results
        patient = simulator.new_patient(random.Random(serial), 800000 + serial)
        reply = simulator.send_mllp(
            "127.0.0.1", hl7_port, simulator.build_patient_register(f"{prefix}-REG", patient), "utf-8", timeout=30
        )
        assert "|AA|" in reply, reply
        reply = simulator.send_mllp(
            "127.0.0.1", hl7_port, simulator.build_lab_result(f"{prefix}-LAB", patient), "utf-8", timeout=30
        )
        assert "|AA|" in reply, reply
        report = wait_for(
            lambda: cluster.sql("SELECT id FROM ihospital_lab_report WHERE name = %s", (f"LR{prefix}-LAB",)),
            120,
            f"the lab report of {prefix}",
        )[0][0]
        attachment = cluster.odoo_shell(
            f"""
import base64
a = env["ir.attachment"].create({{"name": "{prefix}.txt", "res_model": "ihospital.lab.report", "res_id": {report},
    "datas": base64.b64encode(b"report file of {prefix}")}})
env.cr.commit()
print("ATTACHMENT", a.id, a.store_fname)
"""
        )
        line = [line for line in attachment.splitlines() if line.startswith("ATTACHMENT ")][-1]
        _tag, attachment_id, store_fname = line.split()
        return prefix, load.outcomes("booked")[0][5], report, int(attachment_id), store_fname

    before = write_rows(f"PITR{int(time.time())}B", 1)
    run([BACKUP, "filestore", "--dir", cluster.dir])  # the attachment's file in a snapshot
    time.sleep(1.5)
    target = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    time.sleep(1.5)
    after = write_rows(f"PITR{int(time.time())}A", 2)
    # the WAL of the rows after the target closed and archived (archive_timeout would do it within 60 s)
    switched = cluster.sql("SELECT pg_walfile_name(pg_switch_wal())", db="postgres")[0][0]
    wait_for(
        lambda: cluster.sql("SELECT last_archived_wal FROM pg_stat_archiver", db="postgres")[0][0] >= switched,
        60,
        "the WAL to be archived",
    )

    into = tmp_path / "restored"
    started = time.monotonic()
    # the snapshots only, as after the loss of the live filestore
    restore = [BACKUP, "restore", "--dir", cluster.dir, "--to", target, "--into", into, "--port", "5449"]
    output = run([*restore, "--no-live-filestore"])
    restore_seconds = time.monotonic() - started
    print(output)
    try:
        restored = last_line_fields(output, "restored")

        def restored_sql(query, params):
            return cluster.sql(query, params, port=5449, host=restored["socket"])

        for rows, present in ((before, True), (after, False)):
            prefix, appointment, report, attachment, store_fname = rows
            assert bool(restored_sql("SELECT 1 FROM ihospital_appointment WHERE id = %s", (appointment,))) == present
            assert bool(restored_sql("SELECT 1 FROM ihospital_lab_report WHERE id = %s", (report,))) == present
            messages = restored_sql(
                "SELECT count(*) FROM ihospital_his_message WHERE direction = 'in' AND control_id = ANY(%s)",
                ([f"{prefix}-REG", f"{prefix}-LAB"],),
            )[0][0]
            assert messages == (2 if present else 0), (prefix, messages)
            stored = restored_sql("SELECT store_fname FROM ir_attachment WHERE id = %s", (attachment,))
            assert bool(stored) == present
            if present:
                assert (into / "odoo-data" / "filestore" / DB / store_fname).is_file(), store_fname
        print(f"restore to {target}: seconds={restore_seconds:.1f}")
    finally:
        run([BACKUP, "stop-restored", "--dir", cluster.dir, "--into", into])


def test_losing_the_primary_promotes_the_replica(cluster):
    state = cluster.state()
    replica = int(state["C_REPLICA_PORT"])
    load = BookingLoad(cluster, cluster.schedule_id, take(cluster, 50), threads=3).start()
    load.wait_count(20)
    # the replication lag just before the loss
    lag = cluster.sql("SELECT coalesce(extract(epoch FROM replay_lag), 0) FROM pg_stat_replication", db="postgres")
    crashed_at = time.time()
    cluster.cluster("kill-primary")
    time.sleep(2)
    load.stop()
    output = cluster.cluster("promote-replica", timeout=900)
    promotion = last_line_fields(output, "promote")
    rto = time.time() - crashed_at
    booked = [r for r in load.outcomes("booked") if r[3] <= crashed_at]
    in_db = booked_appointments(cluster, [r[1] for r in booked], port=replica)
    missing = [r for r in booked if in_db.get(r[1]) != 1]
    # RPO: how far before the loss the oldest lost acknowledged booking was answered
    rpo = max((crashed_at - r[3] for r in missing), default=0.0)
    assert rpo <= 60, missing
    assert rto < 15 * 60
    # the nodes write to the new primary
    after = BookingLoad(cluster, cluster.schedule_id, take(cluster, 4), threads=2).start()
    after.join()
    assert len(after.outcomes("booked")) == 4, after.results
    assert cluster.sql("SELECT pg_is_in_recovery()", port=replica)[0][0] is False
    print(
        f"promotion: acknowledged_before_loss={len(booked)} lost={len(missing)} rpo_seconds={rpo:.1f} "
        f"replay_lag_before_loss={lag} promote_seconds={promotion['rto_seconds']} rto_seconds={rto:.1f}"
    )
