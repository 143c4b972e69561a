"""hdl.testbench.sampled_reset: a test top's reset reaches its logic through one
register, a clock late.

The reference for the behaviour is the same counter on a domain reset straight from
the port, with the port's history delayed by a clock. The reason for it (no logic fed
by a top-level input, which Verilator evaluates on every ``eval()``) is checked on a
generated test top: its reset port drives the sampling register and nothing else.
"""

import re

from amaranth import ClockDomain, ClockSignal, Module, ResetSignal
from amaranth.lib import wiring
from amaranth.lib.wiring import Out
from amaranth.sim import Simulator

from hdl.testbench.sampled_reset import clock_and_reset, define_with_sampled_reset
from msl_tools.tops import generate, variants

#: The reset port, clock by clock: in reset, out, back in, out again.
RESET = [1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0]


class _Counter(wiring.Component):
    def __init__(self, sampled: bool):
        self._sampled = sampled
        super().__init__({"count": Out(8), **clock_and_reset("sync", "other")})

    def elaborate(self, platform):
        m = Module()
        if self._sampled:
            define_with_sampled_reset(m, self, "sync", "other")
        else:
            for domain, clk, rst in (("sync", self.clk, self.rst),
                                     ("other", self.other_clk, self.other_rst)):
                m.domains += ClockDomain(domain)
                m.d.comb += [ClockSignal(domain).eq(clk), ResetSignal(domain).eq(rst)]
        m.d.sync += self.count.eq(self.count + 1)
        return m


def _trace(sampled: bool, reset: list[int]) -> list[int]:
    dut = _Counter(sampled)
    seen = []

    async def bench(ctx):
        for level in reset:
            ctx.set(dut.rst, level)
            ctx.set(dut.clk, 1)
            await ctx.delay(1e-9)
            seen.append(ctx.get(dut.count))
            ctx.set(dut.clk, 0)
            await ctx.delay(1e-9)

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    return seen


def test_the_design_enters_and_leaves_reset_a_clock_after_the_port():
    got = _trace(True, RESET)
    assert got == _trace(False, [1] + RESET[:-1])
    assert got != _trace(False, RESET)


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
