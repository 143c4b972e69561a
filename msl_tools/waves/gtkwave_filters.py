"""GTKWave filter processes for a 10-bit MSL lane, on the reference 8b/10b tables.

    python -m msl_tools.waves.gtkwave_filters symbols
    python -m msl_tools.waves.gtkwave_filters frames:PERIOD_PS

GTKWave starts a filter once and talks to it over stdin and stdout.

``symbols`` is a *translate filter process* (``^>`` in a save file): GTKWave writes one
value a line, the lane word as it would display it (hex, ``0FA``), and reads one line
back: the word's 8b/10b name, ``K28.5``, ``D21.5``, or the link's name for a control
symbol (``START``, ``END``, ``ABORT``; the comma stays ``K28.5``), ``?3FF`` for a word
that is no code word. Either running disparity's word is named (a translate filter sees
one value, not the line's history).

``frames:PERIOD_PS`` is a *transaction filter process* (``^<``): GTKWave writes the
lane's whole trace as a small VCD ending with ``$comment data_end ... $end``; the filter
decodes it (:mod:`msl_tools.waves.lane_receiver`, the lane sampled once every
``PERIOD_PS`` picoseconds, the clock period: a word repeated on consecutive clocks
leaves no change in a VCD) and answers with a trace of frames, ``$name``, then
``#time text`` lines (``DATA seq 17 count 2 len 520``, ``ACK seq 17``, ``NAK seq 3
ERROR``, ``HOLDOFF seq 4``, ``EMERGENCY``, ``LINK HELLO``; a bad frame's reasons after
it), then ``$finish``. It keeps reading: GTKWave sends the trace again when it needs it.

:func:`save_file_lines` in :mod:`msl_tools.waves.gtkwave_save` wires both in.
"""

from __future__ import annotations

import re
import sys

import numpy as np

from msl_spec import CRC_BYTES, HEADER_BYTES, ControlSymbol, FrameKind, LinkCommand, NakReason

from linkmodel import code8b10b
from linkmodel.frames import FrameParser, kind_name
from msl_tools.waves.lane_receiver import LaneReceiver

__all__ = ["symbol_name", "frame_label", "FrameTraceFilter", "main"]

_LINK_NAMES = {symbol.value: symbol.name for symbol in ControlSymbol
               if symbol != ControlSymbol.COMMA}


def _names() -> dict[int, str]:
    names = {}
    for rd in (0, 1):
        for code, (byte, k, _) in code8b10b.code_words(rd).items():
            names[code] = (_LINK_NAMES.get(byte) if k else None) or \
                f"{'K' if k else 'D'}{byte & 31}.{byte >> 5}"
    return names


_SYMBOL_NAMES = _names()


def symbol_name(text: str) -> str:
    """The name of a lane word given as GTKWave shows it (hex, or with X/Z bits)."""
    text = text.strip()
    try:
        code = int(text, 16)
    except ValueError:
        return text  # X, Z or a value GTKWave did not show in hex: leave it be
    if not 0 <= code < 1024:
        return text  # not a 10-bit lane
    return _SYMBOL_NAMES.get(code, f"?{code:03X}")


def frame_label(frame) -> str:
    """One frame's text on the frame trace."""
    header = frame.header
    if header is None:
        return "frame " + ",".join(frame.errors)
    kind = header["kind"]
    text = kind_name(kind)
    if kind == FrameKind.DATA:
        text += f" seq {header['seq']} count {header['count']} len {header['length']}"
    elif kind in (FrameKind.ACK, FrameKind.NAK, FrameKind.HOLDOFF):
        text += f" seq {header['seq']}"
    for enum in ((LinkCommand,) if kind == FrameKind.LINK else
                 (NakReason,) if kind == FrameKind.NAK else ()):
        try:
            text += " " + enum(header["aux"]).name
        except ValueError:
            text += f" aux {header['aux']}"
    return text if frame.good else f"{text} {','.join(frame.errors)}"


_UNITS_PS = {"fs": 1e-3, "ps": 1.0, "ns": 1e3, "us": 1e6, "ms": 1e9, "s": 1e12}


class FrameTraceFilter:
    """The ``frames`` filter's state for one trace GTKWave sends.

    Parameters
    ----------
    period_ps : int
        The lane's clock period in picoseconds.
    """

    def __init__(self, period_ps: int):
        if period_ps <= 0:
            raise ValueError(f"the clock period must be positive, not {period_ps} ps")
        self.period_ps = period_ps
        self.reset()

    def reset(self) -> None:
        self.unit_ps, self.width, self.name = 1.0, None, "lane"
        self.changes: list[tuple[int, int]] = []
        self.time = 0

    def line(self, line: str) -> list[str] | None:
        """Take one input line; the answer's lines once a trace is complete."""
        line = line.strip()
        if line.startswith("$comment data_end"):
            answer = self.answer()
            self.reset()
            return answer
        if line.startswith("$timescale"):
            match = re.match(r"\$timescale\s+(\d+)\s*(\w+)", line)
            if match:
                self.unit_ps = int(match.group(1)) * _UNITS_PS.get(match.group(2), 1.0)
        elif line.startswith("$comment name"):
            self.name = line.split()[2]
        elif line.startswith("$var"):
            self.width = int(line.split()[2])
        elif line.startswith("#"):
            self.time = int(line[1:])
        elif line[:1] in "bB" and line[1:2] in "01xXzZ":
            bits = line[1:].split()[0]
            value = int(bits, 2) if re.fullmatch(r"[01]+", bits) else 0
            self.changes.append((self.time, value))
        return None

    def answer(self) -> list[str]:
        lines = [f"$name frames {self.name}", "#0"]
        if self.width != 10 or not self.changes:
            return lines + ["$finish"]
        period = self.period_ps / self.unit_ps  # clocks in the trace's units
        times = np.array([t for t, _ in self.changes], float)
        values = np.array([v for _, v in self.changes], np.int64)
        # One word a clock, from each change until the next (a repeated word is no change).
        ends = np.append(times[1:], times[-1] + period)
        counts = np.maximum(1, np.round((ends - times) / period)).astype(np.int64)
        word_times = np.repeat(times, counts) + period * (
            np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
        words = np.repeat(values, counts)
        decoding = LaneReceiver(word_times, words, 10, FrameParser()).run()
        frames = sorted(decoding.frames, key=lambda f: f.start)
        for index, frame in enumerate(frames):
            length = frame.header["length"] if frame.header else 0
            end = frame.start + (HEADER_BYTES + length + CRC_BYTES + 2) * period
            if index + 1 < len(frames):
                end = min(end, frames[index + 1].start)
            lines.append(f"#{int(round(frame.start))} {frame_label(frame)}")
            lines.append(f"#{int(round(end))}")
        return lines + ["$finish"]


def _serve(answer_line) -> None:
    """Answer GTKWave line by line, flushing each answer (GTKWave waits for it)."""
    for line in sys.stdin:
        answer = answer_line(line)
        if answer is not None:
            sys.stdout.write("\n".join(answer) + "\n")
            sys.stdout.flush()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    mode = argv[0] if argv else ""
    if mode == "symbols":
        _serve(lambda line: [symbol_name(line)])
        return 0
    if mode.startswith("frames:") and mode[7:].isdigit():
        trace = FrameTraceFilter(int(mode[7:]))
        _serve(trace.line)
        return 0
    print("usage: python -m msl_tools.waves.gtkwave_filters symbols | frames:PERIOD_PS "
          "(a GTKWave filter process: see the module's documentation)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
