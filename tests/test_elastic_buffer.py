"""The elastic buffer at two clocks (amaranth.sim): frames come out whole and in order,
commas are removed or added only between frames, and a clock offset too large for the
buffer is counted, never silent.

The line here is a 10-bit lane (a symbol every clock on both sides). Frames are START,
random data, END, then a gap of commas, as the framer sends them. The reference is the
sent symbol sequence itself.
"""

import random

import pytest
from amaranth.sim import Simulator

from msl_spec import ControlSymbol
from hdl.phy.elastic_buffer import ElasticBuffer

PERIOD = 8e-9  # 125 MHz
START = (ControlSymbol.START, 1)
END = (ControlSymbol.END, 1)
COMMA = (ControlSymbol.COMMA, 1)


def line(seed, frames, max_bytes, gap):
    """``[(data, k), ...]``: ``frames`` frames of 1..max_bytes data bytes, each followed
    by ``gap`` commas, between runs of commas (the idle line before and after)."""
    rng = random.Random(seed)
    symbols = [COMMA] * 64
    for _ in range(frames):
        symbols += [START] + [(rng.randrange(256), 0)
                              for _ in range(rng.randint(1, max_bytes))] + [END]
        symbols += [COMMA] * gap
    return symbols + [COMMA] * 64


def run(symbols, ppm, depth=32, then_stop=0):
    """Send ``symbols`` one per rx clock (then nothing for ``then_stop`` rx clocks: the
    line went dead); the local clock is ``ppm`` slower (negative: faster). Returns the symbols read (``None`` for an underflow's invalid symbol), the
    ticks that went without a symbol once reading had started, and the event counts."""
    dut = ElasticBuffer(depth, write_domain="rx", read_domain="sync")
    sim = Simulator(dut)
    sim.add_clock(PERIOD, domain="rx")
    sim.add_clock(PERIOD * (1 + ppm * 1e-6), domain="sync", phase=PERIOD * 0.37)
    out, counts, state = [], dict.fromkeys(("deleted", "overflow", "inserted", "underflow"), 0), {}

    async def writer(ctx):
        for data, k in symbols:
            ctx.set(dut.write.symbol.data, data)
            ctx.set(dut.write.symbol.k, k)
            ctx.set(dut.write.in_sync, 1)
            ctx.set(dut.write_valid, 1)
            counts["deleted"] += ctx.get(dut.deleted)
            counts["overflow"] += ctx.get(dut.overflow)
            await ctx.tick("rx")
        ctx.set(dut.write_valid, 0)
        for _ in range(then_stop):
            await ctx.tick("rx")

    async def reader(ctx):
        ctx.set(dut.tick, 1)
        started = 0
        state["gaps"] = 0
        while True:
            if ctx.get(dut.read_valid):
                started = 1
                counts["inserted"] += ctx.get(dut.inserted)
                counts["underflow"] += ctx.get(dut.underflow)
                if ctx.get(dut.read.invalid):
                    out.append(None)
                else:
                    out.append((ctx.get(dut.read.symbol.data), ctx.get(dut.read.symbol.k)))
            elif started:
                state["gaps"] += 1
            await ctx.tick("sync")

    sim.add_testbench(writer)
    sim.add_testbench(reader, background=True)
    sim.run()
    return out, state["gaps"], counts


def frames_of(symbols):
    """The frames (START..END) in a symbol sequence, and whether a comma or an invalid
    symbol sat inside one or a frame followed the one before without a comma."""
    frames, current, damaged = [], None, False
    previous = None
    for symbol in symbols:
        if symbol == START:
            damaged |= previous == END
            current = [symbol]
        elif current is not None:
            if symbol in (COMMA, None):
                damaged = True
            current.append(symbol)
            if symbol == END:
                frames.append(current)
                current = None
        previous = symbol
    return frames, damaged


@pytest.mark.parametrize("ppm", [-8000, -200, 0, 200, 8000])
def test_frames_come_out_whole_and_commas_move_only_between_frames(ppm):
    # 8000 ppm (exaggerated, so that a short run drifts far more than the buffer's
    # margins): up to 3.2 symbols of drift in a 400-symbol frame; a gap of 5 commas
    # has 4 removable ones.
    sent = line(seed=ppm, frames=15, max_bytes=400, gap=5)
    out, gaps, counts = run(sent, ppm)
    sent_frames, _ = frames_of(sent)
    got_frames, damaged = frames_of(out)
    assert got_frames == sent_frames and not damaged
    assert gaps == 0, "a tick went without a symbol"
    assert counts["overflow"] == counts["underflow"] == 0, counts
    # The commas taken out (or added) make up the drift, less what the level may wander
    # within the buffer's margins (half the buffer at most).
    drift = len(sent) * ppm * 1e-6
    net = counts["deleted"] - counts["inserted"]
    assert abs(net - drift) <= 16, (drift, counts)


@pytest.mark.parametrize("ppm, event", [(8000, "overflow"), (-8000, "underflow")])
def test_a_drift_beyond_the_buffer_is_counted(ppm, event):
    # 8000 ppm over 2000-symbol frames: 16 symbols of drift in a frame, more than the
    # 16-symbol buffer's half can take.
    sent = line(seed=1, frames=4, max_bytes=2000, gap=20)
    out, _, counts = run(sent, ppm, depth=16)
    assert counts[event] > 0, counts
    if event == "underflow":
        assert None in out   # the frame it hit is marked, so the deframer rejects it


def test_the_last_comma_between_frames_is_never_removed():
    # Back-to-back frames with one comma between: nothing there may go, however full
    # the buffer gets (the sender's longer gaps are what make room).
    sent = line(seed=3, frames=4, max_bytes=400, gap=1)
    out, _, counts = run(sent, 8000)
    got_frames, damaged = frames_of(out)
    assert got_frames == frames_of(sent)[0] and not damaged, counts


def test_a_line_that_stops_drains_the_buffer_and_counts_one_underflow():
    """The writer stops (a dead line, before the receive path has noticed): the reader
    repeats a comma at most once per comma it reads, so it drains the buffer and says so
    with one underflow, instead of making up commas for as long as the line is dead."""
    symbols = line(5, 3, 40, 2)
    out, _, counts = run(symbols, 0, then_stop=400)
    assert counts["underflow"] == 1, counts
    assert counts["inserted"] <= 32, counts   # at most a buffer's worth, not 400
    sent = [s for s in symbols if s != COMMA]
    assert [s for s in out if s not in (COMMA, None)] == sent
