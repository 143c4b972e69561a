"""Test top for the host memory: one AXI4 bus into the RTL host memory, one wired straight
through to a Python slave, so that both see the same transactions."""

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.dma.axi4 import Axi4Signature
from hdl.testbench.host_memory import AxiMemorySlave, HostMemoryControl, HostMemoryLines, HostMemoryStatus

__all__ = ["AxiPassthroughTop"]


class AxiPassthroughTop(wiring.Component):
    """The RTL host memory on bus ``fast_in``; bus ``reference_in`` wired to port
    ``reference``; a counter.

    The host-memory test drives ``fast_in`` and ``reference_in`` with cocotbext-axi's
    master and serves ``reference`` with cocotbext-axi's slave, so the RTL memory and
    the reference model get the same operations.

    Parameters
    ----------
    data_width : int
        Bits per beat.

    Members
    -------
    fast_in, reference_in : In(Axi4Signature)
        Where the masters drive.
    reference : Out(Axi4Signature)
        The second bus, where the reference slave answers.
    memory : In(HostMemoryControl)
    memory_reseed : In(1)
    memory_status : Out(HostMemoryStatus)
    count : Out(32)
        Clocks since reset (gives the top its ``clk`` and ``rst``).
    """

    def __init__(self, data_width: int = 32):
        if data_width not in (32, 64):
            raise ValueError(f"data_width must be 32 or 64, not {data_width!r}")
        self._data_width = data_width
        bus = Axi4Signature(data_width=data_width)
        super().__init__({"fast_in": In(bus), "reference_in": In(bus),
                          "reference": Out(bus),
                          "memory": In(HostMemoryControl), "memory_reseed": In(1),
                          "memory_status": Out(HostMemoryStatus),
                          "count": Out(32)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.lines = lines = HostMemoryLines(self._data_width)
        m.submodules.host = slave = AxiMemorySlave(self._data_width)
        wiring.connect(m, slave.lines, lines.port0)
        wiring.connect(m, wiring.flipped(self.fast_in), slave.axi)
        m.d.comb += [slave.control.eq(self.memory), slave.reseed.eq(self.memory_reseed),
                     self.memory_status.eq(slave.status)]
        for name, member in self.reference.signature.members.items():
            master, slave_side = getattr(self.reference_in, name), getattr(self.reference, name)
            if member.flow == Out:
                m.d.comb += slave_side.eq(master)
            else:
                m.d.comb += master.eq(slave_side)
        m.d.sync += self.count.eq(self.count + 1)
        return m
