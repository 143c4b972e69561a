"""An SPI slave that reads and writes an AXI4-Lite bus: the demonstration board's host
(a microcontroller programs the adapter's registers through it)."""

from amaranth import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

from hdl.board import spi_protocol as protocol
from hdl.host.axi_lite import AxiLiteSignature

__all__ = ["SpiAxiLiteBridge"]


class SpiAxiLiteBridge(wiring.Component):
    """SPI slave (mode 0, MSB first) to AXI4-Lite master, frames as
    :mod:`hdl.board.spi_protocol` defines them.

    The SPI pins are sampled on this component's clock (domain ``sync``) through
    synchronizers, so the SPI clock must be slower than a sixteenth of it or so: an edge
    takes 3 clocks to be seen, and MISO must change and settle within half an SPI period
    (at 125 MHz, 5 MHz SPI leaves plenty). One access at a time; a frame that starts
    while the previous access is still on the bus is not started.

    Parameters
    ----------
    address_width : int
        The AXI4-Lite address width (at most 16: the frame's address).

    Members
    -------
    sck, mosi, cs_n : In(1)
        The SPI pins (asynchronous).
    miso : Out(1)
    axil : Out(AxiLiteSignature(address_width))
    """

    def __init__(self, address_width: int = 16):
        if not 2 < address_width <= 16:
            raise ValueError(f"address_width must be 3..16, not {address_width!r}")
        self._width = address_width
        super().__init__({
            "sck": In(1), "mosi": In(1), "cs_n": In(1, init=1), "miso": Out(1),
            "axil": Out(AxiLiteSignature(address_width)),
        })

    def elaborate(self, platform):
        m = Module()
        axil = self.axil

        sck, mosi, cs_n = Signal(), Signal(), Signal(init=1)
        m.submodules.sync_sck = FFSynchronizer(self.sck, sck)
        m.submodules.sync_mosi = FFSynchronizer(self.mosi, mosi)
        m.submodules.sync_cs_n = FFSynchronizer(self.cs_n, cs_n, init=1)
        sck_before = Signal()
        m.d.sync += sck_before.eq(sck)
        rise = sck & ~sck_before & ~cs_n
        fall = ~sck & sck_before & ~cs_n

        # Bytes in.
        bit = Signal(3)
        index = Signal(4)             # bytes of the frame completed (saturates at 15)
        shift_in = Signal(7)
        byte = Cat(mosi, shift_in)    # the byte a rise completes (MSB first)
        command, address, data = Signal(8), Signal(16), Signal(32)
        with m.If(cs_n):
            m.d.sync += [bit.eq(0), index.eq(0)]
        with m.If(rise):
            m.d.sync += [shift_in.eq(byte[:7]), bit.eq(bit + 1)]

        # The access, started by the byte that completes its request.
        busy, done, response, read_data = Signal(), Signal(), Signal(2), Signal(32)
        start_read, start_write = Signal(), Signal()
        with m.If(rise & (bit == 7)):
            m.d.sync += index.eq(Mux(index == 15, 15, index + 1))
            with m.Switch(index):
                with m.Case(0):
                    m.d.sync += command.eq(byte)
                with m.Case(1):
                    m.d.sync += address[8:].eq(byte)
                with m.Case(2):
                    m.d.sync += address[:8].eq(byte)
                    m.d.comb += start_read.eq(command == protocol.READ)
                with m.Case(3, 4, 5, 6):
                    m.d.sync += data.eq(Cat(byte, data[:24]))
                    with m.If(index == 6):
                        m.d.comb += start_write.eq(command == protocol.WRITE)

        with m.If(start_read & ~busy):   # the address's low byte is completing now
            m.d.sync += [busy.eq(1), done.eq(0), axil.arvalid.eq(1),
                         axil.araddr.eq(Cat(byte, address[8:])[:self._width])]
        with m.If(start_write & ~busy):  # and the data's last byte
            m.d.sync += [busy.eq(1), done.eq(0), axil.awvalid.eq(1), axil.wvalid.eq(1),
                         axil.awaddr.eq(address[:self._width]),
                         axil.wdata.eq(Cat(byte, data[:24]))]
        m.d.comb += [axil.wstrb.eq(0xF), axil.rready.eq(1), axil.bready.eq(1)]
        with m.If(axil.arvalid & axil.arready):
            m.d.sync += axil.arvalid.eq(0)
        with m.If(axil.awvalid & axil.awready):
            m.d.sync += axil.awvalid.eq(0)
        with m.If(axil.wvalid & axil.wready):
            m.d.sync += axil.wvalid.eq(0)
        with m.If(axil.rvalid):
            m.d.sync += [busy.eq(0), done.eq(1), response.eq(axil.rresp),
                         read_data.eq(axil.rdata)]
        with m.If(axil.bvalid):
            m.d.sync += [busy.eq(0), done.eq(1), response.eq(axil.bresp)]

        # Bytes out: each is loaded at the falling edge that ends the byte before
        # (mode 0: MISO is valid before the byte's first rising edge), then shifted.
        shift_out = Signal(8)
        done_with_data = Signal()     # the read had finished when its data was loaded
        status = Cat(response, Signal(5), Mux(command == protocol.READ, done_with_data, done))
        next_byte = Signal(8)
        with m.Switch(index):
            for k in range(3):        # d3, d2, d1; d0 (or a write's status) next
                with m.Case(4 + k):
                    m.d.comb += next_byte.eq(read_data.word_select(3 - k, 8))
            with m.Case(7):
                m.d.comb += next_byte.eq(Mux(command == protocol.WRITE, status, read_data[:8]))
            with m.Case(8):
                m.d.comb += next_byte.eq(status)
        with m.If(cs_n):
            m.d.sync += shift_out.eq(0)
        with m.Elif(fall):
            m.d.sync += shift_out.eq(Mux(bit == 0, next_byte, shift_out << 1))
            with m.If((bit == 0) & (index == 4)):
                m.d.sync += done_with_data.eq(done)
        m.d.comb += self.miso.eq(shift_out[7])
        return m
