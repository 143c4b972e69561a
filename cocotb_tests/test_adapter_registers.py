"""Runs cocotb_tests/tb_adapter_registers.py on the two-adapter top, each simulator."""

import pytest

from cocotb_tests.harness import cocotb_cases, run_case


@pytest.mark.parametrize("case", cocotb_cases("cocotb_tests.tb_adapter_registers", "adapter_pair",
                                              lane_width=10, slot_size=1024, tx_slots=2),
                         ids=str)
def test_adapter_registers(case):
    run_case(case)
