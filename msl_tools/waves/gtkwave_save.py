"""Write a GTKWave save file (``.gtkw``) for a VCD of the two-adapter top.

    python -m msl_tools.waves.gtkwave_save WAVES.vcd [-o WAVES.gtkw]

groups each adapter's signals the way one debugs it: its register bus (AXI4-Lite), its
DMA bus (AXI4), its buffers, its link state, its lanes and interrupt; then the channel
model. Signals are chosen by name from those the VCD holds, so a VCD dumped to a limited
depth gets the groups it can fill (empty groups are left out). Open it with
``gtkwave WAVES.gtkw``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from msl_tools.waves.wave_file import WaveFile

__all__ = ["GROUPS", "grouped_signals", "save_file", "write_save_file"]

#: (group title, pattern after the top scope) per side; ``{s}`` is the side (a or b).
#: Inside an adapter the nets carry the generator's names: an optional escape, the
#: name, an optional ``$n`` suffix and struct field.
_NET = r"\\?({names})(\$\d+)?(\.\w+)?"
GROUPS = (
    ("{S}: register bus (AXI4-Lite)", r"{s}__axil__\w+"),
    ("{S}: DMA bus (AXI4)", r"{s}__dma__\w+"),
    ("{S}: buffers", r"adapter_{s}\." + _NET.format(
        names=r"host__\w+|dma_write_\w+|dma_read\w*|tx_free__value|rx_ready__value"
              r"|rx_head__value|post\w*|release\w*")),
    ("{S}: link state", r"adapter_{s}\." + _NET.format(
        names=r"in_sync|lane_tx_in_frame|link_status__value|tx_state__value|tx_seq__value"
              r"|rx_seq__value|data__\w+|answers_received__\w+|arrival__\w+"
              r"|emergency__\w+|link_frame__\w+|dma_status__value")),
    ("{S}: lanes and interrupt", r"{s}__(lane_tx|lane_rx|irq|loopback_relay)"),
)
CHANNEL_GROUP = ("channel model", r"(a_to_b|b_to_a)__\w+")

_VECTOR = re.compile(r"\[(\d+):(\d+)\]$")


def _top_scope(names: list[str]) -> str:
    """The scope holding the top's ports (the shallowest with ``a__lane_tx``)."""
    candidates = [n.rsplit(".", 1)[0] for n in names
                  if re.search(r"(^|\.)a__lane_tx(\[\d+:\d+\])?$", n) and not n.startswith("$")]
    if not candidates:
        raise KeyError("the VCD has no a__lane_tx: not a dump of the two-adapter top")
    return min(candidates, key=lambda scope: scope.count("."))


def grouped_signals(names: list[str]) -> list[tuple[str, list[str]]]:
    """``[(title, [signal, ...]), ...]`` for the signals present in ``names``."""
    top = _top_scope(names)
    groups = []
    rules = [(t.format(S=s.upper(), s=s), p.format(s=s)) for s in "ab" for t, p in GROUPS]
    for title, pattern in [*rules, CHANNEL_GROUP]:
        regex = re.compile(re.escape(top) + r"\." + pattern + r"(\[\d+:\d+\])?$")
        chosen = sorted({n for n in names if regex.match(n)})
        if chosen:
            groups.append((title, chosen))
    return groups


def save_file(vcd_path: str, groups: list[tuple[str, list[str]]]) -> str:
    """The text of a save file showing ``groups`` (collapsible, vectors in hex)."""
    lines = [f'[dumpfile] "{Path(vcd_path).resolve()}"', "[timestart] 0", "[size] 1600 900",
             "[signals_width] 320", "[sst_width] 240"]
    for title, signals in groups:
        lines += ["@800200", f"-{title}"]
        for signal in signals:
            match = _VECTOR.search(signal)
            wide = match and int(match.group(1)) != int(match.group(2))
            lines += ["@22" if wide else "@28", signal]
        lines += ["@1000200", f"-{title}"]
    return "\n".join(lines) + "\n"


def write_save_file(vcd_path: str, out: str | None = None) -> tuple[Path, int]:
    """Write the save file next to the VCD (or to ``out``); return (path, signals)."""
    names = [n for n in WaveFile(vcd_path).names if not n.startswith("$")]
    groups = grouped_signals(names)
    path = Path(out) if out else Path(vcd_path).with_suffix(".gtkw")
    path.write_text(save_file(vcd_path, groups))
    return path, sum(len(signals) for _, signals in groups)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vcd")
    parser.add_argument("-o", "--out", help="save file (default: the VCD's name, .gtkw)")
    args = parser.parse_args(argv)
    try:
        path, count = write_save_file(args.vcd, args.out)
    except (KeyError, FileNotFoundError, ValueError) as error:
        parser.error(str(error).strip("'"))
    print(f"wrote {path} ({count} signals); open it with: gtkwave {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
