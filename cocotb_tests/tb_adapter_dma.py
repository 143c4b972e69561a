"""cocotb tests of the adapter's DMA engine on the cross-wired pair (docs/dma.md).

Each side has its own host memory (RTL, pausing at random on every channel,
with a region answering SLVERR) and is driven through its rings by :mod:`driver.dma_rings`;
the traffic and its checks are :mod:`cocotb_tests.dma_traffic`. Register accesses are
held to the budget: no read and at most 2 writes per packet sent, at most 1 read per
packet received.
"""

from __future__ import annotations

import os
import random

import cocotb

from cocotb_tests.adapter_env import cause_bit
from cocotb_tests.clocks import clock_cycles
from cocotb_tests.dma_traffic import (
    LAYOUT, RECEIVE_REGION, SEND_REGION, Allocator, DmaSide, Message, check_receive_region,
    dma_env, fill_receive_region, random_packet, start_both_ways,
)
from cocotb_tests.host_memory import SLVERR_HOLE
from msl_spec import DmaErrorKind, MessageHeader, message_offsets
from driver.dma_rings import Completion, Copy, start_dma

SLVERR = 2


@cocotb.test()
async def messages_travel_between_host_memories(dut):
    """Random packets both ways at once, memory and register bus pausing at random."""
    env, sides = await dma_env(dut)
    count = int(os.environ.get("MSL_DMA_PACKETS", "100"))
    work = start_both_ways(sides, count, env.params["slot_size"])
    for sender, receiver, packets, image, task in work:
        await task
        check_receive_region(receiver.side, image)
        messages = sum(len(p) for p in packets)
        for _ in range(1000):
            if sender.status()["TX_ACKED"] == messages:
                break
            await clock_cycles(dut.clk, 20)
        status = sender.status()
        assert (status["TX_HEAD"], status["TX_ACKED"]) == (messages, messages), status
        assert receiver.handler_bus.reads <= receiver.packets_received, \
            (f"side {receiver.side.name}: {receiver.handler_bus.reads} register reads for "
             f"{receiver.packets_received} packets")
        assert sender.send_bus.reads == 0
        dut._log.info("%s -> %s: %d packets, %d messages; sender %d reads %d writes, "
                      "receiver %d reads (%d interrupts)", sender.side.name,
                      receiver.side.name, len(packets), messages, sender.send_bus.reads,
                      sender.send_bus.writes, receiver.handler_bus.reads, receiver.interrupts)
    for side in env.side.values():
        stats = await side.stats()
        assert stats["dma_errors"] == 0, side.name
        assert await side.regs.field("INT_RAW", "ack_received"), side.name


async def expect_dma_error(side: DmaSide, kind: DmaErrorKind, response: int,
                           errors: int) -> None:
    """The DMA_ERROR interrupt, with DMA_STATUS, the counter and the status block."""
    pending = await side.take_interrupt(200_000)
    assert pending & cause_bit("DMA_ERROR"), f"INT_PENDING {pending:#x}"
    status = await side.side.regs.fields("DMA_STATUS")
    assert (status["error_kind"], status["error_response"]) == (kind, response), status
    assert (await side.side.stats())["dma_errors"] == errors
    status = side.status()
    assert status["DMA_ERRORS"] == errors
    assert status["LAST_ERROR"] == {"kind": kind, "response": response}


async def receive_one(receiver: DmaSide, messages: list[Message], seq: int) -> None:
    """Take one packet, check it is ``messages``, copy every message whole."""
    assert await receiver.take_interrupt(200_000) & cause_bit("RX_PACKET")
    (completion,) = receiver.rx.completions()
    assert (completion.seq, completion.count) == (seq, len(messages))
    assert receiver.rx.headers(completion) == [m.header for m in messages]
    allocate = Allocator(RECEIVE_REGION, random.Random(seq))
    copies = await receiver.deliver(completion, lambda h: (allocate(h.ecx), h.ecx))
    for copy, index in copies:
        assert receiver.side.memory.read(copy.address, copy.length) == messages[index].data


async def error_env(dut):
    env, sides = await dma_env(dut)
    for side in env.side.values():
        await side.regs.write("INT_ENABLE", cause_bit("RX_PACKET") | cause_bit("DMA_ERROR"))
    rng = random.Random(random.getrandbits(32))
    a = sides["a"]
    allocate = Allocator(SEND_REGION, rng)

    def packet():
        return random_packet(rng, env.params["slot_size"], a.side.memory, allocate)
    return env, sides, packet


async def expect_only(receiver: DmaSide, sender: DmaSide, messages: list[Message],
                      descriptors: int) -> None:
    """``messages`` arrive as packet 0 and nothing else does; the sender consumed
    ``descriptors`` in all."""
    await receive_one(receiver, messages, seq=0)
    await clock_cycles(receiver.side.dut.clk, 5000)
    assert receiver.rx.completions() == [], "a dropped packet's messages were sent"
    assert sender.status()["TX_HEAD"] == descriptors


def with_bad_message(messages: list[Message], index: int, bad: MessageHeader) -> list[Message]:
    return messages[:index] + [Message(bad, b"")] + messages[index + 1:]


@cocotb.test()
async def oversized_message_is_reported_and_skipped(dut):
    """A message too big for the slot, in the middle of a packet: descriptor error, the
    whole packet dropped (the descriptors after it too), the ring goes on."""
    env, sides, packet = await error_env(dut)
    a, b = sides["a"], sides["b"]
    first = []
    while len(first) < 3:
        first = packet()
    bad = with_bad_message(first, 1, MessageHeader(1, 2, env.params["slot_size"], 3,
                                                   SEND_REGION[0], 4))
    await a.send(bad)
    await expect_dma_error(a, DmaErrorKind.DESCRIPTOR, 0, 1)
    good = packet()
    await a.send(good)
    await expect_only(b, a, good, len(bad) + len(good))


@cocotb.test()
async def read_error_drops_the_packet(dut):
    """A packet whose first message's data lies in the SLVERR region: the gather fails,
    none of the packet is sent, the next packet is."""
    env, sides, packet = await error_env(dut)
    a, b = sides["a"], sides["b"]
    first = []
    while len(first) < 2:
        first = packet()
    bad = with_bad_message(first, 0, first[0].header._replace(esi=SLVERR_HOLE[0] + 13, ecx=100))
    await a.send(bad)
    await expect_dma_error(a, DmaErrorKind.HOST_READ, SLVERR, 1)
    good = packet()
    await a.send(good)
    await expect_only(b, a, good, len(bad) + len(good))


@cocotb.test()
async def write_error_on_copy_is_reported(dut):
    """A copy running into the SLVERR region fails and is reported; no byte outside the
    requested range changes, and the next copy lands."""
    env, sides, packet = await error_env(dut)
    a, b = sides["a"], sides["b"]
    image = fill_receive_region(b.side)
    messages = []
    while not messages or messages[0].header.ecx < 16:
        messages = packet()
    await a.send(messages)
    assert await b.take_interrupt(200_000) & cause_bit("RX_PACKET")
    (completion,) = b.rx.completions()
    offsets = message_offsets(b.rx.headers(completion))
    length = messages[0].header.ecx
    address = SLVERR_HOLE[0] - length // 2 - 1   # starts before the region, ends in it
    guard = 256
    before = random.randbytes(length + 2 * guard)
    b.side.memory.write(address - guard, before)
    await b.rx.copy([Copy(completion.slot, offsets[0], length, address)])
    await expect_dma_error(b, DmaErrorKind.HOST_WRITE, SLVERR, 1)
    after = b.side.memory.read(address - guard, length + 2 * guard)
    assert after[:guard] == before[:guard] and after[-guard:] == before[-guard:], \
        "a failed copy wrote outside its range"
    check_receive_region(b.side, image)
    # A copy out of a slot the build does not have: refused, nothing written.
    await b.rx.copy([Copy(env.params["rx_slots"], 0, 16, RECEIVE_REGION[0])])
    await expect_dma_error(b, DmaErrorKind.DESCRIPTOR, 0, 2)
    check_receive_region(b.side, image)
    target = RECEIVE_REGION[0] + 5
    await b.wait_copied(await b.rx.copy([Copy(completion.slot, offsets[0], length, target)]))
    assert b.side.memory.read(target, length) == messages[0].data
    image[5:5 + length] = messages[0].data
    check_receive_region(b.side, image)


@cocotb.test()
async def dma_off_leaves_programmed_io_working(dut):
    """With DMA_CONTROL.enable at 0 packets are announced by RX_PACKET at once and read
    through the window, as before step 3; turning DMA on again works."""
    env, sides = await dma_env(dut)
    a, b = sides["a"], sides["b"]
    for side in env.side.values():
        await side.regs.write("DMA_CONTROL", enable=0)
        await side.regs.write("INT_ENABLE", cause_bit("RX_PACKET"))
    payload = random.randbytes(100)
    await env.a.post(payload, count=1)
    assert await env.b.wait_irq(100_000)
    taken = await env.b.take()
    assert taken.payload == payload and taken.seq == 0
    await env.b.acknowledge(taken)
    await env.b.release(taken)
    await env.b.regs.write("INT_PENDING", cause_bit("RX_PACKET"))
    for side in env.side.values():
        await start_dma(side.regs, side.memory, LAYOUT)
    rng = random.Random(random.getrandbits(32))
    messages = random_packet(rng, env.params["slot_size"], a.side.memory,
                             Allocator(SEND_REGION, rng))
    await a.send(messages)
    await receive_one(b, messages, seq=1)


@cocotb.test()
async def announce_error_leaves_the_slot_full(dut):
    """Header area in the SLVERR region: the packet is not announced, its slot stays
    FULL for the driver to find through registers; announcing works again after."""
    env, sides, packet = await error_env(dut)
    a, b = sides["a"], sides["b"]
    await b.side.regs.write("RX_HEADERS_BASE", SLVERR_HOLE[0])
    lost = packet()
    await a.send(lost)
    await expect_dma_error(b, DmaErrorKind.HOST_WRITE, SLVERR, 1)
    assert b.status()["RX_HEAD"] == 0 and b.rx.completions() == []
    head = await b.side.regs.fields("RX_HEAD")
    assert head["valid"] and head["seq"] == 0 and head["count"] == len(lost)
    await b.rx.finish(Completion(head["slot"], len(lost), seq=0, length=0, index=0))
    await b.side.regs.write("RX_HEADERS_BASE", LAYOUT.headers)
    good = packet()
    await a.send(good)
    await receive_one(b, good, seq=1)
