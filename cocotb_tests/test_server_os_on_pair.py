"""Runs cocotb_tests/tb_server_os.py on the two-adapter top (10-bit lane, 32-bit DMA),
each simulator."""

import pytest

from cocotb_tests.harness import cocotb_cases, run_case


@pytest.mark.parametrize("case", cocotb_cases("cocotb_tests.tb_server_os", "adapter_pair",
                                              lane_width=10, dma_width=32, slot_size=1024,
                                              tx_slots=2),
                         ids=str)
def test_server_os_on_pair(case):
    run_case(case)
