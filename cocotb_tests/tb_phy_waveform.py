"""cocotb side of the waveform check: traffic whose VCD the pytest side decodes.

Sends frames both ways (with line errors from A to B) and writes ``frames.json`` in the
test folder: every frame sent, and the frames each receiver reported good and bad.
:mod:`cocotb_tests.test_phy_waveform` then reads the lanes back out of the VCD.
"""

import json

import cocotb

from cocotb_tests.phy_env import random_frames, send_all, start_pair


def frame_json(frame) -> dict:
    return {"kind": frame.kind, "seq": frame.seq, "count": frame.count, "aux": frame.aux,
            "payload": frame.payload.hex()}


@cocotb.test()
async def traffic_for_waveform(dut):
    env = await start_pair(dut)
    env.channel["a_to_b"].set_error_rate(2e-3)  # ~1 frame in 2 damaged
    frames = {side: random_frames(30, 40) for side in ("a", "b")}
    await send_all(dut, env, frames)
    await env.settle()
    record = {
        "sent": {side: [frame_json(f) for f in env.send[side].sent] for side in "ab"},
        "received_good": {side: [frame_json(f) for f in env.receive[side].good_frames]
                          for side in "ab"},
        "received_bad": {side: sum(not e.good for e in env.receive[side].frames)
                         for side in "ab"},
    }
    with open("frames.json", "w") as file:
        json.dump(record, file, indent=1)
