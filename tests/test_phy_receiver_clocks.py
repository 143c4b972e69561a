"""The receive path on a recovered clock, with clock compensation into a local clock
that runs slower or faster (amaranth.sim, two clocks). The line is made by the reference
encoder (not our transmitter), with the gaps a sender leaves for the tolerance."""

import dataclasses

import pytest
from amaranth.sim import Simulator

from tests.frame_monitor import FrameMonitor
from tests.test_phy_receiver import COMMA, assert_received, frames_for, line_bits
from msl_spec import idle_gap, unpack_header
from hdl.phy.phy_receiver import PhyReceiver
from linkmodel.frames import frame_symbols

PERIOD = 8e-9
TOLERANCE = 8000   # exaggerated, so that a short run drifts by many symbols
MAX_PAYLOAD = 200


def line_words(frames, gap, lead=40, trail=60):
    """10-bit words of the frames, each followed by ``gap`` commas."""
    symbols = [COMMA] * lead
    for frame in frames:
        symbols += frame_symbols(frame) + [COMMA] * gap
    bits, _ = line_bits(symbols + [COMMA] * trail)
    return [int("".join(map(str, bits[i:i + 10])), 2) for i in range(0, len(bits), 10)]


def receive(words, ppm):
    """Feed ``words`` one per recovered-clock cycle; the local clock is ``ppm`` slower
    (negative: faster). Returns the frame monitor and the compensation event counts."""
    dut = PhyReceiver(10, MAX_PAYLOAD, recovered_clock=True, tolerance_ppm=TOLERANCE)
    sim = Simulator(dut)
    sim.add_clock(PERIOD, domain="rx")
    sim.add_clock(PERIOD * (1 + ppm * 1e-6), domain="sync", phase=PERIOD * 0.29)
    monitor = FrameMonitor(dut.frames)
    counts = dict.fromkeys(("deleted", "overflow", "inserted", "underflow"), 0)

    async def line(ctx):
        for word in words:
            ctx.set(dut.lane, word)
            for name in ("deleted", "overflow"):
                counts[name] += ctx.get(getattr(dut.compensation, name))
            await ctx.tick("rx")

    async def local(ctx):
        while True:
            monitor.sample(ctx)
            for name in ("inserted", "underflow"):
                counts[name] += ctx.get(getattr(dut.compensation, name))
            await ctx.tick("sync")

    sim.add_testbench(line)
    sim.add_testbench(local, background=True)
    sim.run()
    return monitor, counts


@pytest.mark.parametrize("ppm", [-TOLERANCE, -200, 0, 200, TOLERANCE])
def test_frames_arrive_whole_at_any_offset_within_the_tolerance(ppm, rng):
    frames = [dataclasses.replace(   # long enough to drift inside a frame
        frame, payload=rng.randbytes(rng.randrange(MAX_PAYLOAD // 2, MAX_PAYLOAD + 1)))
        for frame in frames_for(rng, 14)]
    monitor, counts = receive(line_words(frames, idle_gap(MAX_PAYLOAD, TOLERANCE)), ppm)
    assert_received(monitor, frames)
    assert counts["overflow"] == counts["underflow"] == 0, counts
    if abs(ppm) == TOLERANCE:
        assert counts["deleted" if ppm > 0 else "inserted"] > 5, counts


@pytest.mark.parametrize("ppm, gap, event", [
    (TOLERANCE, 1, "overflow"),          # one comma between frames: none can go
    (-10 * TOLERANCE, 3, "underflow"),   # a frame drifts more than half the buffer
])
def test_slips_beyond_the_tolerance_are_counted_and_never_delivered(ppm, gap, event, rng):
    frames = [dataclasses.replace(frame, payload=rng.randbytes(MAX_PAYLOAD))
              for frame in frames_for(rng, 14)]
    monitor, counts = receive(line_words(frames, gap), ppm)
    assert counts[event] > 0, counts
    sent = [(unpack_header(f.header()), f.payload) for f in frames]
    good = [(h, p) for h, p, flags in monitor.frames if not flags]
    assert all(frame in sent for frame in good), "a damaged frame was reported good"
    assert len(good) < len(frames)
