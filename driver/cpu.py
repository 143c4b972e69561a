"""The server CPU's interrupt flag.

Every bus access is an ``await``, so in simulation any flow could run while another
waits for its register read. The chapter runs DriverSend, DriverBuildSend,
DriverEmergencySend, DriverISR and the timer callbacks with interrupts disabled, and on
a real CPU nothing else runs then. :class:`Cpu` makes that so: a flow that disables
interrupts owns the CPU until it enables them again; any other flow that wants to
disable interrupts (the interrupt dispatcher included) waits. A flow may nest
disabled sections (an ISR that ends up in DriverSend), as ``pushfd; cli ... popfd`` does.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from .platform import Platform

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
        self.waits = 0       # clocks flows spent waiting for the CPU (for the tests)

    @property
    def interrupts_enabled(self) -> bool:
        return self._owner is None

    @asynccontextmanager
    async def interrupts_disabled(self):
        """``async with cpu.interrupts_disabled():`` runs the body with interrupts off,
        after any other flow that has them off is done."""
        me = self._platform.current_flow()
        while self._owner is not None and self._owner is not me:
            self.waits += 1
            await self._platform.pause()
        self._owner = me
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
