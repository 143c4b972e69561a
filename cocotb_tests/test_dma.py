"""Runs cocotb_tests/tb_dma.py on the DMA mover top (32- and 64-bit data), each simulator."""

import pytest

from cocotb_tests.harness import cocotb_cases, run_case


@pytest.mark.parametrize("case", cocotb_cases("cocotb_tests.tb_dma", "dma"), ids=str)
def test_dma(case):
    run_case(case)
