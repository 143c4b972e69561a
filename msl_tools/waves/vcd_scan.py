"""A few signals' changes out of a VCD in one numpy pass over its bytes.

The waveform tools need two or three signals (a clock, a lane or two) of a VCD that
holds thousands; a general reader parses every one of them (``pywellen`` spends some
0.7 s on the demo's 66 MB). Here the file's lines are found with numpy, the lines of
the wanted identifiers picked out by their last bytes and their values read a bit
position at a time across all of them: a few tenths of a second. Only what the
simulators here write is handled (``#time``, scalar ``0!``, vector ``b0101 "`` lines,
ending in ``\n`` or ``\r\n``);
a signal not found in the header is left to the caller (:class:`WaveFile` then asks
``pywellen``), and ``tests/test_vcd_scan.py`` holds the result to ``pywellen``'s.
"""

from __future__ import annotations

import mmap
import re
from pathlib import Path

import numpy as np

__all__ = ["vcd_identifiers", "scan_vcd"]

_VAR = re.compile(rb"\$var\s+\S+\s+(\d+)\s+(\S+)\s+(\S+)(?:\s+\[[^\]]*\])?\s+\$end")
_SCOPE = re.compile(rb"\$scope\s+\S+\s+(\S+)\s+\$end")
_TOKEN = re.compile(rb"\$scope\s+\S+\s+\S+\s+\$end|\$upscope\s+\$end|\$var\s.*?\$end",
                    re.S)


def vcd_identifiers(header: bytes) -> dict[str, tuple[bytes, int]]:
    """``{"scope.name": (identifier, width)}`` from a VCD's header (up to
    ``$enddefinitions``), names as :class:`WaveFile` gives them (vectors with
    ``[w-1:0]``)."""
    scopes, found = [], {}
    for token in _TOKEN.finditer(header):
        text = token.group(0)
        if text.startswith(b"$scope"):
            scopes.append(_SCOPE.match(text).group(1).decode())
        elif text.startswith(b"$upscope"):
            scopes.pop()
        else:
            match = _VAR.match(text)
            if not match:
                continue
            width, ident, name = int(match.group(1)), match.group(2), match.group(3).decode()
            full = ".".join(scopes + [name]) + (f"[{width - 1}:0]" if width > 1 else "")
            found.setdefault(full, (ident, width))
    return found


def _numbers(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The decimal numbers in ``buf[starts:ends]``, each line at once per digit."""
    values = np.zeros(len(starts), np.int64)
    for offset in range(int((ends - starts).max(initial=0))):
        inside = starts + offset < ends
        digit = buf[np.minimum(starts + offset, len(buf) - 1)].astype(np.int64) - 48
        values = np.where(inside, values * 10 + digit, values)
    return values


def scan_vcd(path, wanted: dict[str, tuple[bytes, int]]) -> dict[str, tuple]:
    """``{name: (times, values, known)}`` for the ``wanted`` identifiers (name →
    (identifier, width), widths up to 63), times in the file's units. Lines after the
    last newline (a cut-off file's) are left out."""
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        body_at = mm.find(b"$enddefinitions")
        buf = np.frombuffer(mm, np.uint8)
        ends = np.flatnonzero(buf == 10)
        ends = ends[ends > body_at]
        crlf = len(ends) and buf[ends[0] - 1] == 13   # (the simulators write \n)
        starts = np.concatenate([[body_at], ends[:-1] + 1])
        ends = ends - 1 if crlf else ends
        first = buf[starts]
        is_time = first == ord("#")
        line_time = np.cumsum(is_time) - 1    # the last time line at or before each line
        stamps = _numbers(buf, starts[is_time] + 1, ends[is_time])
        # Each line's last bytes as one number, per identifier length: the wanted
        # lines are found with one comparison of all lines per length.
        by_line = {}
        for size in {len(ident) for ident, _ in wanted.values()}:
            key = np.zeros(len(ends), np.int64)
            for offset in range(size):
                key = key * 256 + buf[np.maximum(ends - size + offset, 0)]
            by_line[size] = key
        results = {}
        for name, (ident, width) in wanted.items():
            size = len(ident)
            lines = np.flatnonzero(by_line[size] == int.from_bytes(ident, "big"))
            if width == 1:
                lines = lines[ends[lines] - starts[lines] == 1 + size]
            else:
                lines = lines[(first[lines] == ord("b"))
                              & (buf[ends[lines] - size - 1] == ord(" "))]
            times = np.where(line_time[lines] >= 0, stamps[np.maximum(line_time[lines], 0)], 0)
            if width == 1:
                chars = first[lines]
                values = (chars == ord("1")).astype(np.int64)
                known = (chars == ord("0")) | (chars == ord("1"))
            else:
                values = np.zeros(len(lines), np.int64)
                known = np.ones(len(lines), bool)
                first_bit, stop = starts[lines] + 1, ends[lines] - size - 1
                for offset in range(int((stop - first_bit).max(initial=0))):
                    inside = first_bit + offset < stop
                    char = buf[np.minimum(first_bit + offset, len(buf) - 1)]
                    values = np.where(inside, values * 2 + (char == ord("1")), values)
                    known &= ~inside | (char == ord("0")) | (char == ord("1"))
                values = np.where(known, values, 0)
            # A value written again unchanged is no change (as pywellen reads it).
            change = np.ones(len(values), bool)
            change[1:] = (values[1:] != values[:-1]) | (known[1:] != known[:-1])
            results[name] = (times[change].astype(np.int64), values[change], known[change])
        del buf, first, by_line  # the mmap closes only once no array views it
        return results


def vcd_header(path) -> bytes:
    """A VCD's bytes up to its ``$enddefinitions``."""
    with open(Path(path), "rb") as file:
        chunk = b""
        while b"$enddefinitions" not in chunk:
            more = file.read(1 << 20)
            if not more:
                break
            chunk += more
        return chunk[:chunk.find(b"$enddefinitions") + 1] if b"$enddefinitions" in chunk \
            else chunk
