"""The driver's side of the adapter's DMA rings (docs/dma.md).

Everything here lives in host memory, which the driver reads and writes freely; the
adapter is reached only by doorbell writes, which is how the register-access budget is
met: sending a packet costs one register write (``TX_RING_TAIL``) and no read.
Structure layouts come from :mod:`msl_spec` (``TX_DESCRIPTOR`` and friends).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from msl_spec import (HEADER_AREA_BYTES, MAX_MESSAGES, MAX_SLOTS, MESSAGE_HEADER_BYTES,
    RX_COMPLETION, RX_COPY, STATUS_BLOCK, TX_DESCRIPTOR, MessageHeader, message_bytes,
    message_offsets)

from driver.bus import BusError
from server_os.platform import HostMemory
from driver.registers import Registers

__all__ = ["HostMemory", "DmaLayout", "Completion", "Copy", "RingFull", "read_status",
           "stop_dma", "start_dma", "image_descriptor", "TransmitRing", "ReceiveRings",
           "ring_layout"]

_MASK32 = 0xFFFF_FFFF


def _align(value: int, alignment: int = 64) -> int:
    return (value + alignment - 1) // alignment * alignment


@dataclass(frozen=True)
class DmaLayout:
    """Where the rings, the header areas, the status block and the packet areas sit
    in host memory.

    Ring sizes are log2 of the entry count. The completion ring needs an entry per
    receive slot at least (a completion is outstanding only while its slot is FULL).
    With packet areas (``packet_area`` bytes for each of ``packet_slots`` receive
    slots) the adapter announces whole packets there (``DMA_CONTROL.whole_packets``);
    without, it announces headers and the data comes by receive copies.
    """

    tx_ring: int
    tx_ring_log2: int
    completions: int
    completions_log2: int
    headers: int
    copy_ring: int
    copy_ring_log2: int
    status: int
    packets: int = 0
    packet_area: int = 0
    packet_slots: int = 0

    @classmethod
    def packed(cls, base: int, tx_ring_log2: int = 6, completions_log2: int = 3,
               copy_ring_log2: int = 8, packet_area: int = 0,
               packet_slots: int = 0) -> DmaLayout:
        """Every structure one after another from ``base``, 64-byte aligned, with room
        for header areas of MAX_SLOTS receive slots, and packet areas when asked."""
        if completions_log2 < (MAX_SLOTS - 1).bit_length():
            raise ValueError(f"the completion ring needs at least {MAX_SLOTS} entries")
        tx_ring = _align(base)
        completions = _align(tx_ring + (TX_DESCRIPTOR.size << tx_ring_log2))
        headers = _align(completions + (RX_COMPLETION.size << completions_log2))
        copy_ring = _align(headers + MAX_SLOTS * HEADER_AREA_BYTES)
        status = _align(copy_ring + (RX_COPY.size << copy_ring_log2))
        packets = _align(status + STATUS_BLOCK.size) if packet_area * packet_slots else 0
        return cls(tx_ring, tx_ring_log2, completions, completions_log2, headers, copy_ring,
                   copy_ring_log2, status, packets, packet_area, packet_slots)

    @property
    def whole_packets(self) -> bool:
        """Are received packets announced whole, into the packet areas?"""
        return self.packet_area * self.packet_slots > 0

    @property
    def end(self) -> int:
        """First byte after the layout."""
        if self.whole_packets:
            return self.packets + self.packet_area * self.packet_slots
        return self.status + STATUS_BLOCK.size


@dataclass(frozen=True)
class Completion:
    """A received packet the adapter announced: in receive slot ``slot``, ``count``
    messages whose headers are in the slot's header area."""

    slot: int
    count: int
    seq: int
    length: int
    index: int


@dataclass(frozen=True)
class Copy:
    """Copy ``length`` bytes at ``offset`` of receive slot ``slot`` to host ``address``."""

    slot: int
    offset: int
    length: int
    address: int


class RingFull(Exception):
    """Not enough free entries in a ring for the request (retry once the adapter moves
    on, which the status block shows)."""


def read_status(memory: HostMemory, layout: DmaLayout) -> dict:
    """The status block as the adapter last wrote it (STATUS_BLOCK's words)."""
    return STATUS_BLOCK.unpack(memory.read(layout.status, STATUS_BLOCK.size))


#: DMA_STATUS reads to wait for the engine's job to end once enable falls (the longest
#: job, a full slot with host memory pausing, ends within a few of them).
STOP_POLLS = 2000


async def stop_dma(regs: Registers) -> None:
    """Engine off: clear ``enable`` and wait until the job under way has ended (an AXI
    burst cannot be cut). After this the engine touches no host memory, its heads are 0,
    and nothing it gathered is posted. Raises BusError if it never stops."""
    await regs.write("DMA_CONTROL", enable=0)
    for _ in range(STOP_POLLS):
        if not await regs.field("DMA_STATUS", "busy"):
            return
    raise BusError(f"the DMA engine is still busy after {STOP_POLLS} status reads")


async def start_dma(regs: Registers, memory: HostMemory, layout: DmaLayout) -> None:
    """Program the rings and start the engine: engine stopped (its heads back to 0, no
    job under way), registers set with both tails at 0, status block cleared, engine
    on (announcing whole packets when the layout has packet areas)."""
    await stop_dma(regs)
    for name, value in (("TX_RING_BASE", layout.tx_ring), ("TX_RING_SIZE", layout.tx_ring_log2),
                        ("TX_RING_TAIL", 0),
                        ("RX_COMPLETION_BASE", layout.completions),
                        ("RX_COMPLETION_SIZE", layout.completions_log2),
                        ("RX_HEADERS_BASE", layout.headers),
                        ("RX_COPY_BASE", layout.copy_ring),
                        ("RX_COPY_SIZE", layout.copy_ring_log2), ("RX_COPY_TAIL", 0),
                        ("STATUS_BASE", layout.status), ("RX_PACKETS_BASE", layout.packets)):
        await regs.write(name, value)
    memory.write(layout.status, bytes(STATUS_BLOCK.size))
    await regs.write("DMA_CONTROL", enable=1, whole_packets=int(layout.whole_packets))


def image_descriptor(address: int, length: int, count: int, last: bool = True) -> bytes:
    """A ``TX_DESCRIPTOR`` for ``count`` messages laid out in ``length`` bytes at
    ``address`` (docs/dma.md, image descriptors)."""
    return TX_DESCRIPTOR.pack(ECX=length, DATA=address,
                              FLAGS={"last": int(last), "image": 1, "count": count})


def _entry(base: int, log2: int, size: int, index: int) -> int:
    """Host address of entry ``index`` (free-running) of a ring."""
    return base + (index % (1 << log2)) * size


class _Rings:
    """One adapter's rings in host memory, reached through ``regs`` for doorbells only
    (after :func:`start_dma`); progress is read from the status block.

    Parameters
    ----------
    regs : Registers
    memory : HostMemory
    layout : DmaLayout
    """

    def __init__(self, regs: Registers, memory: HostMemory, layout: DmaLayout):
        self.regs, self.memory, self.layout = regs, memory, layout

    def _behind(self, tail: int, head: str) -> int:
        """Entries up to ``tail`` the adapter has not consumed (status word ``head``)."""
        return (tail - read_status(self.memory, self.layout)[head]) & _MASK32


class TransmitRing(_Rings):
    """The transmit ring, as the driver fills it."""

    def __init__(self, regs: Registers, memory: HostMemory, layout: DmaLayout):
        super().__init__(regs, memory, layout)
        self._tail = 0

    def pending(self) -> int:
        """Descriptors written that the adapter has not consumed yet."""
        return self._behind(self._tail, "TX_HEAD")

    def room(self) -> int:
        """Free descriptors."""
        return (1 << self.layout.tx_ring_log2) - self.pending()

    async def send(self, headers: Sequence[MessageHeader],
                   data: Sequence[int] | None = None, last: bool = True) -> None:
        """Queue one packet and ring the doorbell: one register write, no read. The
        adapter reads each message's data from ``data`` (one address per message; by
        default each header's ESI). With ``last`` False the packet goes on with the next
        descriptors queued. Raises :class:`RingFull` when the ring has no room for the
        whole packet, ``ValueError`` for an empty or oversized one."""
        if not 1 <= len(headers) <= MAX_MESSAGES:
            raise ValueError(f"a packet has 1..{MAX_MESSAGES} messages, not {len(headers)}")
        data = [header.esi for header in headers] if data is None else data
        if len(data) != len(headers):
            raise ValueError(f"{len(headers)} messages, {len(data)} data addresses")
        entries = []
        for i, (header, address) in enumerate(zip(headers, data)):
            tail = TX_DESCRIPTOR.pack(FLAGS={"last": int(last and i == len(headers) - 1)},
                                      DATA=address)
            entries.append(header.pack() + tail[MESSAGE_HEADER_BYTES:])
        await self.post_descriptors(entries)

    async def post_descriptors(self, entries: Sequence[bytes]) -> None:
        """Queue ``TX_DESCRIPTOR`` entries as given and ring the doorbell once (the
        adapter's own tests post through it what the driver never would). Raises
        :class:`RingFull` when the ring has no room for them all."""
        room = self.room()
        if len(entries) > room:
            raise RingFull(f"{len(entries)} descriptors wanted, {room} free")
        for i, entry in enumerate(entries):
            self.memory.write(_entry(self.layout.tx_ring, self.layout.tx_ring_log2,
                                     TX_DESCRIPTOR.size, self._tail + i), entry)
        self._tail = (self._tail + len(entries)) & _MASK32
        await self.regs.write("TX_RING_TAIL", index=self._tail)

    async def send_image(self, address: int, length: int, count: int,
                         last: bool = True) -> None:
        """Queue one packet laid out in host memory -- ``count`` messages in ``length``
        bytes at ``address``, as in a slot -- as one image descriptor, and ring the
        doorbell (one register write, no read); with ``last`` False the packet goes on
        with the next descriptors queued. Raises :class:`RingFull` when the ring is
        full, ``ValueError`` for a count the adapter does not take."""
        if not 1 <= count <= MAX_MESSAGES:
            raise ValueError(f"a packet has 1..{MAX_MESSAGES} messages, not {count}")
        await self.post_descriptors([image_descriptor(address, length, count, last)])


class ReceiveRings(_Rings):
    """The receive completion and copy rings: packets announced, copies out of their
    slots to where the OS wants each message, then the ACK and the slot's release."""

    def __init__(self, regs: Registers, memory: HostMemory, layout: DmaLayout):
        super().__init__(regs, memory, layout)
        self._taken = 0      # completions read
        self._copy_tail = 0

    def completions(self) -> list[Completion]:
        """Packets announced since the last call, oldest first."""
        lay = self.layout
        head = read_status(self.memory, lay)["RX_HEAD"]
        found = []
        while self._taken != head:
            address = _entry(lay.completions, lay.completions_log2, RX_COMPLETION.size,
                             self._taken)
            entry = RX_COMPLETION.unpack(self.memory.read(address, RX_COMPLETION.size))
            packet = entry["PACKET"]
            found.append(Completion(packet["slot"], packet["count"], packet["seq"],
                                    entry["LENGTH"], entry["INDEX"]))
            self._taken = (self._taken + 1) & _MASK32
        return found

    def messages(self, completion: Completion) -> list[tuple[MessageHeader, int]]:
        """The messages of a packet announced whole (packet areas), each header with
        the host address of its data. The bytes are walked by each header's ECX; a
        message the packet's length does not hold whole ends the walk (a well-formed
        packet has ``completion.count`` messages)."""
        area = self.layout.packets + completion.slot * self.layout.packet_area
        data = self.memory.read(area, min(completion.length, self.layout.packet_area))
        found, offset = [], 0
        while len(found) < completion.count and offset + MESSAGE_HEADER_BYTES <= len(data):
            header = MessageHeader.unpack(data[offset:offset + MESSAGE_HEADER_BYTES])
            if offset + MESSAGE_HEADER_BYTES + header.ecx > len(data):
                break
            found.append((header, area + offset + MESSAGE_HEADER_BYTES))
            offset += message_bytes(header.ecx)
        return found

    def headers(self, completion: Completion) -> list[MessageHeader]:
        """The message headers of an announced packet."""
        area = self.layout.headers + completion.slot * HEADER_AREA_BYTES
        data = self.memory.read(area, completion.count * MESSAGE_HEADER_BYTES)
        return [MessageHeader.unpack(data[i:i + MESSAGE_HEADER_BYTES])
                for i in range(0, len(data), MESSAGE_HEADER_BYTES)]

    def copy_room(self) -> int:
        return (1 << self.layout.copy_ring_log2) - self._behind(self._copy_tail, "COPY_HEAD")

    def copies_for(self, completion: Completion, answers) -> list[tuple[Copy, int]]:
        """The copies a packet needs: ``answers(header)`` gives, per message, the
        ``(address, length)`` the OS chose for its data, or None when it takes none.
        Messages are found by their original lengths, whatever length the OS asked for.
        Returns each copy with the index of its message."""
        headers = self.headers(completion)
        copies = []
        for index, (header, offset) in enumerate(zip(headers, message_offsets(headers))):
            answer = answers(header)
            if answer is not None:
                address, length = answer
                copies.append((Copy(completion.slot, offset, length, address), index))
        return copies

    async def copy(self, copies: Sequence[Copy]) -> int:
        """Queue copies out of receive slots and ring the doorbell (one register write;
        none for no copies). Returns the copy index to wait for (:meth:`copied`)."""
        room = self.copy_room()
        if len(copies) > room:
            raise RingFull(f"{len(copies)} copies wanted, {room} free")
        lay = self.layout
        for i, item in enumerate(copies):
            self.memory.write(
                _entry(lay.copy_ring, lay.copy_ring_log2, RX_COPY.size, self._copy_tail + i),
                RX_COPY.pack(ADDRESS=item.address,
                             SOURCE={"offset": item.offset, "slot": item.slot},
                             LENGTH=item.length))
        if copies:
            self._copy_tail = (self._copy_tail + len(copies)) & _MASK32
            await self.regs.write("RX_COPY_TAIL", index=self._copy_tail)
        return self._copy_tail

    def copied(self, index: int) -> bool:
        """Have the copies up to ``index`` (from :meth:`copy`) finished?"""
        head = read_status(self.memory, self.layout)["COPY_HEAD"]
        return ((head - index) & _MASK32) < 1 << 31

    async def finish(self, completion: Completion) -> None:
        """The OS has the packet (every copy done): acknowledge it to the peer and give
        its slot back to the adapter (two register writes)."""
        await self.regs.write("SEND_ACK", seq=completion.seq, count=completion.count)
        await self.regs.write("RX_RELEASE", slot=completion.slot)


def ring_layout(base: int, tx_slots: int, rx_slots: int, slot_size: int) -> DmaLayout:
    """The rings and packet areas for an adapter, from ``base``, as the MSL driver uses
    them: one image descriptor per packet (posted packets are at most ``tx_slots``),
    received packets announced whole."""
    log2 = max(4, tx_slots.bit_length())
    return DmaLayout.packed(base, tx_ring_log2=log2, packet_area=slot_size,
                            packet_slots=rx_slots)
