"""The driver's send buffers: the copy DriverSend makes, and buffers used in turn."""

import pytest

from msl_spec import MessageHeader, packet_length
from driver.outgoing import SendBuffers
from tests.fakes import ByteMemory


def _message(memory, address, data):
    memory.write(address, data)
    return MessageHeader(1, 2, len(data), 4, address, 6)


def test_a_packet_is_laid_out_as_in_a_slot_and_keeps_the_headers():
    memory = ByteMemory(1 << 16)
    buffers = SendBuffers(0x8000, 2, 0x1000)
    packet = buffers.new_packet()
    headers = [_message(memory, 0x100, b"abcde"), _message(memory, 0x200, b""),
               _message(memory, 0x300, b"xyz")]
    for header in headers:
        packet.add(memory, header)
    assert packet.headers == headers and len(packet) == 3
    # Header, data padded to 4: 24 + 8, then 24 + 0, then 24 + 4 (docs/dma.md).
    assert packet.buffer == 0x8000 and packet.data == [0x8018, 0x8038, 0x8050]
    image = memory.read(0x8000, packet.length())
    assert [MessageHeader.unpack(image[o:o + 24]) for o in (0, 32, 56)] == headers
    assert image[24:29] == b"abcde" and image[80:83] == b"xyz"
    assert packet.length() == packet_length(headers) == 84
    memory.write(0x100, b"#####")                    # the OS reuses its buffer
    assert memory.read(0x8018, 5) == b"abcde"


def test_dropping_messages_starts_the_image_after_them():
    memory = ByteMemory(1 << 16)
    packet = SendBuffers(0x8000, 2, 0x1000).new_packet()
    headers = [_message(memory, 0x100, b"abcde"), _message(memory, 0x200, b""),
               _message(memory, 0x300, b"xyz")]
    for header in headers:
        packet.add(memory, header)
    packet.drop_first(2)
    assert packet.headers == headers[2:] and packet.data == [0x8050]
    assert packet.buffer == 0x8038 and packet.length() == 28
    assert MessageHeader.unpack(memory.read(packet.buffer, 24)) == headers[2]


def test_buffers_are_used_in_turn_and_an_empty_packet_takes_none():
    buffers = SendBuffers(0x8000, 2, 0x1000)
    assert buffers.new_packet().buffer == buffers.new_packet().buffer == 0x8000
    seen = []
    for _ in range(4):
        assert buffers.upcoming() == buffers.new_packet().buffer
        seen.append(buffers.new_packet().buffer)
        buffers.sent()
    assert seen == [0x8000, 0x9000, 0xA000, 0x8000]
    assert buffers.upcoming(1) == 0xA000
    buffers.forget()
    assert buffers.upcoming() == 0x8000
    assert SendBuffers.bytes_for(2, 0x1000) == 0x3000


def test_data_outside_host_memory_is_refused_and_nothing_added():
    memory = ByteMemory(1 << 16)
    packet = SendBuffers(0x8000, 2, 0x1000).new_packet()
    with pytest.raises(ValueError):
        packet.add(memory, MessageHeader(1, 2, 64, 4, (1 << 16) - 8, 6))
    assert len(packet) == 0 and packet.data == []


def test_a_header_only_message_reads_no_data_whatever_its_esi():
    memory = ByteMemory(1 << 16)
    packet = SendBuffers(0x8000, 2, 0x1000).new_packet()
    header = MessageHeader(1, 2, 0, 4, 0xFFFF_FFFB, 6)   # ESI is only a value here
    packet.add(memory, header)
    assert packet.length() == 24 and MessageHeader.unpack(memory.read(0x8000, 24)) == header
