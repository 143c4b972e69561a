"""Packets the driver has taken from the OS and not yet seen acknowledged, each laid
out in driver memory as it will sit in the adapter's slot -- every header followed by
its data, padded to 4 bytes -- so that the adapter reads it with one image descriptor
(docs/dma.md). The data is copied when the OS hands the message over (the chapter's
DriverSend copies before it returns: the OS may reuse its buffer at once).

The driver keeps at most ``tx_slots`` packets posted and one more pending or being
built, and they are acknowledged in the order they were made, so ``tx_slots + 1``
send buffers of a slot's size, used in turn, never hand out one still in use. (After a
fail-over, the failed link's unacknowledged packets -- at most ``tx_slots + 1`` -- are
copied into the new link's buffers in turn, and nothing new is built until they are
all posted; the resync is laid out in the link's scratch memory.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from msl_spec import MESSAGE_HEADER_BYTES, MessageHeader, message_bytes, packet_length

from server_os.platform import HostMemory

__all__ = ["OutgoingPacket", "SendBuffers"]


@dataclass
class OutgoingPacket:
    """One packet: the headers as the OS gave them, laid out with a copy of each
    message's data from ``buffer`` on.

    Attributes
    ----------
    buffer : int
        Host address of its first message: the image the adapter reads.
    headers : list of MessageHeader
    data : list of int
        Host address of each message's copy of its data, in the image.
    resync : bool
        The driver's own resync (:mod:`driver.fail_over`), no message of the OS's.
    """

    buffer: int
    headers: list[MessageHeader] = field(default_factory=list)
    data: list[int] = field(default_factory=list)
    resync: bool = False
    _used: int = 0

    def add(self, memory: HostMemory, header: MessageHeader,
            source: int | None = None) -> None:
        """Lay the message out after the last one: its header, then its ECX bytes
        copied from ``source`` (by default its ESI). Raises ValueError (and adds
        nothing) when the data is not in host memory."""
        header_address = self.buffer + self._used
        address = header_address + MESSAGE_HEADER_BYTES
        data = (memory.read(header.esi if source is None else source, header.ecx)
                if header.ecx else b"")   # a header-only message's ESI is only a value
        memory.write(header_address, header.pack() + data)
        self.headers.append(header)
        self.data.append(address)
        self._used += message_bytes(header.ecx)

    def drop_first(self, count: int) -> None:
        """Its first ``count`` messages need not be sent (after a fail-over: the peer
        has them): the image starts after them."""
        dropped = packet_length(self.headers[:count])
        self.buffer += dropped
        self._used -= dropped
        del self.headers[:count], self.data[:count]

    def __len__(self) -> int:
        return len(self.headers)

    def length(self) -> int:
        """Bytes it takes in a slot (headers and padded data)."""
        return packet_length(self.headers)


class SendBuffers:
    """``tx_slots + 1`` buffers of ``slot_size`` bytes from ``base`` (every packet the
    driver may hold at once), handed out in turn.

    Parameters
    ----------
    base : int
    tx_slots : int
    slot_size : int
        A packet's data never needs more.
    """

    def __init__(self, base: int, tx_slots: int, slot_size: int):
        self.base, self.count, self.size = base, tx_slots + 1, slot_size
        self._next = 0

    @staticmethod
    def bytes_for(tx_slots: int, slot_size: int) -> int:
        """Host memory the buffers of an adapter take."""
        return (tx_slots + 1) * slot_size

    def address(self, index: int) -> int:
        return self.base + (index % self.count) * self.size

    def upcoming(self, later: int = 0) -> int:
        """Address of the buffer the packet made ``later`` packets from now will fill."""
        return self.address(self._next + later)

    def new_packet(self) -> OutgoingPacket:
        """A packet on the next buffer (taken only by :meth:`sent`: a packet that stays
        empty gives it back by not being sent)."""
        return OutgoingPacket(self.address(self._next))

    def sent(self) -> None:
        """The packet of :meth:`new_packet` was posted or made pending."""
        self._next += 1

    def forget(self) -> None:
        """Every packet was forgotten (a link reset): start again from the first."""
        self._next = 0
