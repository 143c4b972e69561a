"""DMA traffic on the cross-wired adapter pair: packets placed in one side's host
memory, sent through its transmit ring, taken on the other side through its completion
and copy rings, as a driver and its OS would. Shared by the DMA tests and benchmark.

The checks are against the sender's own record: every message (header and data) must
arrive once, in order, at the address the receiving OS model chose, cut to the length it
chose, or not at all when it ignored the message. Register accesses are counted per user
(:class:`~cocotb_tests.axil_binding.CountedBus`) and held to the budget of docs/dma.md.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import cocotb

from cocotb_tests.adapter_env import AdapterPairEnv, AdapterSide, cause_bit
from cocotb_tests.axil_binding import CountedBus
from cocotb_tests.clocks import clock_cycles
from cocotb_tests.harness import top_params
from msl_spec import MESSAGE_HEADER_BYTES, MessageHeader, message_bytes, packet_length
from driver.dma_rings import (Completion, Copy, DmaLayout, ReceiveRings, TransmitRing,
    read_status, start_dma)
from driver.registers import Registers

__all__ = ["LAYOUT", "SEND_REGION", "RECEIVE_REGION", "Message", "Allocator", "random_packet",
           "ReceivingOs", "DmaSide", "dma_env", "stream_packets", "start_both_ways",
           "fill_receive_region", "check_receive_region"]

LAYOUT = DmaLayout.packed(0x1000)
SEND_REGION = (0x0002_0000, 0x000F_0000)     # the sender's message data
RECEIVE_REGION = (0x0011_0000, 0x001F_0000)  # where the receiving OS puts message data


@dataclass
class Message:
    header: MessageHeader
    data: bytes


class Allocator:
    """Consecutive buffers at random alignments, with random gaps, in a region."""

    def __init__(self, region: tuple[int, int], rng: random.Random):
        self.next, self.end, self.rng = region[0], region[1], rng

    def __call__(self, length: int) -> int:
        address = self.next + self.rng.randrange(16)
        if address + length > self.end:
            raise AssertionError("test region exhausted: raise its size or send less")
        self.next = address + length
        return address


def random_packet(rng: random.Random, slot_size: int, memory, allocate) -> list[Message]:
    """1..8 messages with data of 0..the room left in the slot, placed in host memory."""
    room, messages = slot_size, []
    for _ in range(rng.randint(1, 8)):
        if room < MESSAGE_HEADER_BYTES:
            break
        most = room - MESSAGE_HEADER_BYTES
        length = min(most, rng.choice([0, rng.randint(1, 4), rng.randint(0, 300), most]))
        data = rng.randbytes(length)
        address = allocate(length)
        memory.write(address, data)
        header = MessageHeader(rng.getrandbits(32), rng.getrandbits(32), length,
                               rng.getrandbits(32), address, rng.getrandbits(32))
        messages.append(Message(header, data))
        room -= message_bytes(length)
    return messages


class ReceivingOs:
    """The receiving server's OS, as far as the driver sees it: per message, ignore it,
    take it whole, or take fewer bytes; at an address of its choosing."""

    def __init__(self, rng: random.Random, allocate):
        self.rng, self.allocate = rng, allocate

    def answer(self, header: MessageHeader) -> tuple[int, int] | None:
        """(address, length) for the message's data, or None to ignore it."""
        choice = self.rng.random()
        if choice < 0.2:
            return None
        length = header.ecx if choice < 0.7 else self.rng.randint(0, header.ecx)
        return self.allocate(length), length


class DmaSide:
    """One side's rings, with separately counted register users."""

    def __init__(self, side: AdapterSide, layout: DmaLayout = LAYOUT):
        self.side, self.layout = side, layout
        self.send_bus = CountedBus(side.bus)
        self.handler_bus = CountedBus(side.bus)
        self.tx = TransmitRing(Registers(self.send_bus), side.memory, layout)
        self.rx = ReceiveRings(Registers(self.handler_bus), side.memory, layout)
        self.handler_regs = Registers(self.handler_bus)
        self.packets_sent = self.packets_received = self.interrupts = 0

    def status(self) -> dict:
        return read_status(self.side.memory, self.layout)

    async def wait_acked(self, messages: int, clocks: int = 20_000) -> dict:
        """Wait (watching host memory only) until the status block shows ``messages``
        acknowledged, or ``clocks`` passed; return the status block."""
        for _ in range(clocks // 20):
            if self.status()["TX_ACKED"] == messages:
                break
            await clock_cycles(self.side.dut.clk, 20)
        return self.status()

    async def send(self, messages: list[Message]) -> None:
        """Wait for ring room (watching host memory only), then queue the packet."""
        while self.tx.room() < len(messages):
            await clock_cycles(self.side.dut.clk, 20)
        reads, writes = self.send_bus.reads, self.send_bus.writes
        await self.tx.send([m.header for m in messages])
        assert self.send_bus.reads == reads, "DriverSend read a register"
        assert self.send_bus.writes - writes <= 2, \
            f"DriverSend wrote {self.send_bus.writes - writes} registers"
        self.packets_sent += 1

    async def take_interrupt(self, clocks: int) -> int:
        """Wait for the interrupt line, read and clear INT_PENDING; return it."""
        assert await self.side.wait_irq(clocks), f"side {self.side.name}: no interrupt"
        pending = await self.handler_regs.read("INT_PENDING")
        await self.handler_regs.write("INT_PENDING", pending)
        self.interrupts += 1
        return pending

    async def wait_copied(self, done: int, clocks: int = 200_000) -> None:
        """Wait (watching host memory only) for the copies up to index ``done``."""
        for _ in range(clocks // 10):
            if self.rx.copied(done):
                return
            await clock_cycles(self.side.dut.clk, 10)
        raise AssertionError(f"side {self.side.name}: copies never finished")

    async def deliver(self, completion: Completion, answers) -> list[tuple[Copy, int]]:
        """Copy the data of the messages the OS took, wait for the copies, acknowledge
        and free the slot. Returns each copy with the message index it belongs to."""
        copies = self.rx.copies_for(completion, answers)
        await self.wait_copied(await self.rx.copy([c for c, _ in copies]))
        await self.rx.finish(completion)
        self.packets_received += 1
        return copies


def whole_packet_layout(params: dict) -> DmaLayout:
    """LAYOUT with a packet area per receive slot: packets are announced whole."""
    return DmaLayout.packed(0x1000, packet_area=params["slot_size"],
                            packet_slots=params["rx_slots"])


async def dma_env(dut, memory_stall: float = 0.2,
                  whole_packets: bool = False) -> tuple[AdapterPairEnv, dict]:
    params = top_params()
    layout = whole_packet_layout(params) if whole_packets else LAYOUT
    env = AdapterPairEnv(dut, params, stall=0.2, seed=random.getrandbits(32),
                             memory_stall=memory_stall)
    await env.start()
    await env.link_up(ack_timeout=50_000, interrupts=cause_bit("RX_PACKET"))
    sides = {}
    for name, side in env.side.items():
        await start_dma(side.regs, side.memory, layout)
        sides[name] = DmaSide(side, layout)
    return env, sides


async def stream_packets(sender: DmaSide, receiver: DmaSide, packets: list[list[Message]],
                         os_model: ReceivingOs, image: bytearray) -> None:
    """Send ``packets`` from one side and take them on the other, checking each as it
    lands; ``image`` (the receive region) gets each copy the OS asked for."""
    log = sender.side.dut._log
    low = RECEIVE_REGION[0]

    async def send_all():
        for messages in packets:
            await sender.send(messages)

    task = cocotb.start_soon(send_all())
    received = 0
    while received < len(packets):
        pending = await receiver.take_interrupt(2_000_000)
        assert not pending & ~cause_bit("RX_PACKET"), f"unexpected causes {pending:#x}"
        for completion in receiver.rx.completions():
            messages = packets[received]
            headers = receiver.rx.headers(completion)
            assert (completion.seq, completion.count) == (received % 256, len(messages)), \
                f"packet {received}: {completion}"
            assert completion.length == packet_length([m.header for m in messages]), \
                f"packet {received}: {completion}"
            assert headers == [m.header for m in messages], f"packet {received}: headers differ"
            copies = await receiver.deliver(completion, os_model.answer)
            for copy, index in copies:
                want = messages[index].data[:copy.length]
                got = receiver.side.memory.read(copy.address, copy.length)
                assert got == want, (f"packet {received} message {index}: {copy.length} bytes "
                                     f"at {copy.address:#x} differ")
                image[copy.address - low:copy.address - low + copy.length] = want
            received += 1
            if received % 50 == 0:
                log.info("%s -> %s: %d/%d packets", sender.side.name, receiver.side.name,
                         received, len(packets))
    await task


def start_both_ways(sides: dict, count: int, slot_size: int) -> list[tuple]:
    """Start ``count`` random packets each way at once; returns, per direction,
    ``(sender, receiver, packets, receive-region image, task)``."""
    work = []
    for sender, receiver in (("a", "b"), ("b", "a")):
        rng = random.Random(random.getrandbits(32))
        allocate = Allocator(SEND_REGION, rng)
        packets = [random_packet(rng, slot_size, sides[sender].side.memory, allocate)
                   for _ in range(count)]
        image = fill_receive_region(sides[receiver].side)
        os_model = ReceivingOs(rng, Allocator(RECEIVE_REGION, rng))
        task = cocotb.start_soon(stream_packets(sides[sender], sides[receiver], packets,
                                                os_model, image))
        work.append((sides[sender], sides[receiver], packets, image, task))
    return work


def fill_receive_region(side: AdapterSide) -> bytearray:
    """Random bytes over the receive region; the image the test expects it to hold."""
    image = bytearray(random.randbytes(RECEIVE_REGION[1] - RECEIVE_REGION[0]))
    side.memory.write(RECEIVE_REGION[0], bytes(image))
    return image


def check_receive_region(side: AdapterSide, image: bytearray) -> None:
    got = side.memory.read(RECEIVE_REGION[0], len(image))
    if got != image:
        first = next(i for i in range(len(image)) if got[i] != image[i])
        raise AssertionError(f"side {side.name}: byte at {RECEIVE_REGION[0] + first:#x} "
                             f"changed outside the copies asked for")
