"""Runs cocotb_tests/tb_adapter_dma.py on the two-adapter top with a 10-bit lane, with a
32- and a 64-bit DMA master; each simulator. Random traffic: 100 packets each way on
Verilator, 25 on Icarus, which runs this top about ten times slower under load (the
regression's time budget)."""

import pytest

from cocotb_tests.harness import cocotb_cases, marked_long, run_case


PACKETS = {"verilator": 100, "icarus": 25}
CASES = cocotb_cases("cocotb_tests.tb_adapter_dma", "adapter_pair", lane_width=10,
                     slot_size=1024, tx_slots=2)


@pytest.mark.parametrize("case", marked_long(CASES, "messages_travel_between_host_memories"),
                         ids=str)
def test_adapter_dma(case):
    run_case(case, extra_env={"MSL_DMA_PACKETS": str(PACKETS[case.sim])})
