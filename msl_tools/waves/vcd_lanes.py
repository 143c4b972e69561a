"""Read a lane back out of a waveform (VCD or FST) and decode it into frames.

    python -m msl_tools.waves.vcd_lanes WAVES.vcd [--lane a__lane_tx] [--clock clk]

prints each lane's frames: time, kind, sequence number, count, length and whether the
frame was good (CRC included) or what was wrong with it. The lane is sampled at every
rising clock edge (the value just before the edge, as a flip-flop would), aligned on
K28.5 commas under the receiver's synchronisation policy, decoded with the reference
8b/10b tables and parsed with :class:`linkmodel.frames.FrameParser`. Only the policy's
constants come from the gateware's modules; the decoding is independent of it.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys

import numpy as np

from linkmodel.frames import FrameParser, ParsedFrame
from msl_tools.waves.lane_receiver import LaneDecoding, LaneReceiver
from msl_tools.waves.wave_file import WaveFile

__all__ = ["LaneDecoding", "find_signal", "lane_words", "decode_lane_words", "decode_lane",
           "TRUNCATED"]

#: The tools' warning for a cut-off VCD (:attr:`WaveFile.truncated`).
TRUNCATED = ("warning: {path} is truncated (its last line is cut off, as a stopped "
             "simulation leaves it): what follows is what is complete")


_VECTOR_RANGE = re.compile(r"\[\d+:\d+\]$")


@functools.lru_cache(maxsize=4)
def _bases(names: tuple) -> list[tuple[str, str]]:
    """``(name without its vector range, name)`` for each signal (vectors are listed as
    ``scope.name[9:0]``); once per waveform, not once per signal looked up."""
    return [(_VECTOR_RANGE.sub("", name), name) for name in names]


def find_signal(names, wanted: str) -> str:
    """The full name of a signal given by its last name component(s).

    The shallowest match wins (a top-level port, not a submodule's copy of it);
    Verilator's ``$rootio`` scope duplicates the ports and is passed over.
    """
    matches = [n for b, n in _bases(tuple(names))
               if (b == wanted or b.endswith("." + wanted)) and not n.startswith("$")]
    if not matches:
        raise KeyError(f"no signal named {wanted!r} in the waveform")
    depth = min(n.count(".") for n in matches)
    shallowest = [n for n in matches if n.count(".") == depth]
    if len(shallowest) != 1:
        raise KeyError(f"signal name {wanted!r} is ambiguous: {', '.join(shallowest)}")
    return shallowest[0]


def lane_words(wave, lane: str, clock: str = "clk"):
    """``(times_ns, words, width)``: the lane as sampled before each rising clock edge,
    as numpy arrays (a word with X or Z bits reads as 0). ``wave``: a path or an open
    :class:`WaveFile` (open a file once to read several lanes: it is parsed once)."""
    wave = wave if isinstance(wave, WaveFile) else WaveFile(wave)
    if not wave.names:
        raise KeyError(f"{wave.path} holds no signals")
    clock_name, lane_name = find_signal(wave.names, clock), find_signal(wave.names, lane)
    clock_times, clock_values, _ = wave.arrays(clock_name)
    previous = np.concatenate([[0], clock_values[:-1]])
    edges = clock_times[(clock_values == 1) & (previous == 0)]
    lane_times, lane_values, known = wave.arrays(lane_name)
    lane_values = np.where(known, lane_values, 0)
    index = np.searchsorted(lane_times, edges, side="left") - 1  # last change before
    sampled = index >= 0
    return (edges[sampled] * wave.ns_per_unit, lane_values[index[sampled]],
            wave.width(lane_name))


def decode_lane_words(times, words, width: int, max_payload: int = 65535) -> LaneDecoding:
    """Align, synchronise, decode and parse a lane given as word times and words
    (sequences or numpy arrays; the earliest bit of a word is its most significant)."""
    return LaneReceiver(np.asarray(times, dtype=float), np.asarray(words, dtype=np.int64),
                         width, FrameParser(max_payload)).run()


def decode_lane(wave, lane: str, clock: str = "clk",
                max_payload: int = 65535) -> LaneDecoding:
    """Decode the frames on ``lane`` in a VCD or FST file (a path or a
    :class:`WaveFile`)."""
    return decode_lane_words(*lane_words(wave, lane, clock), max_payload)


def _describe(frame: ParsedFrame) -> str:
    header = frame.header
    if header is None:
        fields = "(header incomplete)"
    else:
        fields = (f"kind={header['kind']} seq={header['seq']} count={header['count']} "
                  f"aux={header['aux']} length={header['length']}")
    verdict = "good" if frame.good else ", ".join(frame.errors)
    return f"{frame.start:>14.1f}  {fields:48}  {verdict}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vcd")
    parser.add_argument("--lane", action="append",
                        help="lane signal (repeatable; default: a__lane_tx and b__lane_tx)")
    parser.add_argument("--clock", default="clk")
    args = parser.parse_args(argv)
    try:
        wave = WaveFile(args.vcd)
    except (FileNotFoundError, ValueError) as error:
        parser.error(str(error))
    if wave.truncated:
        print(TRUNCATED.format(path=args.vcd), file=sys.stderr)
    lanes = args.lane or ["a__lane_tx", "b__lane_tx"]
    try:  # every lane and the clock in one pass over a VCD
        wave.prefetch([find_signal(wave.names, name) for name in [args.clock, *lanes]])
    except KeyError:
        pass  # named below, lane by lane
    for lane in lanes:
        try:
            result = decode_lane(wave, lane, args.clock)
        except (KeyError, ValueError) as error:
            parser.error(str(error).strip("'"))
        good = sum(f.good for f in result.frames)
        print(f"lane {lane}: {len(result.frames)} frames ({good} good), "
              f"{result.symbols} symbols, {result.invalid_symbols} invalid, "
              f"{len(result.orphans)} orphan runs, sync acquired {result.sync_acquired} "
              f"and lost {result.sync_lost} times")
        print(f"{'time (ns)':>14}  {'header':48}  status")
        for frame in result.frames:
            print(_describe(frame))
    return 0


if __name__ == "__main__":
    sys.exit(main())
