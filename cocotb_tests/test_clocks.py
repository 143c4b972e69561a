"""Runs cocotb_tests/tb_clocks.py (sleeping clock waits against cocotb's ClockCycles) on
the clock-only top, each simulator: Icarus's clock is the build's Verilog generator,
Verilator's is cocotb's Clock."""

import pytest

from cocotb_tests.harness import cocotb_cases, run_case


@pytest.mark.parametrize("case", cocotb_cases("cocotb_tests.tb_clocks", "clock_only"), ids=str)
def test_clocks(case):
    run_case(case)
