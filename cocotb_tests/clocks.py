"""The testbench's clocks, and waits counted in clock cycles that sleep instead of waking
Python on every edge.

``await ClockCycles(clk, n)`` resumes its task on each of the ``n`` rising edges. A
:class:`TestbenchClock` knows its period, so :meth:`TestbenchClock.cycles` takes the
first edge, sleeps on one :class:`~cocotb.triggers.Timer` to the middle of the cycle
before the last edge, and takes that edge: three resumes for any ``n``, and the task
resumes at the very edge (same time, same scheduling phase) that ``ClockCycles`` would
have given, on Icarus and on Verilator (``tests`` of ``cocotb_tests/tb_clocks.py`` hold
the two to each other).

:func:`clock_cycles` is the drop-in for ``ClockCycles(signal, n)``: the sleeping wait on
a clock started through :meth:`TestbenchClock.start`, cocotb's own on any other signal.
"""

from __future__ import annotations

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge, Timer
from cocotb.utils import get_sim_time

from cocotb_tests.harness import CLOCK_NS, clock_driven_by_hdl

__all__ = ["TestbenchClock", "clock_cycles", "testbench_clock", "start_clock",
           "start_clock_and_reset", "start_side_clocks", "offset_period_ps", "strobe"]

#: Clock signal -> its TestbenchClock (cocotb hands out one handle object per signal).
_CLOCKS: dict = {}


class TestbenchClock:
    """A clock signal of the testbench with a fixed period.

    Parameters
    ----------
    signal :
        The clock input of the design (a cocotb handle).
    period_ps : int
        Period in picoseconds (the simulation precision: cocotb needs periods that are
        exact in it).
    """

    def __init__(self, signal, period_ps: int):
        if period_ps < 2 or period_ps != int(period_ps):
            raise ValueError(f"a clock period is a whole number of picoseconds >= 2, "
                             f"not {period_ps!r}")
        self.signal = signal
        self.period_ps = int(period_ps)
        self._edge = RisingEdge(signal)
        _CLOCKS[signal] = self

    def start(self, driven_by_hdl: bool = False, phase_ps: int = 0) -> None:
        """Toggle the signal with cocotb's :class:`~cocotb.clock.Clock` (its toggling is
        C++ on every simulator), unless the build's own Verilog generator already drives
        it at this period (``driven_by_hdl``); the first rising edge after ``phase_ps``
        (low until then)."""
        if driven_by_hdl:
            return
        clock = Clock(self.signal, self.period_ps, unit="ps")
        if not phase_ps:
            clock.start()
            return
        self.signal.value = 0

        async def start_later():
            await Timer(phase_ps, unit="ps")
            clock.start()
        cocotb.start_soon(start_later())

    async def cycles(self, count: int) -> None:
        """Return on the ``count``-th rising edge from now, exactly as
        ``await ClockCycles(signal, count)`` does, waking three times at most."""
        if count <= 0:
            return
        await self._edge
        if count == 1:
            return
        if count > 2:
            # Half a period past an edge is as far from edges as a time can be, so the
            # Timer never races the clock within a time step.
            await Timer((count - 2) * self.period_ps + self.period_ps // 2, unit="ps")
        await self._edge

    def now(self) -> int:
        """Whole periods of simulated time so far."""
        return int(get_sim_time("ps")) // self.period_ps


def testbench_clock(signal) -> TestbenchClock:
    """The :class:`TestbenchClock` made for ``signal`` (started before)."""
    try:
        return _CLOCKS[signal]
    except KeyError:
        raise LookupError(f"{signal!r} is not a started testbench clock (start it with "
                          "cocotb_tests.clocks.start_clock first)") from None


async def clock_cycles(signal, count: int) -> None:
    """``await ClockCycles(signal, count)``, sleeping when ``signal`` is a
    :class:`TestbenchClock`'s."""
    clock = _CLOCKS.get(signal)
    if clock is None:
        await ClockCycles(signal, count)
    else:
        await clock.cycles(count)


def start_clock(dut) -> TestbenchClock:
    """Run ``dut.clk`` at 100 MHz, unless the build's own clock generator does (Icarus:
    see ``cocotb_tests.harness``); either way waits on it sleep (see
    :mod:`cocotb_tests.clocks`)."""
    clock = TestbenchClock(dut.clk, CLOCK_NS * 1000)
    clock.start(driven_by_hdl=clock_driven_by_hdl())
    return clock


async def start_clock_and_reset(dut, clocks: int = 4) -> TestbenchClock:
    """Start the 100 MHz clock and hold reset for ``clocks`` clocks."""
    clock = start_clock(dut)
    dut.rst.value = 1
    await clock.cycles(clocks)
    dut.rst.value = 0
    return clock


def offset_period_ps(ppm: int) -> int:
    """The testbench clock's period, ``ppm`` parts per million longer (a slower
    oscillator; negative: faster), in an even number of picoseconds as cocotb's
    ``Clock`` needs (two equal halves): at 10 ns, ``ppm`` goes in steps of 200."""
    base = CLOCK_NS * 1000
    step = 2 * 10**6 // base
    if ppm % step:
        raise ValueError(f"a clock offset must be a multiple of {step} ppm (a "
                         f"{CLOCK_NS} ns clock in 1 ps steps, two equal halves), not {ppm}")
    return base + base * ppm // 10**6


async def start_side_clocks(dut, params: dict, ppm: int, rng, reset_clocks: int = 4):
    """Start the clocks of a two-adapter top and hold every reset ``reset_clocks``
    clocks. Single-clock tops: ``clk`` at 100 MHz. Tops with ``transceiver_clocks``:
    side A's ``clk`` and ``a_tx_clk`` at 100 MHz, side B's ``b_sync_clk`` and
    ``b_tx_clk`` ``ppm`` slower (:func:`offset_period_ps`); every clock but ``clk``
    starts at a random phase from ``rng``. Returns ``clk``'s TestbenchClock."""
    clock = start_clock(dut)
    resets = [dut.rst]
    if params.get("transceiver_clocks"):
        base, offset = CLOCK_NS * 1000, offset_period_ps(ppm)
        for signal, period in ((dut.a_tx_clk, base), (dut.b_sync_clk, offset),
                               (dut.b_tx_clk, offset)):
            TestbenchClock(signal, period).start(phase_ps=rng.randrange(1, period))
        resets += [dut.a_tx_rst, dut.b_sync_rst, dut.b_tx_rst]
        for name in ("a__rx_lock_lost", "b__rx_lock_lost"):
            getattr(dut, name).value = 0
    for reset in resets:
        reset.value = 1
    # The late-starting clocks see reset too (two clocks more: they start within one).
    await clock.cycles(reset_clocks + (2 if len(resets) > 1 else 0))
    for reset in resets:
        reset.value = 0
    return clock


async def strobe(port, clock) -> None:
    """Hold ``port`` at 1 for the next rising edge of ``clock``, then back at 0."""
    port.value = 1
    await RisingEdge(clock)
    port.value = 0
