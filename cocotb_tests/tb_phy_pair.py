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
from cocotb_tests.phy_bfm import PhyPairBench
from cocotb_tests.phy_scoreboard import numbered_frame, score_direction
from msl_spec import FrameKind

DIRECTIONS = (("a", "b", "a_to_b"), ("b", "a", "b_to_a"))


def random_frames(count: int, max_length: int, first: int = 0) -> list:
    """Frames of random kinds and lengths (short ones favoured), numbered from ``first``."""
    kinds = list(FrameKind)
    frames = []
    for index in range(first, first + count):
        length = random.choice([0, 1, random.randrange(max_length + 1),
                                random.randrange(min(max_length, 32) + 1)])
        frames.append(numbered_frame(index, random.choice(kinds), random.randbytes(length)))
    return frames


async def start_pair(dut) -> PhyPairBench:
    """Clock, reset, random delays (random alignment offsets), wait for sync both ways."""
    params = top_params()
    bench = PhyPairBench(dut, params["lane_width"])
    max_delay = (params["max_delay_words"] - 1) * params["lane_width"]
    delays = (random.randrange(max_delay + 1), random.randrange(max_delay + 1))
    dut._log.info("lane width %d, line delays %s bit times", params["lane_width"], delays)
    await bench.start(seed=random.getrandbits(32), delay_bits=delays)
    await bench.wait_in_sync()
    return bench


async def send_all(dut, bench: PhyPairBench, frames: dict, label: str = "") -> None:
    """Send ``frames[side]`` from both sides at once, logging progress on long runs."""
    async def one_side(side):
        total = len(frames[side])
        for number, frame in enumerate(frames[side], 1):
            await bench.send[side].send(frame)
            if total >= 2000 and number % 1000 == 0:
                dut._log.info("%s side %s: %d of %d frames queued", label, side, number, total)
    tasks = [cocotb.start_soon(one_side(side)) for side in frames]
    for task in tasks:
        await task


def score(dut, bench: PhyPairBench):
    """Score both directions; fail with every violation listed."""
    reports = []
    for source, sink, direction in DIRECTIONS:
        report = score_direction(
            direction, bench.send[source].sent, bench.receive[sink].events,
            bench.channel[direction].hits, bench.receive[sink].counters(),
            bench.receive[source].counters())
        dut._log.info(report.summary())
        reports.append(report)
    violations = [v for r in reports for v in r.violations]
    assert not violations, "\n".join(violations[:20])
    return reports


@cocotb.test()
async def random_frames_arrive_intact_in_order(dut):
    """A clean line: every frame arrives good, intact and in order, both ways at once."""
    bench = await start_pair(dut)
    frames = {side: random_frames(150, 200) for side in ("a", "b")}
    await send_all(dut, bench, frames)
    await bench.settle()
    for report in score(dut, bench):
        assert report.good == report.sent and report.bad == 0 and report.orphans == 0
    for side in ("a", "b"):
        counters = bench.receive[side].counters()
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
    bench = await start_pair(dut)
    for channel in bench.channel.values():
        channel.set_error_rate(2e-4)
        channel.set(burst_threshold=round(2e-5 * 2**32), burst_bits=24)
    frames = {side: random_frames(per_direction, 48) for side in ("a", "b")}
    await send_all(dut, bench, frames, label="errors:")
    await bench.settle()
    reports = score(dut, bench)
    for report, (_, _, direction) in zip(reports, DIRECTIONS):
        injected = bench.channel[direction].counters()
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
    bench = await start_pair(dut)
    params = top_params()
    frames = {side: random_frames(40, 64) for side in ("a", "b")}
    await send_all(dut, bench, frames)
    await bench.settle()

    bench.channel["a_to_b"].set(cut=1, cut_noise=1)
    bench.channel["b_to_a"].set(cut=1, cut_noise=0)
    frames = {side: random_frames(20, 64, first=40) for side in ("a", "b")}
    await send_all(dut, bench, frames)
    await bench.settle()
    max_delay = (params["max_delay_words"] - 1) * params["lane_width"]
    for channel in bench.channel.values():
        channel.set_delay(random.randrange(max_delay + 1))
        channel.set(cut=0)
    await bench.wait_in_sync()

    frames = {side: random_frames(40, 64, first=60) for side in ("a", "b")}
    await send_all(dut, bench, frames)
    await bench.settle()
    for report in score(dut, bench):
        assert report.lost >= 20, f"{report.name}: frames sent into a cut line arrived"
    for side in ("a", "b"):
        counters = bench.receive[side].counters()
        assert counters["rx_sync_losses"] >= 1 and counters["rx_sync_acquired"] >= 2, counters
        after_restore = [f for f in bench.receive[side].good_frames if f.seq >= 60]
        assert len(after_restore) == 40, f"side {side}: frames after the restore were lost"


@cocotb.test()
async def abort_cuts_a_frame_short(dut):
    """ABORT in the middle of a frame: the receiver discards it; the next frame is good."""
    bench = await start_pair(dut)
    params = top_params()
    long_frame = numbered_frame(0, FrameKind.DATA, random.randbytes(300))
    next_frame = numbered_frame(1, FrameKind.ACK, random.randbytes(8))
    await bench.send["a"].send(long_frame)
    while bench.dut.a__tx_idle.value:
        await RisingEdge(dut.clk)
    await clock_cycles(dut.clk, 100 * 10 // params["lane_width"])  # ~100 symbols in
    await bench.send["a"].abort()
    await bench.send["a"].send(next_frame)
    await bench.settle()
    events = bench.receive["b"].events
    assert [e.reasons() for e in events] == [["aborted"], []], events
    assert bench.receive["b"].good_frames == [next_frame]
    assert bench.receive["a"].counters()["tx_aborted"] == 1
    assert bench.receive["b"].counters()["rx_aborted"] == 1


@cocotb.test()
async def loopback_receives_own_frames(dut):
    """With loopback on, side A's receiver sees A's own frames (the driver's self-test)."""
    params = top_params()
    bench = PhyPairBench(dut, params["lane_width"])
    dut.a__loopback.value = 1
    await bench.start(seed=random.getrandbits(32))
    await bench.wait_in_sync()
    frames = random_frames(30, 100)
    await send_all(dut, bench, {"a": frames})
    await bench.settle()
    assert bench.receive["a"].good_frames == frames
    assert all(e.good for e in bench.receive["a"].events)
