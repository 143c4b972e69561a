"""The server CPU's interrupt flag.

Every bus access is an ``await``, so in simulation any flow could run while another
waits for its register read. The chapter runs DriverSend, DriverBuildSend,
DriverEmergencySend, DriverISR and the timer callbacks with interrupts disabled, and on
a real CPU nothing else runs then. :class:`Cpu` makes that so: a flow that disables
interrupts owns the CPU until it enables them again; any other flow that wants to
disable interrupts (the interrupt dispatcher included) waits. A flow may nest
disabled sections (an ISR that ends up in DriverSend), as ``pushfd; cli ... popfd`` does.
A waiting flow sleeps until the owner enables interrupts and takes the CPU on the next
clock, as if it had tried once a clock (it does not wake on every clock to try).
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from server_os.platform import Platform

__all__ = ["Cpu"]


class Cpu:
    """The interrupt flag of one server's CPU.

    Parameters
    ----------
    platform : Platform
    """

    def __init__(self, platform: Platform):
        self._platform = platform
        self._owner = None   # the flow running with interrupts disabled
        self._depth = 0
        self._released = platform.event()   # set while no flow has interrupts disabled
        self._released.set()
        self.waits = 0       # clocks flows spent waiting for the CPU (for the tests)

    @property
    def interrupts_enabled(self) -> bool:
        return self._owner is None

    @asynccontextmanager
    async def interrupts_disabled(self):
        """``async with cpu.interrupts_disabled():`` runs the body with interrupts off,
        after any other flow that has them off is done."""
        platform = self._platform
        me = platform.current_flow()
        while self._owner is not None and self._owner is not me:
            asked = platform.clocks()
            await self._released.wait()
            await platform.pause()   # the next clock, where a try once a clock succeeds
            self.waits += platform.clocks() - asked
        self._owner = me
        self._depth += 1
        self._released.clear()
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._released.set()
