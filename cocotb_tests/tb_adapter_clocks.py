"""cocotb tests of two adapters on clocks of their own (the ``transceiver_clocks`` pair
top): side B's clocks run ``MSL_PPM`` parts per million slower than side A's, every
clock at a random phase, each adapter behind a transceiver model.

References: the packets each side posted (exactly once, in order, intact at the far
side) and the adapters' clock-compensation counters (no over- or underflow within the
tolerance, slips counted beyond it).
"""

import os
import random

import cocotb

from cocotb_tests.adapter_env import AdapterPairEnv, cause_bit
from cocotb_tests.clocks import clock_cycles
from cocotb_tests.harness import top_params
from msl_spec import TOLERANCE_PPM, TxSlotState

PPM = int(os.environ.get("MSL_PPM", "0"))
#: Longest packets back to back, then random ones, per side ("6,14"; the regression sets
#: fewer on Icarus).
LONGEST, RANDOM = (int(n) for n in os.environ.get("MSL_CLOCK_PACKETS", "6,14").split(","))


async def up_env(dut, ack_timeout: int = 30000) -> AdapterPairEnv:
    env = AdapterPairEnv(dut, top_params(), stall=0.1, seed=random.getrandbits(32), ppm=PPM)
    dut._log.info("side B's clocks %+d ppm against side A's", PPM)
    await env.start()
    await env.link_up(ack_timeout=ack_timeout, retry_limit=32,
                      interrupts=cause_bit("RX_PACKET"))
    return env


async def exchange(env, sent: dict, clocks_per_packet: int) -> dict:
    """Post ``sent[side]`` (payload, count) packets from each side at once, as fast as
    slots free; take and acknowledge at the far side. Returns what each side took."""
    got = {side: [] for side in "ab"}

    async def send(side):
        for payload, count in sent[side]:
            await env.side[side].post(payload, count)

    async def receive(side, peer):
        await env.side[side].receive_in_order(sent[peer], got[side], clocks_per_packet * 4)

    tasks = [cocotb.start_soon(coroutine) for coroutine in
             (send("a"), send("b"), receive("a", "b"), receive("b", "a"))]
    for task in tasks:
        await task
    return got


def traffic(slot_size: int, longest: int, random_packets: int):
    """Longest packets back to back, then random lengths."""
    return [(random.randbytes(slot_size), random.randint(1, 128)) for _ in range(longest)] + \
        [(random.randbytes(random.randint(1, slot_size)), random.randint(1, 128))
         for _ in range(random_packets)]


async def compensation(env) -> dict:
    """Each side's clock-compensation counters (its receiver: what came from the peer)."""
    names = ("rx_idles_deleted", "rx_idles_inserted", "rx_elastic_overflows",
             "rx_elastic_underflows", "rx_frames_bad")
    counts = {}
    for name, side in env.side.items():
        stats = await side.stats()
        counts[name] = {key: stats[key] for key in names}
        counts[name]["tx_replays"] = stats["tx_replays"]
    env.dut._log.info("compensation: %s", counts)
    return counts


@cocotb.test()
async def longest_frames_and_random_traffic_within_the_tolerance(dut):
    """At most the tolerated offset: longest frames back to back both ways, then random
    traffic: every packet once, in order, intact; the elastic buffers never over- or
    underflow, and with an offset the slower receiver deletes idles and the faster
    one repeats them."""
    assert abs(PPM) <= TOLERANCE_PPM, f"{PPM} ppm is beyond the tolerance: see the next test"
    env = await up_env(dut)
    slot = env.params["slot_size"]
    sent = {side: traffic(slot, LONGEST, RANDOM) for side in "ab"}
    await exchange(env, sent, clocks_per_packet=4 * slot)
    counts = await compensation(env)
    for side in "ab":
        assert counts[side]["rx_elastic_overflows"] == 0, counts
        assert counts[side]["rx_elastic_underflows"] == 0, counts
        assert counts[side]["rx_frames_bad"] == 0, counts
    if PPM > 0:    # B slower: B's receiver gets more symbols than it reads
        assert counts["b"]["rx_idles_deleted"] > 0 and counts["a"]["rx_idles_inserted"] > 0, counts
    elif PPM < 0:
        assert counts["a"]["rx_idles_deleted"] > 0 and counts["b"]["rx_idles_inserted"] > 0, counts


@cocotb.test()
async def far_beyond_the_tolerance_slips_are_counted_and_nothing_damaged_is_delivered(dut):
    """Far beyond the tolerance (the buffer's margin is a dozen symbols; a longest frame
    drifts more than that at a few thousand ppm): the elastic buffer slips inside every
    longest frame; each slip is counted, each frame it damages is rejected and replayed,
    nothing damaged is delivered, and when the replays run out the sender halts (the
    link cannot carry such frames, and says so) instead of delivering anything wrong."""
    assert abs(PPM) > TOLERANCE_PPM, f"{PPM} ppm is within the tolerance: see the test before"
    env = await up_env(dut, ack_timeout=12000)
    await env.a.regs.write("RETRY_LIMIT", count=3)
    slot = env.params["slot_size"]
    sent = [(random.randbytes(slot), random.randint(1, 128))
            for _ in range(max(1, LONGEST // 3))]
    for payload, count in sent:
        await env.a.post(payload, count)
    halted = await env.a.wait_until("LINK_STATUS", "tx_halted", 1, 40 * slot)
    delivered = []
    while (packet := await env.b.take()) is not None:
        delivered.append((packet.payload, packet.count))
        await env.b.acknowledge(packet)
        await env.b.release(packet)
    assert delivered == sent[:len(delivered)], "a damaged packet was delivered"
    counts = await compensation(env)
    slips = counts["b"]["rx_elastic_overflows"] + counts["b"]["rx_elastic_underflows"]
    assert slips > 0, f"no slip at {PPM} ppm: the test is void ({counts})"
    assert counts["b"]["rx_frames_bad"] > 0 and counts["a"]["tx_replays"] > 0, counts
    assert halted, f"A did not halt after its replays ({counts})"


@cocotb.test()
async def lock_loss_mid_frame_and_relock(dut):
    """B's transceiver loses its lock while a long DATA frame comes in, and locks again:
    B's receive side restarts (its domain is held in reset), the frame is not delivered,
    the link recovers and A's replay delivers the packet once, intact; B's counters
    survive the receive side's reset."""
    env = await up_env(dut)
    a, b = env.a, env.b
    before = await b.stats()
    payload, count = random.randbytes(env.params["slot_size"]), random.randint(1, 128)
    await a.post(payload, count, slot=0)
    assert await a.wait_until("TX_STATE", "slot0", TxSlotState.SENDING, 4000)
    await clock_cycles(dut.clk, 1000)   # inside the frame's payload
    dut.b__rx_lock_lost.value = 1
    await clock_cycles(dut.clk, 500)
    assert not (await b.regs.fields("RX_HEAD"))["valid"], "the damaged frame was delivered"
    dut.b__rx_lock_lost.value = 0
    await b.wait_link_up(40000)
    for _ in range(400):
        packet = await b.take()
        if packet is not None:
            break
        await clock_cycles(dut.clk, 200)
    else:
        raise AssertionError("the replay never arrived")
    assert (packet.seq, packet.payload, packet.count) == (0, payload, count)
    await b.acknowledge(packet)
    await b.release(packet)
    assert await a.wait_until("TX_FREE", "mask", (1 << env.params["tx_slots"]) - 1, 40000)
    after = await b.stats()
    changed = {k: (before[k], after[k]) for k in after if after[k] != before[k]}
    dut._log.info("B's counters across the lock loss: %s", changed)
    assert all(after[k] >= before[k] for k in after), f"B's counters went back: {changed}"
    # The symbols stopped mid-frame: the buffer ran dry and the frame was rejected.
    assert after["rx_elastic_underflows"] > before["rx_elastic_underflows"], changed
    assert after["rx_frames_bad"] > before["rx_frames_bad"], changed
    assert (await a.stats())["tx_replays"] >= 1
    assert await b.take() is None   # delivered once
