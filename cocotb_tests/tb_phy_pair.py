"""cocotb tests of two link PHYs cross-wired through the RTL channel model.

Every test starts the pair with a random line delay in each direction (so the receivers
align from a random bit offset), drives random frames both ways at once, and judges each
direction with :mod:`cocotb_tests.phy_scoreboard`. Randomness comes from cocotb's seed
(``COCOTB_RANDOM_SEED``), which cocotb prints at the start of every run.
"""

from __future__ import annotations

import os
import random

import cocotb
from cocotb.triggers import RisingEdge

from cocotb_tests.clocks import clock_cycles
from cocotb_tests.harness import top_params
from cocotb_tests.phy_env import DIRECTIONS, PhyPairEnv, random_frames, score, send_all, start_pair
from cocotb_tests.phy_scoreboard import numbered_frame
from msl_spec import FrameKind

@cocotb.test()
async def random_frames_arrive_intact_in_order(dut):
    """A clean line: every frame arrives good, intact and in order, both ways at once."""
    env = await start_pair(dut)
    frames = {side: random_frames(150, 200) for side in ("a", "b")}
    await send_all(dut, env, frames)
    await env.settle()
    for report in score(dut, env):
        assert report.good == report.sent and report.bad == 0 and report.orphans == 0
    for side in ("a", "b"):
        counters = env.receive[side].counters()
        for name in ("rx_code_violations", "rx_disparity_errors", "rx_sync_losses"):
            assert counters[name] == 0, f"side {side}: {name} = {counters[name]} on a clean line"
        assert counters["rx_sync_acquired"] == 1


@cocotb.test()
async def line_errors_are_never_reported_good(dut):
    """Random bit errors and bursts both ways over many frames (MSL_ERROR_FRAMES each way).

    No damaged frame may be reported good, every loss must be reported, and the
    channel must actually have damaged a good share of frames for the test to count.
    """
    per_direction = int(os.environ.get("MSL_ERROR_FRAMES", "5000"))
    env = await start_pair(dut)
    for channel in env.channel.values():
        channel.set_error_rate(2e-4)
        channel.set(burst_threshold=round(2e-5 * 2**32), burst_bits=24)
    frames = {side: random_frames(per_direction, 48) for side in ("a", "b")}
    await send_all(dut, env, frames, label="errors:")
    await env.settle()
    reports = score(dut, env)
    for report, (_, _, direction) in zip(reports, DIRECTIONS):
        injected = env.channel[direction].counters()
        dut._log.info("%s: channel flipped %d bits in %d bursts + random errors",
                      direction, injected["bits_flipped"], injected["bursts"])
        assert injected["frames"] == report.sent
        assert injected["frames_hit"] == report.hit
        assert report.hit >= report.sent // 50, "too few frames damaged to test anything"
        assert report.bad >= report.hit // 2, "damaged frames were not reported bad"


@cocotb.test()
async def cut_and_restore_realigns(dut):
    """Cut both directions (noise one way, silence the other), move the bit offset, restore.

    Frames sent during the cut must never be reported good and their loss must be
    reported; after the restore the receivers re-align and every frame arrives again.
    """
    env = await start_pair(dut)
    params = top_params()
    frames = {side: random_frames(40, 64) for side in ("a", "b")}
    await send_all(dut, env, frames)
    await env.settle()

    env.channel["a_to_b"].set(cut=1, cut_noise=1)
    env.channel["b_to_a"].set(cut=1, cut_noise=0)
    frames = {side: random_frames(20, 64, first=40) for side in ("a", "b")}
    await send_all(dut, env, frames)
    await env.settle()
    max_delay = (params["max_delay_words"] - 1) * params["lane_width"]
    for channel in env.channel.values():
        channel.set_delay(random.randrange(max_delay + 1))
        channel.set(cut=0)
    await env.wait_in_sync()

    frames = {side: random_frames(40, 64, first=60) for side in ("a", "b")}
    await send_all(dut, env, frames)
    await env.settle()
    for report in score(dut, env):
        assert report.lost >= 20, f"{report.name}: frames sent into a cut line arrived"
    for side in ("a", "b"):
        counters = env.receive[side].counters()
        assert counters["rx_sync_losses"] >= 1 and counters["rx_sync_acquired"] >= 2, counters
        after_restore = [f for f in env.receive[side].good_frames if f.seq >= 60]
        assert len(after_restore) == 40, f"side {side}: frames after the restore were lost"


@cocotb.test()
async def abort_cuts_a_frame_short(dut):
    """ABORT in the middle of a frame: the receiver discards it; the next frame is good."""
    env = await start_pair(dut)
    params = top_params()
    long_frame = numbered_frame(0, FrameKind.DATA, random.randbytes(300))
    next_frame = numbered_frame(1, FrameKind.ACK, random.randbytes(8))
    await env.send["a"].send(long_frame)
    while env.dut.a__tx_idle.value:
        await RisingEdge(dut.clk)
    await clock_cycles(dut.clk, 100 * 10 // params["lane_width"])  # ~100 symbols in
    await env.send["a"].abort()
    await env.send["a"].send(next_frame)
    await env.settle()
    events = env.receive["b"].events
    assert [e.reasons() for e in events] == [["aborted"], []], events
    assert env.receive["b"].good_frames == [next_frame]
    assert env.receive["a"].counters()["tx_aborted"] == 1
    assert env.receive["b"].counters()["rx_aborted"] == 1


@cocotb.test()
async def loopback_receives_own_frames(dut):
    """With loopback on, side A's receiver sees A's own frames (the driver's self-test)."""
    params = top_params()
    env = PhyPairEnv(dut, params["lane_width"])
    dut.a__loopback.value = 1
    await env.start(seed=random.getrandbits(32))
    await env.wait_in_sync()
    frames = random_frames(30, 100)
    await send_all(dut, env, {"a": frames})
    await env.settle()
    assert env.receive["a"].good_frames == frames
    assert all(e.good for e in env.receive["a"].events)
