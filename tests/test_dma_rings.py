"""The driver's DMA rings (driver/dma_rings.py) against hand-computed layouts, with a
fake register bus and a bytearray for host memory."""

import asyncio

import pytest

from driver.dma_rings import (
    Completion, Copy, DmaLayout, MessageHeader, ReceiveRings, RingFull, TransmitRing,
    message_offsets, read_status, start_dma,
)
from driver.registers import Registers
from hdl.register_map import (
    HEADER_AREA_BYTES, HOST_STRUCTURES, MAX_SLOTS, REGISTER_MAP, RX_COMPLETION, RX_COPY,
    STATUS_BLOCK, TX_DESCRIPTOR,
)


class CountingBus:
    """Registers as a dict; counts accesses."""

    def __init__(self):
        self.words, self.reads, self.writes = {}, 0, 0

    async def read32(self, address):
        self.reads += 1
        return self.words.get(address, 0)

    async def write32(self, address, value, byte_enable=0xF):
        self.writes += 1
        self.words[address] = value


class Memory:
    def __init__(self, size=1 << 20):
        self.bytes = bytearray(size)

    def read(self, address, length):
        return bytes(self.bytes[address:address + length])

    def write(self, address, data):
        self.bytes[address:address + len(data)] = data


LAYOUT = DmaLayout.packed(0x100, tx_ring_log2=2, copy_ring_log2=2)


def register(bus, name):
    return bus.words.get(REGISTER_MAP[name].address, 0)


def set_status(memory, **words):
    current = read_status(memory, LAYOUT)
    current.update(words)
    current["LAST_ERROR"] = 0
    memory.write(LAYOUT.status, STATUS_BLOCK.pack(**current))


def test_structures_have_power_of_two_sizes_and_round_trip():
    for structure in HOST_STRUCTURES:
        assert structure.size & (structure.size - 1) == 0, structure.name
    data = RX_COPY.pack(ADDRESS=0x12345678, SOURCE={"offset": 0x222, "slot": 3}, LENGTH=77)
    assert data[:4] == bytes.fromhex("78563412")
    assert data[4:8] == bytes.fromhex("22020300")
    assert RX_COPY.unpack(data) == {"ADDRESS": 0x12345678, "SOURCE": {"offset": 0x222, "slot": 3},
                                    "LENGTH": 77, "RESERVED": 0}


def test_layout_is_aligned_and_does_not_overlap():
    spans = [(LAYOUT.tx_ring, TX_DESCRIPTOR.size << LAYOUT.tx_ring_log2),
             (LAYOUT.completions, RX_COMPLETION.size << LAYOUT.completions_log2),
             (LAYOUT.headers, MAX_SLOTS * HEADER_AREA_BYTES),
             (LAYOUT.copy_ring, RX_COPY.size << LAYOUT.copy_ring_log2),
             (LAYOUT.status, STATUS_BLOCK.size)]
    for (start, size), (next_start, _) in zip(spans, spans[1:]):
        assert start % 64 == 0 and start + size <= next_start
    assert LAYOUT.tx_ring >= 0x100 and LAYOUT.end == LAYOUT.status + 32
    with pytest.raises(ValueError, match="completion ring"):
        DmaLayout.packed(0, completions_log2=2)


def test_message_offsets_follow_the_packet_format():
    headers = [MessageHeader(0, 0, ecx, 0, 0, 0) for ecx in (0, 5, 8, 1)]
    # 24-byte headers; data padded to 4: 0 -> 0, 5 -> 8, 8 -> 8.
    assert message_offsets(headers) == [24, 48, 80, 112]
    header = MessageHeader(1, 2, 3, 4, 5, 0xFFFFFFFF)
    assert MessageHeader.unpack(header.pack()) == header
    assert header.pack()[8:12] == bytes([3, 0, 0, 0])


def test_send_writes_descriptors_and_one_doorbell():
    bus, memory = CountingBus(), Memory()
    asyncio.run(start_dma(Registers(bus), memory, LAYOUT))
    assert register(bus, "DMA_CONTROL") == 1 and register(bus, "TX_RING_BASE") == LAYOUT.tx_ring
    ring = TransmitRing(Registers(bus), memory, LAYOUT)
    headers = [MessageHeader(i, 0, 10 * i, 0, 0x8000 + i, 0) for i in range(3)]
    reads, writes = bus.reads, bus.writes
    asyncio.run(ring.send(headers))
    assert (bus.reads - reads, bus.writes - writes) == (0, 1)
    assert register(bus, "TX_RING_TAIL") == 3
    for i, header in enumerate(headers):
        entry = memory.read(LAYOUT.tx_ring + 32 * i, 32)
        assert MessageHeader.unpack(entry[:24]) == header
        assert TX_DESCRIPTOR.unpack(entry)["FLAGS"] == int(i == 2)
    # A ring of 4: one free until the adapter consumes some.
    with pytest.raises(RingFull):
        asyncio.run(ring.send(headers[:2]))
    set_status(memory, TX_HEAD=3)
    asyncio.run(ring.send(headers[:2]))  # entries 3 and 0 (wrapped)
    assert MessageHeader.unpack(memory.read(LAYOUT.tx_ring, 24)) == headers[1]
    assert register(bus, "TX_RING_TAIL") == 5
    with pytest.raises(ValueError, match="1..128"):
        asyncio.run(ring.send([]))


def test_completions_headers_and_copies():
    bus, memory = CountingBus(), Memory()
    rings = ReceiveRings(Registers(bus), memory, LAYOUT)
    assert rings.completions() == []
    headers = [MessageHeader(7, 8, 9, 10, 11, 12), MessageHeader(1, 1, 0, 1, 1, 1)]
    memory.write(LAYOUT.headers + 2 * HEADER_AREA_BYTES, b"".join(h.pack() for h in headers))
    memory.write(LAYOUT.completions, RX_COMPLETION.pack(
        PACKET={"slot": 2, "count": 2, "seq": 200}, LENGTH=84, INDEX=0))
    set_status(memory, RX_HEAD=1)
    (completion,) = rings.completions()
    assert completion == Completion(slot=2, count=2, seq=200, length=84, index=0)
    assert rings.headers(completion) == headers
    assert rings.completions() == []
    copies = [Copy(2, 24, 9, 0x9000), Copy(2, 72, 0, 0x9100)]
    done = asyncio.run(rings.copy(copies))
    assert done == 2 and register(bus, "RX_COPY_TAIL") == 2 and bus.reads == 0
    assert RX_COPY.unpack(memory.read(LAYOUT.copy_ring + 16, 16))["ADDRESS"] == 0x9100
    assert not rings.copied(done)
    set_status(memory, COPY_HEAD=2)
    assert rings.copied(done)
    writes = bus.writes
    assert asyncio.run(rings.copy([])) == 2 and bus.writes == writes  # no doorbell
    with pytest.raises(RingFull):
        asyncio.run(rings.copy(copies * 3))
