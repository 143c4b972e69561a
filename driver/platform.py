"""What the driver and the server OS model run on, besides the adapter's registers.

:class:`Platform` is bound by a simulation (``cocotb_tests/driver_binding.py``) or by a
plain asyncio loop in the fast unit tests; nothing here imports cocotb. Host memory is
the CPU's view: reads and writes take no simulated time. Time moves on only when a flow
awaits :meth:`Platform.pause` (or a register access, which takes bus clocks).
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["HostMemory", "Platform"]


class HostMemory(Protocol):
    """Byte-addressed host memory, as the CPU sees it."""

    def read(self, address: int, length: int) -> bytes: ...

    def write(self, address: int, data: bytes) -> None: ...


class Platform(Protocol):
    """The server machine: host memory, a clock and the identity of the running flow."""

    memory: HostMemory

    async def pause(self, clocks: int = 1) -> None:
        """Let ``clocks`` bus clocks pass."""

    def clocks(self) -> int:
        """Bus clocks since the start."""

    def start(self, coroutine) -> None:
        """Run ``coroutine`` as a flow of its own (an AES process, say)."""

    def current_flow(self) -> object:
        """An identity of the concurrent flow (task) running now: nested calls made by one
        flow share it, other flows have their own."""
