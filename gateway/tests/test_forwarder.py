"""Forwarding to the platform: order, backoff and replay, poison isolation, dead parking, heartbeat, status."""

import asyncio
from dataclasses import replace

from ihospital_gateway import cli
from ihospital_gateway.config import API_KEY_ENV

JSON_EP = {"code": "ep-json", "protocol": "json"}


def test_forwarded_in_spool_order_in_batches(make_config, platform, wire):
    config = make_config(JSON_EP, forward={"batch_size": 7})
    platform.down = True  # let the spool fill up, then forward it in batches

    async def scenario(gateway):
        messages = [wire.json_message(f"M{i:02}") for i in range(30)]
        assert {r["status"] for r in await wire.send_json(gateway.ports["ep-json"], messages)} == {"AA"}
        platform.down = False
        await wire.wait_until(lambda: len(platform.submitted) == 30, what="forwarding")

    wire.run(config, scenario)
    assert platform.submit_order == [f"M{i:02}" for i in range(30)]
    assert 5 <= platform.submit_calls <= 8
    assert {row["state"] for row in wire.inbound_rows(config).values()} == {"forwarded"}


def test_backoff_while_platform_down_then_replay(make_config, platform, wire):
    config = make_config(JSON_EP, forward={"backoff_initial": 0.01, "backoff_max": 0.08})
    platform.down = True

    async def scenario(gateway):
        replies = await wire.send_json(gateway.ports["ep-json"], [wire.json_message(f"R{i}") for i in range(5)])
        assert [r["status"] for r in replies] == ["AA"] * 5  # stored, though the platform is down
        await asyncio.sleep(0.5)
        assert platform.submitted == {}
        assert "HTTP 503" in gateway.activity["ep-json"].last_error
        platform.down = False
        await wire.wait_until(lambda: len(platform.submitted) == 5, what="replay")
        await wire.wait_until(lambda: platform.heartbeats, what="heartbeat")
        stats = platform.heartbeats[-1][1]
        assert set(stats) == {
            "version",
            "spool_pending",
            "spool_dead",
            "outbound_pending",
            "last_inbound_at",
            "last_forward_at",
            "last_error",
        }

    wire.run(config, scenario)
    assert platform.submit_order == [f"R{i}" for i in range(5)]


def test_replay_after_restart(make_config, platform, wire):
    """Messages stored while the platform was down are forwarded by the next run of the gateway."""
    config = make_config(JSON_EP)
    platform.down = True

    async def first(gateway):
        await wire.send_json(gateway.ports["ep-json"], [wire.json_message("X1"), wire.json_message("X2")])

    wire.run(config, first)
    platform.down = False

    async def second(gateway):
        await wire.wait_until(lambda: len(platform.submitted) == 2, what="replay")

    wire.run(config, second)
    assert platform.submit_order == ["X1", "X2"]


def test_poison_message_is_isolated_parked_dead_and_keeps_patient_order(make_config, platform, wire):
    config = make_config(JSON_EP, forward={"max_fault_attempts": 3, "backoff_initial": 0.01, "backoff_max": 0.02})
    platform.down = True
    platform.poison = {"P2"}

    async def scenario(gateway):
        messages = [
            wire.patient_message("P1", "pat-1"),
            wire.patient_message("P2", "pat-2"),  # poison
            wire.patient_message("P3", "pat-2"),  # same patient: must wait behind P2
            wire.patient_message("P4", "pat-3"),
            wire.json_message("P5"),
        ]
        assert {r["status"] for r in await wire.send_json(gateway.ports["ep-json"], messages)} == {"AA"}
        platform.down = False
        await wire.wait_until(lambda: len(platform.submitted) == 5, what="all forwarded")

    wire.run(config, scenario)
    order = platform.submit_order
    assert order.index("P1") < order.index("P4") < order.index("P2") < order.index("P3")
    assert platform.submitted[("ep-json", "P2")]["dead"] is True
    assert "ValueError: bad patient.update" in platform.submitted[("ep-json", "P2")]["error"]
    assert "dead" not in platform.submitted[("ep-json", "P3")]
    rows = wire.inbound_rows(config)
    assert (rows["P2"]["parked"], rows["P2"]["attempts"], rows["P2"]["result_state"]) == (1, 3, "dead")
    assert rows["P3"]["result_state"] == "processed"


def test_platform_faulting_everything_is_not_blamed_on_messages(make_config, platform, wire):
    """Every call faulting (the platform's database is down) must not park good messages."""
    config = make_config(JSON_EP, forward={"max_fault_attempts": 3})
    platform.fault_all = True

    async def scenario(gateway):
        await wire.send_json(gateway.ports["ep-json"], [wire.json_message("F1"), wire.json_message("F2")])
        await asyncio.sleep(0.6)
        platform.fault_all = False
        await wire.wait_until(lambda: len(platform.submitted) == 2, what="forwarding")

    wire.run(config, scenario)
    rows = wire.inbound_rows(config)
    # At most the fault racing the recovery (the heartbeat probe already succeeds) is counted.
    assert [rows[c]["parked"] for c in ("F1", "F2")] == [0, 0]
    assert rows["F1"]["attempts"] + rows["F2"]["attempts"] <= 1
    assert not any(message.get("dead") for message in platform.submitted.values())


def test_refused_even_as_dead_is_kept_locally_and_shown_by_status(make_config, platform, wire, capsys, monkeypatch):
    config = make_config(JSON_EP, forward={"max_fault_attempts": 1})
    platform.poison = {"Z1"}
    original = platform.gateway_submit

    def refuse_dead_too(code, messages):
        if any(m["control_id"] == "Z1" for m in messages):
            platform.poison.add("Z1")
            for message in messages:
                message.pop("dead", None)
        return original(code, messages)

    platform.gateway_submit = refuse_dead_too

    async def scenario(gateway):
        await wire.send_json(gateway.ports["ep-json"], [wire.json_message("Z1"), wire.json_message("Z2")])
        await wire.wait_until(lambda: wire.inbound_rows(config)["Z1"]["state"] == "dead", what="kept dead")
        await wire.wait_until(lambda: ("ep-json", "Z2") in platform.submitted, what="Z2 forwarded")

    wire.run(config, scenario)
    config_file = config.spool.path.parent / "gateway.toml"
    config_file.write_text(
        f'[odoo]\nurl = "{platform.url}"\n[spool]\npath = "spool.sqlite3"\n'
        '[[endpoint]]\ncode = "ep-json"\nprotocol = "json"\nlisten = "127.0.0.1:0"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv(API_KEY_ENV)
    assert cli.main(["status", "--config", str(config_file)]) == 0
    output = capsys.readouterr().out
    assert "endpoint ep-json" in output and "dead 1" in output and "forwarded:processed 1" in output
    assert "Z1 queue.call" in output and "kept here" in output and "ValueError" in output


def test_wrong_api_key_waits_instead_of_parking(make_config, platform, wire):
    config = make_config(JSON_EP, forward={"max_fault_attempts": 1})
    config = replace(config, odoo=replace(config.odoo, api_key="wrong-key"))

    async def scenario(gateway):
        await wire.send_json(gateway.ports["ep-json"], [wire.json_message("W1")])
        await wire.wait_until(lambda: "refused" in gateway.activity["ep-json"].last_error, what="login refused")

    wire.run(config, scenario)
    row = wire.inbound_rows(config)["W1"]
    assert (row["state"], row["parked"], row["attempts"]) == ("pending", 0, 0)
    assert platform.submitted == {}
