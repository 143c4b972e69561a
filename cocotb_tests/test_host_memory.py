"""Runs cocotb_tests/tb_host_memory.py (the fast host memory model against cocotbext-axi's
AXI4 slave) on 32- and 64-bit buses, each simulator."""

import pytest

from cocotb_tests.harness import cocotb_cases, run_case


@pytest.mark.parametrize("case", cocotb_cases("cocotb_tests.tb_host_memory", "axi_passthrough"),
                         ids=str)
def test_host_memory(case):
    run_case(case)
