"""Packet slot buffers: the transmit slots (host fills, link reads) and the receive slots
(link fills, host reads). Both are RAMs of 32-bit words with byte strobes."""

from amaranth import Module, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.fifo import SyncFIFOBuffered
from amaranth.lib.memory import Memory
from amaranth.hdl import ResetInserter
from amaranth.lib.wiring import In, Out

from .register_bus import RegisterBusSignature

__all__ = ["check_slots", "TxBuffer", "RxBuffer"]


def check_slots(slots: int, slot_size: int, max_slots: int) -> None:
    if not 2 <= slots <= max_slots:
        raise ValueError(f"slots must be in 2..{max_slots}, not {slots!r}")
    if slot_size < 64 or slot_size & (slot_size - 1) or slot_size > 1 << 15:
        raise ValueError(f"slot_size must be a power of two in 64..32768, not {slot_size!r}")


def _host_port(m, memory, host):
    """The host's window: word reads (data the next clock) and byte-strobed writes."""
    read = memory.read_port()
    m.d.comb += [read.addr.eq(host.addr[2:]), read.en.eq(host.read), host.rdata.eq(read.data)]
    return read


class TxBuffer(wiring.Component):
    """Transmit slots in a true dual-port RAM: the host fills one slot through its window
    while the link reads another for sending (or sending again).

    Parameters
    ----------
    slots, slot_size : int
        Number of slots and bytes per slot (a power of two).

    Members
    -------
    host : In(RegisterBusSignature)
        The TX_BUFFER window (slot n at n × slot_size); reads and byte-strobed writes.
    read_start : In(1)
        Start streaming ``read_length`` bytes of slot ``read_slot`` into ``payload``
        (any stream in progress is dropped).
    read_slot, read_length : In
    payload : Out(stream.Signature(8))
        The slot's bytes, read ahead into a small FIFO so a byte is ready whenever the
        framer takes one (it takes at most one per clock).
    """

    def __init__(self, slots: int, slot_size: int, max_slots: int = 8):
        check_slots(slots, slot_size, max_slots)
        self._slots, self._slot_size = slots, slot_size
        super().__init__({
            "host": In(RegisterBusSignature()),
            "read_start": In(1),
            "read_slot": In(range(slots)),
            "read_length": In(16),
            "payload": Out(stream.Signature(8)),
        })

    def elaborate(self, platform):
        m = Module()
        depth = self._slots * self._slot_size // 4
        m.submodules.ram = ram = Memory(shape=32, depth=depth, init=[])
        host_write = ram.write_port(granularity=8)
        m.d.comb += [host_write.addr.eq(self.host.addr[2:]), host_write.data.eq(self.host.wdata),
                     host_write.en.eq(self.host.wstrb & self.host.write.replicate(4))]
        _host_port(m, ram, self.host)

        # The link's reader: one byte per clock into a FIFO kept a few bytes ahead.
        fifo = ResetInserter(self.read_start)(SyncFIFOBuffered(width=8, depth=8))
        m.submodules.ahead = fifo
        link_read = ram.read_port()
        offset = Signal(range(depth * 4 + 1))  # next byte to fetch, from the slot start
        end = Signal.like(offset)
        in_flight = Signal()   # a word read was issued last clock
        lane = Signal(2)       # its byte lane
        room = fifo.w_level < 6  # space for the byte in flight and one more
        fetch = (offset != end) & room
        with m.If(self.read_start):
            base = self.read_slot * self._slot_size
            m.d.sync += [offset.eq(base), end.eq(base + self.read_length), in_flight.eq(0)]
        with m.Else():
            with m.If(fetch):
                m.d.sync += offset.eq(offset + 1)
            m.d.sync += [in_flight.eq(fetch), lane.eq(offset[:2])]
        m.d.comb += [
            link_read.addr.eq(offset[2:]),
            link_read.en.eq(fetch),
            fifo.w_data.eq(link_read.data.word_select(lane, 8)),
            fifo.w_en.eq(in_flight & ~self.read_start),
            self.payload.payload.eq(fifo.r_data),
            self.payload.valid.eq(fifo.r_rdy),
            fifo.r_en.eq(self.payload.ready),
        ]
        return m


class RxBuffer(wiring.Component):
    """Receive slots: the link writes a frame's payload byte by byte into a slot, the
    host reads it through its window.

    Members
    -------
    host : In(RegisterBusSignature)
        The RX_BUFFER window (read-only; writes are ignored).
    write : In(1)
        Write ``byte`` at ``index`` of slot ``slot``.
    slot, index, byte : In
    """

    def __init__(self, slots: int, slot_size: int, max_slots: int = 8):
        check_slots(slots, slot_size, max_slots)
        self._slots, self._slot_size = slots, slot_size
        super().__init__({
            "host": In(RegisterBusSignature()),
            "write": In(1),
            "slot": In(range(slots)),
            "index": In(16),
            "byte": In(8),
        })

    def elaborate(self, platform):
        m = Module()
        depth = self._slots * self._slot_size // 4
        m.submodules.ram = ram = Memory(shape=32, depth=depth, init=[])
        link_write = ram.write_port(granularity=8)
        address = self.slot * self._slot_size + self.index
        m.d.comb += [
            link_write.addr.eq(address[2:]),
            link_write.data.eq(self.byte.replicate(4)),
            link_write.en.eq(self.write << address[:2]),
        ]
        _host_port(m, ram, self.host)
        return m
