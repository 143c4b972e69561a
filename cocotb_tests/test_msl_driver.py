"""Runs cocotb_tests/tb_msl_driver.py (the MSL driver and server OS model on two
cross-wired adapters) on the 10-bit lane build with 4 KiB slots, each simulator."""

import pytest

from cocotb_tests.harness import cocotb_cases, run_case


@pytest.mark.parametrize("case", cocotb_cases("cocotb_tests.tb_msl_driver", "adapter_pair",
                                              lane_width=10, slot_size=4096, tx_slots=2),
                                              ids=str)
def test_msl_driver(case):
    run_case(case)
