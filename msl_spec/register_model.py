"""The language the register map and the host structures are written in.

A :class:`RegisterMap` is a list of :class:`Block` s of :class:`Register` s, each a list of
:class:`Field` s; placing them derives every offset and bit position, so no number is
written twice. Gateware, driver, C header and documentation all read the placed map.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable

__all__ = ["Access", "Param", "Field", "Reserved", "Register", "Block", "Window",
           "PlacedField", "PlacedRegister", "RegisterMap"]


class Access(enum.Enum):
    """How software sees a field."""

    RO = "RO"    #: read-only; the hardware supplies the value; writes are ignored
    RW = "RW"    #: read-write storage
    W1C = "W1C"  #: reads the hardware's state; writing 1 to a bit clears it
    W1S = "W1S"  #: reads the hardware's state; writing 1 to a bit sets it
    CMD = "CMD"  #: write-only command: each write acts once; reads return 0


@dataclass(frozen=True)
class Param:
    """A reset value that follows from a build parameter of the adapter.

    ``Param("tx_slots")`` is the parameter itself; with ``derive`` (and a ``text`` for
    the documentation) it is ``derive(parameter)``.
    """

    name: str
    derive: Callable[[int], int] | None = None
    text: str = ""

    #: The value when ``params`` does not name the parameter (a top that builds the
    #: adapter with its default, e.g. the timers'); None: the parameter is required.
    default: int | None = None

    def value(self, params: dict) -> int:
        value = params.get(self.name, self.default)
        if value is None:
            raise KeyError(f"build parameter {self.name!r} is needed for this reset value")
        return self.derive(value) if self.derive else value

    def __str__(self) -> str:
        text = self.text or f"`{self.name}`"
        return text if self.default is None else f"{text} (default {self.default})"


@dataclass(frozen=True)
class Field:
    name: str
    width: int
    access: Access
    reset: int | Param = 0
    description: str = ""
    values: type[enum.Enum] | None = None  #: named values, for the documentation


def Reserved(width: int) -> Field:
    """Unused bits: read as 0, writes ignored."""
    return Field("", width, Access.RO, 0, "reserved")


@dataclass(frozen=True)
class Register:
    name: str
    description: str
    fields: tuple[Field, ...]
    count: int = 1  #: an array of ``count`` registers, named NAME0, NAME1, ...


@dataclass(frozen=True)
class Block:
    name: str
    base: int
    registers: tuple[Register, ...]


@dataclass(frozen=True)
class Window:
    """A range of the address space mapped onto a buffer RAM."""

    name: str
    base: int
    span: int  #: bytes reserved; the mapped part depends on the build
    description: str


@dataclass(frozen=True)
class PlacedField:
    name: str
    offset: int  #: lowest bit
    width: int
    access: Access
    reset: int | Param
    description: str
    values: type[enum.Enum] | None

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.offset

    def reset_for(self, params: dict) -> int:
        """The reset value in a build with ``params``."""
        return self.reset.value(params) if isinstance(self.reset, Param) else self.reset


@dataclass(frozen=True)
class PlacedRegister:
    name: str
    address: int
    description: str
    fields: tuple[PlacedField, ...]
    block: str
    array: str | None = None  #: the array's name, for NAME0.. elements
    index: int | None = None

    def field(self, name: str) -> PlacedField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"register {self.name} has no field {name!r}; it has "
                       f"{', '.join(f.name for f in self.fields)}")

    def accesses(self) -> set[Access]:
        return {f.access for f in self.fields}

    def reset_value(self, params: dict) -> int:
        """The value reads return after reset, for a build with ``params``."""
        value = 0
        for f in self.fields:
            value |= (f.reset_for(params) << f.offset) & f.mask
        return value

    def pack(self, **values) -> int:
        """A register value from field values (fields not named are 0)."""
        word = 0
        for name, value in values.items():
            f = self.field(name)
            if not 0 <= int(value) < 1 << f.width:
                raise ValueError(f"{self.name}.{name}={value} does not fit in {f.width} bits")
            word |= int(value) << f.offset
        return word

    def unpack(self, word: int) -> dict:
        """Field values of a register value."""
        return {f.name: (word >> f.offset) & ((1 << f.width) - 1) for f in self.fields}


class RegisterMap:
    """Blocks and windows, with every register's address and every field's bits derived.

    Raises ``ValueError`` on overlapping blocks or windows, over-wide registers or
    repeated names.
    """

    def __init__(self, blocks, windows, address_width: int = 16):
        self.blocks = tuple(blocks)
        self.windows = tuple(windows)
        self.address_width = address_width
        self.registers: tuple[PlacedRegister, ...] = tuple(self._place())
        names = [r.name for r in self.registers]
        if len(set(names)) != len(names):
            raise ValueError("two registers share a name")
        self._by_name = {r.name: r for r in self.registers}
        self._check_overlaps()

    def _place(self):
        for block in self.blocks:
            address = block.base
            for register in block.registers:
                for index in range(register.count):
                    fields, bit = [], 0
                    for f in register.fields:
                        if f.name:
                            fields.append(PlacedField(f.name, bit, f.width, f.access, f.reset,
                                                      f.description, f.values))
                        bit += f.width
                    if bit > 32:
                        raise ValueError(f"register {register.name} has {bit} bits, not <= 32")
                    name = register.name if register.count == 1 else f"{register.name}{index}"
                    yield PlacedRegister(
                        name, address, register.description, tuple(fields), block.name,
                        register.name if register.count > 1 else None,
                        index if register.count > 1 else None)
                    address += 4

    def _check_overlaps(self):
        spans = [(b.base, max([r.address + 4 for r in self.registers if r.block == b.name]
                              + [b.base]), b.name) for b in self.blocks]
        spans += [(w.base, w.base + w.span, w.name) for w in self.windows]
        spans.sort()
        for (_, end, name), (start, _, other) in zip(spans, spans[1:]):
            if start < end:
                raise ValueError(f"{name} overlaps {other}")
        if spans[-1][1] > 1 << self.address_width:
            raise ValueError(f"{spans[-1][2]} lies beyond the {self.address_width}-bit space")

    def __getitem__(self, name: str) -> PlacedRegister:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no register named {name!r}") from None

    def __iter__(self):
        return iter(self.registers)

    def window(self, name: str) -> Window:
        for w in self.windows:
            if w.name == name:
                return w
        raise KeyError(f"no window named {name!r}")
