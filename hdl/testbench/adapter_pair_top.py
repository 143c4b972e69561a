"""Test top: two MSL adapters cross-wired through the channel model."""

from amaranth import Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import REGISTER_MAP
from hdl.host.axi_lite import AxiLiteSignature
from hdl.phy.lane import check_lane_width
from hdl.msl_adapter import MslAdapter
from hdl.testbench.channel_model import ChannelModel, ChannelPort
from hdl.testbench.host_memory import AxiMemorySlave, HostMemoryControl, HostMemoryLines, HostMemoryStatus

__all__ = ["AdapterPairTop"]


def _side_signature(lane_width: int) -> wiring.Signature:
    return wiring.Signature({
        "axil": In(AxiLiteSignature(REGISTER_MAP.address_width)),  # the host's registers
        "memory": In(HostMemoryControl),      # the side's host memory (its DMA's target)
        "memory_reseed": In(1),
        "memory_status": Out(HostMemoryStatus),
        "irq": Out(1),
        "lane_tx": Out(lane_width),   # what the side sends into the cable
        "lane_rx": Out(lane_width),   # what reaches its receiver
        "loopback_relay": Out(1),     # the side asked for an external loopback
    })


class AdapterPairTop(wiring.Component):
    """Adapters A and B joined by a :class:`ChannelModel`, as two servers' MSL cards.

    While an adapter asks for an external loopback (its ``lane_loopback`` pin, like a
    relay on the line card), its own transmit path through the channel, with the
    channel's delay, errors and cut, comes back to its receiver, and the peer's receiver
    sees a dead line.

    Parameters
    ----------
    lane_width, slot_size, tx_slots, rx_slots, hello_interval, dma_width,
    dma_max_burst, dma_max_outstanding : adapter parameters
    max_delay_words : int
        Depth of the channel's delay line.

    Members
    -------
    a, b : Out(side signature)
        Each side's AXI4-Lite port, host memory settings and counters (the memory its
        DMA master reaches, in RTL: :mod:`hdl.testbench.host_memory`), interrupt line
        and lanes.
    a_to_b, b_to_a : In(ChannelPort)
    share_host_memory : In(1)
        B's DMA master reaches A's host memory (one server with both adapters).
    """

    def __init__(self, lane_width: int, slot_size: int = 1024, tx_slots: int = 2,
                 rx_slots: int = 2, hello_interval: int = 512, dma_width: int = 32,
                 dma_max_burst: int = 16, dma_max_outstanding: int = 4,
                 max_delay_words: int = 64):
        self._width = check_lane_width(lane_width)
        self._adapter_params = {"lane_width": lane_width, "slot_size": slot_size,
                                "tx_slots": tx_slots, "rx_slots": rx_slots,
                                "hello_interval": hello_interval, "dma_width": dma_width,
                                "dma_max_burst": dma_max_burst,
                                "dma_max_outstanding": dma_max_outstanding}
        self._max_delay_words = max_delay_words
        super().__init__({
            "a": Out(_side_signature(lane_width)),
            "b": Out(_side_signature(lane_width)),
            "a_to_b": In(ChannelPort),
            "b_to_a": In(ChannelPort),
            "share_host_memory": In(1),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.channel = channel = ChannelModel(self._width, self._max_delay_words)
        m.submodules.adapter_a = a = MslAdapter(**self._adapter_params)
        m.submodules.adapter_b = b = MslAdapter(**self._adapter_params)
        wiring.connect(m, wiring.flipped(self.a_to_b), channel.a_to_b)
        wiring.connect(m, wiring.flipped(self.b_to_a), channel.b_to_a)
        wiring.connect(m, wiring.flipped(self.a.axil), a.axil)
        wiring.connect(m, wiring.flipped(self.b.axil), b.axil)
        self._host_memories(m, a, b)

        from_a, from_b = channel.b_rx, channel.a_rx  # outputs of the A->B and B->A paths
        a_rx = Mux(a.lane_loopback, from_a, Mux(b.lane_loopback, 0, from_b))
        b_rx = Mux(b.lane_loopback, from_b, Mux(a.lane_loopback, 0, from_a))
        m.d.comb += [
            channel.a_tx.eq(a.lane_tx), channel.a_tx_in_frame.eq(a.lane_tx_in_frame),
            channel.b_tx.eq(b.lane_tx), channel.b_tx_in_frame.eq(b.lane_tx_in_frame),
            a.lane_rx.eq(a_rx), b.lane_rx.eq(b_rx),
            self.a.lane_tx.eq(a.lane_tx), self.a.lane_rx.eq(a_rx),
            self.b.lane_tx.eq(b.lane_tx), self.b.lane_rx.eq(b_rx),
            self.a.irq.eq(a.irq), self.b.irq.eq(b.irq),
            self.a.loopback_relay.eq(a.lane_loopback), self.b.loopback_relay.eq(b.lane_loopback),
        ]
        return m

    def _host_memories(self, m, a, b):
        """Each side's DMA master on its own host memory; with ``share_host_memory``, B's
        on A's instead (two adapters in one server)."""
        width = self._adapter_params["dma_width"]
        m.submodules.lines_a = memory_a = HostMemoryLines(width)
        m.submodules.lines_b = memory_b = HostMemoryLines(width)
        slaves = {}
        for name, lines, port, side in (("a", memory_a, memory_a.port0, self.a),
                                        ("b", memory_b, memory_b.port0, self.b),
                                        ("b_on_a", memory_a, memory_a.port1, self.a)):
            m.submodules[f"host_{name}"] = slave = AxiMemorySlave(width)
            wiring.connect(m, slave.lines, port)
            m.d.comb += [slave.control.eq(side.memory), slave.reseed.eq(side.memory_reseed)]
            slaves[name] = slave
        # memory_b's second port stays idle.
        m.d.comb += [self.a.memory_status.eq(slaves["a"].status),
                     self.b.memory_status.eq(Mux(self.share_host_memory,
                                                 slaves["b_on_a"].status,
                                                 slaves["b"].status))]
        # Each DMA bus by the name a waveform viewer looks for (`a__dma__arvalid`, ...).
        buses = {}
        for side, adapter in (("a", a), ("b", b)):
            buses[side] = adapter.dma.signature.create(path=(side, "dma"))
            wiring.connect(m, adapter.dma, wiring.flipped(buses[side]))
        wiring.connect(m, buses["a"], slaves["a"].axi)
        shared = self.share_host_memory
        for name, member in buses["b"].signature.members.items():
            master, own, other = (getattr(x, name) for x in (buses["b"], slaves["b"].axi,
                                                              slaves["b_on_a"].axi))
            if member.flow == Out:
                valid = name.endswith("valid") or name.endswith("ready")
                m.d.comb += [own.eq(master & ~shared if valid else master),
                             other.eq(master & shared if valid else master)]
            else:
                m.d.comb += master.eq(Mux(shared, other, own))
