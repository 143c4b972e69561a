"""AXI4-Lite slave: the host's 32-bit register interface onto the internal register bus."""

from amaranth import Module, Mux, Signal
from amaranth.lib import enum, wiring
from amaranth.lib.wiring import In, Out

from hdl.host.register_bus import READ_LATENCY, RegisterBusSignature

__all__ = ["AxiLiteSignature", "AxiLiteSlave", "AxiResponse"]


class AxiResponse(enum.Enum, shape=2):
    OKAY = 0
    SLVERR = 2
    DECERR = 3  #: nothing is mapped at that address


def AxiLiteSignature(address_width: int) -> wiring.Signature:
    """AXI4-Lite, 32-bit data, as the master sees it (signal names as in the AXI spec);
    a slave has ``In(AxiLiteSignature(...))``."""
    return wiring.Signature({
        "awaddr": Out(address_width), "awprot": Out(3), "awvalid": Out(1), "awready": In(1),
        "wdata": Out(32), "wstrb": Out(4), "wvalid": Out(1), "wready": In(1),
        "bresp": In(2), "bvalid": In(1), "bready": Out(1),
        "araddr": Out(address_width), "arprot": Out(3), "arvalid": Out(1), "arready": In(1),
        "rdata": In(32), "rresp": In(2), "rvalid": In(1), "rready": Out(1),
    })


class AxiLiteSlave(wiring.Component):
    """AXI4-Lite slave, one transaction at a time per direction.

    Write address and write data are taken independently, in either order (each
    channel's ready is high while that half is not yet held); the write happens once both
    are held, and its response is held until the master takes it. A read is taken,
    performed, and its data held until the master takes it. Reads and writes take turns
    on the internal bus: the slave picks one, and drives the bus request the clock after
    (from registers). A write is answered once its effects are in place (a clock after the
    bus write). The low two address bits are ignored (32-bit registers).

    Answers: OKAY; DECERR where nothing is mapped (the write is dropped, reads return 0).

    Parameters
    ----------
    address_width : int

    Members
    -------
    axil : In(AxiLiteSignature)
    bus : Out(RegisterBusSignature)
    """

    def __init__(self, address_width: int = 16):
        self._width = address_width
        super().__init__({
            "axil": In(AxiLiteSignature(address_width)),
            "bus": Out(RegisterBusSignature(address_width)),
        })

    def elaborate(self, platform):
        m = Module()
        axil, bus = self.axil, self.bus

        # Each request channel holds one request until the bus has served it.
        aw_held, awaddr = Signal(), Signal(self._width)
        w_held, wdata, wstrb = Signal(), Signal(32), Signal(4)
        ar_held, araddr = Signal(), Signal(self._width)
        m.d.comb += [axil.awready.eq(~aw_held), axil.wready.eq(~w_held),
                     axil.arready.eq(~ar_held)]
        with m.If(axil.awvalid & ~aw_held):
            m.d.sync += [aw_held.eq(1), awaddr.eq(axil.awaddr)]
        with m.If(axil.wvalid & ~w_held):
            m.d.sync += [w_held.eq(1), wdata.eq(axil.wdata), wstrb.eq(axil.wstrb)]
        with m.If(axil.arvalid & ~ar_held):
            m.d.sync += [ar_held.eq(1), araddr.eq(axil.araddr)]

        prefer_read = Signal()  # alternate when both wait
        read_error = Signal()
        # The choice between a read and a write, and its address, are made a clock before
        # the bus request: the address decode behind the bus (the decoder's ranges, the
        # register file's error) is a long path of its own, and must start from registers.
        reading, address = Signal(), Signal(self._width)
        # Address and data only matter with a request: held on the bus, not gated by
        # the state (a gate would be one more level on the decode path).
        m.d.comb += [bus.addr.eq(address & ~3), bus.wdata.eq(wdata), bus.wstrb.eq(wstrb)]
        with m.FSM(name="axil"):
            with m.State("IDLE"):
                write_ready = aw_held & w_held
                with m.If(ar_held & (prefer_read | ~write_ready)):
                    m.d.sync += [reading.eq(1), prefer_read.eq(0), address.eq(araddr)]
                    m.next = "ACCESS"
                with m.Elif(write_ready):
                    m.d.sync += [reading.eq(0), prefer_read.eq(1), address.eq(awaddr)]
                    m.next = "ACCESS"
            with m.State("ACCESS"):
                m.d.comb += [bus.read.eq(reading), bus.write.eq(~reading)]
                with m.If(reading):
                    m.d.sync += read_error.eq(bus.error)
                    m.next = "READ_WAIT"
                with m.Else():
                    m.d.sync += axil.bresp.eq(AxiResponse.DECERR.value * bus.error)
                    m.next = "WRITE_EFFECT"
            with m.State("WRITE_EFFECT"):
                # The register owners act on a write a clock after the bus (RegisterFile
                # registers its strobes). The response waits for that clock, so a master
                # that has it sees the write's effects: irq low after a W1C, say.
                m.d.sync += axil.bvalid.eq(1)
                m.next = "WRITE_RESPONSE"
            with m.State("READ_WAIT"):
                assert READ_LATENCY == 2   # one clock here, then the data
                m.next = "READ_DATA"
            with m.State("READ_DATA"):
                # The data of the read issued READ_LATENCY clocks ago is on the bus now.
                m.d.sync += [
                    axil.rvalid.eq(1),
                    axil.rdata.eq(Mux(read_error, 0, bus.rdata)),
                    axil.rresp.eq(AxiResponse.DECERR.value * read_error),
                ]
                m.next = "READ_RESPONSE"
            with m.State("READ_RESPONSE"):
                with m.If(axil.rready):
                    m.d.sync += [axil.rvalid.eq(0), ar_held.eq(0)]
                    m.next = "IDLE"
            with m.State("WRITE_RESPONSE"):
                with m.If(axil.bready):
                    m.d.sync += [axil.bvalid.eq(0), aw_held.eq(0), w_held.eq(0)]
                    m.next = "IDLE"
        return m
