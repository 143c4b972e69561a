"""Counters counted on one clock and read on another (amaranth.sim, two unrelated
clocks): every event is counted, bursts included; what the reader sees never goes back
or jumps past the true count; clearing starts again from zero."""

import random

import pytest
from amaranth.sim import Simulator

from hdl.event_counters import CrossDomainCounters


@pytest.mark.parametrize("read_period", [7.3e-9, 10e-9, 23.1e-9])
def test_every_event_is_counted_and_readings_stay_true(read_period):
    rng = random.Random(5)
    dut = CrossDomainCounters(["a", "b"], source_domain="rx", read_domain="sync")
    sim = Simulator(dut)
    sim.add_clock(8e-9, domain="rx")
    sim.add_clock(read_period, domain="sync", phase=read_period * 0.41)
    sent = {"a": 0, "b": 0}
    seen = {"a": [], "b": []}

    async def source(ctx):
        for clock in range(3000):
            burst = clock % 500 < 40             # back-to-back events, then sparse ones
            for name in sent:
                event = burst or rng.random() < 0.1
                ctx.set(getattr(dut.events, name), event)
                sent[name] += event
            await ctx.tick("rx")
        for name in sent:
            ctx.set(getattr(dut.events, name), 0)
        for _ in range(20):
            await ctx.tick("rx")

    async def reader(ctx):
        while True:
            await ctx.tick("sync")
            for name in sent:
                seen[name].append((ctx.get(getattr(dut.counts, name)), sent[name]))

    sim.add_testbench(source)
    sim.add_testbench(reader, background=True)
    sim.run()
    for name in sent:
        values = [value for value, _ in seen[name]]
        assert values == sorted(values), f"{name}: a reading went back"
        assert all(value <= true for value, true in seen[name]), f"{name}: ahead of the events"
        assert values[-1] == sent[name] > 400


def test_clear_starts_again_from_zero():
    dut = CrossDomainCounters(["a"], source_domain="rx", read_domain="sync")
    sim = Simulator(dut)
    sim.add_clock(8e-9, domain="rx")
    sim.add_clock(11e-9, domain="sync")
    result = {}

    async def source(ctx):
        ctx.set(dut.events.a, 1)
        for _ in range(100):
            await ctx.tick("rx")
        ctx.set(dut.events.a, 0)

    async def reader(ctx):
        for _ in range(120):
            await ctx.tick("sync")
        result["before"] = ctx.get(dut.counts.a)
        ctx.set(dut.clear, 1)
        await ctx.tick("sync")
        ctx.set(dut.clear, 0)
        await ctx.tick("sync")
        result["after"] = ctx.get(dut.counts.a)

    sim.add_testbench(source)
    sim.add_testbench(reader)
    sim.run()
    assert result == {"before": 100, "after": 0}
