"""Write a GTKWave save file (``.gtkw``) for a waveform of the two-adapter top.

    python -m msl_tools.waves.gtkwave_save WAVES.vcd [-o WAVES.gtkw] [--clock clk]

groups each adapter's signals the way one debugs it: first both sides' lanes and
interrupt lines, each 10-bit lane twice, as symbols (``K28.5``, ``D21.5``, ``START``)
and as frames (``DATA seq 17 count 2 len 520``), through the filter processes of
:mod:`msl_tools.waves.gtkwave_filters`; then each side's link state, open; then its
register bus (AXI4-Lite), DMA bus (AXI4) and buffers, and the channel model, collapsed.
Signals are chosen by name from those the waveform holds, so one dumped to a limited
depth gets the groups it can fill (empty groups are left out).

The file opens on the start of the first DATA frame, a few dozen lane words across (the
symbols readable), with marker A there and marker B at the first EMERGENCY (GTKWave's
"Zoom Full" shows the whole run). The dump file is named relative to the save file, so
the pair can be moved together; the filters run through a small launcher script
written beside them, which names this checkout's Python. Open it with
``gtkwave WAVES.gtkw``.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from msl_tools.waves.frame_timeline import DEFAULT_LANES, timeline
from msl_tools.waves.vcd_lanes import TRUNCATED, find_signal
from msl_tools.waves.wave_file import WaveFile

__all__ = ["GROUPS", "View", "grouped_signals", "view_of", "save_file", "write_save_file"]

#: (group title, pattern after the top scope, open) per side; ``{s}`` is the side (a or
#: b). Inside an adapter the nets carry the generator's names: an optional escape, the
#: name, an optional ``$n`` suffix and struct field.
_NET = r"\\?({names})(\$\d+)?(\.\w+)?"
LANES_GROUP = ("lanes and interrupts", r"[ab]__(lane_tx|lane_rx|irq|loopback_relay)", True)
GROUPS = (
    ("{S}: link state", r"adapter_{s}\." + _NET.format(
        names=r"in_sync|lane_tx_in_frame|link_status__value|tx_state__value|tx_seq__value"
              r"|rx_seq__value|data__\w+|answers_received__\w+|arrival__\w+"
              r"|emergency__\w+|link_frame__\w+|dma_status__value"), True),
    ("{S}: register bus (AXI4-Lite)", r"{s}__axil__\w+", False),
    ("{S}: DMA bus (AXI4)", r"{s}__dma__\w+", False),
    ("{S}: buffers", r"adapter_{s}\." + _NET.format(
        names=r"host__\w+|dma_write_\w+|dma_read\w*|tx_free__value|rx_ready__value"
              r"|rx_head__value|post\w*|release\w*"), False),
)
CHANNEL_GROUP = ("channel model", r"(a_to_b|b_to_a)__\w+", False)

_VECTOR = re.compile(r"\[(\d+):(\d+)\]$")


def _top_scope(names: list[str]) -> str:
    """The scope holding the top's ports (the shallowest with ``a__lane_tx``)."""
    candidates = [n.rsplit(".", 1)[0] for n in names
                  if re.search(r"(^|\.)a__lane_tx(\[\d+:\d+\])?$", n) and not n.startswith("$")]
    if not candidates:
        raise KeyError("the VCD has no a__lane_tx: not a dump of the two-adapter top")
    return min(candidates, key=lambda scope: scope.count("."))


def grouped_signals(names: list[str]) -> list[tuple[str, list[str], bool]]:
    """``[(title, [signal, ...], open), ...]`` for the signals present in ``names``."""
    top = _top_scope(names)
    groups = []
    rules = [(t.format(S=s.upper(), s=s), p.format(s=s), o) for s in "ab" for t, p, o in GROUPS]
    for title, pattern, is_open in [LANES_GROUP, *rules, CHANNEL_GROUP]:
        regex = re.compile(re.escape(top) + r"\." + pattern + r"(\[\d+:\d+\])?$")
        chosen = sorted({n for n in names if regex.match(n)}, key=_lane_order)
        if chosen:
            groups.append((title, chosen, is_open))
    return groups


#: The lanes in the order of the line: a's transmitter, what b receives, and back.
_LANE_ORDER = ("a__lane_tx", "b__lane_rx", "b__lane_tx", "a__lane_rx")


def _lane_order(name: str):
    base = re.sub(r"\[\d+:\d+\]$", "", name).rsplit(".", 1)[-1]
    return (_LANE_ORDER.index(base) if base in _LANE_ORDER else len(_LANE_ORDER), name)


@dataclass(frozen=True)
class View:
    """Where the viewer opens, in the waveform's time units.

    Parameters
    ----------
    start, span : int
        The window's first time and its width.
    first_data, emergency : int or None
        Markers A and B: the first DATA frame's START, the first EMERGENCY's.
    clock_period : int or None
        The lanes' clock period (the frame trace needs it; None: no frame trace).
    unit_ps : float
        Picoseconds per time unit.
    """

    start: int
    span: int
    first_data: int | None
    emergency: int | None
    clock_period: int | None
    unit_ps: float


#: Lane words across the opening window: some 40 pixels a word, room for "K28.5".
WINDOW_WORDS = 24
#: Width of the wave area (the window less the signal and hierarchy panes), in pixels.
_SIZE, _SIGNALS_WIDTH, _SST_WIDTH = (1600, 900), 300, 200
_WAVE_PIXELS = _SIZE[0] - _SIGNALS_WIDTH - _SST_WIDTH - 60


def view_of(wave: WaveFile, clock: str = "clk") -> View:
    """The opening window: the first DATA frame (the whole run if there is none)."""
    unit_ps = wave.ns_per_unit * 1e3
    try:
        times, values, _ = wave.arrays(find_signal(wave.names, clock))
        rising = times[1:][(values[1:] == 1) & (values[:-1] == 0)]
        period = int(rising[1] - rising[0]) if len(rising) > 1 else None
    except KeyError:
        period = None
    frames = timeline(wave, clock=clock) if period else []
    to_units = 1 / wave.ns_per_unit

    def first(kind):
        # A frame's time is the clock edge that took in its START word; the word was
        # on the lane from the edge before.
        found = [f.time_ns for f in frames if f.kind == kind]
        return int(round(min(found) * to_units)) - period if found else None

    first_data, emergency = first("DATA"), first("EMERGENCY")
    if first_data is not None:
        return View(max(0, first_data - 8 * period), WINDOW_WORDS * period, first_data,
                    emergency, period, unit_ps)
    end = max((int(wave.arrays(n)[0][-1]) for n in wave.names[:50]
               if wave.width(n) <= 63 and len(wave.arrays(n)[0])), default=1)
    return View(0, max(end, 1), None, emergency, period, unit_ps)


def _zoom(view: View) -> float:
    """GTKWave's zoom for the view's span across the wave area: GTKWave shows
    2**-zoom / 200 picoseconds a pixel (measured on GTKWave 3.3 with 1 ps units)."""
    ps_per_pixel = view.span * view.unit_ps / _WAVE_PIXELS
    return -math.log2(ps_per_pixel * 200)


#: The launcher GTKWave starts the filters through (it passes a filter one argument).
LAUNCHER = "msl_gtkwave_filter"


def write_launcher(folder: Path) -> Path:
    """The filter launcher in ``folder``, naming this Python (the one with numpy and the
    project installed)."""
    path = folder / LAUNCHER
    path.write_text("#!/bin/sh\n# GTKWave filter processes for the MSL lanes "
                    "(msl_tools.waves.gtkwave_filters).\n"
                    f'exec "{sys.executable}" -m msl_tools.waves.gtkwave_filters "$1"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


#: Trace flags of a save file (GTKWave's analyzer.h): hex, binary, right-justified,
#: translated by a process (``^>``) or a transaction filter (``^<``); group markers.
_HEX, _BIN, _RJUSTIFY, _PTRANSLATED, _TTRANSLATED = 0x2, 0x8, 0x20, 0x4000, 0x10000000
_BLANK, _CLOSED, _GROUP_BEGIN, _GROUP_END = 0x200, 0x400000, 0x800000, 0x1000000


def save_file(wave_path: str, groups, view: View | None = None,
              save_path: str | None = None, launcher: str | None = None) -> str:
    """The text of a save file showing ``groups`` (``[(title, signals, open)]``), opening
    on ``view``; 10-bit lanes through the filters of ``launcher`` when given."""
    save_path = Path(save_path or Path(wave_path).with_suffix(".gtkw"))
    dump = os.path.relpath(Path(wave_path).resolve(), save_path.resolve().parent)
    lines = [f'[dumpfile] "{dump}"', f'[savefile] "{save_path.name}"',
             f"[timestart] {view.start if view else 0}", f"[size] {_SIZE[0]} {_SIZE[1]}",
             f"[signals_width] {_SIGNALS_WIDTH}", f"[sst_width] {_SST_WIDTH}",
             "[sst_expanded] 1"]
    if view:
        markers = [view.first_data, view.first_data, view.emergency] + [None] * 24
        lines.append(f"*{_zoom(view):.6f} " + " ".join(
            str(-1 if m is None else m) for m in markers))
    for title, signals, is_open in groups:
        closed = 0 if is_open else _CLOSED
        lines += [f"@{_GROUP_BEGIN | _BLANK | closed:x}", f"-{title}"]
        for signal in signals:
            match = _VECTOR.search(signal)
            width = int(match.group(1)) - int(match.group(2)) + 1 if match else 1
            if width == 10 and launcher and "lane_" in signal:
                lines += [f"^>1 {launcher} symbols",
                          f"@{_PTRANSLATED | _RJUSTIFY | _HEX:x}", signal]
                if view and view.clock_period:
                    period_ps = int(round(view.clock_period * view.unit_ps))
                    lines += [f"^<1 {launcher} frames:{period_ps}",
                              f"@{_TTRANSLATED | _RJUSTIFY | _HEX:x}", signal]
            else:
                lines += [f"@{(_HEX if width > 1 else _BIN) | _RJUSTIFY:x}", signal]
        lines += [f"@{_GROUP_END | _BLANK | closed:x}", f"-{title}"]
    return "\n".join(lines) + "\n"


def write_save_file(wave_path: str, out: str | None = None,
                    clock: str = "clk") -> tuple[Path, int]:
    """Write the save file next to the waveform (or to ``out``) and the filters'
    launcher beside it; return (path, traces listed)."""
    wave = WaveFile(wave_path)
    if wave.truncated:
        print(TRUNCATED.format(path=wave_path), file=sys.stderr)
    names = [n for n in wave.names if not n.startswith("$")]
    if not names:
        raise KeyError(f"{wave_path} holds no signals")
    groups = grouped_signals(names)
    path = Path(out) if out else Path(wave_path).with_suffix(".gtkw")
    launcher = write_launcher(path.resolve().parent)
    text = save_file(wave_path, groups, view_of(wave, clock), str(path), str(launcher))
    path.write_text(text)
    return path, sum(1 for line in text.splitlines() if line[:1] not in "@-[*^")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vcd")
    parser.add_argument("-o", "--out", help="save file (default: the VCD's name, .gtkw)")
    parser.add_argument("--clock", default="clk", help="the lanes' clock (default clk)")
    args = parser.parse_args(argv)
    try:
        path, count = write_save_file(args.vcd, args.out, args.clock)
    except (KeyError, FileNotFoundError, ValueError) as error:
        parser.error(str(error).strip("'"))
    print(f"wrote {path} ({count} traces); open it with: gtkwave {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
