"""Frames read back from a waveform (Verilator's VCD, Icarus's FST) are the frames that
were sent.

Runs :mod:`cocotb_tests.tb_phy_waveform` with waveforms on, then decodes the lanes with
:mod:`msl_tools.waves.vcd_lanes` (reference 8b/10b tables and frame parser, nothing of the
gateware) and compares with what the testbench recorded.
"""

import json

import pytest

from cocotb_tests.harness import cocotb_cases, run_case, waves_path
from linkmodel.frames import Frame
from msl_tools.waves.vcd_lanes import decode_lane


def frames_from_json(items) -> list[Frame]:
    return [Frame(f["kind"], f["seq"], f["count"], f["aux"], bytes.fromhex(f["payload"]))
            for f in items]


#: Verilator's waveform builds are the slowest of the regression: Icarus covers every
#: lane width, Verilator the serial line and the widest lane.
CASES = [case for case in cocotb_cases("cocotb_tests.tb_phy_waveform", "phy_pair")
         if case.sim == "icarus" or case.variant.params["lane_width"] in (1, 10)]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_frames_decoded_from_waveform(case):
    test_dir = run_case(case, waves=True)
    record = json.loads((test_dir / "frames.json").read_text())
    vcd = str(waves_path(case))

    # What each side put on its lane, read back from the waveform: exactly what was sent.
    for side in ("a", "b"):
        sent = frames_from_json(record["sent"][side])
        decoded = decode_lane(vcd, f"{side}__lane_tx")
        assert [f.frame() for f in decoded.frames] == sent, f"lane {side}__lane_tx"
        assert all(f.good for f in decoded.frames) and not decoded.orphans
        assert decoded.invalid_symbols == 0

    # What reached B through the erroring channel: the reference parser's verdicts on
    # those line bits agree with B's receiver, frame by frame.
    line = decode_lane(vcd, "b__lane_rx")
    bad = [f for f in line.frames if not f.good]
    assert bad, "the channel damaged no frame; the comparison would prove nothing"
    assert [f.frame() for f in line.frames if f.good] == \
        frames_from_json(record["received_good"]["b"])
    assert len(bad) == record["received_bad"]["b"]
