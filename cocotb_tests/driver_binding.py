"""The driver side's platform in a cocotb simulation, and the server's interrupt lines.

:class:`CocotbPlatform` is the :class:`server_os.platform.Platform` the server OS model and
the driver run on: host memory is the side's host memory in the test top (CPU accesses
are direct and take no simulated time; the adapter reaches the same bytes over AXI4),
time is the testbench clock, flows are cocotb tasks. :func:`watch_interrupt_line` is the
server's interrupt controller: while an adapter's level-sensitive ``irq`` is high it
calls the OS's dispatch for the line the adapter is wired to.
"""

from __future__ import annotations

import cocotb
from cocotb.task import current_task
from cocotb.triggers import Event, RisingEdge, select

from cocotb_tests.clocks import TestbenchClock
from server_os.platform import poll_every

__all__ = ["CocotbPlatform", "watch_interrupt_line"]


class CocotbPlatform:
    """A :class:`server_os.platform.Platform` on the testbench clock.

    Parameters
    ----------
    clock : TestbenchClock
        The bus clock; waits sleep through it (no wake-up on every edge).
    memory :
        Host memory with ``read(address, length)`` and ``write(address, data)`` (an
        RtlHostMemory has both).
    """

    def __init__(self, clock: TestbenchClock, memory):
        self._clock = clock
        self.memory = memory
        self._watches: dict[object, tuple[int, int]] = {}   # poll -> [low, high)

    async def pause(self, clocks: int = 1) -> None:
        await self._clock.cycles(max(1, clocks))

    def clocks(self) -> int:
        return self._clock.now()

    def event(self) -> Event:
        return Event()

    async def poll(self, ready, every: int, clocks: int,
                   watch: tuple[int, int] | None = None) -> bool:
        """:meth:`server_os.platform.Platform.poll`. With ``watch`` on the RTL host memory
        it sleeps until the bus writes there (its watch counter moves) or the deadline,
        and checks on the next clock the loop would have checked on."""
        if watch is None or not hasattr(self.memory, "watch"):
            return await poll_every(self, ready, every, clocks)
        start = self.clocks()
        deadline, last = start + clocks, start + -(-clocks // every) * every
        key = object()
        self._watch(key, watch)
        try:
            while True:
                if ready():
                    return True
                now = self.clocks()
                if now >= deadline:
                    return False
                index, _ = await select(self.memory.counters_changed,
                                        self._clock.cycles(last - now))
                if index == 0:
                    # A write at this clock's edge was not yet there for a check at it.
                    now = self.clocks()
                    target = start + ((now - start) // every + 1) * every
                    await self._clock.cycles(target - now)
        finally:
            self._watch(key, None)

    def _watch(self, key: object, window: tuple[int, int] | None) -> None:
        """The memory's watch window covers every poll's (one window per memory)."""
        if window is None:
            self._watches.pop(key, None)
        else:
            self._watches[key] = (window[0], window[0] + window[1])
        if self._watches:
            self.memory.watch(min(low for low, _ in self._watches.values()),
                              max(high for _, high in self._watches.values()))

    def start(self, coroutine) -> None:
        cocotb.start_soon(coroutine)

    def current_flow(self) -> object:
        return current_task()


async def watch_interrupt_line(irq, clock, server_os, line: int) -> None:
    """Forever: when ``irq`` is high, have ``server_os`` dispatch interrupt ``line``
    (its handlers run once interrupts are enabled); a line still high after its handlers
    returned is dispatched again a clock later."""
    while True:
        if not irq.value:
            await RisingEdge(irq)
        await server_os.interrupt(line)
        await RisingEdge(clock)
