"""A C header of the adapter's register map and host-memory structures, for one build.

Written from the same declarations as the gateware's decoder and the Python driver
(:mod:`msl_spec`), so a C driver and the RTL cannot disagree on an offset, a
field or a reset value. The header is C11 and C++11 clean and has no dependencies
beyond ``<stdint.h>``.

Names (``MSL_`` first, then upper case):

* ``MSL_REG_<REGISTER>``: the register's byte offset; an array also has
  ``MSL_REG_<ARRAY>(n)`` and ``MSL_REG_<ARRAY>_LENGTH``.
* ``MSL_<REGISTER>_<FIELD>_SHIFT``, ``_WIDTH``, ``_MASK``; ``MSL_<REGISTER>_RESET``, the
  value a read returns after reset in this build (``MSL_<ARRAY>_RESET`` for arrays).
* ``MSL_INT_<CAUSE>``: an interrupt cause's bit in INT_RAW, INT_PENDING and INT_ENABLE.
* ``MSL_<STRUCTURE>_SIZE``, ``MSL_<STRUCTURE>_<WORD>_OFFSET`` and the words' fields as
  above; ``struct msl_<structure>`` with one ``uint32_t`` per word (little-endian).
* ``MSL_<ENUM>_<MEMBER>`` for the named field values (TxSlotState, Loopback, ...).
* ``MSL_BUILD_<PARAMETER>`` for the build parameters; ``MSL_GET`` / ``MSL_SET`` to take
  a field out of a word or put one in.
"""

from __future__ import annotations

import enum
import re

from msl_spec import (ADAPTER_ID, HEADER_AREA_BYTES, HOST_STRUCTURES, INTERRUPT_CAUSES,
    MAX_MESSAGES, MAX_SLOTS, MESSAGE_HEADER_BYTES, REGISTER_MAP, VERSION, HostStructure,
    PlacedField)

__all__ = ["render_header", "header_values", "enum_prefix"]

_GUARD = "MSL_ADAPTER_REGS_H"


def enum_prefix(values: type[enum.Enum]) -> str:
    """``TxSlotState`` -> ``TX_SLOT_STATE``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", values.__name__).upper()


def _hex(value: int) -> str:
    return f"0x{value:X}u"


def _comment(text: str) -> str:
    text = " ".join(text.split()).replace("*/", "* /").replace("\u00d7", "x").strip(" :")
    return f"  /* {text} */" if text else ""


def _field_values(prefix: str, field: PlacedField) -> list[tuple[str, int, str]]:
    mask = field.mask
    return [(f"{prefix}_{field.name.upper()}_SHIFT", field.offset, ""),
            (f"{prefix}_{field.name.upper()}_WIDTH", field.width, ""),
            (f"{prefix}_{field.name.upper()}_MASK", mask,
             f"{field.access.value}: {field.description}")]


#: Numbers written in hex: addresses, offsets, masks and register values.
_HEX = re.compile(r"^MSL_(REG_(?!.*_LENGTH$)|WINDOW_(?!.*_SPAN$)|INT_|ADAPTER_ID$)|_(MASK|RESET|OFFSET)$")


def _register_groups():
    """Registers with arrays folded: (name, first element, element count)."""
    seen = set()
    for register in REGISTER_MAP:
        if register.array is None:
            yield register.name, register, 1
        elif register.array not in seen:
            seen.add(register.array)
            count = sum(1 for r in REGISTER_MAP if r.array == register.array)
            yield register.array, register, count


def header_values(params: dict) -> list[tuple[str, int, str]]:
    """Every ``#define`` of the header that names a number: (name, value, comment). The
    header is these plus macros with arguments, the structs and their checks."""
    values = [
        ("MSL_ADAPTER_ID", ADAPTER_ID, "what ID reads; a driver refuses any other value"),
        ("MSL_VERSION_MAJOR", VERSION[0], "register map version"),
        ("MSL_VERSION_MINOR", VERSION[1], ""),
        ("MSL_MAX_SLOTS", MAX_SLOTS, "register room for slots each way"),
        ("MSL_MAX_MESSAGES", MAX_MESSAGES, "messages per packet"),
        ("MSL_MESSAGE_HEADER_BYTES", MESSAGE_HEADER_BYTES, "EAX, EBX, ECX, EDX, ESI, EDI"),
        ("MSL_HEADER_AREA_BYTES", HEADER_AREA_BYTES, "host memory per receive slot for "
                                                     "its messages' headers"),
    ]
    values += [(f"MSL_BUILD_{name.upper()}", int(value), "build parameter")
               for name, value in sorted(params.items())]
    for window in REGISTER_MAP.windows:
        values += [(f"MSL_WINDOW_{window.name}", window.base, window.description),
                   (f"MSL_WINDOW_{window.name}_SPAN", window.span, "bytes reserved")]
    for name, register, count in _register_groups():
        values.append((f"MSL_REG_{register.name}", register.address, register.description))
        if count > 1:
            values.append((f"MSL_REG_{name}_LENGTH", count, f"{name}0..{name}{count - 1}"))
        values.append((f"MSL_{name}_RESET", register.reset_value(params), "after reset"))
        for field in register.fields:
            values += _field_values(f"MSL_{name}", field)
    values += [(f"MSL_INT_{name}", 1 << bit, meaning)
               for bit, (name, meaning) in enumerate(INTERRUPT_CAUSES)]
    for structure in HOST_STRUCTURES:
        values.append((f"MSL_{structure.name}_SIZE", structure.size, structure.description))
        for word in structure.words:
            prefix = f"MSL_{structure.name}_{word.name}"
            values.append((f"{prefix}_OFFSET", word.address, word.description))
            for field in word.fields:
                values += _field_values(prefix, field)
    for values_enum in _enums():
        prefix = enum_prefix(values_enum)
        values += [(f"MSL_{prefix}_{member.name}", int(member.value), "")
                   for member in values_enum]
    names = [name for name, _, _ in values]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"C header names declared twice: {', '.join(repeated)}")
    return values


def _enums() -> list[type[enum.Enum]]:
    found = []
    words = [w for s in HOST_STRUCTURES for w in s.words]
    for register in (*REGISTER_MAP, *words):
        for field in register.fields:
            if field.values is not None and field.values not in found:
                found.append(field.values)
    return found


def _struct(structure: HostStructure) -> list[str]:
    tag = f"msl_{structure.name.lower()}"
    lines = [f"/* {structure.description} ({structure.size} bytes, little-endian words) */",
             f"struct {tag} {{"]
    lines += [f"    uint32_t {word.name.lower()};" for word in structure.words]
    lines += ["};",
              f"MSL_STATIC_ASSERT(sizeof(struct {tag}) == MSL_{structure.name}_SIZE, "
              f"{tag}_size);"]
    lines += [f"MSL_STATIC_ASSERT(offsetof(struct {tag}, {word.name.lower()}) == "
              f"MSL_{structure.name}_{word.name}_OFFSET, {tag}_{word.name.lower()});"
              for word in structure.words]
    return lines + [""]


def _define(name: str, value: int, comment: str) -> str:
    text = _hex(value) if _HEX.search(name) else f"{value}u"
    return f"#define {name} {text}{_comment(comment)}"


def render_header(params: dict, module: str) -> str:
    """The header text for a build with ``params`` whose Verilog module is ``module``."""
    settings = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
    lines = [
        f"/* Register map and host-memory structures of the MSL adapter `{module}`.",
        " * Generated by `python -m msl_tools.release` from msl_spec/registers.py: do not edit.",
        f" * Build: {settings}. See docs/registers.md and docs/dma.md. */",
        f"#ifndef {_GUARD}",
        f"#define {_GUARD}",
        "",
        "#include <stddef.h>",
        "#include <stdint.h>",
        "",
        "#if defined(__cplusplus)",
        "#define MSL_STATIC_ASSERT(condition, name) static_assert(condition, #name)",
        "#else",
        "#define MSL_STATIC_ASSERT(condition, name) _Static_assert(condition, #name)",
        "#endif",
        "",
        "/* A field of a 32-bit word: MSL_GET(TX_SEQ_BASE, word), MSL_SET(TX_POST_SLOT, 1). */",
        "#define MSL_GET(field, word) "
        "(((uint32_t)(word) & MSL_##field##_MASK) >> MSL_##field##_SHIFT)",
        "#define MSL_SET(field, value) "
        "(((uint32_t)(value) << MSL_##field##_SHIFT) & MSL_##field##_MASK)",
        "",
    ]
    for name, value, comment in header_values(params):
        lines.append(_define(name, value, comment))
    lines.append("")
    for name, register, count in _register_groups():
        if count > 1:
            lines.append(f"#define MSL_REG_{name}(n) (MSL_REG_{register.name} + 4u * (uint32_t)(n))")
    lines.append("")
    for structure in HOST_STRUCTURES:
        lines += _struct(structure)
    lines += [f"#endif /* {_GUARD} */", ""]
    return "\n".join(lines)
