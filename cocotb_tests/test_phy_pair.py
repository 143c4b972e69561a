"""Runs cocotb_tests/tb_phy_pair.py on the PHY pair top, every lane width, each simulator.

The line-error test sends 5000 frames each way (10,000 in all) at every lane width on
Verilator and 600 each way on Icarus, which runs this top some 50 times slower (the
regression's time budget: both simulators' shares about equal).
"""

import pytest

from cocotb_tests.harness import cocotb_cases, marked_long, run_case

ERROR_FRAMES_EACH_WAY = {"verilator": 5000, "icarus": 600}
CASES = marked_long(cocotb_cases("cocotb_tests.tb_phy_pair", "phy_pair"),
                    "line_errors_are_never_reported_good")


@pytest.mark.parametrize("case", CASES, ids=str)
def test_phy_pair(case):
    run_case(case, extra_env={"MSL_ERROR_FRAMES": str(ERROR_FRAMES_EACH_WAY[case.sim])})
