"""The receive controller around a link reset (docs/link-protocol.md, "Stale frames"):
a DATA frame that straddles the reset, or arrives while the link is quiet, belongs to
the old link and must never land in a slot."""

import pytest

from tests.simulation import simulate
from msl_spec import FrameKind
from hdl.link.receive_controller import ReceiveController


def run(frames):
    """Feed ``frames`` (dicts: kind, seq, payload, reset_at = payload index at which
    the link resets, or None; quiet = the link is quiet throughout) to a fresh
    controller; return its packet and stale events, and the expected seq after."""
    dut = ReceiveController(slots=2, slot_size=64)
    seen = {"packets": [], "stale": 0}

    async def testbench(ctx):
        ctx.set(dut.enable, 1)

        async def tick():
            if ctx.get(dut.arrival.valid):
                seen["packets"].append(ctx.get(dut.arrival.seq))
            seen["stale"] += ctx.get(dut.stale)
            await ctx.tick()

        for frame in frames:
            ctx.set(dut.quiet, frame.get("quiet", 0))
            ctx.set(dut.rx.header.kind, frame["kind"])
            ctx.set(dut.rx.header.seq, frame["seq"])
            ctx.set(dut.rx.header.count, 1)
            ctx.set(dut.rx.header.length, len(frame["payload"]))
            ctx.set(dut.rx.header_valid, 1)
            await tick()
            ctx.set(dut.rx.header_valid, 0)
            for index, byte in enumerate(frame["payload"]):
                ctx.set(dut.reset, index == frame.get("reset_at"))
                ctx.set(dut.rx.payload, byte)
                ctx.set(dut.rx.payload_valid, 1)
                await tick()
            ctx.set(dut.reset, 0)
            ctx.set(dut.rx.payload_valid, 0)
            ctx.set(dut.rx.end, 1)
            await tick()
            ctx.set(dut.rx.end, 0)
            ctx.set(dut.quiet, 0)
            for _ in range(3):
                await tick()
        seen["expected"] = ctx.get(dut.expected)

    simulate(dut, testbench)
    return seen


def data(seq, **extra):
    return {"kind": FrameKind.DATA, "seq": seq, "payload": bytes(range(16)), **extra}


def test_data_in_order_is_committed():
    assert run([data(0), data(1)]) == {"packets": [0, 1], "stale": 0, "expected": 2}


@pytest.mark.parametrize("reset_at", [0, 7, 15])
def test_a_frame_straddling_a_reset_is_not_committed(reset_at):
    # seq 0 is what the restarted numbering expects: only the reset rule keeps it out
    seen = run([data(0, reset_at=reset_at)])
    assert seen == {"packets": [], "stale": 1, "expected": 0}


def test_frames_while_quiet_are_stale_and_the_next_one_counts():
    seen = run([data(0, quiet=1),
                {"kind": FrameKind.ACK, "seq": 0, "payload": b"", "quiet": 1},
                data(0)])
    assert seen == {"packets": [0], "stale": 2, "expected": 1}
