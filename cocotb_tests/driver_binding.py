"""The driver side's platform in a cocotb simulation, and the server's interrupt lines.

:class:`CocotbPlatform` is the :class:`driver.platform.Platform` the server OS model and
the driver run on: host memory is the side's AxiRam (CPU accesses are direct and take
no simulated time; the adapter reaches the same bytes over AXI4), time is the testbench
clock, flows are cocotb tasks. :func:`watch_interrupt_line` is the server's interrupt
controller: while an adapter's level-sensitive ``irq`` is high it calls the OS's
dispatch for the line the adapter is wired to.
"""

from __future__ import annotations

import cocotb
from cocotb.task import current_task
from cocotb.triggers import ClockCycles, RisingEdge
from cocotb.utils import get_sim_time

from cocotb_tests.channel_bfm import CLOCK_NS

__all__ = ["CocotbPlatform", "watch_interrupt_line"]


class CocotbPlatform:
    """A :class:`driver.platform.Platform` on the testbench clock.

    Parameters
    ----------
    clock :
        The clock signal (``CLOCK_NS`` period).
    memory :
        Host memory with ``read(address, length)`` and ``write(address, data)`` (an
        AxiRam has both).
    """

    def __init__(self, clock, memory):
        self._clock = clock
        self.memory = memory

    async def pause(self, clocks: int = 1) -> None:
        await ClockCycles(self._clock, max(1, clocks))

    def clocks(self) -> int:
        return int(get_sim_time("ns") // CLOCK_NS)

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
