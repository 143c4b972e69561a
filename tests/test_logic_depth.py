"""msl_tools.logic_depth: logic levels per clock domain of an ECP5 netlist (Yosys, no place
and route), and the regression guard that holds the adapter's domains to their budget.

The counting is checked against what a 4-input-LUT tree must be: an n-input reduction
of registered bits takes ceil(log4 n) levels; a carry chain counts once whatever its
length; a path between two domains is not a path of either.
"""

import math

import pytest
from amaranth import ClockDomain, Module, Signal
from amaranth.back import verilog
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_tools.logic_depth import BUDGET, format_table, measure
from msl_tools.release import write_release


class _Reduction(wiring.Component):
    """A register of ``width`` bits, reduced (XOR or AND) into a second register."""

    def __init__(self, width, kind):
        self.width, self.kind = width, kind
        super().__init__({"i": In(width), "o": Out(1)})

    def elaborate(self, platform):
        m = Module()
        r = Signal(self.width)
        m.d.sync += r.eq(self.i)
        m.d.sync += self.o.eq(r.xor() if self.kind == "xor" else r.all())
        return m


class _Accumulator(wiring.Component):
    """``s <= s + r``: one carry chain of ``width`` bits."""

    def __init__(self, width):
        self.width = width
        super().__init__({"i": In(width), "o": Out(width)})

    def elaborate(self, platform):
        m = Module()
        r, s = Signal(self.width), Signal(self.width)
        m.d.sync += [r.eq(self.i), s.eq(s + r), self.o.eq(s)]
        return m


class _Crossing(wiring.Component):
    """A register in domain ``a`` reduced into a register in domain ``b``."""

    def __init__(self):
        super().__init__({"i": In(16), "o": Out(1)})

    def elaborate(self, platform):
        m = Module()
        m.domains.a = ClockDomain("a")
        m.domains.b = ClockDomain("b")
        r = Signal(16)
        m.d.a += r.eq(self.i)
        m.d.b += self.o.eq(r.xor())
        return m


def _levels(tmp_path, component):
    (tmp_path / "t.v").write_text(verilog.convert(component, name="t"))
    return measure(tmp_path / "t.v", "t", tmp_path)


@pytest.mark.parametrize("width, kind", [(4, "xor"), (5, "xor"), (16, "xor"), (64, "and")])
def test_a_reduction_takes_the_levels_of_a_4_input_lut_tree(tmp_path, width, kind):
    result = _levels(tmp_path, _Reduction(width, kind))
    assert result["sync"].levels == math.ceil(math.log(width, 4))
    assert result["sync"].paths[0].end == "o"


def test_a_carry_chain_counts_once_whatever_its_length(tmp_path):
    short = _levels(tmp_path, _Accumulator(8))["sync"]
    long = _levels(tmp_path, _Accumulator(32))["sync"]
    assert short.levels == long.levels == 1
    assert long.paths[0].end == "s"


class _Product(wiring.Component):
    """Two 8-bit registers multiplied into a third: one MULT18X18D between registers."""

    def __init__(self):
        super().__init__({"a": In(8), "b": In(8), "o": Out(16)})

    def elaborate(self, platform):
        m = Module()
        a, b = Signal(8), Signal(8)
        m.d.sync += [a.eq(self.a), b.eq(self.b), self.o.eq(a * b)]
        return m


def test_a_multiplier_counts_its_delay_in_levels(tmp_path):
    """A multiplier is 2.5 ns at speed 8, three LUT levels with their routes, not one."""
    result = _levels(tmp_path, _Product())["sync"]
    assert result.levels == 3
    assert result.paths[0].end == "o"


def test_a_path_between_domains_belongs_to_neither(tmp_path):
    assert _levels(tmp_path, _Crossing()) == {}


def test_the_adapter_keeps_each_domain_within_its_budget(tmp_path):
    """The guard: the transceiver-clocks adapter, every domain at or under BUDGET. A
    failure names the domain and its worst paths (``python -m msl_tools.logic_depth``
    prints the same)."""
    files = write_release(tmp_path / "rtl", "msl_adapter", transceiver_clocks=True)
    result = measure(files.verilog, files.name, tmp_path)
    assert set(result) == set(BUDGET), format_table(result)
    over = {d: e.levels for d, e in result.items() if e.levels > BUDGET[d]}
    assert not over, f"over budget {over}:\n{format_table(result, BUDGET)}"
