"""The listeners against real sockets: replies, charsets, bad clients, limits, type checks."""

import asyncio
import json
import re
from pathlib import Path

import hl7
import pytest
from ihospital_gateway.app import Gateway
from ihospital_gateway.config import API_KEY_ENV, ConfigError, load
from ihospital_gateway.framing import MLLP_END, MLLP_START, frame

JSON_EP = {"code": "ep-json", "protocol": "json"}
HL7_EP = {"code": "ep-hl7", "protocol": "hl7"}


def msa(reply: bytes, charset: str = "utf-8") -> list[str]:
    message = hl7.parse(reply.decode(charset))
    segment = message.segment("MSA")
    return [str(segment[1]), str(segment[2]), str(segment[3]) if len(segment) > 3 else ""]


def test_json_short_and_persistent_connections(make_config, platform, wire):
    config = make_config(JSON_EP)

    async def scenario(gateway):
        port = gateway.ports["ep-json"]
        persistent = await wire.send_json(port, [wire.json_message(f"J{i}") for i in range(3)])
        short = await wire.send_json(port, [wire.json_message("J3")])
        assert [r["status"] for r in persistent + short] == ["AA"] * 4
        assert [r["control_id"] for r in persistent + short] == ["J0", "J1", "J2", "J3"]
        await wire.wait_until(lambda: len(platform.submitted) == 4, what="forwarding")
        submitted = platform.submitted[("ep-json", "J1")]
        assert submitted["type"] == "queue.call"
        assert submitted["protocol"] == "json"
        assert submitted["data"]["room"] == "诊室 3"
        assert json.loads(submitted["raw"])["control_id"] == "J1"
        assert len(submitted["received_at"]) == 19

    wire.run(config, scenario)


def test_hl7_mllp_ack_and_forwarded_raw(make_config, platform, wire):
    config = make_config(HL7_EP)

    async def scenario(gateway):
        port = gateway.ports["ep-hl7"]
        payloads = [frame("hl7", wire.hl7_message(f"H{i}", name="李四").encode()) for i in range(2)]
        replies = await wire.exchange(port, "hl7", payloads)
        assert [msa(reply)[:2] for reply in replies] == [["AA", "H0"], ["AA", "H1"]]
        await wire.wait_until(lambda: len(platform.submitted) == 2, what="forwarding")
        message = platform.submitted[("ep-hl7", "H0")]
        assert message["type"] == "patient.register"
        assert message["data"]["patient"]["name"] == "李四"
        assert message["raw"] == wire.hl7_message("H0", name="李四").rstrip("\r")  # CR separators kept

    wire.run(config, scenario)


def test_gbk_endpoints_decode_and_reply_in_gbk(make_config, platform, wire):
    config = make_config({**JSON_EP, "charset": "gbk"}, {**HL7_EP, "charset": "gbk"})

    async def scenario(gateway):
        replies = await wire.send_json(gateway.ports["ep-json"], [wire.json_message("G1")], charset="gbk")
        assert replies[0]["status"] == "AA"
        bad = wire.json_message("G2", "nonsense.type")
        bad["data"] = {"note": "未知类型"}
        line = frame("json", json.dumps(bad, ensure_ascii=False).encode("gbk"))
        reply = (await wire.exchange(gateway.ports["ep-json"], "json", [line]))[0]
        assert json.loads(reply.decode("gbk"))["status"] == "AR"
        hl7_bytes = frame("hl7", wire.hl7_message("G3", name="王五").encode("gbk"))
        reply = (await wire.exchange(gateway.ports["ep-hl7"], "hl7", [hl7_bytes]))[0]
        assert msa(reply, "gbk")[:2] == ["AA", "G3"]
        await wire.wait_until(lambda: len(platform.submitted) == 2, what="forwarding")
        assert platform.submitted[("ep-json", "G1")]["data"]["room"] == "诊室 3"
        assert platform.submitted[("ep-hl7", "G3")]["data"]["patient"]["name"] == "王五"

    wire.run(config, scenario)


def test_duplicate_control_id_is_stored_once_and_acked_again(make_config, platform, wire):
    config = make_config(JSON_EP)

    async def scenario(gateway):
        port = gateway.ports["ep-json"]
        first = await wire.send_json(port, [wire.json_message("D1")])
        await wire.wait_until(lambda: len(platform.submitted) == 1, what="forwarding")
        again = await wire.send_json(port, [wire.json_message("D1"), wire.json_message("D1")])
        assert [r["status"] for r in first + again] == ["AA"] * 3
        await asyncio.sleep(0.2)
        assert platform.submit_order == ["D1"]

    wire.run(config, scenario)
    assert list(wire.inbound_rows(config)) == ["D1"]


def test_bad_input_gets_a_nak_and_the_connection_goes_on(make_config, platform, wire):
    config = make_config(JSON_EP, HL7_EP)

    async def scenario(gateway):
        json_port, hl7_port = gateway.ports["ep-json"], gateway.ports["ep-hl7"]
        unknown = wire.json_message("B1", "lab.unknown")
        invalid = wire.json_message("B2", data={"room": "no department or number"})
        replies = await wire.exchange(
            json_port,
            "json",
            [
                b"not json at all\n",
                b'{"version": "1", "control_id": "B0", "type": "queue.call", "data": {"x": "\xff\xfe"}}\n',
                frame("json", json.dumps(unknown).encode()),
                frame("json", json.dumps(invalid).encode()),
                b"\n\r\n" + frame("json", json.dumps(wire.json_message("B3")).encode()),
            ],
        )
        replies = [json.loads(reply) for reply in replies]
        assert [r["status"] for r in replies] == ["AR", "AR", "AR", "AE", "AA"]
        assert replies[1]["control_id"] == "B0" and "utf-8" in replies[1]["error"]
        assert "lab.unknown" in replies[2]["error"]
        assert replies[3]["control_id"] == "B2" and replies[3]["error"]
        # Noise before the MLLP start block is dropped; the frame after it is processed.
        noisy = b"GET / HTTP/1.0\r\n\r\n" + frame("hl7", wire.hl7_message("B4").encode())
        garbage_hl7 = frame("hl7", b"this is not HL7")
        replies = await wire.exchange(hl7_port, "hl7", [noisy, garbage_hl7])
        assert msa(replies[0])[:2] == ["AA", "B4"]
        assert msa(replies[1])[0] == "AR"
        await wire.wait_until(lambda: len(platform.submitted) == 2, what="forwarding")

    wire.run(config, scenario)


def test_oversized_message_gets_ar_and_close(make_config, wire):
    config = make_config(JSON_EP, HL7_EP, limits={"max_message_bytes": 2000})

    async def scenario(gateway):
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.ports["ep-json"])
        writer.write(b'{"version": "1", "control_id": "BIG1", "type": "queue.call", "data": {"x": "' + b"x" * 5000)
        await writer.drain()
        reply = json.loads(await asyncio.wait_for(reader.readline(), 5))
        assert reply["status"] == "AR" and reply["control_id"] == "BIG1"
        assert "2000 bytes" in reply["error"]
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the gateway
        writer.close()

        # A sender still streaming a huge message reads the AR too (the gateway drains before closing).
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.ports["ep-json"])

        async def stream():
            writer.write(b'{"control_id": "BIG3", "data": "')
            for _ in range(50):
                writer.write(b"x" * 65536)
                await writer.drain()

        streaming = asyncio.create_task(stream())
        reply = json.loads(await asyncio.wait_for(reader.readline(), 5))
        assert (reply["status"], reply["control_id"]) == ("AR", "BIG3")
        await streaming
        writer.close()

        big_hl7 = wire.hl7_message("BIG2") + "NTE|1||" + "y" * 3000 + "\r"
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.ports["ep-hl7"])
        writer.write(frame("hl7", big_hl7.encode()))
        await writer.drain()
        reply = await asyncio.wait_for(reader.readuntil(MLLP_END), 5)
        assert msa(reply.strip(MLLP_START + MLLP_END))[:2] == ["AR", "BIG2"]
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()

    wire.run(config, scenario)


def test_silent_and_slow_clients_are_closed(make_config, wire):
    config = make_config(JSON_EP, HL7_EP, limits={"read_timeout": 0.3})

    async def scenario(gateway):
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.ports["ep-json"])
        assert await asyncio.wait_for(reader.read(), 3) == b""  # silent: closed, no reply
        writer.close()
        # An HL7 frame that never ends: AE naming the control id, then closed.
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.ports["ep-hl7"])
        writer.write(MLLP_START + wire.hl7_message("SLOW1").encode())
        await writer.drain()
        reply = await asyncio.wait_for(reader.read(), 3)
        assert msa(reply.strip(MLLP_START + MLLP_END))[:2] == ["AE", "SLOW1"]
        writer.close()
        # A frame cut short by the client closing its side: AE, and the gateway still serves others.
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.ports["ep-hl7"])
        writer.write(MLLP_START + wire.hl7_message("CUT1").encode()[:100])
        writer.write_eof()
        reply = await asyncio.wait_for(reader.read(), 3)
        assert msa(reply.strip(MLLP_START + MLLP_END))[:2] == ["AE", "CUT1"]
        writer.close()
        assert (await wire.send_json(gateway.ports["ep-json"], [wire.json_message("OK1")]))[0]["status"] == "AA"

    wire.run(config, scenario)


def test_connection_cap(make_config, wire):
    config = make_config(JSON_EP, limits={"max_connections": 2})

    async def scenario(gateway):
        port = gateway.ports["ep-json"]
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        await asyncio.sleep(0.1)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(), 3) == b""  # over the cap: closed at once
        writer.close()
        for _reader, held_writer in held:
            held_writer.close()
        await wire.wait_until(lambda: gateway.servers["ep-json"].limiter.open == 0, what="connections closed")
        assert (await wire.send_json(port, [wire.json_message("CAP1")]))[0]["status"] == "AA"

    wire.run(config, scenario)


def test_message_types_not_enabled_are_rejected_and_config_is_cached(make_config, platform, wire):
    platform.configs["ep-json"] = {
        "code": "ep-json",
        "protocol": "json",
        "charset": "utf-8",
        "message_types": ["patient.update"],
        "max_attempts": 5,
    }
    config = make_config(JSON_EP)

    async def first_run(gateway):
        await wire.wait_until(lambda: gateway.enabled_types("ep-json") is not None, what="configuration")
        port = gateway.ports["ep-json"]
        replies = await wire.send_json(port, [wire.json_message("T1"), wire.patient_message("T2", "P9")])
        assert [r["status"] for r in replies] == ["AR", "AA"]
        assert replies[0]["error"] == "message type queue.call is not enabled for endpoint ep-json"

    wire.run(config, first_run)
    platform.down = True

    async def second_run(gateway):  # the platform is down: the cached configuration still applies
        replies = await wire.send_json(gateway.ports["ep-json"], [wire.json_message("T3")])
        assert replies[0]["status"] == "AR"

    wire.run(config, second_run)


def test_all_inbound_types_accepted_before_any_configuration(make_config, platform, wire):
    platform.down = True
    config = make_config(JSON_EP)

    async def scenario(gateway):
        replies = await wire.send_json(gateway.ports["ep-json"], [wire.json_message("N1")])
        assert replies[0]["status"] == "AA"
        assert gateway.enabled_types("ep-json") is None

    wire.run(config, scenario)


def test_configuration_file_and_errors(tmp_path):
    config = load(Path(__file__).parents[1] / "gateway.example.toml")
    assert [(e.code, e.protocol, e.charset, e.listen_port, e.his_port) for e in config.endpoints] == [
        ("gz-his", "hl7", "utf-8", 2575, 2577),
        ("gz-json", "json", "gbk", 2576, 2578),
    ]
    assert config.limits.max_message_bytes == 1048576 and config.forward.backoff_max == 30
    assert config.spool.path == (Path(__file__).parents[2] / ".local/gateway/spool.sqlite3").resolve()
    bad = tmp_path / "bad.toml"
    for text, expected in [
        ('[odoo]\nurl = "x"\n', "at least one [[endpoint]]"),
        ('[limits]\nread_timout = 3\n[[endpoint]]\ncode = "a"\nprotocol = "json"\n', "read_timout"),
        ('[[endpoint]]\ncode = "a"\nprotocol = "json"\ncharset = "big5"\n', "charset must be one of"),
        ('[[endpoint]]\ncode = "a"\nprotocol = "xml"\n', "protocol must be one of"),
        ('[[endpoint]]\ncode = "a"\nprotocol = "hl7"\nlisten = "nowhere"\n', "host:port"),
        ('[limits]\nmax_connections = -1\n[[endpoint]]\ncode = "a"\nprotocol = "hl7"\n', "positive integer"),
    ]:
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=re.escape(expected)):
            load(bad)


def test_api_key_from_file_or_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    (tmp_path / "key").write_text("from-file\n", encoding="utf-8")
    path = tmp_path / "gw.toml"
    path.write_text(
        '[odoo]\ndb = "d"\nlogin = "gw"\napi_key_file = "key"\n[[endpoint]]\ncode = "a"\nprotocol = "json"\n',
        encoding="utf-8",
    )
    assert load(path).odoo.api_key == "from-file"
    monkeypatch.setenv(API_KEY_ENV, "from-env")
    assert load(path).odoo.api_key == "from-env"
    monkeypatch.delenv(API_KEY_ENV)
    (tmp_path / "key").unlink()
    with pytest.raises(ConfigError, match="no API key"):
        asyncio.run(Gateway(load(path)).start())
