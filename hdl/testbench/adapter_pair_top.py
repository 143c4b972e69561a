"""Test top: two MSL adapters cross-wired through the channel model."""

from amaranth import ClockDomain, ClockSignal, DomainRenamer, Module, Mux, ResetSignal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import REGISTER_MAP
from hdl.host.axi_lite import AxiLiteSignature
from hdl.phy.lane import check_lane_width
from hdl.msl_adapter import MslAdapter
from hdl.testbench.channel_model import ChannelModel, ChannelPort
from hdl.testbench.host_memory import AxiMemorySlave, HostMemoryControl, HostMemoryLines, HostMemoryStatus
from hdl.testbench.sampled_inputs import clock_and_reset, define_with_sampled_reset
from hdl.testbench.transceiver_model import TransceiverModel

__all__ = ["AdapterPairTop", "adapter_params", "relay_wiring", "side_signature"]


def side_signature(lane_width: int, transceiver_clocks: bool) -> wiring.Signature:
    faults = {"rx_lock_lost": In(1)} if transceiver_clocks else {}
    return wiring.Signature({
        **faults,                     # the transceiver's CDR drops its lock (a fault)
        "axil": In(AxiLiteSignature(REGISTER_MAP.address_width)),  # the host's registers
        "memory": In(HostMemoryControl),      # the side's host memory (its DMA's target)
        "memory_reseed": In(1),
        "memory_status": Out(HostMemoryStatus),
        "irq": Out(1),
        "lane_tx": Out(lane_width),   # what the side sends into the cable
        "lane_rx": Out(lane_width),   # what reaches its receiver
        "loopback_relay": Out(1),     # the side asked for an external loopback
    })


def adapter_params(lane_width, slot_size, tx_slots, rx_slots, hello_interval, dma_width,
                   dma_max_burst, dma_max_outstanding) -> dict:
    """The :class:`~hdl.msl_adapter.MslAdapter` parameters a test top passes on to each
    of its adapters."""
    return {"lane_width": lane_width, "slot_size": slot_size, "tx_slots": tx_slots,
            "rx_slots": rx_slots, "hello_interval": hello_interval, "dma_width": dma_width,
            "dma_max_burst": dma_max_burst, "dma_max_outstanding": dma_max_outstanding}


def relay_wiring(channel: ChannelModel, a, b):
    """What each of two cross-wired adapters receives: the far side's words through the
    channel, or -- while it asks for an external loopback -- its own (and the far side
    then a dead line). Returns (a's, b's)."""
    from_a, from_b = channel.b_rx, channel.a_rx  # outputs of the A->B and B->A paths
    a_rx = Mux(a.lane_loopback, from_a, Mux(b.lane_loopback, 0, from_b))
    b_rx = Mux(b.lane_loopback, from_b, Mux(a.lane_loopback, 0, from_a))
    return a_rx, b_rx


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
    transceiver_clocks : bool
        Each side on clocks of its own, as two servers with their own oscillators and
        transceivers: adapters built with ``transceiver_clocks``, each behind a
        :class:`~hdl.testbench.transceiver_model.TransceiverModel`. Side A's ``sync``
        is ``clk``/``rst``, its word clock ``a_tx_clk``/``a_tx_rst``; side B's are
        ``b_sync_clk``/``b_sync_rst`` and ``b_tx_clk``/``b_tx_rst``. Each receiver
        recovers the far side's word clock; its ``rx`` domain is held in reset while
        its transceiver is not locked. Each channel direction runs on its sender's
        word clock. (Without: one clock, ``clk``, for everything.) Each reset port is
        sampled at its clock (:mod:`hdl.testbench.sampled_inputs`).
    lsb_first : bool
        The transceivers model a SERDES sending bit 0 first (see TransceiverModel).

    Members
    -------
    a, b : Out(side signature)
        Each side's AXI4-Lite port, host memory settings and counters (the memory its
        DMA master reaches, in RTL: :mod:`hdl.testbench.host_memory`), interrupt line
        and lanes.
    a_to_b, b_to_a : In(ChannelPort)
    share_host_memory : In(1)
        B's DMA master reaches A's host memory (one server with both adapters; single
        clock only).
    """

    def __init__(self, lane_width: int, slot_size: int = 1024, tx_slots: int = 2,
                 rx_slots: int = 2, hello_interval: int = 512, dma_width: int = 32,
                 dma_max_burst: int = 16, dma_max_outstanding: int = 4,
                 max_delay_words: int = 64, transceiver_clocks: bool = False,
                 lsb_first: bool = False):
        self._width = check_lane_width(lane_width)
        self._adapter_params = adapter_params(lane_width, slot_size, tx_slots, rx_slots,
                                              hello_interval, dma_width, dma_max_burst,
                                              dma_max_outstanding)
        self._max_delay_words = max_delay_words
        self._transceiver, self._lsb_first = transceiver_clocks, lsb_first
        if transceiver_clocks:
            if lane_width != 10:
                raise ValueError("a transceiver moves 10-bit words: lane_width must be 10 "
                                 "with transceiver_clocks")
            self._adapter_params["transceiver_clocks"] = True
        #: Each side's clock domains, as the adapter names them -> in this top.
        self._domains = ({"a": {"sync": "sync", "tx": "a_tx", "rx": "a_rx"},
                          "b": {"sync": "b_sync", "tx": "b_tx", "rx": "b_rx"}}
                         if transceiver_clocks else {"a": {}, "b": {}})
        #: The domains whose clock and reset are ports (each reset sampled at its clock).
        self._clock_domains = (("sync", "a_tx", "b_sync", "b_tx") if transceiver_clocks
                               else ("sync",))
        super().__init__({
            "a": Out(side_signature(lane_width, transceiver_clocks)),
            "b": Out(side_signature(lane_width, transceiver_clocks)),
            "a_to_b": In(ChannelPort),
            "b_to_a": In(ChannelPort),
            "share_host_memory": In(1),
            **clock_and_reset(*self._clock_domains),
        })

    def elaborate(self, platform):
        m = Module()
        domains = self._domains
        define_with_sampled_reset(m, self, *self._clock_domains)
        m.submodules.channel = channel = ChannelModel(
            self._width, self._max_delay_words,
            {"a_to_b": "a_tx", "b_to_a": "b_tx"} if self._transceiver else None)
        m.submodules.adapter_a = a = DomainRenamer(domains["a"])(MslAdapter(**self._adapter_params))
        m.submodules.adapter_b = b = DomainRenamer(domains["b"])(MslAdapter(**self._adapter_params))
        a_tx, b_tx = (self._transceivers(m, a, b) if self._transceiver
                      else (a.lane_tx, b.lane_tx))
        wiring.connect(m, wiring.flipped(self.a_to_b), channel.a_to_b)
        wiring.connect(m, wiring.flipped(self.b_to_a), channel.b_to_a)
        wiring.connect(m, wiring.flipped(self.a.axil), a.axil)
        wiring.connect(m, wiring.flipped(self.b.axil), b.axil)
        self._host_memories(m, a, b)

        a_rx, b_rx = relay_wiring(channel, a, b)
        if self._transceiver:
            m.d.comb += [self._xcvr["a"].line_rx.eq(a_rx), self._xcvr["b"].line_rx.eq(b_rx)]
        else:
            m.d.comb += [a.lane_rx.eq(a_rx), b.lane_rx.eq(b_rx)]
        m.d.comb += [
            channel.a_tx.eq(a_tx), channel.a_tx_in_frame.eq(a.lane_tx_in_frame),
            channel.b_tx.eq(b_tx), channel.b_tx_in_frame.eq(b.lane_tx_in_frame),
            self.a.lane_tx.eq(a.lane_tx), self.a.lane_rx.eq(a_rx),
            self.b.lane_tx.eq(b.lane_tx), self.b.lane_rx.eq(b_rx),
            self.a.irq.eq(a.irq), self.b.irq.eq(b.irq),
            self.a.loopback_relay.eq(a.lane_loopback), self.b.loopback_relay.eq(b.lane_loopback),
        ]
        return m

    def _transceivers(self, m, a, b):
        """Each adapter behind its transceiver model; each receiver's ``rx`` domain on
        the far side's word clock, in reset while its CDR is not locked. Returns the
        line words each side sends."""
        self._xcvr = {}
        for side, adapter, far in (("a", a, "b"), ("b", b, "a")):
            names = self._domains[side]
            m.domains += ClockDomain(names["rx"], local=True)
            # Looped back (inside the transceiver, or by the line card's relay) the line
            # a side receives is its own, on its own word clock.
            looped = adapter.transceiver_loopback | adapter.lane_loopback
            model = DomainRenamer({"tx": names["tx"], "rx": names["rx"]})(
                TransceiverModel(self._lsb_first))
            m.submodules[f"transceiver_{side}"] = self._xcvr[side] = model
            port = getattr(self, side)
            m.d.comb += [
                ClockSignal(names["rx"]).eq(Mux(looped, ClockSignal(names["tx"]),
                                                ClockSignal(self._domains[far]["tx"]))),
                ResetSignal(names["rx"]).eq(Mux(looped, ResetSignal(names["tx"]),
                                                ResetSignal(self._domains[far]["tx"]))
                                            | ~model.rx_cdr_locked),
                model.tx_reset.eq(ResetSignal(names["tx"])),
                model.rx_reset.eq(ResetSignal(self._domains[far]["tx"])),
                model.lock_lost.eq(port.rx_lock_lost),
                model.loopback.eq(adapter.transceiver_loopback),
                model.tx_data.eq(adapter.lane_tx),
                adapter.lane_rx.eq(model.rx_data),
            ]
        channel_cut = {"a": self.b_to_a.control.cut, "b": self.a_to_b.control.cut}
        for side in "ab":
            m.d.comb += self._xcvr[side].signal_lost.eq(channel_cut[side])
        return self._xcvr["a"].line_tx, self._xcvr["b"].line_tx

    def _host_memories(self, m, a, b):
        """Each side's DMA master on its own host memory; with ``share_host_memory``, B's
        on A's instead (two adapters in one server)."""
        width = self._adapter_params["dma_width"]
        b_sync = DomainRenamer(self._domains["b"].get("sync", "sync"))
        m.submodules.lines_a = memory_a = HostMemoryLines(width)
        m.submodules.lines_b = memory_b = b_sync(HostMemoryLines(width))
        slaves = {}
        for name, lines, port, side in (("a", memory_a, memory_a.port0, self.a),
                                        ("b", memory_b, memory_b.port0, self.b),
                                        ("b_on_a", memory_a, memory_a.port1, self.a)):
            slave = AxiMemorySlave(width)
            m.submodules[f"host_{name}"] = slave = b_sync(slave) if name == "b" else slave
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
