"""Framing edge cases, fed chunk by chunk the way TCP delivers them."""

import asyncio

import pytest
from ihospital_gateway.framing import FrameReader, FrameTooLarge, IncompleteFrame, frame

SB, EB = b"\x0b", b"\x1c\x0d"


def read_all(protocol: str, chunks: list[bytes], max_bytes: int = 1000) -> list[bytes]:
    """Feed the chunks with a pause between them and return every frame until end of stream."""

    async def main():
        reader = asyncio.StreamReader()
        framer = FrameReader(reader, protocol, max_bytes)

        async def feed():
            for chunk in chunks:
                reader.feed_data(chunk)
                await asyncio.sleep(0)
            reader.feed_eof()

        feeder = asyncio.create_task(feed())
        frames = []
        while (payload := await framer.read()) is not None:
            frames.append(payload)
        await feeder
        return frames

    return asyncio.run(main())


def test_frame_wraps_for_each_protocol():
    assert frame("hl7", b"MSH|x") == SB + b"MSH|x" + EB
    assert frame("json", b"{}") == b"{}\n"


def test_mllp_frame_split_over_many_packets():
    message = SB + b"MSH|^~\\&|A\rPID|1\r" + EB
    chunks = [message[i : i + 3] for i in range(0, len(message), 3)]
    assert read_all("hl7", chunks) == [b"MSH|^~\\&|A\rPID|1\r"]


def test_mllp_end_block_split_between_packets():
    assert read_all("hl7", [SB + b"MSH|1\x1c", b"\x0d"]) == [b"MSH|1"]


def test_several_frames_in_one_packet():
    assert read_all("hl7", [SB + b"one" + EB + SB + b"two" + EB + SB + b"thr", b"ee" + EB]) == [
        b"one",
        b"two",
        b"three",
    ]
    assert read_all("json", [b'{"a": 1}\n{"b": 2}\r\n\n{"c"', b": 3}\n"]) == [b'{"a": 1}', b'{"b": 2}', b'{"c": 3}']


def test_garbage_before_start_block_is_dropped():
    async def main():
        reader = asyncio.StreamReader()
        framer = FrameReader(reader, "hl7", 1000)
        reader.feed_data(b"noise\r\n" + SB + b"one" + EB + b"\r\n" + SB + b"stale" + SB + b"two" + EB)
        reader.feed_eof()
        frames = [await framer.read(), await framer.read(), await framer.read()]
        return frames, framer.garbage_bytes

    frames, garbage = asyncio.run(main())
    assert frames == [b"one", b"two", None]
    assert garbage == len(b"noise\r\n") + len(b"\r\n") + len(b"stale" + SB)


def test_oversized_frames_are_refused_before_they_end():
    with pytest.raises(FrameTooLarge) as error:
        read_all("hl7", [SB + b"MSH|" + b"x" * 600, b"y" * 600], max_bytes=1000)
    assert error.value.partial.startswith(b"MSH|")
    assert "1000 bytes" in str(error.value)
    with pytest.raises(FrameTooLarge):
        read_all("json", [b"z" * 1001], max_bytes=1000)
    with pytest.raises(FrameTooLarge):  # endless noise without a start block
        read_all("hl7", [b"n" * 600, b"n" * 600], max_bytes=1000)
    assert read_all("hl7", [SB + b"x" * 1000 + EB], max_bytes=1000) == [b"x" * 1000]


def test_end_of_stream_inside_a_frame():
    with pytest.raises(IncompleteFrame) as error:
        read_all("hl7", [SB + b"MSH|half"])
    assert error.value.partial == SB + b"MSH|half"
    with pytest.raises(IncompleteFrame):
        read_all("json", [b'{"a": 1}\n{"b"'])
    assert read_all("json", [b'{"a": 1}\n  \n']) == [b'{"a": 1}']
    assert read_all("hl7", [SB + b"one" + EB + b"\r\n"]) == [b"one"]


def test_read_timeout_leaves_partial_frame_visible():
    async def main():
        reader = asyncio.StreamReader()
        framer = FrameReader(reader, "hl7", 1000)
        reader.feed_data(b"\r\n")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(framer.read(), 0.05)
        idle = framer.in_frame
        reader.feed_data(SB + b"MSH|part")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(framer.read(), 0.05)
        return idle, framer.in_frame, framer.partial

    idle, in_frame, partial = asyncio.run(main())
    assert not idle
    assert in_frame and partial == SB + b"MSH|part"
