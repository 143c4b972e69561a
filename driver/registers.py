"""Named access to the adapter's registers and buffer windows over a :class:`RegisterBus`.

Addresses and field positions come from :data:`msl_spec.REGISTER_MAP`, the one
declaration the gateware is generated from; nothing here repeats an offset.
"""

from __future__ import annotations

from msl_spec import REGISTER_MAP, RegisterMap

from driver.bus import RegisterBus

__all__ = ["Registers"]


class Registers:
    """The adapter's registers by name.

    Parameters
    ----------
    bus : RegisterBus
    register_map : RegisterMap
    """

    def __init__(self, bus: RegisterBus, register_map: RegisterMap = REGISTER_MAP):
        self.bus = bus
        self.map = register_map

    def address(self, name: str) -> int:
        return self.map[name].address

    async def read(self, name: str) -> int:
        """The register's 32-bit value."""
        return await self.bus.read32(self.map[name].address)

    async def fields(self, name: str) -> dict:
        """The register's fields by name."""
        return self.map[name].unpack(await self.read(name))

    async def field(self, name: str, field: str) -> int:
        register = self.map[name]
        return register.unpack(await self.bus.read32(register.address))[field]

    async def write(self, name: str, value: int | None = None, **fields) -> None:
        """Write a whole value, or the named fields (the others as 0)."""
        register = self.map[name]
        if value is not None and fields:
            raise TypeError("give either a whole value or fields, not both")
        await self.bus.write32(register.address, register.pack(**fields) if value is None
                               else value)

    async def write_window(self, window: str, offset: int, data: bytes) -> None:
        """Copy bytes into a buffer window with 32-bit writes (byte enables at the ends)."""
        base = self.map.window(window).base + offset
        start, end = base & ~3, base + len(data)
        for word_address in range(start, end, 4):
            chunk = bytearray(4)
            enable = 0
            for lane in range(4):
                position = word_address + lane - base
                if 0 <= position < len(data):
                    chunk[lane] = data[position]
                    enable |= 1 << lane
            await self.bus.write32(word_address, int.from_bytes(chunk, "little"), enable)

    async def read_window(self, window: str, offset: int, length: int) -> bytes:
        """Copy bytes out of a buffer window with 32-bit reads."""
        base = self.map.window(window).base + offset
        out = bytearray()
        for word_address in range(base & ~3, base + length, 4):
            out += (await self.bus.read32(word_address)).to_bytes(4, "little")
        skip = base & 3
        return bytes(out[skip:skip + length])
