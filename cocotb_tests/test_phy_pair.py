"""Runs cocotb_tests/tb_phy_pair.py on the PHY pair top, every lane width, each simulator.

The line-error test sends 5000 frames each way, except on Icarus at lane widths 1 and 2
(1500), where a frame takes ten or five times the clocks and Icarus is the slower
simulator; Verilator runs the full count at every width.
"""

import pytest

from cocotb_tests.harness import cocotb_cases, run_case


def error_frames(case) -> str:
    narrow = case.variant.params["lane_width"] <= 2
    return "1500" if case.sim == "icarus" and narrow else "5000"


@pytest.mark.parametrize("case", cocotb_cases("cocotb_tests.tb_phy_pair", "phy_pair"), ids=str)
def test_phy_pair(case):
    run_case(case, extra_env={"MSL_ERROR_FRAMES": error_frames(case)})
