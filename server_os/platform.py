"""What the driver and the server OS model run on, besides the adapter's registers.

:class:`Platform` is bound by a simulation (``cocotb_tests/driver_binding.py``) or by a
plain asyncio loop in the fast unit tests; nothing here imports cocotb. Host memory is
the CPU's view: reads and writes take no simulated time. Time moves on only when a flow
awaits :meth:`Platform.pause` (or a register access, which takes bus clocks).
"""

from __future__ import annotations

from typing import Callable, Protocol

__all__ = ["HostMemory", "Platform", "Event", "poll_every"]


class HostMemory(Protocol):
    """Byte-addressed host memory, as the CPU sees it."""

    def read(self, address: int, length: int) -> bytes: ...

    def write(self, address: int, data: bytes) -> None: ...


class Event(Protocol):
    """A flag flows can sleep on (``asyncio.Event`` and cocotb's ``Event`` are ones)."""

    def set(self) -> None: ...

    def clear(self) -> None: ...

    def wait(self): ...   # awaitable; done at once while the flag is set


class Platform(Protocol):
    """The server machine: host memory, a clock and the identity of the running flow."""

    memory: HostMemory

    async def pause(self, clocks: int = 1) -> None:
        """Let ``clocks`` bus clocks pass."""

    def clocks(self) -> int:
        """Bus clocks since the start."""

    def event(self) -> Event:
        """A new :class:`Event`, clear."""

    async def poll(self, ready: Callable[[], bool], every: int, clocks: int,
                   watch: tuple[int, int] | None = None) -> bool:
        """Check ``ready()`` now and then every ``every`` clocks until it holds (True) or
        until a check at or after ``clocks`` clocks from now fails (False), as
        :func:`poll_every` does. ``watch``: ``(address, length)`` of the host memory that
        ``ready()`` reads, written by the adapter only; a platform may sleep until the
        bus writes there, and checks on the same clocks all the same."""

    def start(self, coroutine) -> None:
        """Run ``coroutine`` as a flow of its own (an AES process, say)."""

    def current_flow(self) -> object:
        """An identity of the concurrent flow (task) running now: nested calls made by one
        flow share it, other flows have their own."""


async def poll_every(platform: Platform, ready: Callable[[], bool], every: int,
                     clocks: int) -> bool:
    """:meth:`Platform.poll` as a plain loop: a check every ``every`` clocks."""
    deadline = platform.clocks() + clocks
    while True:
        if ready():
            return True
        if platform.clocks() >= deadline:
            return False
        await platform.pause(every)
