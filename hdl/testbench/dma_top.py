"""Test top: the DMA mover with a local RAM the test can fill and read."""

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from hdl.dma.dma_mover import DmaMover

__all__ = ["DmaTop"]


class DmaTop(wiring.Component):
    """A :class:`DmaMover` on its own: its AXI4 master goes out (the test attaches host
    memory), its local side is a RAM of ``local_bytes`` with a test port.

    Members
    -------
    axi : Out(Axi4Signature)
    start, to_host, host_address, local_address, length, busy, done, error,
    error_response : the mover's job interface
    test_address, test_write, test_write_data, test_read_data :
        Word access to the local RAM (read data the next clock).
    """

    def __init__(self, data_width: int = 32, max_burst: int = 16, max_outstanding: int = 4,
                 local_bytes: int = 8192):
        self._params = (data_width, max_burst, max_outstanding)
        self._words = local_bytes // (data_width // 8)
        self._local_width = (local_bytes - 1).bit_length()
        mover = DmaMover(data_width, max_burst, max_outstanding, self._local_width)
        self._mover = mover
        members = dict(mover.signature.members)
        del members["local_write_address"], members["local_write_data"]
        del members["local_write_enable"], members["local_read_address"]
        del members["local_read_data"]
        super().__init__({
            **members,
            "test_address": In(range(self._words)),
            "test_write": In(1),
            "test_write_data": In(data_width),
            "test_read_data": Out(data_width),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.mover = mover = self._mover
        data_width = self._params[0]
        m.submodules.ram = ram = Memory(shape=data_width, depth=self._words, init=[])
        dma_write = ram.write_port(granularity=8)
        dma_read = ram.read_port()
        test_write = ram.write_port()
        test_read = ram.read_port()
        wiring.connect(m, wiring.flipped(self.axi), mover.axi)
        for name in ("start", "to_host", "host_address", "local_address", "length"):
            m.d.comb += getattr(mover, name).eq(getattr(self, name))
        for name in ("busy", "done", "error", "error_response"):
            m.d.comb += getattr(self, name).eq(getattr(mover, name))
        m.d.comb += [
            dma_write.addr.eq(mover.local_write_address),
            dma_write.data.eq(mover.local_write_data),
            dma_write.en.eq(mover.local_write_enable),
            dma_read.addr.eq(mover.local_read_address),
            mover.local_read_data.eq(dma_read.data),
            test_write.addr.eq(self.test_address),
            test_write.data.eq(self.test_write_data),
            test_write.en.eq(self.test_write),
            test_read.addr.eq(self.test_address),
            self.test_read_data.eq(test_read.data),
        ]
        return m
