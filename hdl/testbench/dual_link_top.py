"""Test top: two servers joined by two Mirrored Server Links (fail-over)."""

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.msl_adapter import MslAdapter
from hdl.phy.lane import check_lane_width
from hdl.testbench.adapter_pair_top import adapter_params, relay_wiring, side_signature
from hdl.testbench.channel_model import ChannelModel, ChannelPort
from hdl.testbench.host_memory import AxiMemorySlave, HostMemoryLines, HostMemoryStatus
from hdl.testbench.sampled_inputs import clock_and_reset, define_with_sampled_reset

__all__ = ["DualLinkTop", "SIDES", "LINKS"]

#: Adapters by server: server A has ``a`` and ``a2``, server B ``b`` and ``b2``.
SIDES = {"a": ("a", "a2"), "b": ("b", "b2")}
#: The links: ``a``--``b`` (channel ``a_to_b``/``b_to_a``) and ``a2``--``b2``.
LINKS = (("a", "b"), ("a2", "b2"))


class DualLinkTop(wiring.Component):
    """Four MSL adapters on one clock: each server's two adapters share its host memory
    (one per port of its line storage), and each adapter is cross-wired to its
    counterpart in the other server through a channel model of its own -- the
    chapter's several MSL adapters per server, and what fail-over is tested on.

    Each link has the external-loopback relay of
    :class:`~hdl.testbench.adapter_pair_top.AdapterPairTop`.

    Parameters
    ----------
    lane_width, slot_size, tx_slots, rx_slots, hello_interval, dma_width,
    dma_max_burst, dma_max_outstanding : adapter parameters
    max_delay_words : int
        Depth of each channel's delay line.

    Members
    -------
    a, a2, b, b2 : Out(side signature)
        Each adapter's AXI4-Lite port, interrupt line and lanes. The host memory's
        settings are taken from ``a`` (server A's memory) and ``b`` (B's), whose status
        counts both of the server's ports; those of ``a2`` and ``b2`` are not used, and
        their status counts their own port only.
    a_to_b, b_to_a, a2_to_b2, b2_to_a2 : In(ChannelPort)
    clk, rst : In(1)
        The one clock; the reset is sampled at it (:mod:`hdl.testbench.sampled_inputs`).
    """

    def __init__(self, lane_width: int, slot_size: int = 1024, tx_slots: int = 2,
                 rx_slots: int = 2, hello_interval: int = 512, dma_width: int = 32,
                 dma_max_burst: int = 16, dma_max_outstanding: int = 4,
                 max_delay_words: int = 64):
        self._width = check_lane_width(lane_width)
        self._adapter_params = adapter_params(lane_width, slot_size, tx_slots, rx_slots,
                                              hello_interval, dma_width, dma_max_burst,
                                              dma_max_outstanding)
        self._max_delay_words = max_delay_words
        members = {name: Out(side_signature(lane_width, False))
                   for names in SIDES.values() for name in names}
        for near, far in LINKS:
            members[f"{near}_to_{far}"] = In(ChannelPort)
            members[f"{far}_to_{near}"] = In(ChannelPort)
        super().__init__({**members, **clock_and_reset()})

    def elaborate(self, platform):
        m = Module()
        define_with_sampled_reset(m, self)
        adapters = {}
        for names in SIDES.values():
            for name in names:
                adapters[name] = m.submodules[f"adapter_{name}"] = MslAdapter(
                    **self._adapter_params)
                port = getattr(self, name)
                wiring.connect(m, wiring.flipped(port.axil), adapters[name].axil)
                m.d.comb += [port.irq.eq(adapters[name].irq),
                             port.loopback_relay.eq(adapters[name].lane_loopback)]
        for near, far in LINKS:
            self._link(m, adapters[near], adapters[far], near, far)
        for server, names in SIDES.items():
            self._host_memory(m, server, names, adapters)
        return m

    def _link(self, m, a, b, near, far):
        channel = m.submodules[f"channel_{near}_{far}"] = ChannelModel(
            self._width, self._max_delay_words)
        wiring.connect(m, wiring.flipped(getattr(self, f"{near}_to_{far}")), channel.a_to_b)
        wiring.connect(m, wiring.flipped(getattr(self, f"{far}_to_{near}")), channel.b_to_a)
        a_rx, b_rx = relay_wiring(channel, a, b)
        m.d.comb += [
            a.lane_rx.eq(a_rx), b.lane_rx.eq(b_rx),
            channel.a_tx.eq(a.lane_tx), channel.a_tx_in_frame.eq(a.lane_tx_in_frame),
            channel.b_tx.eq(b.lane_tx), channel.b_tx_in_frame.eq(b.lane_tx_in_frame),
            getattr(self, near).lane_tx.eq(a.lane_tx), getattr(self, near).lane_rx.eq(a_rx),
            getattr(self, far).lane_tx.eq(b.lane_tx), getattr(self, far).lane_rx.eq(b_rx),
        ]

    def _host_memory(self, m, server, names, adapters):
        """The server's line storage, one port per adapter, each behind its own AXI4
        slave with the server's memory settings."""
        width = self._adapter_params["dma_width"]
        lines = m.submodules[f"lines_{server}"] = HostMemoryLines(width)
        settings = getattr(self, server)
        slaves = []
        for name, lines_port in zip(names, (lines.port0, lines.port1)):
            slave = m.submodules[f"host_{name}"] = AxiMemorySlave(width)
            slaves.append(slave)
            wiring.connect(m, slave.lines, lines_port)
            m.d.comb += [slave.control.eq(settings.memory),
                         slave.reseed.eq(settings.memory_reseed)]
            if name != server:
                m.d.comb += getattr(self, name).memory_status.eq(slave.status)
            # The DMA bus by the name a waveform viewer looks for (`a2__dma__arvalid`).
            bus = adapters[name].dma.signature.create(path=(name, "dma"))
            wiring.connect(m, adapters[name].dma, wiring.flipped(bus))
            wiring.connect(m, bus, slave.axi)
        # The memory's counters count both ports: a driver sleeping until the watched
        # status block is written wakes for either adapter's write.
        for field in HostMemoryStatus.members:
            m.d.comb += settings.memory_status[field].eq(
                slaves[0].status[field] + slaves[1].status[field])
