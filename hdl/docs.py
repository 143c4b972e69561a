"""Tables in ``docs/`` generated from the declarations in ``hdl/`` (the single source).

Each document is hand-written prose with generated sections between markers::

    <!-- generated: name -->
    ...table...
    <!-- end generated -->

``python -m hdl.docs`` rewrites those sections; ``python -m hdl.docs --check`` (and the
test suite) fails when a checked-in document is out of date.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from pathlib import Path

from .frame_format import (
    CRC_BYTES, HEADER_BYTES, HEADER_FIELDS, STATUS_FLAGS, ControlSymbol, FrameKind,
)
from .lane import COMMA_WORDS, LANE_WIDTHS
from .phy_statistics import PHY_COUNTERS
from .symbol_sync import ACQUIRE_COMMAS, ERROR_LIMIT, GOOD_RUN
from .testbench import channel_model
from .testbench.channel_model import ChannelControl, ChannelStatus

__all__ = ["SECTIONS", "render", "DOCS_DIR"]

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
_MARKER = re.compile(r"(<!-- generated: (?P<name>[a-z0-9-]+) -->\n)(.*?)(<!-- end generated -->)",
                     re.DOTALL)


def _table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _k_name(value: int) -> str:
    return f"K.{value & 31}.{value >> 5}"


def _control_symbols() -> str:
    rows = [(f"`{s.name}`", _k_name(s.value), f"0x{s.value:02X}", _doc_of(ControlSymbol, s))
            for s in ControlSymbol]
    return _table(("symbol", "code", "byte (k=1)", "use"), rows)


def _doc_of(enum_class, member) -> str:
    """The ``#:`` comment of an enum member, read from its source line."""
    source = inspect.getsource(enum_class)
    match = re.search(rf"^\s*{member.name}\s*=.*#:\s*(.*)$", source, re.MULTILINE)
    return match.group(1).strip() if match else ""


def _frame_kinds() -> str:
    return _table(("kind", "value", "meaning"),
                  [(f"`{k.name}`", k.value, _doc_of(FrameKind, k)) for k in FrameKind])


def _header_fields() -> str:
    rows, offset = [], 0
    for name, width, meaning in HEADER_FIELDS:
        bytes_ = f"{offset // 8}" if width == 8 else f"{offset // 8}..{(offset + width) // 8 - 1}"
        rows.append((f"`{name}`", bytes_, width, meaning))
        offset += width
    return (_table(("field", "byte(s)", "bits", "meaning"), rows)
            + f"\nHeader: {HEADER_BYTES} bytes. CRC: {CRC_BYTES} bytes.\n")


def _status_flags() -> str:
    return _table(("flag", "the frame was rejected because"),
                  [(f"`{name}`", meaning) for name, meaning in STATUS_FLAGS])


def _phy_counters() -> str:
    return _table(("counter", "counts one per"), [(f"`{n}`", m) for n, m in PHY_COUNTERS])


def _sync_policy() -> str:
    return _table(("constant", "value", "meaning"), [
        ("`ACQUIRE_COMMAS`", ACQUIRE_COMMAS,
         "commas at one alignment, with no invalid symbol between, to gain sync"),
        ("`ERROR_LIMIT`", ERROR_LIMIT, "unforgiven invalid symbols that lose sync"),
        ("`GOOD_RUN`", GOOD_RUN, "consecutive valid symbols that forgive one invalid symbol"),
    ])


def _lane_widths() -> str:
    return _table(("lane width (bits per clock)", "clocks per symbol"),
                  [(w, 10 // w) for w in LANE_WIDTHS]) + \
        f"\nK28.5 on the line: `{COMMA_WORDS[0]:010b}` (RD−), `{COMMA_WORDS[1]:010b}` (RD+).\n"


def _layout_table(layout, comments) -> str:
    rows = [(f"`{name}`", f"{field.offset + field.width - 1}:{field.offset}",
             comments.get(name, "")) for name, field in layout]
    return _table(("field", "bits", "meaning"), rows)


def _layout_comments(layout_name: str) -> dict:
    """``# comment`` after each field of a StructLayout literal in channel_model.py."""
    source = inspect.getsource(channel_model)
    block = re.search(rf"{layout_name} = data.StructLayout\(\{{(.*?)\}}\)", source, re.DOTALL)
    return dict(re.findall(r'"(\w+)":\s*\d+,\s*#\s*(.*)', block.group(1)))


def _channel_control() -> str:
    return _layout_table(ChannelControl, _layout_comments("ChannelControl"))


def _channel_status() -> str:
    return _layout_table(ChannelStatus, _layout_comments("ChannelStatus"))


#: Every generated section: name -> function returning its Markdown.
SECTIONS = {
    "control-symbols": _control_symbols,
    "frame-kinds": _frame_kinds,
    "header-fields": _header_fields,
    "status-flags": _status_flags,
    "phy-counters": _phy_counters,
    "sync-policy": _sync_policy,
    "lane-widths": _lane_widths,
    "channel-control": _channel_control,
    "channel-status": _channel_status,
}


def render(text: str) -> str:
    """``text`` with every generated section filled in."""
    def fill(match):
        name = match.group("name")
        if name not in SECTIONS:
            raise KeyError(f"unknown generated section {name!r}")
        return match.group(1) + SECTIONS[name]() + match.group(4)
    return _MARKER.sub(fill, text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="fail if a document is out of date instead of rewriting it")
    args = parser.parse_args(argv)
    stale = []
    for path in sorted(DOCS_DIR.glob("*.md")):
        text = path.read_text()
        updated = render(text)
        if updated != text:
            stale.append(path)
            if not args.check:
                path.write_text(updated)
                print(f"updated {path}")
    if args.check and stale:
        print("out of date (run `python -m hdl.docs`): " + ", ".join(map(str, stale)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
