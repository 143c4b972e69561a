"""A packet as it sits in a transmit or receive slot: per message, its six header values
(24 bytes, little-endian words) then its ECX data bytes padded to a multiple of 4."""

from __future__ import annotations

from typing import NamedTuple, Sequence

from .host_structures import MESSAGE_HEADER_BYTES

__all__ = ["MessageHeader", "message_bytes", "packet_length", "message_offsets"]

_MASK32 = 0xFFFF_FFFF


class MessageHeader(NamedTuple):
    """A message's six header registers. ECX is its data length, ESI the host address of
    its data (on the sender; a receiver sees the sender's value)."""

    eax: int
    ebx: int
    ecx: int
    edx: int
    esi: int
    edi: int

    def pack(self) -> bytes:
        return b"".join((value & _MASK32).to_bytes(4, "little") for value in self)

    @classmethod
    def unpack(cls, data: bytes) -> MessageHeader:
        return cls(*(int.from_bytes(data[i:i + 4], "little")
                     for i in range(0, MESSAGE_HEADER_BYTES, 4)))


def message_bytes(ecx: int) -> int:
    """Bytes a message takes in a packet: a packet is, per message, the 24-byte header
    then ECX data bytes padded to a multiple of 4."""
    return MESSAGE_HEADER_BYTES + (ecx + 3) // 4 * 4


def packet_length(headers: Sequence[MessageHeader]) -> int:
    """Bytes of the packet these messages make."""
    return sum(message_bytes(header.ecx) for header in headers)


def message_offsets(headers: Sequence[MessageHeader]) -> list[int]:
    """Byte offset in the slot of each message's data."""
    offsets, offset = [], 0
    for header in headers:
        offsets.append(offset + MESSAGE_HEADER_BYTES)
        offset += message_bytes(header.ecx)
    return offsets
