"""The deframer's verdicts: explicit cases for every status flag, and differential fuzzing
against the independent Python parser (:class:`linkmodel.frames.FrameParser`)."""

import pytest

from tests.simulation import simulate
from tests.frame_monitor import FrameMonitor
from hdl.phy.deframer import Deframer
from msl_spec import ControlSymbol, FrameKind, unpack_header
from linkmodel.frames import Frame, FrameParser, frame_symbols

MAX_PAYLOAD = 64
START, END, ABORT, COMMA = (ControlSymbol.START, True), (ControlSymbol.END, True), \
    (ControlSymbol.ABORT, True), (ControlSymbol.COMMA, True)
INVALID = "invalid"  # stands for a code word with a code or disparity error
SYNC_LOST = "sync lost"  # the receiver drops sync here (and regains it at once)


def run_deframer(symbols):
    """Feed symbols one per clock; return (frames, orphans) as the deframer reports them.

    A frame is ``(header dict or None, payload bytes, set of status flags)``.
    """
    dut = Deframer(MAX_PAYLOAD)
    monitor = FrameMonitor(dut.frames)

    async def testbench(ctx):
        ctx.set(dut.in_sync, 1)
        for symbol in list(symbols) + [COMMA, COMMA]:
            ctx.set(dut.valid, 1)
            ctx.set(dut.in_sync, symbol != SYNC_LOST)
            if symbol in (INVALID, SYNC_LOST):
                ctx.set(dut.invalid, 1)
                ctx.set(dut.symbol.data, 0)
                ctx.set(dut.symbol.k, 0)
                if symbol == SYNC_LOST:
                    ctx.set(dut.valid, 0)
            else:
                ctx.set(dut.invalid, 0)
                ctx.set(dut.symbol.data, int(symbol[0]))
                ctx.set(dut.symbol.k, int(symbol[1]))
            monitor.sample(ctx)
            await ctx.tick()

    simulate(dut, testbench)
    return monitor.frames, monitor.orphans


def run_reference(symbols):
    parser = FrameParser(MAX_PAYLOAD)
    for symbol in symbols:
        if symbol == SYNC_LOST:
            parser.sync_lost()
        elif symbol == INVALID:
            parser.feed(0, False, True)
        else:
            parser.feed(int(symbol[0]), bool(symbol[1]))
    return parser.frames, len(parser.orphans)


def good(frame):
    return frame_symbols(frame)


FRAME = Frame(FrameKind.DATA, seq=7, count=2, aux=1, payload=bytes(range(20)))
OTHER = Frame(FrameKind.ACK, seq=9, count=1)


def body(frame):
    """The symbols between START and END (header, payload, CRC)."""
    return frame_symbols(frame)[1:-1]


CASES = {
    # name: (symbols, expected [(frame or None, flags)], expected orphan runs)
    "good": ([COMMA] + good(FRAME) + [COMMA], [(FRAME, set())], 0),
    "empty payload": ([COMMA] + good(OTHER), [(OTHER, set())], 0),
    "two back to back": (good(FRAME) + [COMMA] + good(OTHER),
                         [(FRAME, set()), (OTHER, set())], 0),
    "header cut by comma": ([START] + body(FRAME)[:3] + [COMMA], [(None, {"truncated"})], 0),
    "payload cut by end": ([START] + body(FRAME)[:12] + [END], [(None, {"truncated"})], 0),
    "abort in payload": ([START] + body(FRAME)[:12] + [ABORT] + good(OTHER),
                         [(None, {"aborted"}), (OTHER, set())], 0),
    "start in payload": ([START] + body(FRAME)[:12] + good(OTHER),
                         [(None, {"truncated"}), (OTHER, set())], 0),
    "data after crc": ([START] + body(FRAME) + [(0x55, False), END] + good(OTHER),
                       [(None, {"overlong"}), (OTHER, set())], 0),
    "comma instead of end": ([START] + body(FRAME) + [COMMA] + good(OTHER),
                             [(None, {"bad_delimiter"}), (OTHER, set())], 0),
    "unknown kind": (good(Frame(0, seq=1)) + good(Frame(7, seq=2)) + good(OTHER),
                     [(None, {"bad_header"}), (None, {"bad_header"}), (OTHER, set())], 0),
    "length over maximum": (good(Frame(FrameKind.DATA, payload=bytes(MAX_PAYLOAD + 1))),
                            [(None, {"bad_header"})], 0),
    "length at maximum": (good(Frame(FrameKind.DATA, payload=bytes(MAX_PAYLOAD))),
                          [(Frame(FrameKind.DATA, payload=bytes(MAX_PAYLOAD)), set())], 0),
    "invalid code word": ([START] + body(FRAME)[:9] + [INVALID] + body(FRAME)[10:] + [END]
                          + good(OTHER), [(None, {"code_error"}), (OTHER, set())], 0),
    "wrong crc": ([START] + body(FRAME)[:-1] + [(body(FRAME)[-1][0] ^ 1, False), END],
                  [(None, {"crc_error"})], 0),
    "stray data between frames": ([COMMA, (1, False), (2, False), COMMA, (3, False),
                                   (ControlSymbol.END, True)] + good(OTHER),
                                  [(OTHER, set())], 2),
    "sync lost in frame": ([START] + body(FRAME)[:10] + [SYNC_LOST] + good(OTHER),
                           [(None, {"sync_lost"}), (OTHER, set())], 0),
}


@pytest.mark.parametrize("name", CASES)
def test_deframer_verdict(name):
    symbols, expected, expected_orphans = CASES[name]
    frames, orphans = run_deframer(symbols)
    assert orphans == expected_orphans
    assert [flags for _, _, flags in frames] == [flags for _, flags in expected]
    for (header, payload, flags), (frame, _) in zip(frames, expected):
        if not flags:  # a good frame comes out whole and exact
            assert (header, payload) == (unpack_header(frame.header()), frame.payload)
        else:  # a bad frame never delivers more payload than its header allowed
            assert header is None or len(payload) <= header["length"]


def test_bad_header_delivers_no_payload():
    frames, _ = run_deframer(good(Frame(FrameKind.DATA, payload=bytes(MAX_PAYLOAD + 5))))
    assert frames == [(None, b"", {"bad_header"})]


def mutate(symbols, rng):
    """One random corruption of a symbol stream."""
    symbols = list(symbols)
    position = rng.randrange(len(symbols))
    action = rng.choice(["data", "control", "invalid", "delete", "insert", "sync"])
    if action == "data":
        symbols[position] = (rng.randrange(256), False)
    elif action == "control":
        symbols[position] = rng.choice([START, END, ABORT, COMMA, (0x1C, True)])
    elif action == "invalid":
        symbols[position] = INVALID
    elif action == "delete":
        del symbols[position]
    elif action == "insert":
        symbols.insert(position, (rng.randrange(256), False))
    else:
        symbols.insert(position, SYNC_LOST)
    return symbols


def random_frame(rng):
    kind = rng.choice(list(FrameKind) + [0, 9])  # some unknown kinds too
    return Frame(int(kind), rng.randrange(256), rng.randrange(256), rng.randrange(256),
                 rng.randbytes(rng.choice([0, 1, rng.randrange(MAX_PAYLOAD + 8)])))


def test_deframer_agrees_with_reference_parser(rng):
    """Random frames, randomly corrupted: the gateware's verdict on every frame, its
    payload when good, and its orphan count match the reference parser's."""
    symbols = []
    for _ in range(160):
        frame_syms = frame_symbols(random_frame(rng))
        for _ in range(rng.choice([0, 0, 1, 2])):
            frame_syms = mutate(frame_syms, rng)
        symbols += frame_syms + [COMMA] * rng.randrange(1, 3)
    frames, orphans = run_deframer(symbols)
    expected, expected_orphans = run_reference(symbols)
    got = [(flags, None if flags else (h, p)) for h, p, flags in frames]
    want = [(set(f.errors), None if f.errors else (f.header, f.payload)) for f in expected]
    assert got == want
    assert orphans == expected_orphans
    assert sum(not flags for flags, _ in got) > 20, "too few good frames to mean anything"
    assert sum(bool(flags) for flags, _ in got) > 20, "too few bad frames to mean anything"
