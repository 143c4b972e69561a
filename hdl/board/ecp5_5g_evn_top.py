"""A demonstration top for Lattice's ECP5 5G Evaluation Board (LFE5UM5G-85F, CABGA381):
the link card with a small host, built to a bitstream by ``make bitstream``."""

from amaranth import Cat, ClockDomain, ClockSignal, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.cdc import FFSynchronizer, ResetSynchronizer
from amaranth.lib.wiring import In, Out

from hdl.board.bram_axi4_slave import BlockRamAxi4Slave
from hdl.board.msl_link_card import MslLinkCard
from hdl.board.spi_axil_bridge import SpiAxiLiteBridge

__all__ = ["Ecp5EvnTop", "PINS", "CLOCKS"]

#: The board's free-running oscillator (resource ``clk12``), Hz.
OSCILLATOR_FREQUENCY = 12e6

#: Each top-level port -> where it is on the board, in amaranth-boards' terms for
#: ``ECP55GEVNPlatform``: ``("resource", name, number, subsignal, pair side)`` or
#: ``("connector", name, number, pin)``. The ports are at the pins' electrical levels
#: (the board's LEDs, switches and reset button are active low).
PINS = {
    "clk12": ("resource", "clk12", 0, None, None),
    "rst_n": ("resource", "rst", 0, None, None),
    **{f"led_n[{k}]": ("resource", "led", k, None, None) for k in range(8)},
    "loopback_n": ("resource", "switch", 1, None, None),
    # The serdes channel (DCU0 channel 0) and DCU0's reference clock pins.
    "tx_p": ("resource", "serdes", 0, "tx", "p"), "tx_n": ("resource", "serdes", 0, "tx", "n"),
    "rx_p": ("resource", "serdes", 0, "rx", "p"), "rx_n": ("resource", "serdes", 0, "rx", "n"),
    "refclk_p": ("resource", "serdes_clk", 0, None, "p"),
    "refclk_n": ("resource", "serdes_clk", 0, None, "n"),
    # The host's SPI on the PMOD header J31 (pins 1-4), 3.3 V.
    "spi_cs_n": ("connector", "J", 31, "1"), "spi_mosi": ("connector", "J", 31, "2"),
    "spi_miso": ("connector", "J", 31, "3"), "spi_sck": ("connector", "J", 31, "4"),
}

#: The clock domains of the design -> (where their clock comes from, target MHz): a
#: top-level port, or an output of a primitive (by its instance path). Synthesis renames
#: and merges nets, so the bitstream tool finds each clock's net from its source in the
#: synthesized netlist. sync and tx are one clock, the DCU's transmit word clock.
CLOCKS = {
    "free": (("port", "clk12"), OSCILLATOR_FREQUENCY / 1e6),
    "sync": (("cell", "card.transceiver.dcu", "CH0_FF_TX_PCLK"), 125.0),
    "tx": (("cell", "card.transceiver.dcu", "CH0_FF_TX_PCLK"), 125.0),
    "rx": (("cell", "card.transceiver.dcu", "CH0_FF_RX_PCLK"), 125.0),
}


class Ecp5EvnTop(wiring.Component):
    """The link card on the ECP5 5G Evaluation Board, with a host small enough to fit
    the board's pins and real enough that synthesis keeps every part of the adapter.

    * The card (:class:`hdl.board.msl_link_card.MslLinkCard`) on DCU0 channel 0
      (``serdes`` 0) with its reference clock on ``serdes_clk`` 0 (EXTREF0), which
      must carry ``refclk_frequency`` (125 MHz by default).
    * Its registers from a microcontroller over SPI
      (:class:`hdl.board.spi_axil_bridge.SpiAxiLiteBridge`, frames in
      :mod:`hdl.board.spi_protocol`) on the PMOD header J31.
    * Its DMA into 16 KiB of block RAM (:class:`hdl.board.bram_axi4_slave.
      BlockRamAxi4Slave`), the host memory of the rings and buffers.
    * The sequencer on the 12 MHz oscillator; the reset button restarts it.
    * LEDs (active low), from 0: TX ready, RX ready, TX PLL locked, CDR locked, signal
      lost, interrupt, external loopback asked, a heartbeat of the ``sync`` clock.
      Switch 1 turns the transceiver's loopback on.

    Parameters
    ----------
    refclk_frequency : float
        On ``serdes_clk`` 0, Hz.
    memory_words : int
        Host memory, in DMA words.
    **adapter_options :
        The adapter's build parameters.

    Members
    -------
    (the ports of :data:`PINS`)
    """

    def __init__(self, refclk_frequency: float = 125e6, memory_words: int = 4096,
                 **adapter_options):
        self.card = MslLinkCard(OSCILLATOR_FREQUENCY, "free", dcu=0, channel=0,
                                refclk_frequency=refclk_frequency, create_domains=False,
                                **adapter_options)
        self.memory = BlockRamAxi4Slave(self.card.adapter.params["dma_width"], memory_words)
        super().__init__({
            "clk12": In(1), "rst_n": In(1), "led_n": Out(8, init=0xFF), "loopback_n": In(1),
            "tx_p": Out(1), "tx_n": Out(1), "rx_p": In(1), "rx_n": In(1),
            "refclk_p": In(1), "refclk_n": In(1),
            "spi_cs_n": In(1), "spi_mosi": In(1), "spi_miso": Out(1), "spi_sck": In(1),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.card = card = self.card
        m.submodules.memory = memory = self.memory
        m.submodules.host = host = SpiAxiLiteBridge()

        # The free-running clock, for the reset sequencer; the card's three clocks,
        # defined here because the host runs on sync too (the card drives the resets).
        m.domains.free = ClockDomain("free")
        m.d.comb += ClockSignal("free").eq(self.clk12)
        m.submodules.free_reset = ResetSynchronizer(~self.rst_n, domain="free")
        m.domains.sync = ClockDomain("sync")
        m.domains.tx = ClockDomain("tx")
        m.domains.rx = ClockDomain("rx")
        m.d.comb += [ClockSignal("sync").eq(card.tx_clk), ClockSignal("tx").eq(card.tx_clk),
                     ClockSignal("rx").eq(card.rx_clk)]

        # The host side, on the card's sync clock.
        wiring.connect(m, host.axil, card.axil)
        wiring.connect(m, card.dma, memory.axi)
        m.d.comb += [host.sck.eq(self.spi_sck), host.mosi.eq(self.spi_mosi),
                     host.cs_n.eq(self.spi_cs_n), self.spi_miso.eq(host.miso)]

        # The line.
        for pin in ("tx_p", "tx_n"):
            m.d.comb += getattr(self, pin).eq(getattr(card, pin))
        for pin in ("rx_p", "rx_n", "refclk_p", "refclk_n"):
            m.d.comb += getattr(card, pin).eq(getattr(self, pin))
        m.d.comb += card.loopback.eq(~self.loopback_n)

        # LEDs: the statuses, each through a synchronizer onto the free clock (the
        # LEDs are slow; the statuses come from several clocks).
        heartbeat = Signal(27)
        m.d.sync += heartbeat.eq(heartbeat + 1)
        statuses = [card.tx_ready, card.rx_ready, card.tx_pll_locked, card.rx_cdr_locked,
                    card.rx_signal_lost, card.irq, card.lane_loopback, heartbeat[-1]]
        shown = Signal(8)
        m.submodules.led_sync = FFSynchronizer(Cat(statuses), shown, o_domain="free")
        m.d.comb += self.led_n.eq(~shown)
        return m
