"""Runs cocotb_tests/tb_adapter_clocks.py on the two-adapter top with transceiver clocks.

On Verilator: -200, 0 and +200 ppm within the tolerance, -6000 and +6000 far beyond it
(at +-2000 ppm a longest 4 KiB frame drifts 8 symbols, inside the buffer's margin of 12,
and the frame gaps absorb the rest: no slip), and the lock loss at +200 ppm. Icarus runs
this top about ten times slower: it runs -200 and +200, +6000 and the lock loss, with
fewer packets (the regression's time budget)."""

import pytest

from cocotb_tests.harness import cocotb_cases, run_case

#: Longest packets back to back, then random ones, per side.
PACKETS = {"verilator": "6,14", "icarus": "1,1"}
CASES = cocotb_cases("cocotb_tests.tb_adapter_clocks", "adapter_pair", transceiver_clocks=True)
OFFSETS = {"longest_frames_and_random_traffic_within_the_tolerance": (-200, 0, 200),
           "far_beyond_the_tolerance_slips_are_counted_and_nothing_damaged_is_delivered":
               (-6000, 6000),
           "lock_loss_mid_frame_and_relock": (200,)}
#: Icarus runs one offset each way of the first test and one of the second.
ICARUS_OFFSETS = {"longest_frames_and_random_traffic_within_the_tolerance": (-200, 200),
                  "far_beyond_the_tolerance_slips_are_counted_and_nothing_damaged_is_delivered":
                      (6000,)}


def offsets(case) -> tuple:
    if case.sim == "icarus":
        return ICARUS_OFFSETS.get(case.test, OFFSETS[case.test])
    return OFFSETS[case.test]


@pytest.mark.parametrize("case, ppm", [(case, ppm) for case in CASES for ppm in offsets(case)],
                         ids=lambda value: f"{value:+d}ppm" if isinstance(value, int) else str(value))
def test_adapter_clocks(case, ppm):
    run_case(case, extra_env={"MSL_PPM": str(ppm), "MSL_CLOCK_PACKETS": PACKETS[case.sim]},
             run_name=f"{case.test}_{ppm:+d}ppm")
