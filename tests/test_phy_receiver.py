"""The receive path from line bits made by the reference encoder (not our transmitter):
alignment from every bit offset at every lane width, and re-alignment after a bit slip."""

import pytest

from tests.simulation import simulate
from tests.frame_monitor import FrameMonitor
from msl_spec import ControlSymbol, FrameKind, unpack_header
from hdl.phy.lane import LANE_WIDTHS
from hdl.phy.phy_receiver import PhyReceiver
from linkmodel import code8b10b
from linkmodel.frames import Frame, frame_symbols

COMMA = (ControlSymbol.COMMA, True)


def line_bits(symbols, rd=0) -> tuple[list, int]:
    """Encode symbols with the reference tables: (bits in line order, RD after)."""
    bits = []
    for byte, k in symbols:
        code, rd = code8b10b.encode(int(byte), bool(k), rd)
        bits += [code >> position & 1 for position in range(9, -1, -1)]
    return bits, rd


def receive(width, bits):
    """Feed line bits, ``width`` per clock; return the monitor and line event counts."""
    dut = PhyReceiver(width, max_payload=64)
    monitor = FrameMonitor(dut.frames)
    events = {"sync_acquired": 0, "sync_lost": 0, "code_violation": 0, "disparity_error": 0}
    bits = bits + [0] * (-len(bits) % width)

    async def testbench(ctx):
        for start in range(0, len(bits), width):
            word = 0
            for bit in bits[start:start + width]:
                word = word << 1 | bit
            ctx.set(dut.lane, word)
            monitor.sample(ctx)
            for name in events:
                events[name] += ctx.get(getattr(dut.events, name))
            await ctx.tick()

    simulate(dut, testbench)
    return monitor, events


def frames_for(rng, count, first_seq=0):
    return [Frame(rng.choice(list(FrameKind)), seq=first_seq + i,
                  payload=rng.randbytes(rng.randrange(12))) for i in range(count)]


def symbols_of(frames, lead=3, trail=4):
    """Frames between commas: ``lead`` before (for the receiver to acquire), one
    between frames, ``trail`` after (the receive pipeline takes a few symbols)."""
    symbols = [COMMA] * lead
    for frame in frames:
        symbols += frame_symbols(frame) + [COMMA]
    return symbols + [COMMA] * trail


def assert_received(monitor, frames):
    assert [flags for _, _, flags in monitor.frames] == [set()] * len(frames)
    assert [(h, p) for h, p, _ in monitor.frames] == \
        [(unpack_header(f.header()), f.payload) for f in frames]


@pytest.mark.parametrize("width", LANE_WIDTHS)
@pytest.mark.parametrize("offset", range(10))
def test_aligns_from_any_bit_offset(width, offset, rng):
    """Zeros (no comma in them) shift the stream by ``offset`` bits; every frame after the
    acquiring commas arrives, with no line error counted."""
    frames = frames_for(rng, 3)
    bits, _ = line_bits(symbols_of(frames))
    monitor, events = receive(width, [0] * (offset + 20) + bits)
    assert_received(monitor, frames)
    assert events == {"sync_acquired": 1, "sync_lost": 0, "code_violation": 0,
                      "disparity_error": 0}


@pytest.mark.parametrize("width", LANE_WIDTHS)
def test_realigns_after_a_bit_slip(width, rng):
    """One extra bit in the middle of the stream moves every later symbol boundary: the
    receiver must lose sync, find the new boundary and receive the later frames."""
    before, after = frames_for(rng, 3), frames_for(rng, 3, first_seq=10)
    bits, rd = line_bits(symbols_of(before))
    slip = rng.randrange(len(bits) - 30, len(bits))  # among the trailing commas
    bits = bits[:slip] + [bits[slip]] + bits[slip:]  # the receiver sees one bit twice
    later, _ = line_bits(symbols_of(after, lead=12), rd=rd)
    bits += later
    monitor, events = receive(width, bits)
    good = [(h, p) for h, p, flags in monitor.frames if not flags]
    assert good == [(unpack_header(f.header()), f.payload) for f in before + after]
    assert events["sync_lost"] == 1 and events["sync_acquired"] == 2
    assert events["code_violation"] + events["disparity_error"] >= 4
