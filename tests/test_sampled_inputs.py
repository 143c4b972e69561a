"""hdl.testbench.sampled_inputs: a test top's reset reaches its logic through one
register, a clock late.

The reference for the behaviour is the same counter on a domain reset straight from
the port, with the port's history delayed by a clock. The reason for it (no logic fed
by a top-level input, which Verilator evaluates on every ``eval()``) is checked on a
generated test top: its reset port drives the sampling register and nothing else.
"""

import re

from amaranth import ClockDomain, ClockSignal, Module, ResetSignal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from amaranth.sim import Simulator

from hdl.testbench.sampled_inputs import clock_and_reset, define_with_sampled_reset, sampled
from msl_tools.tops import generate, variants

#: The reset ports, clock by clock: in reset, out, back in, out again (``other`` on a
#: pattern of its own, so that the two domains are told apart).
RESET = [1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0]
OTHER_RESET = [1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0]


class _Counters(wiring.Component):
    """A counter on each of two domains, their resets sampled or straight from the
    ports; and a setting, sampled or not."""

    def __init__(self, sampled: bool):
        self._sampled = sampled
        super().__init__({"count": Out(8), "other_count": Out(8), "setting": In(8),
                          "setting_seen": Out(8), **clock_and_reset("sync", "other")})

    def elaborate(self, platform):
        m = Module()
        if self._sampled:
            define_with_sampled_reset(m, self, "sync", "other")
            m.d.comb += self.setting_seen.eq(sampled(m, self.setting, "setting_sampled"))
        else:
            for domain, clk, rst in (("sync", self.clk, self.rst),
                                     ("other", self.other_clk, self.other_rst)):
                m.domains += ClockDomain(domain)
                m.d.comb += [ClockSignal(domain).eq(clk), ResetSignal(domain).eq(rst)]
            m.d.comb += self.setting_seen.eq(self.setting)
        m.d.sync += self.count.eq(self.count + 1)
        m.d.other += self.other_count.eq(self.other_count + 1)
        return m


def _trace(sampled: bool, reset: list[int], other_reset: list[int] = OTHER_RESET,
           settings: list[int] | None = None) -> list[tuple[int, int, int]]:
    """(count, other_count, setting_seen) after each clock; both clocks tick together."""
    dut = _Counters(sampled)
    settings = settings or [0] * len(reset)
    seen = []

    async def bench(ctx):
        for level, other_level, setting in zip(reset, other_reset, settings):
            ctx.set(dut.rst, level)
            ctx.set(dut.other_rst, other_level)
            ctx.set(dut.setting, setting)
            ctx.set(dut.clk, 1)
            ctx.set(dut.other_clk, 1)
            await ctx.delay(1e-9)
            seen.append((ctx.get(dut.count), ctx.get(dut.other_count),
                         ctx.get(dut.setting_seen)))
            ctx.set(dut.clk, 0)
            ctx.set(dut.other_clk, 0)
            await ctx.delay(1e-9)

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    return seen


def test_the_design_enters_and_leaves_reset_a_clock_after_the_port():
    got = _trace(True, RESET)
    assert got == _trace(False, [1] + RESET[:-1], [1] + OTHER_RESET[:-1])
    assert got != _trace(False, RESET)


def test_a_sampled_setting_is_seen_a_clock_late_and_zero_in_reset():
    settings = [9, 8, 7, 6, 5, 4, 3, 2, 1, 10, 11, 12, 13, 14, 15, 16]
    got = [seen for _, _, seen in _trace(True, RESET, settings=settings)]
    # at each edge the copy takes the port's value, or zero while `sync` is in reset,
    # which is itself the port's reset of the edge before
    in_reset = [1] + RESET[:-1]
    assert got == [0 if held else setting for held, setting in zip(in_reset, settings)]


def test_clock_and_reset_ports_are_named_as_amaranth_names_an_undefined_domain():
    assert set(clock_and_reset()) == {"clk", "rst"}
    assert set(clock_and_reset("sync", "a_tx")) == {"clk", "rst", "a_tx_clk", "a_tx_rst"}


def test_a_test_tops_reset_port_drives_only_its_sampling_register(tmp_path):
    variant = variants("phy_pair", lane_width=10)[0]
    text = generate(variant, tmp_path).read_text()
    top = text[text.index(f"module {variant.name}("):]
    body = top[top.index(");\n") + 3:top.index("endmodule")]   # after the port list
    # `rst` itself, not `.rst(` (a submodule's port) or a longer name
    uses = [line.strip() for line in body.splitlines()
            if re.search(r"(?<![.\\$\w])rst\b", line)]
    assert uses == ["input rst;", "wire rst;", "sync_rst_sampled <= rst;"], uses
