"""An AXI4 slave on block RAM: the demonstration board's host memory, which the
adapter's DMA reads and writes."""

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In

from hdl.dma.axi4 import Axi4Signature

__all__ = ["BlockRamAxi4Slave"]


class BlockRamAxi4Slave(wiring.Component):
    """``depth`` words of on-chip RAM behind an AXI4 slave, serving INCR bursts the way
    the adapter's DMA issues them (:class:`hdl.dma.dma_mover.DmaMover`: INCR, full-width
    beats, up to 256 beats, never across 4 KiB, byte strobes on writes, several bursts
    outstanding in order).

    One write burst and one read burst at a time, each independently: a write takes a
    beat per clock and answers OKAY after its last; a read gives a beat per clock
    while ``rready`` (the RAM's read port holds its data while the master stalls) with
    one idle clock between bursts. Addresses wrap modulo the RAM's size (the DMA's host
    addresses are taken as offsets into it); FIXED and WRAP bursts are served as INCR.

    Parameters
    ----------
    data_width : int
        32 or 64 bits.
    depth : int
        Words of RAM (a power of two).
    address_width, id_width : int

    Members
    -------
    axi : In(Axi4Signature(address_width, data_width, id_width))
    """

    def __init__(self, data_width: int = 32, depth: int = 4096, address_width: int = 32,
                 id_width: int = 1):
        if data_width not in (32, 64):
            raise ValueError(f"data_width must be 32 or 64, not {data_width!r}")
        if depth < 2 or depth & (depth - 1):
            raise ValueError(f"depth must be a power of two >= 2, not {depth!r}")
        self._width, self._depth = data_width, depth
        self._shift = (data_width // 8).bit_length() - 1
        super().__init__({"axi": In(Axi4Signature(address_width, data_width, id_width))})

    def elaborate(self, platform):
        m = Module()
        axi = self.axi
        words = self._depth.bit_length() - 1
        m.submodules.ram = ram = Memory(shape=self._width, depth=self._depth, init=[])
        write = ram.write_port(granularity=8)
        read = ram.read_port()

        def word(address):
            return address[self._shift:self._shift + words]

        # Writes: take an address, then beats until wlast, then answer.
        writing, write_address = Signal(), Signal(words)
        m.d.comb += [axi.awready.eq(~writing & ~axi.bvalid), axi.wready.eq(writing),
                     axi.bresp.eq(0)]
        with m.If(axi.awvalid & axi.awready):
            m.d.sync += [writing.eq(1), write_address.eq(word(axi.awaddr)),
                         axi.bid.eq(axi.awid)]
        beat = axi.wvalid & axi.wready
        m.d.comb += [write.addr.eq(write_address), write.data.eq(axi.wdata),
                     write.en.eq(axi.wstrb & beat.replicate(len(axi.wstrb)))]
        with m.If(beat):
            m.d.sync += write_address.eq(write_address + 1)
            with m.If(axi.wlast):
                m.d.sync += [writing.eq(0), axi.bvalid.eq(1)]
        with m.If(axi.bvalid & axi.bready):
            m.d.sync += axi.bvalid.eq(0)

        # Reads: the read port fetches the next beat whenever the one on the bus moves
        # (or there is none); its data then stays put while the master stalls.
        fetch_address, fetch_id, to_fetch = Signal(words), Signal(len(axi.arid)), Signal(9)
        advance = ~axi.rvalid | axi.rready
        fetching = to_fetch != 0
        m.d.comb += [axi.arready.eq(~fetching), read.addr.eq(fetch_address),
                     read.en.eq(advance), axi.rdata.eq(read.data), axi.rresp.eq(0)]
        with m.If(axi.arvalid & axi.arready):
            m.d.sync += [fetch_address.eq(word(axi.araddr)), to_fetch.eq(axi.arlen + 1),
                         fetch_id.eq(axi.arid)]
        with m.If(advance):
            m.d.sync += [axi.rvalid.eq(fetching), axi.rlast.eq(to_fetch == 1),
                         axi.rid.eq(fetch_id)]
            with m.If(fetching):
                m.d.sync += [fetch_address.eq(fetch_address + 1), to_fetch.eq(to_fetch - 1)]
        return m
