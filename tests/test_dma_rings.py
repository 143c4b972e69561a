"""The driver's DMA rings (driver/dma_rings.py) against hand-computed layouts, with a
fake register bus and a bytearray for host memory."""

import asyncio

import pytest

from msl_spec import (HEADER_AREA_BYTES, HOST_STRUCTURES, MAX_SLOTS, REGISTER_MAP,
    RX_COMPLETION, RX_COPY, STATUS_BLOCK, TX_DESCRIPTOR, MessageHeader, message_offsets,
    packet_length)
from driver.dma_rings import (Completion, Copy, DmaLayout, ReceiveRings, RingFull,
    TransmitRing, read_status, ring_layout, start_dma)
from driver.registers import Registers
from tests.fakes import ByteMemory, DictRegisterBus


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
    assert packet_length(headers) == 112 + 4
    header = MessageHeader(1, 2, 3, 4, 5, 0xFFFFFFFF)
    assert MessageHeader.unpack(header.pack()) == header
    assert header.pack()[8:12] == bytes([3, 0, 0, 0])


def test_send_writes_descriptors_and_one_doorbell():
    bus, memory = DictRegisterBus(), ByteMemory(1 << 20)
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
        assert TX_DESCRIPTOR.unpack(entry)["FLAGS"] == {"last": int(i == 2), "image": 0,
                                                        "count": 0}
        assert TX_DESCRIPTOR.unpack(entry)["DATA"] == header.esi   # by default
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
    bus, memory = DictRegisterBus(), ByteMemory(1 << 20)
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


def test_a_packet_is_copied_where_the_os_says_then_acknowledged_and_released():
    bus, memory = DictRegisterBus(), ByteMemory(1 << 20)
    rings = ReceiveRings(Registers(bus), memory, LAYOUT)
    headers = [MessageHeader(1, 0, 10, 0, 0, 0), MessageHeader(2, 0, 3, 0, 0, 0),
               MessageHeader(3, 0, 7, 0, 0, 0)]
    memory.write(LAYOUT.headers + 1 * HEADER_AREA_BYTES, b"".join(h.pack() for h in headers))
    completion = Completion(slot=1, count=3, seq=9, length=24 * 3 + 12 + 4 + 8, index=0)
    # The OS takes the first whole, ignores the second, takes 2 bytes of the third.
    answers = {1: (0x5000, 10), 2: None, 3: (0x6001, 2)}
    copies = rings.copies_for(completion, lambda h: answers[h.eax])
    # Offsets by the original lengths: 24; 24+24+12 = 60 (skipped); 60+4+24 = 88.
    assert copies == [(Copy(1, 24, 10, 0x5000), 0), (Copy(1, 88, 2, 0x6001), 2)]
    asyncio.run(rings.finish(completion))
    assert REGISTER_MAP["SEND_ACK"].unpack(register(bus, "SEND_ACK")) == {"seq": 9, "count": 3}
    assert REGISTER_MAP["RX_RELEASE"].unpack(register(bus, "RX_RELEASE")) == {"slot": 1}
    assert (bus.reads, bus.writes) == (0, 2)


def test_send_points_the_adapter_at_the_data_addresses_given():
    bus, memory = DictRegisterBus(), ByteMemory(1 << 20)
    asyncio.run(start_dma(Registers(bus), memory, LAYOUT))
    ring = TransmitRing(Registers(bus), memory, LAYOUT)
    headers = [MessageHeader(i, 0, 8, 0, 0x8000 + i, 0) for i in range(2)]
    asyncio.run(ring.send(headers, [0x9000, 0x9008]))
    for i, header in enumerate(headers):
        entry = memory.read(LAYOUT.tx_ring + 32 * i, 32)
        assert MessageHeader.unpack(entry[:24]) == header     # ESI goes to the peer as is
        assert TX_DESCRIPTOR.unpack(entry)["DATA"] == 0x9000 + 8 * i
    with pytest.raises(ValueError, match="2 messages, 1 data addresses"):
        asyncio.run(ring.send(headers, [0x9000]))


WHOLE = ring_layout(0x100, tx_slots=4, rx_slots=3, slot_size=0x400)


def test_the_drivers_layout_has_a_packet_area_per_receive_slot_and_asks_for_whole_packets():
    assert WHOLE.whole_packets and not LAYOUT.whole_packets
    assert WHOLE.packets % 64 == 0 and WHOLE.packets >= WHOLE.status + STATUS_BLOCK.size
    assert WHOLE.end == WHOLE.packets + 3 * 0x400
    bus, memory = DictRegisterBus(), ByteMemory(1 << 20)
    asyncio.run(start_dma(Registers(bus), memory, WHOLE))
    assert REGISTER_MAP["DMA_CONTROL"].unpack(register(bus, "DMA_CONTROL")) == {
        "enable": 1, "whole_packets": 1}
    assert register(bus, "RX_PACKETS_BASE") == WHOLE.packets


def test_send_image_writes_one_descriptor_for_the_whole_packet():
    bus, memory = DictRegisterBus(), ByteMemory(1 << 20)
    asyncio.run(start_dma(Registers(bus), memory, WHOLE))
    ring = TransmitRing(Registers(bus), memory, WHOLE)
    reads, writes = bus.reads, bus.writes
    asyncio.run(ring.send_image(0x9000, 116, 4))
    assert (bus.reads - reads, bus.writes - writes) == (0, 1)
    assert register(bus, "TX_RING_TAIL") == 1
    entry = TX_DESCRIPTOR.unpack(memory.read(WHOLE.tx_ring, 32))
    assert entry["FLAGS"] == {"last": 1, "image": 1, "count": 4}
    assert (entry["ECX"], entry["DATA"]) == (116, 0x9000)
    with pytest.raises(ValueError, match="1..128"):
        asyncio.run(ring.send_image(0x9000, 24, 0))
    for _ in range(15):
        asyncio.run(ring.send_image(0x9000, 24, 1))
    with pytest.raises(RingFull):
        asyncio.run(ring.send_image(0x9000, 24, 1))


def _announce_whole(memory, slot, messages, count=None, length=None):
    """A packet as the adapter writes it into slot ``slot``'s packet area."""
    image = b"".join(h.pack() + data + bytes(-len(data) % 4) for h, data in messages)
    memory.write(WHOLE.packets + slot * WHOLE.packet_area, image)
    return Completion(slot=slot, count=len(messages) if count is None else count, seq=1,
                      length=len(image) if length is None else length, index=0)


def test_a_whole_packet_is_walked_by_each_headers_ecx():
    memory = ByteMemory(1 << 20)
    rings = ReceiveRings(Registers(DictRegisterBus()), memory, WHOLE)
    messages = [(MessageHeader(1, 0, 5, 0, 0, 0), b"abcde"),
                (MessageHeader(2, 0, 0, 0, 0, 0), b""),
                (MessageHeader(3, 0, 3, 0, 0, 0), b"xyz")]
    completion = _announce_whole(memory, 2, messages)
    area = WHOLE.packets + 2 * 0x400
    found = rings.messages(completion)
    # Data at 24; 24 + 8 + 24 = 56 for the empty one; 56 + 24 = 80.
    assert found == [(messages[0][0], area + 24), (messages[1][0], area + 56),
                     (messages[2][0], area + 80)]
    assert [memory.read(address, h.ecx) for h, address in found] == [b"abcde", b"", b"xyz"]


def test_a_whole_packet_walk_stops_at_its_count_and_its_end():
    memory = ByteMemory(1 << 20)
    rings = ReceiveRings(Registers(DictRegisterBus()), memory, WHOLE)
    messages = [(MessageHeader(i, 0, 4, 0, 0, 0), b"abcd") for i in range(3)]
    assert len(rings.messages(_announce_whole(memory, 0, messages, count=2))) == 2
    # The third message's data is cut off by the packet's length: it is not handed on.
    assert len(rings.messages(_announce_whole(memory, 0, messages, length=2 * 28 + 26))) == 2
    # A header claiming more data than the area holds ends the walk too.
    huge = [(MessageHeader(9, 0, 0x10000, 0, 0, 0), b"")]
    assert rings.messages(_announce_whole(memory, 1, huge, length=0x400)) == []
