"""A receiver's symbol layer over a whole recorded lane at once, with numpy.

Comma alignment, the synchronisation policy of :mod:`msl_spec.line_sync` and 8b/10b
decoding, written independently of the gateware: the code words come from lookup tables
built from the reference decoder (:func:`linkmodel.code8b10b.decode`), the frames from
:class:`linkmodel.frames.FrameParser`. The lane's bits are windowed ten at a time in
arrays; Python runs only at the events that change the receiver's state (a comma while
searching, an invalid symbol, a control symbol for the parser), so a demo VCD's lanes
decode in a fraction of a second where a bit-by-bit loop took seconds. The result is
the bit-by-bit receiver's, symbol for symbol (``tests/test_lane_receiver.py`` holds the
two side by side).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from msl_spec import ACQUIRE_COMMAS, ERROR_LIMIT, GOOD_RUN, RELOCK_BLIND_WORDS, ControlSymbol

from linkmodel import code8b10b
from linkmodel.frames import FrameParser, ParsedFrame

__all__ = ["LaneDecoding", "LaneReceiver", "DECODE_TABLES"]

_COMMA_RD_MINUS = code8b10b.encode(0xBC, True, 0)[0]
_COMMA_RD_PLUS = code8b10b.encode(0xBC, True, 1)[0]
#: Symbols decoded per step once in sync: long enough for numpy to pay, short enough
#: that a noisy line's many relocks do not redo much work.
_CHUNK = 8192


def _tables():
    """``(byte, k, invalid, rd_set)`` arrays indexed ``[rd, code]`` (``rd_set[code]``:
    the running disparity after ``code``, or -1 where it is the one before)."""
    byte = np.zeros((2, 1024), np.int64)
    k = np.zeros((2, 1024), bool)
    invalid = np.zeros((2, 1024), bool)
    rd_set = np.full(1024, -1, np.int64)
    for code in range(1024):
        after = []
        for rd in (0, 1):
            d = code8b10b.decode(code, rd)
            byte[rd, code], k[rd, code] = d.byte, d.k
            invalid[rd, code] = d.code_error or d.disparity_error
            after.append(d.rd_after)
        if after[0] == after[1]:
            rd_set[code] = after[0]
        elif after != [0, 1]:  # the chain below assumes no code word flips the disparity
            raise AssertionError(f"code {code:010b} inverts the running disparity")
    return byte, k, invalid, rd_set


#: The reference decoder as lookup tables (see :func:`_tables`).
DECODE_TABLES = _tables()


@dataclass
class LaneDecoding:
    """What was read from one lane."""

    frames: list[ParsedFrame]
    orphans: list
    symbols: int
    invalid_symbols: int
    sync_acquired: int
    sync_lost: int


class LaneReceiver:
    """Decode one recorded lane.

    Parameters
    ----------
    times : numpy.ndarray
        Each word's time (the frames' ``start`` is the time of the word that completed
        their START symbol).
    words : numpy.ndarray
        The lane's words, the earliest bit the most significant.
    width : int
        Bits per word.
    parser : FrameParser
        Receives the symbols decoded in sync.

    After an invalid symbol sends the receiver back to searching, the rest of that word
    and the next :data:`msl_spec.RELOCK_BLIND_WORDS` words are not searched, as in the
    gateware, whose decision to relock comes a few clocks after the symbol.
    """

    def __init__(self, times: np.ndarray, words: np.ndarray, width: int,
                 parser: FrameParser):
        if width < 1:
            raise ValueError(f"lane width must be at least 1 bit, not {width}")
        self.times, self.width, self.parser = times, width, parser
        shifts = np.arange(width - 1, -1, -1)
        bits = ((words[:, None] >> shifts) & 1).astype(np.int16).ravel()
        # window[i]: the ten bits ending with bit i, earliest in bit 9 (zeros before the
        # first bit, as in a receiver's shift register out of reset).
        padded = np.concatenate([np.zeros(9, np.int16), bits])
        window = np.zeros(len(bits), np.int16)
        for offset in range(10):
            window = (window << 1) | padded[offset:offset + len(bits)]
        self.window = window
        self.commas = np.flatnonzero((window == _COMMA_RD_MINUS) | (window == _COMMA_RD_PLUS))
        self.symbols = self.invalid_symbols = self.acquired = self.lost = 0

    def run(self) -> LaneDecoding:
        search_from = 0
        while True:
            found = np.searchsorted(self.commas, search_from)
            if found == len(self.commas):
                break
            comma = int(self.commas[found])
            self.symbols += 1
            # The comma itself fixes the disparity: RD- K28.5 leaves RD+, and back.
            rd = int(self.window[comma] == _COMMA_RD_MINUS)
            search_from = self._after_comma(comma, rd)
            if search_from is None:
                break
        p = self.parser
        return LaneDecoding(p.frames, p.orphans, self.symbols, self.invalid_symbols,
                            self.acquired, self.lost)

    def _symbols(self, first_bit: int, rd: int):
        """Chunks of decoded symbols from the one ending at ``first_bit``: ``(bit
        positions, byte, k, invalid, rd after the chunk)``."""
        total = len(self.window)
        byte_table, k_table, invalid_table, rd_set = DECODE_TABLES
        while first_bit < total:
            positions = np.arange(first_bit, min(total, first_bit + 10 * _CHUNK), 10)
            codes = self.window[positions]
            # The disparity before each symbol: set by the last symbol that sets one.
            setters = rd_set[codes]
            last = np.maximum.accumulate(np.where(setters >= 0, np.arange(len(codes)), -1))
            after = np.where(last >= 0, setters[np.maximum(last, 0)], rd)
            before = np.concatenate([[rd], after[:-1]])
            yield (positions, byte_table[before, codes], k_table[before, codes],
                   invalid_table[before, codes])
            rd = int(after[-1])
            first_bit = int(positions[-1]) + 10

    def _relock_from(self, bit: int) -> int:
        """Where searching resumes after an invalid symbol ending at ``bit``."""
        return (bit // self.width + RELOCK_BLIND_WORDS + 1) * self.width

    def _after_comma(self, comma: int, rd: int):
        """Acquire, then stay in sync; the bit to search from next (None: lane ended)."""
        commas, in_sync = 1, ACQUIRE_COMMAS <= 1
        errors = run = 0
        if in_sync:
            self.acquired += 1
        for positions, byte, k, invalid in self._symbols(comma + 10, rd):
            start = 0
            if not in_sync:
                is_comma = k & (byte == 0xBC) & ~invalid
                first_invalid = int(np.argmax(invalid)) if invalid.any() else len(invalid)
                needed = np.flatnonzero(is_comma[:first_invalid])
                if len(needed) >= ACQUIRE_COMMAS - commas:
                    start = int(needed[ACQUIRE_COMMAS - commas - 1]) + 1
                    self.symbols += start
                    in_sync, errors, run = True, 0, 0
                    self.acquired += 1
                elif first_invalid < len(invalid):
                    self.symbols += first_invalid + 1
                    self.invalid_symbols += 1
                    return self._relock_from(int(positions[first_invalid]))
                else:
                    commas += len(needed)
                    self.symbols += len(invalid)
                    continue
            # In sync: the error count of the policy moves only at invalid symbols.
            end = len(invalid)
            lost_at = None
            previous = start
            for index in np.flatnonzero(invalid[start:]) + start:
                total = run + int(index - previous)
                errors, run = max(0, errors - total // GOOD_RUN), total % GOOD_RUN
                errors, run, previous = errors + 1, 0, int(index) + 1
                if errors == ERROR_LIMIT:
                    lost_at = int(index)
                    end = lost_at + 1
                    break
            else:
                total = run + (end - previous)
                errors, run = max(0, errors - total // GOOD_RUN), total % GOOD_RUN
            self._feed(positions[start:end], byte[start:end], k[start:end],
                       invalid[start:end])
            self.symbols += end - start
            self.invalid_symbols += int(invalid[start:end].sum())
            if lost_at is not None:
                self.lost += 1
                self.parser.sync_lost()
                return self._relock_from(int(positions[lost_at]))
        return None

    def _feed(self, positions, byte, k, invalid) -> None:
        """Hand symbols to the parser: runs of data bytes at once, a run of commas as
        its first (the rest change nothing: the parser is between frames after one)."""
        special = k | invalid
        comma = k & (byte == ControlSymbol.COMMA) & ~invalid
        repeat = np.zeros(len(comma), bool)
        repeat[1:] = comma[1:] & comma[:-1]
        marks = np.flatnonzero(special & ~repeat)
        data_runs = np.flatnonzero(~special & np.concatenate([[True], special[:-1]]))
        events = np.union1d(marks, data_runs)
        if not len(events):
            return
        word_times = self.times[positions // self.width]
        feed, feed_data = self.parser.feed, self.parser.feed_data
        as_bytes = byte.astype(np.uint8)
        # Each data run ends at the next special symbol.
        next_special = np.flatnonzero(special)
        for index in events.tolist():
            if special[index]:
                feed(int(byte[index]), bool(k[index]), bool(invalid[index]),
                     where=float(word_times[index]))
            else:
                stop = np.searchsorted(next_special, index)
                end = int(next_special[stop]) if stop < len(next_special) else len(special)
                feed_data(as_bytes[index:end].tobytes(), float(word_times[index]))
