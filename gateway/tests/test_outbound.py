"""Platform-initiated messages: pull, deliver to the HIS listener, report; retries when the HIS or platform fail."""

import asyncio
import json
import socket

from ihospital_gateway import hl7codec
from ihospital_gateway.framing import FrameReader, frame


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeHis:
    """The HIS's listener: one message per connection, answered per ``mode`` (reply, silent, or AE)."""

    def __init__(self, protocol: str, charset: str, port: int):
        self.protocol = protocol
        self.charset = charset
        self.port = port
        self.mode = "reply"
        self.received: list[str] = []
        self._server = None

    async def start(self):
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self):
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader, writer):
        try:
            payload = await FrameReader(reader, self.protocol, 1 << 20).read()
            text = payload.decode(self.charset)
            self.received.append(text)
            if self.mode == "silent":
                await asyncio.sleep(2)
                return
            status = "AE" if self.mode == "AE" else "AA"
            if self.protocol == "json":
                message = json.loads(text)
                reply = json.dumps(
                    {
                        "version": "1",
                        "control_id": message["control_id"],
                        "status": status,
                        "error": "床位已满" if status == "AE" else "",
                        "his_ref": f"HIS-{message['control_id']}",
                    },
                    ensure_ascii=False,
                )
            else:
                reply = hl7codec.ack(text, None, status, "", his_ref="HIS-778")
            writer.write(frame(self.protocol, reply.encode(self.charset)))
            await writer.drain()
        finally:
            writer.close()


def outbound_cancel(control_id: str, attempt: int = 1) -> dict:
    data = {"appointment_ref": f"APT/{control_id}", "reason": "患者取消", "cancelled_by": "patient"}
    return {"control_id": control_id, "type": "booking.cancel", "data": data, "attempt": attempt}


def outbound_booking(control_id: str) -> dict:
    data = {
        "appointment_ref": f"APT/{control_id}",
        "department_code": "NK",
        "doctor_code": "D01",
        "date": "2026-11-27",
        "session": "morning",
        "number": 3,
        "start": "2026-11-27T08:30:00",
        "paid": True,
        "patient": {"his_patient_id": "P001", "name": "张三", "gender": "male"},
    }
    return {"control_id": control_id, "type": "booking.create", "data": data, "attempt": 1}


def test_json_gbk_delivery_and_report(make_config, platform, wire):
    his_port = free_port()
    config = make_config({"code": "ep-json", "protocol": "json", "charset": "gbk", "his": f"127.0.0.1:{his_port}"})
    platform.outbox["ep-json"] = [outbound_cancel("OB1"), outbound_cancel("OB2")]

    async def scenario(gateway):
        his = FakeHis("json", "gbk", his_port)
        await his.start()
        try:
            await wire.wait_until(lambda: len(platform.reports) == 2, what="reports")
        finally:
            await his.stop()
        return his

    his = wire.run(config, scenario)
    sent = [json.loads(text) for text in his.received]
    assert [m["control_id"] for m in sent] == ["OB1", "OB2"]
    assert sent[0]["type"] == "booking.cancel" and sent[0]["data"]["reason"] == "患者取消"
    assert [(code, r["control_id"], r["status"], r["his_ref"]) for code, r in platform.reports] == [
        ("ep-json", "OB1", "AA", "HIS-OB1"),
        ("ep-json", "OB2", "AA", "HIS-OB2"),
    ]
    assert json.loads(platform.reports[0][1]["reply_raw"])["status"] == "AA"


def test_hl7_booking_delivery_reports_his_ref(make_config, platform, wire):
    his_port = free_port()
    config = make_config({"code": "ep-hl7", "protocol": "hl7", "his": f"127.0.0.1:{his_port}"})
    platform.outbox["ep-hl7"] = [outbound_booking("BK1")]

    async def scenario(gateway):
        his = FakeHis("hl7", "utf-8", his_port)
        await his.start()
        try:
            await wire.wait_until(lambda: platform.reports, what="report")
        finally:
            await his.stop()
        return his

    his = wire.run(config, scenario)
    assert his.received[0].startswith("MSH|") and "SRM^S01" in his.received[0]
    (_code, result), *_ = platform.reports
    assert (result["control_id"], result["status"], result["his_ref"]) == ("BK1", "AA", "HIS-778")


def test_his_down_or_silent_keeps_messages_in_order_then_delivers(make_config, platform, wire):
    his_port = free_port()
    config = make_config(
        {"code": "ep-json", "protocol": "json", "his": f"127.0.0.1:{his_port}"},
        outbound={"his_timeout": 0.2},
        forward={"backoff_initial": 0.02, "backoff_max": 0.05},
    )
    platform.outbox["ep-json"] = [outbound_cancel(f"D{i}") for i in range(3)]

    async def scenario(gateway):
        await wire.wait_until(lambda: len(platform.pulled) == 3, what="pull")
        await asyncio.sleep(0.3)  # nobody listens: retried with backoff, nothing reported
        assert platform.reports == []
        his = FakeHis("json", "utf-8", his_port)
        his.mode = "silent"
        await his.start()
        await wire.wait_until(lambda: len(his.received) >= 2, what="silent deliveries")
        assert platform.reports == []
        assert {json.loads(text)["control_id"] for text in his.received} == {"D0"}  # D1, D2 wait behind D0
        his.mode = "reply"
        await wire.wait_until(lambda: len(platform.reports) == 3, what="reports")
        await his.stop()
        return his

    his = wire.run(config, scenario)
    delivered = [json.loads(text)["control_id"] for text in his.received]
    assert delivered[-3:] == ["D0", "D1", "D2"]
    assert [r["control_id"] for _code, r in platform.reports] == ["D0", "D1", "D2"]


def test_his_errors_are_reported_and_reports_are_retried(make_config, platform, wire):
    his_port = free_port()
    config = make_config({"code": "ep-json", "protocol": "json", "his": f"127.0.0.1:{his_port}"})
    invalid = {"control_id": "BAD1", "type": "booking.cancel", "data": {"reason": "no appointment_ref"}, "attempt": 1}
    platform.outbox["ep-json"] = [invalid, outbound_cancel("AE1")]
    platform.report_fails = 2

    async def scenario(gateway):
        his = FakeHis("json", "utf-8", his_port)
        his.mode = "AE"
        await his.start()
        try:
            await wire.wait_until(lambda: len(platform.reports) == 2, what="reports")
            await asyncio.sleep(0.2)
        finally:
            await his.stop()
        return his

    his = wire.run(config, scenario)
    assert [json.loads(text)["control_id"] for text in his.received] == ["AE1"]  # BAD1 never sent
    results = {r["control_id"]: r for _code, r in platform.reports}
    assert len(platform.reports) == 2 and platform.report_fails == 0
    assert results["BAD1"]["status"] == "AE" and results["BAD1"]["error"].startswith("not sent:")
    assert results["AE1"]["status"] == "AE" and results["AE1"]["error"] == "床位已满"


def test_resent_control_id_delivered_once_until_platform_requeues(make_config, platform, wire):
    his_port = free_port()
    config = make_config({"code": "ep-json", "protocol": "json", "his": f"127.0.0.1:{his_port}"})

    async def scenario(gateway):
        his = FakeHis("json", "utf-8", his_port)
        await his.start()
        try:
            await gateway.spool.add_outbound("ep-json", [outbound_cancel("RS1")])
            await gateway.spool.add_outbound("ep-json", [outbound_cancel("RS1")])  # re-sent before our report
            await wire.wait_until(lambda: len(platform.reports) == 1, what="first report")
            platform.outbox["ep-json"] = [outbound_cancel("RS1", attempt=2)]  # the platform re-queued it
            await wire.wait_until(lambda: len(platform.reports) == 2, what="second report")
        finally:
            await his.stop()
        return his

    his = wire.run(config, scenario)
    assert [json.loads(text)["control_id"] for text in his.received] == ["RS1", "RS1"]
