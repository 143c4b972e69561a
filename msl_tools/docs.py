"""Tables in ``docs/`` generated from the declarations in :mod:`msl_spec` (the single source).

Each document is hand-written prose with generated sections between markers::

    <!-- generated: name -->
    ...table...
    <!-- end generated -->

``python -m msl_tools.docs`` rewrites those sections; ``python -m msl_tools.docs --check`` (and the
test suite) fails when a checked-in document is out of date.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from pathlib import Path

from msl_spec import (ACQUIRE_COMMAS, CRC_BYTES, ERROR_LIMIT, GOOD_RUN, HEADER_BYTES,
    HEADER_FIELDS, HOST_STRUCTURES, PHY_COUNTERS, REGISTER_MAP, STATUS_FLAGS, Access,
    ControlSymbol, FrameKind, Param)
from hdl.phy.lane import COMMA_WORDS, LANE_WIDTHS
from hdl.testbench import channel_model
from hdl.testbench.channel_model import ChannelControl, ChannelStatus

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


def _reset_text(reset) -> str:
    return str(reset) if isinstance(reset, Param) else (f"0x{reset:X}" if reset > 9 else str(reset))


def _register_reset(register) -> str:
    if any(isinstance(f.reset, Param) for f in register.fields):
        return "build (see fields)"
    return f"0x{register.reset_value({}):08X}"


def _access_text(register) -> str:
    return "/".join(sorted({f.access.value for f in register.fields}))


def _bits(field) -> str:
    high = field.offset + field.width - 1
    return str(field.offset) if field.width == 1 else f"{high}:{field.offset}"


def _register_map() -> str:
    out = []
    for block in REGISTER_MAP.blocks:
        registers = [r for r in REGISTER_MAP if r.block == block.name]
        out.append(f"### {block.name[0].upper() + block.name[1:]} (0x{block.base:03X})\n")
        if block.name == "statistics":
            out.append(_table(("address", "register", "counts one per"),
                              [(f"0x{r.address:03X}", f"`{r.name}`", r.description)
                               for r in registers]))
            out.append("\nAll RO, 32 bits, wrapping; zeroed by reset and by "
                       "`COMMAND.clear_counters`.\n")
            continue
        rows, detailed, seen_arrays = [], [], set()
        for r in registers:
            if r.array:
                if r.array in seen_arrays:
                    continue
                seen_arrays.add(r.array)
                count = sum(1 for x in registers if x.array == r.array)
                rows.append((f"0x{r.address:03X} + 4n", f"`{r.array}n` (n < {count})",
                             _access_text(r), _register_reset(r), r.description))
            else:
                rows.append((f"0x{r.address:03X}", f"`{r.name}`", _access_text(r),
                             _register_reset(r), r.description))
            if len(r.fields) > 1 or any(f.values for f in r.fields) or \
                    any(isinstance(f.reset, Param) for f in r.fields):
                detailed.append(r)
        out.append(_table(("address", "register", "access", "reset", "description"), rows))
        for r in detailed:
            name = f"{r.array}n" if r.array else r.name
            out.append(f"\n`{name}` fields:\n\n")
            field_rows = [(_bits(f), f"`{f.name}`", f.access.value, _reset_text(f.reset),
                           _field_meaning(f)) for f in r.fields]
            out.append(_table(("bits", "field", "access", "reset", "meaning"), field_rows))
        out.append("\n")
    return "".join(out).rstrip("\n") + "\n"


def _register_windows() -> str:
    return _table(("base", "span", "window", "what"),
                  [(f"0x{w.base:04X}", f"0x{w.span:04X}", f"`{w.name}`", w.description)
                   for w in REGISTER_MAP.windows])


def _field_meaning(field) -> str:
    meaning = field.description
    if field.values:
        meaning += (": " if meaning else "") + ", ".join(
            f"{v.value} = {v.name}" for v in field.values)
    return meaning


def _host_structures() -> str:
    out = []
    for structure in HOST_STRUCTURES:
        out.append(f"### `{structure.name}` ({structure.size} bytes): {structure.description}\n\n")
        rows = []
        for word in structure.words:
            if not word.fields:
                rows.append((word.address, f"`{word.name}`", "31:0", "", "reserved (0)"))
            rows += [(word.address, f"`{word.name}`", _bits(f), f"`{f.name}`",
                      _field_meaning(f) or word.description)
                     for f in word.fields]
        out.append(_table(("offset", "word", "bits", "field", "meaning"), rows))
        out.append("\n")
    return "".join(out).rstrip("\n") + "\n"


def _access_kinds() -> str:
    return _table(("kind", "meaning"), [(f"`{a.value}`", _doc_of(Access, a)) for a in Access])


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
    "register-map": _register_map,
    "register-windows": _register_windows,
    "access-kinds": _access_kinds,
    "host-structures": _host_structures,
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
        print("out of date (run `python -m msl_tools.docs`): " + ", ".join(map(str, stale)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
