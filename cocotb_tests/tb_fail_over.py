"""cocotb tests of the driver's fail-over: two servers joined by two links (the
dual-link top, four adapters), the OS seeing one.

Each test checks against the sender's own record of what it sent, in order: the peer
OS must have taken every message exactly once and in that order (nothing lost,
duplicated or reordered across the move), the sender's OS must have heard every one
completed, and neither OS an error -- unless no link is left. The channels' own
counters show that a cut really hit a frame on the line.
"""

import dataclasses
import os
import random

import cocotb

from cocotb_tests.clocks import clock_cycles
from cocotb_tests.msl_system import PORT, PORT2, TEST_SETTINGS, DualLinkSystem, same_messages
from msl_spec import TxSlotState
from driver.msl_statistics import MslConfiguration, unpack_words
from server_os.sft3 import DriverError

MAX_DATA = 4096 - 24
#: The mirror's build has four transmit slots against two receive slots: a receiver
#: busy delivering refuses DATA, and a sender's fourth packet may wait some 20 ticks to
#: go out; the adapter timeout must allow for it (TEST_SETTINGS' 12 ticks are for two).
SETTINGS = dataclasses.replace(TEST_SETTINGS, adapter_timeout_ticks=40,
                               message_timeout_ticks=60)
BOTH_UP, SECOND_UP, FIRST_UP = 0b11, 0b10, 0b01
#: Messages each server sends in the longest scenarios (MSL_FAIL_OVER_MESSAGES, set per
#: simulator by cocotb_tests/test_fail_over.py); the others send a half, a third and a
#: quarter of it.
MESSAGES = int(os.environ.get("MSL_FAIL_OVER_MESSAGES", "24"))


def errors(server):
    return [code for _, code in server.mirror.errors]


async def configuration(server) -> MslConfiguration:
    """GetMSLConfiguration as the OS reads it."""
    return unpack_words(MslConfiguration, await server.driver.configuration())


def carrying(server) -> int | None:
    """PORT= of the adapter that carries (None in the middle of a move)."""
    link = server.driver.active
    return link.config.port if link is not None else None


async def full_duplex(system, count: int, seed: int):
    """Both servers send ``count`` messages of random length (1 byte to a full slot)
    at once; returns when the OS has all of them (queued or with the driver)."""
    rng = random.Random(seed)
    for server in (system.a, system.b):
        cocotb.start_soon(server.send(*(rng.randint(1, MAX_DATA) for _ in range(count))))
    await system.clocks(10)


async def under_traffic(dut, count: int, completed: int) -> DualLinkSystem:
    """Both servers up on two links, sending ``count`` messages each, and ``completed``
    of a's through."""
    system = DualLinkSystem(dut, SETTINGS)
    await system.up()
    await full_duplex(system, count, system.seed)
    await system.until(lambda: system.a.acknowledged() >= completed, 400000,
                       "traffic under way")
    return system


async def all_through(system, clocks: int) -> None:
    """Every message each server sent is taken by the peer's OS and completed at the
    sender."""
    a, b = system.a, system.b
    await system.until(lambda: (len(b.taken()) >= len(a.sent) and len(a.taken()) >= len(b.sent)
                                and a.acknowledged() >= len(a.sent)
                                and b.acknowledged() >= len(b.sent)),
                       clocks, "every message through and completed")


def exactly_once(system) -> None:
    a, b = system.a, system.b
    same_messages(b.taken(), a.sent, "a -> b")
    same_messages(a.taken(), b.sent, "b -> a")
    for server in (a, b):
        assert server.acknowledged() == len(server.sent), \
            f"{server.name}: {server.acknowledged()} completed of {len(server.sent)}"
    counts_agree(system)


def counts_agree(system) -> None:
    """With nothing under way, each side's count of the peer's messages it consumed is
    the peer's count of its own messages done with (docs/driver.md, Fail-over): what
    the next resync relies on."""
    a, b = (server.driver.group.counts for server in (system.a, system.b))
    assert (a.delivered, b.delivered) == (b.first_unacked, a.first_unacked), \
        f"counts disagree: a {a}, b {b}"


async def sending_a_frame(side, clocks: int) -> None:
    """Wait (through the adapter's own registers) until a DATA frame is on its line."""
    for _ in range(clocks // 50):
        state = await side.regs.fields("TX_STATE")
        if TxSlotState.SENDING in state.values():
            return
        await clock_cycles(side.clk, 50)
    raise AssertionError(f"side {side.name}: no frame sent in {clocks} clocks")


async def both_up(system, link: int) -> None:
    await system.env.link_up(link, 60000)


@cocotb.test()
async def cut_of_the_carrying_cable_mid_packet_moves_traffic_and_loses_nothing(dut):
    """Full-duplex traffic of long messages; the carrying cable is cut while a DATA
    frame is on it. Both servers move to the second link without a word to their OS,
    and every message arrives once, in order; GetMSLConfiguration shows the move and
    the cut link down. Mended, the first link comes back as the standby."""
    system = DualLinkSystem(dut, SETTINGS)
    await system.up()
    a, b = system.a, system.b
    for server in (a, b):
        config = await configuration(server)
        assert (config.adapters, config.port, config.standby_port, config.links_up) == \
            (2, PORT, PORT2, BOTH_UP), f"{server.name}: {config}"
    await full_duplex(system, MESSAGES, system.seed)
    await system.until(lambda: a.acknowledged() >= 4, 400000, "traffic under way")
    await sending_a_frame(system.env.side["a"], 100000)
    system.env.cut(0)
    await all_through(system, 3_000_000)
    exactly_once(system)
    assert system.env.frames_hit(0) >= 1, "the cut hit no frame on the line"
    for server in (a, b):
        assert not errors(server), f"{server.name}'s OS was told {errors(server)}"
        assert carrying(server) == PORT2
        stats = server.stats()
        assert stats["fail_overs"] >= 1 and stats["resyncs_received"] >= 1, stats
        config = await configuration(server)
        assert (config.port, config.standby_port, config.links_up) == (PORT2, PORT, SECOND_UP)
    system.env.cut(0, False)
    await both_up(system, 0)
    for server in (a, b):
        assert (await configuration(server)).links_up == BOTH_UP
        assert carrying(server) == PORT2, "traffic moved back without a failure"
    await system.down()


@cocotb.test()
async def reset_of_the_carrying_adapter_moves_traffic_and_it_rejoins(dut):
    """Under full-duplex traffic a's driver finds its carrying adapter in error and
    resets it (what it does on a hardware error): a moves to the standby link, b
    follows when a's resync arrives there (or when its adapter sees the reset), and
    every message arrives once, in order, no OS told; the reset link comes back up as
    the standby."""
    system = DualLinkSystem(dut, SETTINGS)
    await system.up()
    a, b = system.a, system.b
    await full_duplex(system, MESSAGES, system.seed)
    await system.until(lambda: a.acknowledged() >= 4 and b.acknowledged() >= 4, 400000,
                       "traffic under way")
    link = a.driver.active
    async with a.os.cpu.interrupts_disabled():
        await link._report(DriverError.HARDWARE_ERROR, reset=True)
    assert carrying(a) == PORT2
    await all_through(system, 3_000_000)
    exactly_once(system)
    for server in (a, b):
        assert not errors(server), f"{server.name}'s OS was told {errors(server)}"
        assert carrying(server) == PORT2
    await both_up(system, 0)
    assert (await configuration(a)).links_up == BOTH_UP
    await system.down()


@cocotb.test()
async def traffic_moves_back_when_the_second_cable_is_cut_after_the_first_mended(dut):
    """Cut the first cable (traffic on the second), mend it (the first stands by), cut
    the second: traffic moves back to the first, every message once and in order."""
    half = MESSAGES // 2
    system = await under_traffic(dut, half, 3)
    a, b = system.a, system.b
    system.env.cut(0)
    await system.until(lambda: carrying(a) == carrying(b) == PORT2, 200000, "the first move")
    system.env.cut(0, False)
    await both_up(system, 0)
    await full_duplex(system, half, system.seed + 1)
    await system.until(lambda: a.acknowledged() >= half + 3, 1_000_000,
                       "traffic on the second")
    system.env.cut(1)
    # The second batch may be through already on one side (a driver with nothing
    # waiting resets a dead link without moving: seed 1796425624 on Icarus left b on the
    # second link): one message more each, sent into the cut, has to move.
    for server in (a, b):
        await server.send(MAX_DATA)
    await all_through(system, 3_000_000)
    exactly_once(system)
    for server in (a, b):
        assert not errors(server), f"{server.name}'s OS was told {errors(server)}"
        assert carrying(server) == PORT and server.stats()["fail_overs"] >= 2
    system.env.cut(1, False)
    await both_up(system, 1)
    await system.down()


@cocotb.test()
async def with_both_cables_cut_the_os_is_told_and_traffic_resumes_when_mended(dut):
    """Both cables cut under traffic: no link is left, so each OS is told (the link
    failure codes) and the messages the driver had taken are given up (what the OS
    still queues waits). Mended, the links come up, the sides resync, and everything
    sent since arrives once, in order; no message arrives twice or out of order, and
    none the sender heard completed is missing."""
    system = await under_traffic(dut, MESSAGES // 3, 2)
    a, b = system.a, system.b
    system.env.cut(0)
    system.env.cut(1)
    # The traffic may be through already (four small messages each fit one packet, and
    # a driver with nothing waiting resets a dead link without a word): one message
    # more each, sent into the cut, waits for an answer that cannot come.
    for server in (a, b):
        await server.send(MAX_DATA)
    await system.until(lambda: errors(a) and errors(b), 200 * system.clocks_per_tick,
                       "both OSes told")
    for server in (a, b):
        assert set(errors(server)) <= {DriverError.TIME_OUT_ERROR, DriverError.HARDWARE_ERROR}
    await system.until(lambda: a.driver.active.waiting_messages() == 0
                       and b.driver.active.waiting_messages() == 0,
                       400 * system.clocks_per_tick, "what the drivers had given up")
    completed = {server.name: server.acknowledged() for server in (a, b)}
    await system.clocks(20000)
    for server in (a, b):
        assert server.acknowledged() == completed[server.name], "completed with no link"
    # Given up: what the drivers had taken and not seen completed. The rest (in the
    # OS's queue, or sent from now on) must all arrive.
    kept = {server.name: len(server.sent) - len(server.mirror.queue) for server in (a, b)}
    system.env.cut(0, False)
    system.env.cut(1, False)
    await both_up(system, 0)
    await both_up(system, 1)
    await full_duplex(system, MESSAGES // 4, system.seed + 1)
    await system.until(lambda: b.taken() and b.taken()[-1] == a.sent[-1]
                       and a.taken() and a.taken()[-1] == b.sent[-1]
                       and a.acknowledged() + kept["a"] - completed["a"] == len(a.sent)
                       and b.acknowledged() + kept["b"] - completed["b"] == len(b.sent),
                       2_000_000, "the new messages")
    for server, peer in ((a, b), (b, a)):
        got = [server.sent.index(message) for message in peer.taken()]
        assert got == sorted(set(got)), f"{peer.name} took {got} (index in what was sent)"
        must = set(range(completed[server.name]))          # heard completed
        must |= set(range(kept[server.name], len(server.sent)))  # never given up
        assert must <= set(got), f"{peer.name} is missing {sorted(must - set(got))}"
        assert server.acknowledged() == len(server.sent) - (
            kept[server.name] - completed[server.name]), "completions do not add up"
    counts_agree(system)
    await system.down()


@cocotb.test()
async def a_peer_with_one_adapter_loaded_is_served_as_by_a_one_link_driver(dut):
    """a loads both adapters, b only its first: a's second link never comes up, so a
    is a one-link driver -- after a reset of its carrying link a's OS hears the error,
    no resync is sent or awaited (b, taking no part in fail-over, would never send
    one), and a's next message goes through though b sends nothing."""
    system = DualLinkSystem(dut, SETTINGS)
    await system.start()
    a, b = system.a, system.b
    for line in DualLinkSystem.load_lines:
        assert await a.load(line) == 0, a.os.console
    assert await b.load() == 0, b.os.console
    await system.env.link_up(0, 60000)
    await a.send(100)
    await system.until(lambda: a.acknowledged() >= 1, 200000, "a's first message")
    async with a.os.cpu.interrupts_disabled():
        await a.driver.active._report(DriverError.HARDWARE_ERROR, reset=True)
    assert errors(a) == [DriverError.HARDWARE_ERROR] and carrying(a) == PORT
    await system.env.link_up(0, 60000)
    await a.send(200)
    await system.until(lambda: a.acknowledged() >= 2, 200000, "a's message after the reset")
    same_messages(b.taken(), a.sent, "a -> b")
    assert a.stats()["resyncs_sent"] == 0 and a.stats()["fail_overs"] == 0
    assert (await configuration(a)).links_up == FIRST_UP
    await system.down()
