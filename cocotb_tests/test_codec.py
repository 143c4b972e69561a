"""Runs cocotb_tests/tb_codec.py on the codec top with each chosen simulator."""

import pytest

from cocotb_tests.harness import cocotb_cases, run_case


@pytest.mark.parametrize("case", cocotb_cases("cocotb_tests.tb_codec", "codec"), ids=str)
def test_codec(case):
    run_case(case)
