"""Packet slot buffers: the transmit slots (host or DMA fills, link reads) and the receive
slots (link fills, host or DMA reads). Both are RAMs of 32- or 64-bit words (the DMA data
width) with byte strobes; the host's windows are 32 bits wide either way."""

from typing import Callable

from amaranth import DomainRenamer, Module, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.memory import Memory
from amaranth.hdl import ResetInserter
from amaranth.lib.wiring import In, Out

from hdl.host.register_bus import READ_LATENCY, RegisterBusSignature
from hdl.link.link_interfaces import PayloadReadSignature, SlotWriteSignature

__all__ = ["check_slots", "TxBuffer", "RxBuffer"]


def check_slots(slots: int, slot_size: int, max_slots: int) -> None:
    if not 2 <= slots <= max_slots:
        raise ValueError(f"slots must be in 2..{max_slots}, not {slots!r}")
    if slot_size < 64 or slot_size & (slot_size - 1) or slot_size > 1 << 15:
        raise ValueError(f"slot_size must be a power of two in 64..32768, not {slot_size!r}")


def _host_read_port(m, memory, host, word_bytes: int):
    """The host's 32-bit window reads (the right half of a 64-bit RAM word): the RAM's
    data the next clock, registered once more for the bus's READ_LATENCY."""
    assert READ_LATENCY == 2
    shift = word_bytes.bit_length() - 1
    read = memory.read_port()
    m.d.comb += [read.addr.eq(host.addr[shift:]), read.en.eq(host.read)]
    data_ready = Signal()   # the RAM's data of a read is out this clock
    m.d.sync += data_ready.eq(host.read)
    if word_bytes == 4:
        word = read.data
    else:
        half = Signal()
        with m.If(host.read):
            m.d.sync += half.eq(host.addr[2])
        word = read.data.word_select(half, 32)
    with m.If(data_ready):
        m.d.sync += host.rdata.eq(word)


class _SlotRam(wiring.Component):
    """What both buffers share: the slot geometry, checked, and a RAM of ``word_bytes``
    words holding every slot, with the host window's reads on it. ``ports(words)`` gives
    a subclass's own ports, sized by the RAM's depth."""

    def __init__(self, slots: int, slot_size: int, max_slots: int, word_bytes: int,
                 ports: Callable[[int], dict]):
        check_slots(slots, slot_size, max_slots)
        if word_bytes not in (4, 8):
            raise ValueError(f"word_bytes must be 4 or 8 (32- or 64-bit RAM), not {word_bytes!r}")
        self._slots, self._slot_size, self._word_bytes = slots, slot_size, word_bytes
        self._shift = word_bytes.bit_length() - 1   # byte address -> RAM word
        super().__init__({"host": In(RegisterBusSignature()), **ports(self._words)})

    @property
    def _words(self) -> int:
        return self._slots * self._slot_size // self._word_bytes

    def _ram(self, m) -> Memory:
        m.submodules.ram = ram = Memory(shape=8 * self._word_bytes, depth=self._words, init=[])
        _host_read_port(m, ram, self.host, self._word_bytes)
        return ram


class TxBuffer(_SlotRam):
    """Transmit slots in a true dual-port RAM: the host fills one slot through its window
    while the link reads another for sending (or sending again).

    Parameters
    ----------
    slots, slot_size : int
        Number of slots and bytes per slot (a power of two).
    word_bytes : int
        RAM word: 4 or 8 bytes (the DMA data width).
    link_domain : str
        Clock domain of the link's reader (``read`` and ``payload``): ``sync``, or the
        transceiver's word clock ``tx`` (the RAM is then read on two clocks, which an
        FPGA's block RAM does port by port).

    Members
    -------
    host : In(RegisterBusSignature)
        The TX_BUFFER window (slot n at n × slot_size); reads and byte-strobed writes.
    dma_write_address, dma_write_data, dma_write_enable : In
        The DMA engine's word writes (byte enables). It has priority over ``host``
        writes; a driver does not write the window while the DMA engine fills slots.
    read : In(PayloadReadSignature)
        Start streaming ``read.length`` bytes of slot ``read.slot`` into ``payload``
        (any stream in progress is dropped).
    payload : Out(stream.Signature(8))
        The slot's bytes, read ahead into a small FIFO so a byte is ready whenever the
        framer takes one (it takes at most one per clock).
    """

    def __init__(self, slots: int, slot_size: int, max_slots: int = 8, word_bytes: int = 4,
                 link_domain: str = "sync"):
        self._link_domain = link_domain
        super().__init__(slots, slot_size, max_slots, word_bytes, lambda words: {
            "dma_write_address": In(range(words)),
            "dma_write_data": In(8 * word_bytes),
            "dma_write_enable": In(word_bytes),
            "read": In(PayloadReadSignature),
            "payload": Out(stream.Signature(8)),
        })

    def elaborate(self, platform):
        m = Module()
        word_bytes, shift = self._word_bytes, self._shift
        ram = self._ram(m)
        link = self._link_domain
        # On two clocks the link reads its own copy of the slots, written alongside: a
        # RAM with a write and a read port on one clock and a read port on another
        # maps to LUT RAM (thousands of cells, and their read mux the sync domain's
        # longest path), each copy with one write and one read port to block RAM.
        copies = [ram]
        if link != "sync":
            m.submodules.link_ram = link_ram = Memory(shape=8 * word_bytes, depth=self._words,
                                                      init=[])
            copies.append(link_ram)
        # One write (the DMA engine's, else the host's) into every copy.
        address = Signal(range(self._words))
        data = Signal(8 * word_bytes)
        enable = Signal(word_bytes)
        with m.If(self.dma_write_enable.any()):
            m.d.comb += [address.eq(self.dma_write_address), data.eq(self.dma_write_data),
                         enable.eq(self.dma_write_enable)]
        with m.Else():
            half = self.host.addr[2] if word_bytes == 8 else 0
            m.d.comb += [address.eq(self.host.addr[shift:]),
                         data.eq(self.host.wdata.replicate(word_bytes // 4)),
                         enable.eq((self.host.wstrb & self.host.write.replicate(4))
                                   << (4 * half))]
        for copy in copies:
            write = copy.write_port(granularity=8)
            m.d.comb += [write.addr.eq(address), write.data.eq(data), write.en.eq(enable)]

        # The link's reader: one byte per clock into a FIFO kept a few bytes ahead.
        fifo = ResetInserter(self.read.start)(SyncFIFOBuffered(width=8, depth=8))
        m.submodules.ahead = fifo = DomainRenamer(link)(fifo)
        link_read = copies[-1].read_port(domain=link)
        offset = Signal(range(self._words * word_bytes + 1))  # next byte to fetch
        end = Signal.like(offset)
        in_flight = Signal()   # a word read was issued last clock
        lane = Signal(shift)   # its byte lane
        room = fifo.w_level < 6  # space for the byte in flight and one more
        fetch = (offset != end) & room
        with m.If(self.read.start):
            base = self.read.slot * self._slot_size
            m.d[link] += [offset.eq(base), end.eq(base + self.read.length), in_flight.eq(0)]
        with m.Else():
            with m.If(fetch):
                m.d[link] += offset.eq(offset + 1)
            m.d[link] += [in_flight.eq(fetch), lane.eq(offset[:shift])]
        m.d.comb += [
            link_read.addr.eq(offset[shift:]),
            link_read.en.eq(fetch),
            fifo.w_data.eq(link_read.data.word_select(lane, 8)),
            fifo.w_en.eq(in_flight & ~self.read.start),
            self.payload.payload.eq(fifo.r_data),
            self.payload.valid.eq(fifo.r_rdy),
            fifo.r_en.eq(self.payload.ready),
        ]
        return m


class RxBuffer(_SlotRam):
    """Receive slots: the link writes a frame's payload byte by byte into a slot, the
    host reads it through its window and the DMA engine through its own read port.

    Parameters
    ----------
    slots, slot_size, max_slots, word_bytes :
        As for :class:`TxBuffer`.

    Members
    -------
    host : In(RegisterBusSignature)
        The RX_BUFFER window (read-only; writes are ignored).
    write : In(SlotWriteSignature)
        Write ``byte`` at ``index`` of slot ``slot``.
    dma_read_address : In, dma_read_data : Out
        The DMA engine's word reads (data the next clock).
    """

    def __init__(self, slots: int, slot_size: int, max_slots: int = 8, word_bytes: int = 4):
        super().__init__(slots, slot_size, max_slots, word_bytes, lambda words: {
            "dma_read_address": In(range(words)),
            "dma_read_data": Out(8 * word_bytes),
            "write": In(SlotWriteSignature),
        })

    def elaborate(self, platform):
        m = Module()
        word_bytes, shift = self._word_bytes, self._shift
        ram = self._ram(m)
        link_write = ram.write_port(granularity=8)
        write = self.write
        address = write.slot * self._slot_size + write.index
        m.d.comb += [
            link_write.addr.eq(address[shift:]),
            link_write.data.eq(write.byte.replicate(word_bytes)),
            link_write.en.eq(write.valid << address[:shift]),
        ]
        dma_read = ram.read_port()
        m.d.comb += [dma_read.addr.eq(self.dma_read_address),
                     self.dma_read_data.eq(dma_read.data)]
        return m
