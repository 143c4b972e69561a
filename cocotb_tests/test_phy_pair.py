"""Runs cocotb_tests/tb_phy_pair.py on the PHY pair top, every lane width, each simulator."""

import pytest

from cocotb_tests.harness import cocotb_cases, run_case


@pytest.mark.parametrize("case", cocotb_cases("cocotb_tests.tb_phy_pair", "phy_pair"), ids=str)
def test_phy_pair(case):
    run_case(case)
