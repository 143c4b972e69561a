"""A :class:`driver.platform.Platform` on a plain asyncio loop, for fast tests of the OS
model: one ``asyncio.sleep(0)`` per clock, host memory a bytearray."""

from __future__ import annotations

import asyncio


class ByteMemory:
    def __init__(self, size: int):
        self.data = bytearray(size)

    def read(self, address: int, length: int) -> bytes:
        return bytes(self.data[address:address + length])

    def write(self, address: int, data: bytes) -> None:
        self.data[address:address + len(data)] = data


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

    def start(self, coroutine) -> None:
        self.flows.append(asyncio.ensure_future(coroutine))

    def current_flow(self) -> object:
        return asyncio.current_task()
