"""The framer's symbol stream against the Python frame model (linkmodel.frames)."""

from tests.simulation import simulate
from msl_spec import ControlSymbol, FrameKind
from hdl.phy.framer import Framer
from linkmodel.frames import Frame, frame_symbols

COMMA = (ControlSymbol.COMMA, True)
ABORT = (ControlSymbol.ABORT, True)


def run_framer(frames, *, tick_every=3, stall_at=None, abort_at=None, clocks=None,
               idle_gap=1):
    """Offer ``frames`` one after another; return the symbols sent at ticks, the
    payload bytes taken per frame, and the event counts.

    ``stall_at=(frame, byte)``: the payload source has no byte ready at that point for
    40 clocks. ``abort_at=(frame, byte)``: pulse ``abort`` for the clock after that
    byte was taken. Inputs are set before outputs are sampled, each clock.
    """
    dut = Framer(idle_gap)
    sent, taken, events = [], [0] * len(frames), {"sent": 0, "aborted": 0, "underrun": 0}

    async def testbench(ctx):
        index, offset, stalled, abort_next = 0, 0, 0, False
        budget = clocks or 40 * tick_every * (10 + sum(len(f.payload) + 12 for f in frames))
        header_index = 0
        for clock in range(budget):
            tick = clock % tick_every == 0
            ctx.set(dut.tick, tick)
            # The header stream offers the next frame until the framer takes it.
            frames_port = dut.frames
            if header_index < len(frames):
                f = frames[header_index]
                ctx.set(frames_port.header.valid, 1)
                for name in ("kind", "seq", "count", "aux"):
                    ctx.set(getattr(frames_port.header.payload, name), getattr(f, name))
                ctx.set(frames_port.header.payload.length, len(f.payload))
            else:
                ctx.set(frames_port.header.valid, 0)
            # The payload stream: bytes of the frame being taken, unless stalled.
            if stall_at == (index, offset) and stalled < 40:
                stalled += 1
                ctx.set(frames_port.payload.valid, 0)
            elif index < len(frames) and offset < len(frames[index].payload):
                ctx.set(frames_port.payload.valid, 1)
                ctx.set(frames_port.payload.payload, frames[index].payload[offset])
            else:
                ctx.set(frames_port.payload.valid, 0)
            ctx.set(frames_port.abort, abort_next)
            abort_next = False
            if tick:
                sent.append((ctx.get(dut.symbol.data), bool(ctx.get(dut.symbol.k))))
            for name in events:
                events[name] += ctx.get(getattr(frames_port, name))
            if ctx.get(frames_port.header.valid) and ctx.get(frames_port.header.ready):
                header_index += 1
            if ctx.get(frames_port.payload.valid) and ctx.get(frames_port.payload.ready):
                abort_next = abort_at == (index, offset)
                taken[index] += 1
                offset += 1
            if index < len(frames) and offset == len(frames[index].payload) \
                    and header_index > index:
                index, offset = index + 1, 0
            await ctx.tick()

    simulate(dut, testbench)
    return sent, taken, events


def frames_in(symbols):
    """Split a symbol stream into the runs between commas."""
    runs, current = [], []
    for symbol in symbols:
        if symbol == COMMA:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(symbol)
    return runs + ([current] if current else [])


def test_frames_match_the_model(rng):
    frames = [Frame(rng.choice(list(FrameKind)), rng.randrange(256), rng.randrange(256),
                    rng.randrange(256), rng.randbytes(rng.choice([0, 1, rng.randrange(40)])))
              for _ in range(12)]
    sent, taken, events = run_framer(frames)
    assert frames_in(sent) == [frame_symbols(f) for f in frames]
    assert sent[0] == COMMA and sent[-1] == COMMA  # idle is commas, before and after
    assert taken == [len(f.payload) for f in frames]
    assert events == {"sent": len(frames), "aborted": 0, "underrun": 0}


def test_abort_cuts_the_frame_and_drains_its_payload():
    frames = [Frame(FrameKind.DATA, seq=1, payload=bytes(range(30))),
              Frame(FrameKind.ACK, seq=2, payload=b"next")]
    sent, taken, events = run_framer(frames, abort_at=(0, 10))
    runs = frames_in(sent)
    assert runs[0][-1] == ABORT and runs[0][:-1] == frame_symbols(frames[0])[:len(runs[0]) - 1]
    assert runs[1] == frame_symbols(frames[1])  # the next frame starts clean
    assert taken == [30, 4]  # the rest of the aborted payload was taken, not left behind
    assert events == {"sent": 1, "aborted": 1, "underrun": 0}


def test_payload_underrun_aborts_the_frame():
    frames = [Frame(FrameKind.DATA, seq=1, payload=bytes(range(30))),
              Frame(FrameKind.ACK, seq=2)]
    sent, taken, events = run_framer(frames, stall_at=(0, 7))
    runs = frames_in(sent)
    assert runs[0][-1] == ABORT and len(runs[0]) == 1 + 6 + 7 + 1
    assert runs[1] == frame_symbols(frames[1])
    assert taken == [30, 0]
    assert events == {"sent": 1, "aborted": 1, "underrun": 1}


def comma_runs(symbols):
    """Lengths of the runs of commas between frames (not the idle before the first)."""
    runs, count, seen_frame = [], 0, False
    for symbol in symbols:
        if symbol == COMMA:
            count += 1
        else:
            if count and seen_frame:
                runs.append(count)
            count, seen_frame = 0, True
    return runs


def test_every_frame_is_followed_by_the_idle_gap():
    # Frames offered back to back, one of them cut short: each is followed by idle_gap
    # commas (the clock compensation's room; after an abort, more while the rest of its
    # payload drains), and still matches the model.
    frames = [Frame(FrameKind.DATA, seq=n, payload=bytes(range(n + 3))) for n in range(6)]
    sent, _, events = run_framer(frames, idle_gap=3, abort_at=(2, 1))
    runs = frames_in(sent)
    assert [run for index, run in enumerate(runs) if index != 2] == \
        [frame_symbols(f) for index, f in enumerate(frames) if index != 2]
    assert runs[2][-1] == ABORT
    gaps = comma_runs(sent)[:len(frames) - 1]
    assert gaps[2] >= 3 and gaps[:2] + gaps[3:] == [3] * (len(frames) - 2)
    assert events["sent"] == len(frames) - 1 and events["aborted"] == 1
