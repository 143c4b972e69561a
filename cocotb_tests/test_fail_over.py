"""Runs cocotb_tests/tb_fail_over.py (the driver's fail-over between two links) on the
dual-link top, each simulator. Each run is four adapters' worth of simulation (a minute
or more on Icarus): all are started first.

The longest scenarios send 24 messages each way on Verilator and 12 on Icarus, which runs
the four adapters some five times slower (the regression's time budget; every scenario
still cuts or resets a link with messages in flight both ways)."""

import pytest

from cocotb_tests.harness import cocotb_cases, marked_long, run_case

CASES = cocotb_cases("cocotb_tests.tb_fail_over", "dual_link")
MESSAGES = {"verilator": 24, "icarus": 12}


@pytest.mark.parametrize("case", marked_long(CASES, *{case.test for case in CASES}),
                         ids=str)
def test_fail_over(case):
    run_case(case, extra_env={"MSL_FAIL_OVER_MESSAGES": str(MESSAGES[case.sim])})
