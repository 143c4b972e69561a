"""Values of Amaranth struct layouts as the integers a testbench reads and writes on ports."""

from __future__ import annotations

__all__ = ["pack", "unpack"]


def pack(layout, **fields) -> int:
    """An integer holding ``fields`` at their places in an Amaranth struct ``layout``."""
    value = 0
    members = dict(layout)
    for name, field_value in fields.items():
        member = members[name]
        width = member.width
        if not 0 <= int(field_value) < 1 << width:
            raise ValueError(f"{name}={field_value} does not fit in {width} bits")
        value |= int(field_value) << member.offset
    return value


def unpack(layout, value: int) -> dict:
    """The fields of an Amaranth struct ``layout`` from an integer."""
    return {name: value >> member.offset & ((1 << member.width) - 1)
            for name, member in layout}
