"""cocotb side of ``make demo``: two PHYs exchange frames over an erroring channel.

Settings come from the environment (the launcher, :mod:`msl_apps.phy_demo.demo`, sets
them): ``DEMO_FRAMES`` per direction and ``DEMO_BER`` (bit error rate). The scoreboard
of :mod:`cocotb_tests.phy_scoreboard` judges both directions; ``demo_summary.json`` in
the test folder carries the figures the launcher prints.
"""

import json
import os
from dataclasses import asdict

import cocotb

from cocotb_tests.phy_env import DIRECTIONS, random_frames, score, send_all, start_pair
from msl_apps.sim_interrupt import end_quietly_on_interrupt

end_quietly_on_interrupt()


@cocotb.test()
async def phy_link_demo(dut):
    per_direction = int(os.environ.get("DEMO_FRAMES", "200"))
    error_rate = float(os.environ.get("DEMO_BER", "2e-4"))
    env = await start_pair(dut)
    for channel in env.channel.values():
        channel.set_error_rate(error_rate)
        channel.set(burst_bits=24)
    dut._log.info("sending %d frames each way at a bit error rate of %g", per_direction,
                  error_rate)
    frames = {side: random_frames(per_direction, 64) for side in ("a", "b")}

    async def burst_midway():  # one error burst on A -> B, to show one
        while len(env.send["a"].sent) < per_direction // 2:
            await cocotb.triggers.RisingEdge(dut.clk)
        await env.channel["a_to_b"].burst()
    cocotb.start_soon(burst_midway())

    await send_all(dut, env, frames, label="demo:")
    await env.settle()
    reports = score(dut, env)
    summary = {
        "lane_width": env.lane_width,
        "frames_per_direction": per_direction,
        "bit_error_rate": error_rate,
        "directions": [
            {**asdict(report),
             "channel": env.channel[direction].counters(),
             "receiver": env.receive[sink].counters()}
            for report, (_, sink, direction) in zip(reports, DIRECTIONS)
        ],
    }
    with open("demo_summary.json", "w") as file:
        json.dump(summary, file, indent=1)
