"""The adapter with its transceiver and their reset sequence: what a user puts on an
FPGA, with the host bus brought out."""

from amaranth import ClockDomain, ClockSignal, DomainRenamer, Module
from amaranth.lib import wiring
from amaranth.lib.cdc import ResetSynchronizer
from amaranth.lib.wiring import In, Out

from msl_spec import REGISTER_MAP
from hdl.dma.axi4 import Axi4Signature
from hdl.host.axi_lite import AxiLiteSignature
from hdl.msl_adapter import MslAdapter
from hdl.transceiver.ecp5_dcu import Ecp5Transceiver
from hdl.transceiver.reset_sequencer import TransceiverResetSequencer

__all__ = ["MslLinkCard"]


class MslLinkCard(wiring.Component):
    """An MSL adapter on an ECP5 DCU channel, brought out of reset by a sequencer.

    Clock domains. The card runs on ``tx`` and ``rx`` (the transceiver's word clock and
    recovered clock, 125 MHz, out as ``tx_clk`` and ``rx_clk``) and ``sync``, which
    is ``tx``'s clock: the
    adapter's receive elastic buffer hands one symbol per ``sync`` clock to the link
    layer, so ``sync`` must run at the line's word rate within the link's tolerance
    (±200 ppm), and the transmit word clock, made from the same reference as the
    peer expects, is exactly that. The host side (``axil``, ``dma``, ``irq``) is
    therefore on ``sync``: a host on another clock crosses into it. With
    ``create_domains`` the card defines the three domains and drives their clocks;
    without, the parent does (``sync`` and ``tx`` from ``tx_clk``, ``rx`` from
    ``rx_clk``): it must when its own logic, the host's, runs on ``sync`` (Amaranth 0.6
    lets logic use only the domains of its module and its parents). The sequencer runs
    on ``sequencer_domain``, a free-running clock the user provides (it must run
    before and while the transceiver's clocks do not).

    Resets. ``sync`` and ``tx`` are held in reset until the sequencer's ``tx_ready``,
    ``rx`` until its ``rx_ready``, each through a
    :class:`amaranth.lib.cdc.ResetSynchronizer` (asserted at once, released on the
    domain's own clock). A loss of signal or CDR lock resets ``rx`` only (the
    elastic buffer refills); a loss of TX PLL lock resets the whole card.

    Loopback. The transceiver's near-end loopback is on when ``loopback`` (an input
    port, no register: a strap or a test pin) is high, or when the adapter asks for
    it (CONTROL.loopback = INTERNAL, its ``transceiver_loopback``). ``lane_loopback`` is the adapter's request for an external loopback
    (CONTROL.loopback = EXTERNAL), for a pin.

    Parameters
    ----------
    sequencer_frequency : float
        The free-running clock's frequency, Hz: the sequencer's waits are the DCU's
        (:data:`hdl.transceiver.reset_sequencer.DCU_TIMES`) in its clocks.
    sequencer_domain : str
        The free-running clock's domain (default ``"free"``); the user defines it.
    dcu, channel, refclk_frequency :
        The transceiver's (:class:`hdl.transceiver.ecp5_dcu.Ecp5Transceiver`).
    create_domains : bool
        Define ``sync``, ``tx`` and ``rx`` here (see Clock domains).
    **adapter_options :
        The adapter's build parameters (:class:`hdl.msl_adapter.MslAdapter`);
        ``lane_width`` is 10 and ``transceiver_clocks`` is set here.

    Members
    -------
    axil : In(AxiLiteSignature(16))
    dma : Out(Axi4Signature(32, dma_width))
    irq : Out(1)
        The adapter's, on ``sync``.
    loopback : In(1)
        The transceiver's near-end loopback (asynchronous, static).
    lane_loopback : Out(1)
        The adapter asks for the cable to be looped back.
    tx_ready, rx_ready : Out(1)
        The sequencer's, on ``sequencer_domain``.
    tx_pll_locked, rx_cdr_locked, rx_signal_lost : Out(1)
        The transceiver's statuses, asynchronous (for LEDs).
    tx_clk, rx_clk : Out(1)
        The transceiver's word clocks.
    tx_p, tx_n, rx_p, rx_n, refclk_p, refclk_n :
        The DCU's dedicated pins.
    """

    def __init__(self, sequencer_frequency: float, sequencer_domain: str = "free",
                 dcu: int = 0, channel: int = 0, refclk_frequency: float = 125e6,
                 create_domains: bool = True, **adapter_options):
        if "transceiver_clocks" in adapter_options:
            raise ValueError("transceiver_clocks is set by the card, not an option")
        if adapter_options.get("lane_width", 10) != 10:
            raise ValueError(f"the transceiver moves 10-bit words: lane_width must be 10, "
                             f"not {adapter_options['lane_width']!r}")
        adapter_options["lane_width"] = 10
        self.adapter = MslAdapter(**adapter_options, transceiver_clocks=True)
        self.transceiver = Ecp5Transceiver(dcu, channel, refclk_frequency,
                                           create_domains=False)
        self._create_domains = create_domains
        self.sequencer = TransceiverResetSequencer.for_clock(sequencer_frequency)
        self._sequencer_domain = sequencer_domain
        dma_width = self.adapter.params["dma_width"]
        super().__init__({
            "axil": In(AxiLiteSignature(REGISTER_MAP.address_width)),
            "dma": Out(Axi4Signature(32, dma_width)),
            "irq": Out(1),
            "loopback": In(1),
            "lane_loopback": Out(1),
            "tx_ready": Out(1), "rx_ready": Out(1),
            "tx_pll_locked": Out(1), "rx_cdr_locked": Out(1), "rx_signal_lost": Out(1),
            "tx_clk": Out(1), "rx_clk": Out(1),
            "tx_p": Out(1), "tx_n": Out(1), "rx_p": In(1), "rx_n": In(1),
            "refclk_p": In(1), "refclk_n": In(1),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.adapter = adapter = self.adapter
        m.submodules.transceiver = transceiver = self.transceiver
        m.submodules.sequencer = sequencer = DomainRenamer(self._sequencer_domain)(
            self.sequencer)

        # sync is the transmit word clock: the line's word rate, from the same reference.
        m.d.comb += [self.tx_clk.eq(transceiver.tx_clk), self.rx_clk.eq(transceiver.rx_clk)]
        if self._create_domains:
            m.domains.sync = ClockDomain("sync")
            m.domains.tx = ClockDomain("tx")
            m.domains.rx = ClockDomain("rx")
            m.d.comb += [ClockSignal("sync").eq(self.tx_clk), ClockSignal("tx").eq(self.tx_clk),
                         ClockSignal("rx").eq(self.rx_clk)]
        tx_down, rx_down = ~sequencer.tx_ready, ~sequencer.rx_ready
        m.submodules.sync_reset = ResetSynchronizer(tx_down, domain="sync")
        m.submodules.tx_reset = ResetSynchronizer(tx_down, domain="tx")
        m.submodules.rx_reset = ResetSynchronizer(rx_down, domain="rx")

        # The sequencer drives the transceiver's resets and watches its statuses.
        m.d.comb += [
            transceiver.tx_pll_reset.eq(sequencer.tx_pll_reset),
            transceiver.rx_cdr_reset.eq(sequencer.rx_cdr_reset),
            transceiver.tx_reset.eq(sequencer.tx_reset),
            transceiver.rx_reset.eq(sequencer.rx_reset),
            sequencer.tx_pll_locked.eq(transceiver.tx_pll_locked),
            sequencer.rx_cdr_locked.eq(transceiver.rx_cdr_locked),
            sequencer.rx_signal_lost.eq(transceiver.rx_signal_lost),
            self.tx_ready.eq(sequencer.tx_ready), self.rx_ready.eq(sequencer.rx_ready),
            self.tx_pll_locked.eq(transceiver.tx_pll_locked),
            self.rx_cdr_locked.eq(transceiver.rx_cdr_locked),
            self.rx_signal_lost.eq(transceiver.rx_signal_lost),
        ]

        # The line: the adapter's lane (lane_tx on tx, lane_rx on rx) on the words.
        m.d.comb += [
            transceiver.tx_data.eq(adapter.lane_tx),
            adapter.lane_rx.eq(transceiver.rx_data),
            transceiver.loopback.eq(self.loopback | adapter.transceiver_loopback),
            self.lane_loopback.eq(adapter.lane_loopback),
        ]
        for pin in ("tx_p", "tx_n"):
            m.d.comb += getattr(self, pin).eq(getattr(transceiver, pin))
        for pin in ("rx_p", "rx_n", "refclk_p", "refclk_n"):
            m.d.comb += getattr(transceiver, pin).eq(getattr(self, pin))

        # The host side, as the adapter has it.
        wiring.connect(m, wiring.flipped(self.axil), adapter.axil)
        wiring.connect(m, adapter.dma, wiring.flipped(self.dma))
        m.d.comb += self.irq.eq(adapter.irq)
        return m
