"""Runs cocotb_tests/tb_fail_over.py (the driver's fail-over between two links) on the
dual-link top, each simulator. Each run is four adapters' worth of simulation (a minute
or more on Icarus): all are started first."""

import pytest

from cocotb_tests.harness import cocotb_cases, marked_long, run_case

CASES = cocotb_cases("cocotb_tests.tb_fail_over", "dual_link")


@pytest.mark.parametrize("case", marked_long(CASES, *{case.test for case in CASES}),
                         ids=str)
def test_fail_over(case):
    run_case(case)
