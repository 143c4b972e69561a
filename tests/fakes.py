"""Stand-ins for the fast unit tests: host memory as a bytearray, a register bus as a
dict, and a :class:`server_os.platform.Platform` on a plain asyncio loop (one
``asyncio.sleep(0)`` per clock)."""

from __future__ import annotations

import asyncio

from server_os.platform import poll_every


class ByteMemory:
    """Host memory of ``size`` bytes; like the simulated ones, an access outside it
    raises ValueError."""

    def __init__(self, size: int):
        self.data = bytearray(size)

    def _check(self, address: int, length: int) -> None:
        if address < 0 or address + length > len(self.data):
            raise ValueError(f"no {length} bytes at {address:#x}")

    def read(self, address: int, length: int) -> bytes:
        self._check(address, length)
        return bytes(self.data[address:address + length])

    def write(self, address: int, data: bytes) -> None:
        self._check(address, len(data))
        self.data[address:address + len(data)] = data


class DictRegisterBus:
    """A :class:`driver.bus.RegisterBus` over a dict of 32-bit words, honouring byte
    enables and counting accesses."""

    def __init__(self):
        self.words, self.reads, self.writes = {}, 0, 0

    async def read32(self, address):
        self.reads += 1
        return self.words.get(address, 0)

    async def write32(self, address, value, byte_enable=0xF):
        self.writes += 1
        mask = sum(0xFF << 8 * lane for lane in range(4) if byte_enable >> lane & 1)
        self.words[address] = (self.words.get(address, 0) & ~mask) | (value & mask)


class AsyncioPlatform:
    def __init__(self, memory_size: int = 1 << 16):
        self.memory = ByteMemory(memory_size)
        self.flows: list[asyncio.Task] = []
        self._clocks = 0

    async def pause(self, clocks: int = 1) -> None:
        for _ in range(clocks):
            self._clocks += 1
            await asyncio.sleep(0)

    def clocks(self) -> int:
        return self._clocks

    def event(self) -> asyncio.Event:
        return asyncio.Event()

    async def poll(self, ready, every, clocks, watch=None) -> bool:
        return await poll_every(self, ready, every, clocks)

    def start(self, coroutine) -> None:
        self.flows.append(asyncio.ensure_future(coroutine))

    def current_flow(self) -> object:
        return asyncio.current_task()
