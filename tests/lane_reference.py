"""The waveform lane decoder as it was before numpy: one bit at a time through a receiver
written as a state machine, and the lane sampled with ``bisect``. Kept as the reference
:mod:`msl_tools.waves.lane_receiver` is held to (``tests/test_lane_receiver.py``); the
code is the old ``msl_tools/waves/vcd_lanes.py``'s, unchanged but for names.
"""

from __future__ import annotations

import bisect

from msl_spec import ACQUIRE_COMMAS, ERROR_LIMIT, GOOD_RUN, RELOCK_BLIND_WORDS

from linkmodel import code8b10b
from linkmodel.frames import FrameParser
from msl_tools.waves.lane_receiver import LaneDecoding
from msl_tools.waves.vcd_lanes import find_signal
from msl_tools.waves.wave_file import WaveFile

_COMMAS = {code8b10b.encode(0xBC, True, rd)[0] for rd in (0, 1)}
_RD_PLUS_COMMA = code8b10b.encode(0xBC, True, 1)[0]


def reference_lane_words(wave_path: str, lane: str, clock: str = "clk") -> tuple[list, int]:
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


def reference_decode(words, width: int, max_payload: int = 65535) -> LaneDecoding:
    """Align, synchronise, decode and parse a lane given as ``[(time, word), ...]``."""
    parser = FrameParser(max_payload)
    receiver = _LaneReceiver(parser)
    for time, word in words:
        receiver.word_start()
        for position in range(width - 1, -1, -1):  # earliest bit is the most significant
            receiver.bit(word >> position & 1, time)
    return LaneDecoding(parser.frames, parser.orphans, receiver.symbols,
                        receiver.invalid_symbols, receiver.acquired, receiver.lost)
