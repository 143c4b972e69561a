"""The fault kinds of ``make soak``: how each is injected and what the run must show.

A :class:`Fault` shapes the workload for its kind, injects the fault while the traffic
runs (a coroutine, cancelled when the traffic settles) and names the driver errors each
server must (``expected``) and may (``allowed``) report. Every run, whatever the kind,
is then held to the same oracle (:func:`judge`): nothing lost, duplicated, reordered or
corrupted; and, where no error was expected, every message delivered and both replicas
equal. A fault that did not happen (the counters show no trace of it) fails the run
too, so a campaign cannot pass by testing nothing.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import cocotb
from cocotb.triggers import Event

from cocotb_tests.clocks import clock_cycles
from cocotb_tests.host_memory import SLVERR_HOLE
from msl_apps.mirror.servers import MirrorRun
from driver.dma_rings import MESSAGE_HEADER_BYTES
from server_os.sft3 import DriverError
from msl_spec import FRAME_OVERHEAD_BYTES, TxSlotState

__all__ = ["Fault", "FAULTS", "BIT_ERROR_RATES", "CLOCK_OFFSETS_PPM", "judge"]

#: Bit error rates of the ``bit_errors`` campaign, one per run in turn.
BIT_ERROR_RATES = (1e-6, 1e-5, 1e-4, 1e-3)

#: Server b's clock offset against a's in the ``clock_offset`` campaign, one per run in
#: turn: the tolerance each way, and ten times it (which a 4 KiB frame's drift still
#: fits in the elastic buffer's margin: docs/link-phy.md).
CLOCK_OFFSETS_PPM = (200, -200, 2000, -2000)

_TIMEOUT, _HARDWARE = DriverError.TIME_OUT_ERROR, DriverError.HARDWARE_ERROR


@dataclass
class Fault:
    """One fault kind.

    Attributes
    ----------
    name, description : str
    shape : callable
        ``shape(workload, rng, seed)`` → the run's workload and a dict of details.
    inject : callable
        ``inject(run, rng, details)``: a coroutine that injects the fault; it may record
        in ``details`` what it did.
    trace : callable
        ``trace(summary, details)`` → True when the counters show the fault happened.
    expected, allowed : dict
        Per server: the errors it must report first, in this order / that it may report.
    must_report : tuple
        Servers that must report at least one (allowed) error.
    clock_offset : callable or None
        ``clock_offset(seed)`` → server b's clock offset against a's, in ppm: the run
        is then on the build where each adapter has clocks of its own.
    links : int
        2: each server has two adapters, cross-wired pairwise (the dual-link build).
    """

    name: str
    description: str
    inject: Callable[..., Awaitable[None]]
    trace: Callable[[dict, dict], bool]
    shape: Callable = lambda workload, rng, seed: (workload, {})
    expected: dict = field(default_factory=dict)
    allowed: dict = field(default_factory=dict)
    must_report: tuple = ()
    clock_offset: Callable[[int], int] | None = None
    links: int = 1

    def ppm(self, seed: int) -> int:
        """The run's clock offset (0: one clock for both servers)."""
        return self.clock_offset(seed) if self.clock_offset else 0

    @property
    def fatal(self) -> bool:
        """Whether messages may be dropped by design (an error that resets the link)."""
        resetting = {_TIMEOUT, _HARDWARE, DriverError.RECEIVE_ERROR}
        return any(set(codes) & resetting for codes in (*self.expected.values(),
                                                       *self.allowed.values()))


def _hardware(summary: dict, side: str, counter: str) -> int:
    return summary["servers"][side]["hardware"][counter]


async def _every(run: MirrorRun, rng: random.Random, low: int, high: int, action) -> None:
    """``action()`` again and again, ``low``..``high`` clocks apart."""
    while True:
        await clock_cycles(run.dut.clk, rng.randint(low, high))
        await action()


# ---- bit errors ----

#: Line bits of the longest frame: a full 4 KiB slot and the frame's 12 bytes.
_LONGEST_FRAME_BITS = 10 * (4096 + FRAME_OVERHEAD_BYTES)


def _shape_bit_errors(workload, rng, seed):
    rate = BIT_ERROR_RATES[seed % len(BIT_ERROR_RATES)]
    # A frame must get through now and then: where a full slot would rarely pass, keep
    # frames near 0.5 / rate line bits (a 60 % chance each try) with one message a
    # packet (window 1). Past 16 tries the adapter gives up, which is then a fair error.
    frame_bits = int(0.5 / rate)
    if frame_bits < _LONGEST_FRAME_BITS:
        payload = frame_bits // 10 - FRAME_OVERHEAD_BYTES - MESSAGE_HEADER_BYTES
        largest = max(16, min(workload.max_size, payload))
        workload = dataclasses.replace(workload, window=1, burst=1,
                                       min_size=min(workload.min_size, largest),
                                       max_size=largest)
    return workload, {"bit_error_rate": rate}


async def _inject_bit_errors(run, rng, details):
    for channel in run.channel.values():
        channel.set_error_rate(details["bit_error_rate"])


# ---- bursts ----

async def _inject_bursts(run, rng, details):
    details["burst_bits"] = rng.randint(4, 40)
    for channel in run.channel.values():
        channel.set(burst_bits=details["burst_bits"])
    details["bursts"] = 0

    async def burst():
        await run.channel[rng.choice(sorted(run.channel))].burst()
        details["bursts"] += 1
    await _every(run, rng, 1000, 8000, burst)


# ---- cut and restore ----

async def _inject_cuts(run, rng, details):
    """Cut one direction, restore it; note whether its receiver lost the line (its
    sync-loss counter, read before and after)."""
    details["cuts"] = []
    while True:
        await clock_cycles(run.dut.clk, rng.randint(10000, 40000))
        direction, length = rng.choice(sorted(run.channel)), rng.randint(200, 8000)
        receiver = run.system.env.side[direction[-1]].regs
        before = await receiver.read("STAT_RX_SYNC_LOSSES")
        run.channel[direction].set(cut=1)
        await clock_cycles(run.dut.clk, length)
        run.channel[direction].set(cut=0)
        lost = await receiver.read("STAT_RX_SYNC_LOSSES") - before
        details["cuts"].append((direction, length, lost))


# ---- lost ACKs ----

async def _inject_lost_acks(run, rng, details):
    run.servers["b"].stopped = True   # b only answers: every frame b -> a is control
    details["kills"] = 0

    async def kill():
        await run.channel["b_to_a"].kill_next_frame()
        details["kills"] += 1
    await _every(run, rng, 1500, 8000, kill)


# ---- receive slots full ----

async def _inject_busy_cpu(run, rng, details):
    """b's CPU runs with interrupts off for long stretches: its receive slots fill, a's
    packets wait in their slots (flow control: a sends no more than b has slots) and
    a's ACK timer runs out, its replays answered HOLDOFF by b's adapter, until the
    driver catches up."""
    cpu = run.servers["b"].server.os.cpu
    while True:
        await clock_cycles(run.dut.clk, rng.randint(500, 3000))
        async with cpu.interrupts_disabled():
            await clock_cycles(run.dut.clk, rng.randint(3000, 12000))


# ---- holdoff storm ----

def _shape_holdoff_storm(workload, rng, seed):
    return dataclasses.replace(workload, holdoff=0.5), {}


async def _nothing(run, rng, details):
    return


# ---- EMERGENCY mid-frame ----

def _shape_long_frames(workload, rng, seed):
    return dataclasses.replace(workload, min_size=1000, max_size=4000), {}


async def _inject_emergency(run, rng, details):
    """a says it is failing while one of its DATA frames is on the line (found by
    polling TX_STATE), once, then carries on sending."""
    a = run.servers["a"]
    regs = a.server.side.regs
    await clock_cycles(run.dut.clk, rng.randint(5000, 30000))
    while True:
        states = await regs.fields("TX_STATE")
        if TxSlotState.SENDING in states.values():
            break
        await clock_cycles(run.dut.clk, rng.randint(5, 50))
    await a.mirror.emergency(reason=rng.randint(1, 255))
    details["emergency_sent"] = True


# ---- peer crash ----

async def _inject_crash(run, rng, details):
    """b stops dead: its CPU never enables interrupts again and its OS runs nothing.
    Its adapter stays powered (the link stays up), so a learns of it only by timeouts.
    a stops sending once told, as a server that lost its mirror does."""
    a, b = run.servers["a"], run.servers["b"]
    a.stop_on_error = True
    await clock_cycles(run.dut.clk, rng.randint(5000, 60000))
    b.stopped = b.halted = True
    b.server.os.aes_paused = True
    details["crash_tick"] = a.server.os.ticks
    frozen = Event()

    async def hang():
        async with b.server.os.cpu.interrupts_disabled():
            await frozen.wait()         # never set: the CPU is gone
    cocotb.start_soon(hang())


# ---- AXI error responses ----

async def _inject_axi_error(run, rng, details):
    """When 10 to 60 % of the traffic is applied, b's packet areas answer SLVERR until
    b's adapter has failed to write a received packet there: that packet can be neither
    delivered nor received again, so b reports RECEIVE_ERROR and resets the link; a's
    packet is never acknowledged (TIME_OUT_ERROR); then traffic flows again."""
    await run.until_applied(rng.uniform(0.1, 0.6))
    server = run.servers["b"].server
    link = server.driver.links[0]
    failed = link.stats.dma_error_count
    server.memory.set_error_hole(link.layout.packets, link.layout.end)
    details["hole_at"] = run.elapsed()
    try:
        while link.stats.dma_error_count == failed:
            await clock_cycles(run.dut.clk, 100)
    finally:
        server.memory.set_error_hole(*SLVERR_HOLE)
    details["hole_closed"] = run.elapsed()


# ---- adapter reset ----

async def _inject_adapter_reset(run, rng, details):
    """One side's driver resets its adapter's link layer mid-traffic, as it does after
    a hardware error, and tells its OS so (HARDWARE_ERROR). The peer's packets in flight
    are then never acknowledged: the peer times out. (The test top has no reset pin per
    adapter; this is the reset the driver can give.)"""
    side = rng.choice("ab")
    details["side"] = side
    await clock_cycles(run.dut.clk, rng.randint(5000, 40000))
    server = run.servers[side].server
    link = server.driver.links[0]
    async with server.os.cpu.interrupts_disabled():
        await link._report(DriverError.HARDWARE_ERROR, reset=True)


# ---- fail-over ----

async def _inject_fail_over(run, rng, details):
    """Cut the carrying cable mid-traffic (when 10 to 40 % of the messages are applied:
    the traffic moves to the other link); mend it after 5000 to 40000 clocks, and once
    it is up again, 10 to 30 % later cut the other one (the traffic moves back); mend
    that. Never both at once: no error may reach an OS."""
    env, clk = run.system.env, run.dut.clk
    details["cuts"] = []
    progress = 0.0
    for link in (0, 1):
        progress += rng.uniform(0.1, 0.4 if link == 0 else 0.3)
        await run.until_applied(progress)
        env.cut(link)
        cut_at = run.elapsed()
        await clock_cycles(clk, rng.randint(5000, 40000))
        env.cut(link, False)
        details["cuts"].append([link, cut_at, run.elapsed()])
        await env.link_up(link, 200000)


# ---- clock offset ----

def _compensated(summary, details):
    """The faster server's receiver repeated idles (it reads faster than the slower
    peer sends), and no elastic buffer over- or underflowed."""
    faster = "a" if details["ppm"] > 0 else "b"
    slips = sum(_hardware(summary, side, counter) for side in "ab"
                for counter in ("rx_elastic_overflows", "rx_elastic_underflows"))
    return _hardware(summary, faster, "rx_idles_inserted") > 0 and slips == 0


FAULTS = {fault.name: fault for fault in (
    Fault("bit_errors", "random bit errors, 1e-6 to 1e-3 per bit (one rate a run, in turn)",
          _inject_bit_errors,
          lambda s, d: d["bit_error_rate"] < 1e-5 or any(
              c["bits_flipped"] for c in s["channel"].values()),
          shape=_shape_bit_errors),
    Fault("burst_errors", "bursts of 4 to 40 damaged bits, both directions",
          _inject_bursts, lambda s, d: d["bursts"] > 0 and any(
              _hardware(s, side, "rx_frames_bad") + _hardware(s, side, "rx_sync_losses")
              for side in "ab")),
    Fault("cut_restore", "the line cut for 200 to 8000 clocks, then restored",
          _inject_cuts, lambda s, d: any(lost for *_, lost in d["cuts"])),
    Fault("lost_acks", "frames b -> a (ACKs; b sends no DATA) destroyed on the line",
          _inject_lost_acks,
          lambda s, d: d["kills"] > 0 and _hardware(s, "b", "rx_duplicates") > 0),
    Fault("slots_full", "b's CPU busy for long stretches: receive slots full, a's packets "
          "wait, its replays answered HOLDOFF",
          _inject_busy_cpu, lambda s, d: _hardware(s, "b", "rx_duplicates") > 0
          and _hardware(s, "b", "rx_busy_refusals") == 0),
    Fault("holdoff_storm", "the OS holds half of all deliveries off",
          _nothing, lambda s, d: all(
              s["servers"][x]["statistics"]["held_msg_count"] > 0 for x in "ab"),
          shape=_shape_holdoff_storm),
    Fault("emergency_mid_frame", "a sends EMERGENCY while its DATA frame is on the line",
          _inject_emergency, lambda s, d: d.get("emergency_sent", False)
          and s["servers"]["a"]["statistics"]["emergencies_sent"] == 1,
          shape=_shape_long_frames, expected={"b": [DriverError.EMERGENCY]}),
    Fault("peer_crash", "b stops answering mid-traffic; a must time out and keep its state",
          _inject_crash,
          lambda s, d: s["servers"]["a"]["statistics"]["message_timeouts"] >= 1,
          expected={"a": [_TIMEOUT]}, allowed={"a": [_TIMEOUT, _HARDWARE]}),
    Fault("axi_error", "an SLVERR answers b's adapter writing a received packet into "
          "host memory",
          _inject_axi_error, lambda s, d: _hardware(s, "b", "dma_errors") > 0,
          expected={"b": [DriverError.RECEIVE_ERROR]}, must_report=("a",),
          # a learns by its message timer, or by its adapter timer when the reset left
          # its packet unsent
          allowed={"a": [_TIMEOUT, _HARDWARE], "b": [_TIMEOUT, _HARDWARE]}),
    Fault("clock_offset", "each server on clocks of its own, b's 200 or 2000 ppm off a's "
          "(slower or faster, in turn)",
          _nothing, _compensated, clock_offset=lambda seed: CLOCK_OFFSETS_PPM[
              seed % len(CLOCK_OFFSETS_PPM)]),
    Fault("fail_over", "two links: the carrying cable cut mid-traffic, mended, then the "
          "other one cut (the traffic moves each time, no OS told)",
          _inject_fail_over, lambda s, d: len(d.get("cuts", [])) >= 1 and all(
              s["servers"][x]["statistics"]["fail_overs"] >= 1 for x in "ab"), links=2),
    Fault("adapter_reset", "one side's driver resets its adapter mid-traffic",
          _inject_adapter_reset,
          lambda s, d: s["servers"][d["side"]]["statistics"]["link_resets"] >= 1,
          allowed={"a": [_HARDWARE, _TIMEOUT], "b": [_HARDWARE, _TIMEOUT]}),
)}


def judge(fault: Fault, summary: dict, details: dict, settled: bool) -> list[str]:
    """What is wrong with a run (empty: it passed)."""
    problems = []
    if not settled:
        problems.append("the traffic did not settle before the deadline")
    for name, d in summary["directions"].items():
        for what in ("lost", "duplicated", "reordered", "corrupted"):
            if d[what]:
                problems.append(f"{name}: {d[what]} {what}")
        if not fault.fatal and d["dropped"]:
            problems.append(f"{name}: {d['dropped']} dropped where no error was allowed")
    for side, server in summary["servers"].items():
        got = [DriverError[name] for name in server["errors"]]
        expected = fault.expected.get(side, [])
        allowed = set(fault.allowed.get(side, [])) | set(expected)
        if got[:len(expected)] != expected:
            problems.append(f"{side}: expected errors {[c.name for c in expected]} first, "
                            f"got {server['errors']}")
        if side in fault.must_report and not got:
            problems.append(f"{side}: no error reported")
        stray = [code.name for code in got if code not in allowed]
        if stray:
            problems.append(f"{side}: unexpected errors {stray}")
    if not fault.fatal and not (summary["replicas_equal"] and summary["logs_equal"]):
        problems.append("the replicas or message logs differ")
    if not fault.trace(summary, details):
        problems.append("the fault left no trace in the counters (nothing was tested)")
    return problems
