"""The numpy lane decoder against the bit-by-bit one it replaced (``tests/lane_reference.py``):
the same frames (start, header, payload, verdict), orphan runs and symbol counts, on
synthetic lanes built from the reference 8b/10b tables and frame format (bit errors,
slips, every lane width, any bit offset, runs that lose and regain sync) and on the
waveforms the simulations recorded under ``sim_build/waves/`` (when there are any)."""

import random
from pathlib import Path

import numpy as np
import pytest

from linkmodel import code8b10b
from linkmodel.frames import Frame, frame_symbols
from msl_spec import ControlSymbol, FrameKind
from msl_tools.waves.vcd_lanes import decode_lane_words, lane_words
from msl_tools.waves.wave_file import WaveFile
from tests.lane_reference import reference_decode, reference_lane_words

ROOT = Path(__file__).resolve().parent.parent


def _symbols_of_a_line(rng: random.Random, frames: int) -> list[tuple[int, bool]]:
    """Idle commas and frames of every kind, some aborted, truncated, overlong or with a
    bad header."""
    symbols = [(ControlSymbol.COMMA, True)] * rng.randrange(2, 12)
    for _ in range(frames):
        kind = rng.choice(list(FrameKind))
        payload = bytes(rng.randrange(256) for _ in range(
            rng.choice((0, 1, 24, rng.randrange(300)))))
        body = frame_symbols(Frame(kind, rng.randrange(256), rng.randrange(256),
                                   rng.randrange(256), payload))
        damage = rng.random()
        if damage < 0.1:  # cut short by an ABORT, or by the next frame's START
            body = body[:rng.randrange(1, len(body))] + [
                (rng.choice((ControlSymbol.ABORT, ControlSymbol.START)), True)]
        elif damage < 0.15:  # overlong: data after the CRC
            body = body[:-1] + [(rng.randrange(256), False)] * rng.randrange(1, 3) + body[-1:]
        elif damage < 0.2:  # a header no receiver accepts (kind 0xEE)
            body = body[:1] + [(0xEE, False)] + body[2:]
        symbols += body + [(ControlSymbol.COMMA, True)] * rng.randrange(1, 8)
        if rng.random() < 0.05:  # a run of stray data between frames
            symbols += [(rng.randrange(256), False) for _ in range(rng.randrange(1, 5))]
    return symbols


def _line_bits(rng: random.Random, symbols, ber: float, slips: int) -> list[int]:
    rd, bits = 0, []
    for byte, k in symbols:
        code, rd = code8b10b.encode(byte, k, rd)
        bits += [code >> i & 1 for i in range(9, -1, -1)]
    for _ in range(int(len(bits) * ber)):
        bits[rng.randrange(len(bits))] ^= 1
    for _ in range(slips):  # a bit lost or repeated: the receiver must realign
        at = rng.randrange(len(bits))
        bits[at:at + 1] = [] if rng.random() < 0.5 else [bits[at]] * 2
    return [rng.randrange(2) for _ in range(rng.randrange(40))] + bits


def _words(bits: list[int], width: int) -> list[int]:
    bits = bits + [0] * (-len(bits) % width)
    return [int("".join(map(str, bits[i:i + width])), 2) for i in range(0, len(bits), width)]


def _same(new, old) -> None:
    assert [(f.start, f.header, f.payload, f.errors, f.crc_ok) for f in new.frames] == \
        [(f.start, f.header, f.payload, f.errors, f.crc_ok) for f in old.frames]
    assert (new.orphans, new.symbols, new.invalid_symbols, new.sync_acquired,
            new.sync_lost) == (old.orphans, old.symbols, old.invalid_symbols,
                               old.sync_acquired, old.sync_lost)


@pytest.mark.parametrize("width", [1, 2, 5, 10])
@pytest.mark.parametrize("seed", range(6))
def test_synthetic_lanes_decode_as_bit_by_bit(width, seed):
    rng = random.Random(seed * 100 + width)
    ber = (0, 1e-4, 1e-3, 2e-2, 1e-3, 0)[seed]
    bits = _line_bits(rng, _symbols_of_a_line(rng, 40), ber, slips=seed % 3)
    words = _words(bits, width)
    times = [10.0 * i for i in range(len(words))]
    old = reference_decode(list(zip(times, words)), width)
    new = decode_lane_words(times, words, width)
    assert old.frames, "the line carried no frame: the comparison would prove nothing"
    if ber >= 2e-2:
        assert old.sync_lost, "no sync loss: the relock path goes untested"
    _same(new, old)


def test_a_lane_of_no_commas_decodes_to_nothing():
    new = decode_lane_words(np.arange(50) * 10.0, np.zeros(50, np.int64), 10)
    assert (new.frames, new.symbols) == ([], 0)


def _recorded_waveforms() -> list[Path]:
    waves = ROOT / "sim_build" / "waves"
    return sorted([*waves.glob("**/*.vcd"), *waves.glob("**/*.fst")]) if waves.is_dir() else []


@pytest.mark.parametrize("path", _recorded_waveforms()[:4] or [None],
                         ids=lambda p: p and p.name)
def test_recorded_waveforms_decode_as_before(path):
    if path is None:
        pytest.skip("no recorded waveform under sim_build/waves/ (make demo leaves one)")
    wave = WaveFile(path)
    # One lane each way (a transmitter's, and what the channel made of the other's):
    # the old decoder takes seconds a lane, so it decodes the first 40,000 words.
    for lane in ("a__lane_tx", "b__lane_rx"):
        old_words, width = reference_lane_words(str(path), lane)
        times, words, new_width = lane_words(wave, lane)
        assert new_width == width and list(zip(times.tolist(), words.tolist())) == old_words
        old = reference_decode(old_words[:40_000], width)
        assert old.frames, f"{lane} carries no frame in its first 40,000 words"
        _same(decode_lane_words(times[:40_000], words[:40_000], width), old)
