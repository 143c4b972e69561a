"""cocotb tests of :mod:`cocotb_tests.clocks`: the sleeping wait lands where cocotb's
``ClockCycles`` does.

From many starting points (just after a rising edge, after a falling edge, at random
times within a cycle, after a ``ReadWrite``), a task waiting ``n`` cycles with
:func:`clock_cycles` and one waiting with ``ClockCycles`` start together; both must
return at the same simulated time and see the same count on the design's clock counter
(the same scheduling phase of the same edge).
"""

from __future__ import annotations

import random

import cocotb
from cocotb.triggers import ClockCycles, Combine, FallingEdge, ReadWrite, RisingEdge, Timer
from cocotb.utils import get_sim_time

from cocotb_tests.clocks import start_clock_and_reset
from cocotb_tests.clocks import clock_cycles
from cocotb_tests.harness import CLOCK_NS


async def landing(dut, wait) -> tuple[int, int]:
    await wait
    return int(get_sim_time("ps")), int(dut.count.value)


@cocotb.test()
async def sleeping_waits_land_on_cocotbs_edges(dut):
    seed = random.getrandbits(32)
    dut._log.info("seed %d", seed)
    rng = random.Random(seed)
    clock = await start_clock_and_reset(dut)
    counts = [1, 2, 3, 4, 7, 50, 1000] + [rng.randint(1, 300) for _ in range(40)]
    starts = ("rising", "falling", "random", "readwrite")
    for number, count in enumerate(counts):
        start = starts[number % len(starts)]
        if start == "rising":
            await RisingEdge(dut.clk)
        elif start == "falling":
            await FallingEdge(dut.clk)
        elif start == "random":
            await Timer(rng.randint(1, CLOCK_NS * 1000 - 1), unit="ps")
        else:
            await RisingEdge(dut.clk)
            await ReadWrite()
        ours = cocotb.start_soon(landing(dut, clock_cycles(dut.clk, count)))
        theirs = cocotb.start_soon(landing(dut, ClockCycles(dut.clk, count)))
        await Combine(ours, theirs)
        assert ours.result() == theirs.result(), \
            f"{count} cycles from {start}: landed at {ours.result()}, ClockCycles at " \
            f"{theirs.result()}"
    # And the clock's own count of periods agrees with the design's counter.
    before_clock, before_count = clock.now(), int(dut.count.value)
    await clock_cycles(dut.clk, 12345)
    assert clock.now() - before_clock == int(dut.count.value) - before_count == 12345
