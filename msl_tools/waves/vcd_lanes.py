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
import bisect
import re
import sys
from dataclasses import dataclass

from msl_spec import ACQUIRE_COMMAS, ERROR_LIMIT, GOOD_RUN, RELOCK_BLIND_WORDS

from linkmodel import code8b10b
from linkmodel.frames import FrameParser, ParsedFrame
from msl_tools.waves.wave_file import WaveFile

__all__ = ["LaneDecoding", "find_signal", "lane_words", "decode_lane_words", "decode_lane"]

_COMMAS = {code8b10b.encode(0xBC, True, rd)[0] for rd in (0, 1)}
_RD_PLUS_COMMA = code8b10b.encode(0xBC, True, 1)[0]


def find_signal(names, wanted: str) -> str:
    """The full name of a signal given by its last name component(s).

    The shallowest match wins (a top-level port, not a submodule's copy of it);
    Verilator's ``$rootio`` scope duplicates the ports and is passed over.
    """
    def base(name):  # vectors are listed as "scope.name[9:0]"
        return re.sub(r"\[\d+:\d+\]$", "", name)

    matches = [n for n in names if (base(n) == wanted or base(n).endswith("." + wanted))
               and not n.startswith("$")]
    if not matches:
        raise KeyError(f"no signal named {wanted!r} in the waveform")
    depth = min(n.count(".") for n in matches)
    shallowest = [n for n in matches if n.count(".") == depth]
    if len(shallowest) != 1:
        raise KeyError(f"signal name {wanted!r} is ambiguous: {', '.join(shallowest)}")
    return shallowest[0]


def lane_words(wave_path: str, lane: str, clock: str = "clk") -> tuple[list, int]:
    """``([(time_ns, word), ...], width)``: the lane as sampled before each rising edge
    (a word with X or Z bits reads as 0)."""
    wave = WaveFile(wave_path)
    clock_name, lane_name = find_signal(wave.names, clock), find_signal(wave.names, lane)
    changes = wave.changes(lane_name)
    times = [t for t, _ in changes]
    words = []
    previous_clock = 0
    for time, value in wave.changes(clock_name):
        if value == 1 and previous_clock == 0:
            index = bisect.bisect_left(times, time) - 1  # last change before the edge
            if index >= 0:
                words.append((time * wave.ns_per_unit, changes[index][1] or 0))
        previous_clock = value
    return words, wave.width(lane_name)


@dataclass
class LaneDecoding:
    """What was read from one lane."""

    frames: list[ParsedFrame]
    orphans: list
    symbols: int
    invalid_symbols: int
    sync_acquired: int
    sync_lost: int


class _LaneReceiver:
    """A receiver's symbol layer in Python: comma alignment and the synchronisation
    policy of :mod:`hdl.phy.symbol_sync` (its constants; written independently).

    After an invalid symbol sends it back to searching, the rest of that lane word and
    the next :data:`hdl.phy.phy_receiver.RELOCK_BLIND_WORDS` words are not searched, as in
    the gateware, whose decision to relock comes a few clocks after the symbol.
    """

    def __init__(self, parser: FrameParser):
        self.parser = parser
        self.bits = 0        # recent line bits, newest in bit 0
        self.count = 0       # bits since the last symbol boundary
        self.state = "search"
        self.rd = 0
        self.commas = self.errors = self.run = 0
        self.symbols = self.invalid_symbols = self.acquired = self.lost = 0
        self.blind_words = 0  # word boundaries still to pass before searching again

    def word_start(self) -> None:
        self.blind_words = max(0, self.blind_words - 1)

    def bit(self, value: int, where) -> None:
        self.bits = ((self.bits << 1) | value) & 0x3FF
        self.count += 1
        if self.state == "search":
            if self.bits in _COMMAS and not self.blind_words:  # the comma that fixes the symbol boundary
                self.count, self.commas = 0, 1
                self.rd = code8b10b.decode(self.bits, int(self.bits == _RD_PLUS_COMMA)).rd_after
                self.symbols += 1
                self.state = "acquire" if ACQUIRE_COMMAS > 1 else self._in_sync()
            return
        if self.count < 10:
            return
        self.count = 0
        decoded = code8b10b.decode(self.bits, self.rd)
        self.rd = decoded.rd_after
        invalid = decoded.code_error or decoded.disparity_error
        self.symbols += 1
        self.invalid_symbols += invalid
        if self.state == "acquire":
            if invalid:
                self._search_again()
            elif decoded.k and decoded.byte == 0xBC:
                self.commas += 1
                if self.commas == ACQUIRE_COMMAS:
                    self.state = self._in_sync()
            return
        self.parser.feed(decoded.byte, decoded.k, invalid, where=where)
        if invalid:
            self.errors, self.run = self.errors + 1, 0
            if self.errors == ERROR_LIMIT:
                self._search_again()
                self.lost += 1
                self.parser.sync_lost()
        else:
            self.run += 1
            if self.run == GOOD_RUN:
                self.run, self.errors = 0, max(0, self.errors - 1)

    def _search_again(self) -> None:
        self.state = "search"
        self.blind_words = RELOCK_BLIND_WORDS + 1  # the rest of this word, then those

    def _in_sync(self) -> str:
        self.errors = self.run = 0
        self.acquired += 1
        return "in_sync"


def decode_lane_words(words, width: int, max_payload: int = 65535) -> LaneDecoding:
    """Align, synchronise, decode and parse a lane given as ``[(time, word), ...]``."""
    parser = FrameParser(max_payload)
    receiver = _LaneReceiver(parser)
    for time, word in words:
        receiver.word_start()
        for position in range(width - 1, -1, -1):  # earliest bit is the most significant
            receiver.bit(word >> position & 1, time)
    return LaneDecoding(parser.frames, parser.orphans, receiver.symbols,
                        receiver.invalid_symbols, receiver.acquired, receiver.lost)


def decode_lane(wave_path: str, lane: str, clock: str = "clk",
                max_payload: int = 65535) -> LaneDecoding:
    """Decode the frames on ``lane`` in a VCD or FST file."""
    words, width = lane_words(wave_path, lane, clock)
    return decode_lane_words(words, width, max_payload)


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
    for lane in args.lane or ["a__lane_tx", "b__lane_tx"]:
        try:
            result = decode_lane(args.vcd, lane, args.clock)
        except (KeyError, FileNotFoundError, ValueError) as error:
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
