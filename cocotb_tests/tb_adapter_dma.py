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
from msl_spec import MAX_MESSAGES, DmaErrorKind, MessageHeader, message_offsets, packet_length
from driver.dma_rings import Completion, Copy, image_descriptor, start_dma

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
        status = await sender.wait_acked(messages)
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


async def error_env(dut, whole_packets: bool = False):
    env, sides = await dma_env(dut, whole_packets=whole_packets)
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


# ---- image descriptors and whole packets (the MSL driver's way) ----

DATA_REGION = (SEND_REGION[0], 0x0005_0000)   # the sender's message data ...
IMAGE_REGION = (0x0005_0000, SEND_REGION[1])  # ... and its laid-out packets


def lay_out(memory, allocate, messages: list[Message]) -> tuple[int, int]:
    """The messages laid out as in a slot in fresh host memory: (address, length)."""
    image = b"".join(m.header.pack() + m.data + bytes(-len(m.data) % 4) for m in messages)
    address = allocate(len(image)) & ~3
    memory.write(address, image)
    return address, len(image)


async def send_mixed(sender: DmaSide, rng: random.Random, allocate,
                     messages: list[Message]) -> int:
    """Send a packet as one image, or cut in runs sent each as an image or as a
    descriptor per message (the last run marked ``last``). Returns descriptors used."""
    cuts = [0] + sorted(rng.sample(range(1, len(messages)), rng.randint(0, len(messages) - 1))
                        if rng.random() < 0.5 and len(messages) > 1 else []) + [len(messages)]
    used = 0
    for start, end in zip(cuts, cuts[1:]):
        run, last = messages[start:end], end == len(messages)
        as_image = rng.random() < 0.6
        while sender.tx.room() < (1 if as_image else len(run)):
            await clock_cycles(sender.side.dut.clk, 20)
        if as_image:
            await sender.tx.send_image(*lay_out(sender.side.memory, allocate, run), len(run),
                                       last=last)
            used += 1
        else:
            await sender.tx.send([m.header for m in run], last=last)
            used += len(run)
    return used


async def take_whole(receiver: DmaSide, packets: list[list[Message]]) -> None:
    """Take ``packets`` announced whole, checking each against the sender's record."""
    received = 0
    while received < len(packets):
        pending = await receiver.take_interrupt(2_000_000)
        assert not pending & ~cause_bit("RX_PACKET"), f"unexpected causes {pending:#x}"
        for completion in receiver.rx.completions():
            want = packets[received]
            assert (completion.seq, completion.count) == (received % 256, len(want)), \
                f"packet {received}: {completion}"
            assert completion.length == packet_length([m.header for m in want])
            got = receiver.rx.messages(completion)
            assert [h for h, _ in got] == [m.header for m in want], \
                f"packet {received}: headers differ"
            for index, ((header, address), message) in enumerate(zip(got, want)):
                assert receiver.side.memory.read(address, header.ecx) == message.data, \
                    f"packet {received} message {index}: data differs"
            await receiver.rx.finish(completion)
            received += 1


@cocotb.test()
async def packet_images_and_whole_packets_travel_between_host_memories(dut):
    """Packets sent as image descriptors -- one image, or runs each sent as an image or
    a descriptor per message -- and announced whole into each slot's packet area, both
    ways at once, memory and register bus pausing at random (docs/dma.md). Every
    message arrives once, in order, header and data as sent; no receive copy is needed
    and the receiver reads no register but INT_PENDING."""
    env, sides = await dma_env(dut, whole_packets=True)
    count = int(os.environ.get("MSL_DMA_PACKETS", "100"))
    work = []
    for sender, receiver in (("a", "b"), ("b", "a")):
        rng = random.Random(random.getrandbits(32))
        memory = sides[sender].side.memory
        allocate = Allocator(DATA_REGION, rng)
        packets = [random_packet(rng, env.params["slot_size"], memory, allocate)
                   for _ in range(count)]
        images = Allocator(IMAGE_REGION, rng)

        async def send_all(side=sides[sender], rng=rng, images=images, packets=packets):
            return sum([await send_mixed(side, rng, images, p) for p in packets])
        work.append((sides[sender], sides[receiver], packets, cocotb.start_soon(send_all()),
                     cocotb.start_soon(take_whole(sides[receiver], packets))))
    for sender, receiver, packets, sending, taking in work:
        descriptors = await sending
        await taking
        messages = sum(len(p) for p in packets)
        status = await sender.wait_acked(messages)
        assert (status["TX_HEAD"], status["TX_ACKED"]) == (descriptors, messages), status
        assert receiver.handler_bus.reads <= receiver.interrupts, \
            "the receiver read a register other than INT_PENDING"
        dut._log.info("%s -> %s: %d packets, %d messages, %d descriptors",
                      sender.side.name, receiver.side.name, len(packets), messages,
                      descriptors)
    for side in env.side.values():
        assert (await side.stats())["dma_errors"] == 0, side.name


@cocotb.test()
async def bad_image_descriptors_are_reported_and_skipped(dut):
    """An image of no message, one of more messages than a packet may have, and one
    longer than the slot's room: each a DESCRIPTOR error, its packet dropped; a good
    image after them arrives whole."""
    env, sides, packet = await error_env(dut, whole_packets=True)
    a, b = sides["a"], sides["b"]
    slot = env.params["slot_size"]
    rng = random.Random(random.getrandbits(32))
    images = Allocator(IMAGE_REGION, rng)
    good = packet()
    address, length = lay_out(a.side.memory, images, good)
    for errors, (image_length, count) in enumerate(
            ((length, 0), (length, MAX_MESSAGES + 1), (slot + 4, 1)), start=1):
        await a.tx.post_descriptors([image_descriptor(address, image_length, count)])
        await expect_dma_error(a, DmaErrorKind.DESCRIPTOR, 0, errors)
    await a.tx.send_image(address, length, len(good))
    await take_whole(b, [good])
    assert a.status()["TX_HEAD"] == 4
