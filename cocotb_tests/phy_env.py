"""The PHY pair test top's environment: both sides' BFMs and both channel directions,
started, synchronised, driven with random frames and scored (:mod:`cocotb_tests.phy_scoreboard`).

Used by the PHY pair's tests and the PHY demo.
"""

from __future__ import annotations

import random

import cocotb
from cocotb.triggers import RisingEdge

from cocotb_tests.channel_bfm import ChannelHandle, seed_channels
from cocotb_tests.clocks import clock_cycles, start_clock_and_reset
from cocotb_tests.harness import top_params
from cocotb_tests.phy_bfm import FrameSender, RxMonitor, port
from cocotb_tests.phy_scoreboard import numbered_frame, score_direction
from msl_spec import FrameKind

__all__ = ["PhyPairEnv", "DIRECTIONS", "random_frames", "start_pair", "send_all", "score"]


class PhyPairEnv:
    """Clock, reset and BFMs for both sides and both channel directions."""

    def __init__(self, dut, lane_width: int):
        self.dut = dut
        self.lane_width = lane_width
        for side in ("a", "b"):
            port(dut, side, "loopback").value = 0
            port(dut, side, "clear_counts").value = 0
        self.send = {side: FrameSender(dut, side) for side in ("a", "b")}
        self.channel = {d: ChannelHandle(dut, d, lane_width) for d in ("a_to_b", "b_to_a")}

    async def start(self, seed: int, delay_bits: tuple[int, int] = (0, 0)) -> None:
        """Start the clock, reset, seed the channel and start the monitors."""
        for channel, delay in zip(self.channel.values(), delay_bits):
            channel.set_delay(delay)
        await start_clock_and_reset(self.dut)
        await seed_channels(self.channel.values(), seed)
        # Monitors start after reset, so reset values never count as events.
        await RisingEdge(self.dut.clk)
        self.receive = {side: RxMonitor(self.dut, side) for side in ("a", "b")}

    async def wait_in_sync(self, timeout_symbols: int = 200) -> None:
        clocks = timeout_symbols * 10 // self.lane_width
        for _ in range(clocks):
            await RisingEdge(self.dut.clk)
            if self.dut.a__in_sync.value and self.dut.b__in_sync.value:
                return
        raise AssertionError(f"link not in sync after {timeout_symbols} symbol periods")

    async def settle(self, symbols: int = 64) -> None:
        """Let the line drain: every frame sent has crossed and been judged."""
        for sender in self.send.values():
            await sender.wait_idle()
        await clock_cycles(self.dut.clk, symbols * 10 // self.lane_width + 200)


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


async def start_pair(dut) -> PhyPairEnv:
    """Clock, reset, random delays (random alignment offsets), wait for sync both ways."""
    params = top_params()
    env = PhyPairEnv(dut, params["lane_width"])
    max_delay = (params["max_delay_words"] - 1) * params["lane_width"]
    delays = (random.randrange(max_delay + 1), random.randrange(max_delay + 1))
    dut._log.info("lane width %d, line delays %s bit times", params["lane_width"], delays)
    await env.start(seed=random.getrandbits(32), delay_bits=delays)
    await env.wait_in_sync()
    return env


async def send_all(dut, env: PhyPairEnv, frames: dict, label: str = "") -> None:
    """Send ``frames[side]`` from both sides at once, logging progress on long runs."""
    async def one_side(side):
        total = len(frames[side])
        for number, frame in enumerate(frames[side], 1):
            await env.send[side].send(frame)
            if total >= 2000 and number % 1000 == 0:
                dut._log.info("%s side %s: %d of %d frames queued", label, side, number, total)
    tasks = [cocotb.start_soon(one_side(side)) for side in frames]
    for task in tasks:
        await task


def score(dut, env: PhyPairEnv):
    """Score both directions; fail with every violation listed."""
    reports = []
    for source, sink, direction in DIRECTIONS:
        report = score_direction(
            direction, env.send[source].sent, env.receive[sink].events,
            env.channel[direction].hits, env.receive[sink].counters(),
            env.receive[source].counters())
        dut._log.info(report.summary())
        reports.append(report)
    violations = [v for r in reports for v in r.violations]
    assert not violations, "\n".join(violations[:20])
    return reports
