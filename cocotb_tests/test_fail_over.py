"""Runs cocotb_tests/tb_fail_over.py (the driver's fail-over between two links) on the
dual-link top, each simulator."""

import pytest

from cocotb_tests.harness import cocotb_cases, run_case


@pytest.mark.parametrize("case", cocotb_cases("cocotb_tests.tb_fail_over", "dual_link"),
                         ids=str)
def test_fail_over(case):
    run_case(case)
