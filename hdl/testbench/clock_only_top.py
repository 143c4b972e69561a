"""Test top with nothing but a clock: the yardstick for simulator speed."""

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import Out

__all__ = ["ClockOnlyTop"]


class ClockOnlyTop(wiring.Component):
    """A free-running 32-bit counter on ``clk`` (``rst`` clears it).

    ``make bench`` measures how many clocks a second a simulator runs this design
    under cocotb, next to the two-adapter system in the same run: the difference is what
    the design costs, the rest is the simulator and cocotb's clock.

    Members
    -------
    count : Out(32)
        Clocks since reset (kept as a port, so the simulator cannot drop the logic).
    """

    count: Out(32)

    def elaborate(self, platform):
        m = Module()
        m.d.sync += self.count.eq(self.count + 1)
        return m
