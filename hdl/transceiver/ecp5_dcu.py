"""One channel of a Lattice ECP5 DCU (SERDES) as the adapter's 10-bit transceiver."""

from amaranth import ClockDomain, ClockSignal, Module, Signal
from amaranth.hdl import Instance
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.transceiver.transceiver_interface import WORD_BITS, TransceiverSignature

__all__ = ["LINE_RATE", "DcuPllConfig", "dcu_pll_config", "Ecp5Transceiver"]

#: Bits per second on the line: 8b/10b at 125 M symbols/s (1000BASE-X's rate).
LINE_RATE = 1.25e9

# The DCU's TX PLL (and the CDR, which shares its settings): the reference clock times
# a multiplier gives the VCO, divided by a power of two the line rate. Multipliers and
# their D_REFCK_MODE codes, dividers and their *_VCO/DCO_CK_DIV codes as TN1261 and
# LiteICLink's serdes_ecp5.py (which was checked on hardware) give them.
_REFCK_MODE = {25: "0b100", 20: "0b000", 16: "0b010", 10: "0b001", 8: "0b011"}
_CK_DIV = {32: "0b111", 16: "0b110", 8: "0b101", 4: "0b100", 2: "0b010", 1: "0b000"}
_VCO_MAX = 5e9          # the ECP5-5G's fastest line rate with no division


class DcuPllConfig:
    """How the DCU makes a line rate from a reference clock: ``vco = refclk * m``,
    ``line rate = vco / d``."""

    def __init__(self, refclk_frequency: float, m: int, d: int):
        self.refclk_frequency, self.m, self.d = refclk_frequency, m, d
        self.vco_frequency = refclk_frequency * m
        self.line_rate = self.vco_frequency / d

    def __repr__(self):
        return (f"DcuPllConfig(refclk {self.refclk_frequency / 1e6:g} MHz x {self.m} "
                f"= VCO {self.vco_frequency / 1e9:g} GHz, / {self.d} "
                f"= {self.line_rate / 1e9:g} Gb/s)")


def dcu_pll_config(refclk_frequency: float, line_rate: float = LINE_RATE) -> DcuPllConfig:
    """The multiplier and divider that make ``line_rate`` from ``refclk_frequency``,
    with the fastest VCO that fits (the DCU's CDR is specified from the top of its
    range down).

    Raises
    ------
    ValueError
        No multiplier and divider make that rate; the message lists reference clocks
        that would.
    """
    for d in sorted(_CK_DIV, reverse=True):
        for m in sorted(_REFCK_MODE):
            vco = refclk_frequency * m
            if vco <= _VCO_MAX and abs(vco / d - line_rate) < 1:
                return DcuPllConfig(refclk_frequency, m, d)
    choices = sorted({line_rate * d / m for d in _CK_DIV for m in _REFCK_MODE
                      if line_rate * d <= _VCO_MAX and line_rate * d / m <= 320e6})
    raise ValueError(
        f"the DCU cannot make {line_rate / 1e9:g} Gb/s from a {refclk_frequency / 1e6:g} MHz "
        f"reference; reference clocks that can: "
        f"{', '.join(f'{f / 1e6:g} MHz' for f in choices)}")


class Ecp5Transceiver(wiring.Component):
    """One channel of an ECP5 (LFE5UM/LFE5UM5G) DCU, primitive ``DCUA``, with its
    reference clock from an ``EXTREFB`` (the DCU's dedicated differential clock pins),
    moving 10-bit words at :data:`LINE_RATE`.

    The DCU runs in its 10-bit SERDES mode (``10BSER``, user-configured), with its 8b/10b
    encoder and decoder, word aligner, link state machine and clock-compensation FIFO
    bypassed and 1:1 gearing: the PHY does its own coding, alignment and compensation,
    and exchanges one code word per 125 MHz clock with the DCU.

    Bit order: the DCU sends ``FF_TX_D_0`` first and receives the first bit into
    ``FF_RX_D_0`` (LiteICLink feeds it LSB-first 8b/10b words, and its K28.5 comma
    pattern 0x17C is ``abcdeifghj`` = 0011111010 read from bit 0). The PHY's words have
    the first bit in bit 9, so both directions are reversed here.

    Clocks: domain ``tx`` is the DCU's transmit word clock (``FF_TX_PCLK``, the TX PLL
    divided by 10) and domain ``rx`` the clock recovered from the line
    (``FF_RX_PCLK``); both are 125 MHz, also out as ``tx_clk`` and ``rx_clk``. With
    ``create_domains`` this component creates both domains and drives their clocks;
    without, a parent defines them and drives their clocks from ``tx_clk`` and
    ``rx_clk`` (Amaranth 0.6 lets logic use only the domains of its module and its
    parents, so a design whose other parts run on ``tx``/``rx`` defines them above).
    Whoever uses it drives their resets (from a reset sequencer, through
    :class:`amaranth.lib.cdc.ResetSynchronizer`). Neither clock runs until its PLL has
    locked.

    Resets: the DCU has two levels. ``tx_reset`` and ``rx_reset`` (the signature's) hold
    the channel's transmit and receive lanes (PCS, FPGA bridge) in reset: they may be
    held until the PLLs lock. ``tx_pll_reset`` and ``rx_cdr_reset`` (this component's
    own) restart the TX PLL (with the DCU: ``D_FFC_TRST``, ``D_FFC_MACRO_RST``,
    ``D_FFC_DUAL_RST``) and the receiver's CDR (``FFC_RRST``): they must be *pulsed*,
    since a PLL held in reset never locks (:class:`hdl.transceiver.reset_sequencer.
    TransceiverResetSequencer` drives all four).

    Loopback: ``loopback`` drives ``FFC_FB_LOOPBACK``, the DCU's near-end loopback from
    its transmit to its receive lane inside the PCS (TN1261's port table). The serial
    loopback near the pins is set through the DCU's SCI register bus (``lb_ctl``), which
    this component does not drive.

    Parameters
    ----------
    dcu : int
        0 or 1, the DCU (``LOC`` ``DCU<n>``; its reference clock pins are ``EXTREF<n>``).
    channel : int
        0 or 1, the channel in that DCU.
    refclk_frequency : float
        The reference clock on the ``EXTREFB`` pins, in Hz (default 125 MHz: the DCU's
        PLL multiplies it by 20 to a 2.5 GHz VCO and divides by 2). It must make the
        line rate (:func:`dcu_pll_config`).
    create_domains : bool
        Define the ``tx`` and ``rx`` domains here (see Clocks).

    Members
    -------
    (those of :data:`hdl.transceiver.transceiver_interface.TransceiverSignature`)
    tx_pll_reset, rx_cdr_reset : In(1)
        Asynchronous pulses restarting the TX PLL and the CDR.
    tx_clk, rx_clk : Out(1)
        The DCU's word clocks.
    tx_p, tx_n : Out(1)
    rx_p, rx_n : In(1)
    refclk_p, refclk_n : In(1)
        The DCU's dedicated pins (the channel's ``HDOUT``/``HDIN`` and the DCU's
        ``REFCLK``), connected to the top-level ports of the design: no I/O buffer.

    Raises
    ------
    ValueError
        A DCU or channel other than 0 or 1, or a reference clock that cannot make the
        line rate.
    """

    def __init__(self, dcu: int = 0, channel: int = 0, refclk_frequency: float = 125e6,
                 create_domains: bool = True):
        if dcu not in (0, 1):
            raise ValueError(f"dcu must be 0 or 1, not {dcu!r}")
        if channel not in (0, 1):
            raise ValueError(f"channel must be 0 or 1, not {channel!r}")
        self.dcu, self.channel, self._create_domains = dcu, channel, create_domains
        self.pll = dcu_pll_config(refclk_frequency)
        #: The frequency of both word clocks, Hz.
        self.word_clock_frequency = self.pll.line_rate / WORD_BITS
        super().__init__({
            **TransceiverSignature.members,
            "tx_pll_reset": In(1), "rx_cdr_reset": In(1), "tx_clk": Out(1), "rx_clk": Out(1),
            "tx_p": Out(1), "tx_n": Out(1), "rx_p": In(1), "rx_n": In(1),
            "refclk_p": In(1), "refclk_n": In(1),
        })

    def elaborate(self, platform):
        m = Module()
        refclk = Signal()
        tx_pclk, rx_pclk = self.tx_clk, self.rx_clk
        tx_bus, rx_bus = Signal(24), Signal(24)
        pll_lol, cdr_lol, los = Signal(), Signal(), Signal()
        if self._create_domains:
            m.domains.tx = ClockDomain("tx")
            m.domains.rx = ClockDomain("rx")
            m.d.comb += [ClockSignal("tx").eq(tx_pclk), ClockSignal("rx").eq(rx_pclk)]

        # One register each way beside the DCU: the paths between the DCU's fabric
        # interface and the PHY then hold no logic. Reversed: the DCU's bit 0 is the
        # line's first bit, the PHY's bit 9.
        tx_word, rx_word = Signal(WORD_BITS), Signal(WORD_BITS)
        m.d.tx += tx_word.eq(self.tx_data[::-1])
        m.d.rx += rx_word.eq(rx_bus[:WORD_BITS])
        m.d.comb += [tx_bus[:WORD_BITS].eq(tx_word), self.rx_data.eq(rx_word[::-1])]

        m.d.comb += [
            self.tx_pll_locked.eq(~pll_lol),
            self.rx_cdr_locked.eq(~cdr_lol),
            self.rx_signal_lost.eq(los),
        ]

        m.submodules.extref = Instance(
            "EXTREFB",
            a_LOC=f"EXTREF{self.dcu}",
            p_REFCK_PWDNB="0b1",
            p_REFCK_RTERM="0b1",     # 100 ohm differential termination
            p_REFCK_DCBIAS_EN="0b0",  # AC coupled
            i_REFCLKP=self.refclk_p, i_REFCLKN=self.refclk_n,
            o_REFCLKO=refclk,
        )
        m.submodules.dcu = Instance(
            "DCUA", a_LOC=f"DCU{self.dcu}", a_CHAN=f"CH{self.channel}",
            **self._dcu_parameters(), **self._channel_ports(
                refclk, tx_pclk, rx_pclk, tx_bus, rx_bus, cdr_lol, los),
            i_D_REFCLKI=refclk, o_D_FFS_PLOL=pll_lol,
            i_D_FFC_MACROPDB=1,
            i_D_FFC_MACRO_RST=self.tx_pll_reset, i_D_FFC_DUAL_RST=self.tx_pll_reset,
            i_D_FFC_TRST=self.tx_pll_reset,
        )
        return m

    def _dcu_parameters(self) -> dict:
        """The DCU-wide settings (the TX PLL) and this channel's (``CH<n>_``) settings.

        The undocumented analog settings are LiteICLink's (from Lattice's 10BSER sample
        code and whitequark's Yumewatari notes); what this design changes from them is
        the gearing (1:1, 10-bit words, full-rate clocks), the word aligner and link
        state machine (off) and the PLL's multiplier and divider."""
        pll = self.pll
        dcu = {
            "D_MACROPDB": "0b1", "D_IB_PWDNB": "0b1", "D_TXPLL_PWDNB": "0b1",
            "D_REFCK_MODE": _REFCK_MODE[pll.m], "D_TX_VCO_CK_DIV": _CK_DIV[pll.d],
            "D_TX_MAX_RATE": "5.0", "D_BITCLK_LOCAL_EN": "0b1",
            "D_CMUSETBIASI": "0b00", "D_CMUSETI4CPP": "0d3", "D_CMUSETI4CPZ": "0d3",
            "D_CMUSETI4VCO": "0b00", "D_CMUSETICP4P": "0b01", "D_CMUSETICP4Z": "0b101",
            "D_CMUSETINITVCT": "0b00", "D_CMUSETISCL4VCO": "0b000", "D_CMUSETP1GM": "0b000",
            "D_CMUSETP2AGM": "0b000", "D_CMUSETZGM": "0b000", "D_SETIRPOLY_AUX": "0b01",
            "D_SETICONST_AUX": "0b01", "D_SETIRPOLY_CH": "0b01", "D_SETICONST_CH": "0b10",
            "D_SETPLLRC": "0d1", "D_RG_EN": "0b0", "D_RG_SET": "0b00",
            "D_REQ_ISET": "0b011", "D_PD_ISET": "0b11",
            "D_LOW_MARK": "0d4", "D_HIGH_MARK": "0d12",
        }
        channel = {
            # 10-bit SERDES mode, everything of the PCS between the pins and the fabric
            # bypassed but the FIFOs: the PHY codes, aligns and compensates.
            "PROTOCOL": "10BSER", "UC_MODE": "0b1",
            "ENC_BYPASS": "0b1", "DEC_BYPASS": "0b1", "WA_BYPASS": "0b1",
            "ENABLE_CG_ALIGN": "0b0", "LSM_DISABLE": "0b1", "CTC_BYPASS": "0b1",
            "UDF_COMMA_MASK": "0x3ff", "UDF_COMMA_A": "0x283", "UDF_COMMA_B": "0x17C",
            "MIN_IPG_CNT": "0b11", "MATCH_2_ENABLE": "0b0", "MATCH_4_ENABLE": "0b0",
            "CC_MATCH_1": "0x000", "CC_MATCH_2": "0x000", "CC_MATCH_3": "0x000",
            "CC_MATCH_4": "0x000",
            # 1:1 gearing: one 10-bit word per full-rate (line rate / 10) clock.
            "TX_GEAR_MODE": "0b0", "RX_GEAR_MODE": "0b0",
            "FF_TX_H_CLK_EN": "0b0", "FF_TX_F_CLK_DIS": "0b0",
            "FF_RX_H_CLK_EN": "0b0", "FF_RX_F_CLK_DIS": "0b0",
            "SEL_SD_RX_CLK": "0b1",  # the receive FIFO is written on the recovered clock
            # Receiver.
            "RPWDNB": "0b1", "REQ_EN": "0b0", "RX_RATE_SEL": "0d10",
            "RTERM_RX": "0d19",       # 50 ohm
            "RXIN_CM": "0b11", "RXTERM_CM": "0b11",
            "CDR_MAX_RATE": "5.0", "RX_DCO_CK_DIV": _CK_DIV[pll.d],
            "AUTO_FACQ_EN": "0b1", "AUTO_CALIB_EN": "0b1", "PDEN_SEL": "0b1",
            "DCOATDCFG": "0b00", "DCOATDDLY": "0b00", "DCOBYPSATD": "0b1",
            "DCOCALDIV": "0b000", "DCOCTLGI": "0b011", "DCODISBDAVOID": "0b0",
            "DCOFLTDAC": "0b00", "DCOFTNRG": "0b001", "DCOIOSTUNE": "0b010",
            "DCOITUNE": "0b00", "DCOITUNE4LSB": "0b010", "DCOIUPDNX2": "0b1",
            "DCONUOFLSB": "0b100", "DCOSCALEI": "0b01", "DCOSTARTVAL": "0b010",
            "DCOSTEP": "0b11",
            # Loss of signal, reported on FFS_RLOS.
            "RLOS_SEL": "0b1", "RX_LOS_EN": "0b1", "RX_LOS_LVL": "0b100",
            "RX_LOS_CEQ": "0b11",
            # Transmitter: 1000 mV swing, 50 ohm, LiteICLink's driver slices.
            "TPWDNB": "0b1", "TXAMPLITUDE": "0d1000", "RTERM_TX": "0d19",
            "TDRV_SLICE0_CUR": "0b011", "TDRV_SLICE0_SEL": "0b01",
            "TDRV_SLICE1_CUR": "0b000", "TDRV_SLICE1_SEL": "0b00",
            "TDRV_SLICE2_CUR": "0b11", "TDRV_SLICE2_SEL": "0b01",
            "TDRV_SLICE3_CUR": "0b10", "TDRV_SLICE3_SEL": "0b01",
            "TDRV_SLICE4_CUR": "0b00", "TDRV_SLICE4_SEL": "0b00",
            "TDRV_SLICE5_CUR": "0b00", "TDRV_SLICE5_SEL": "0b00",
        }
        return {**{f"p_{name}": value for name, value in dcu.items()},
                **{f"p_CH{self.channel}_{name}": value for name, value in channel.items()}}

    def _channel_ports(self, refclk, tx_pclk, rx_pclk, tx_bus, rx_bus, cdr_lol, los) -> dict:
        ch = f"CH{self.channel}"
        return {
            f"i_{ch}_HDINP": self.rx_p, f"i_{ch}_HDINN": self.rx_n,
            f"o_{ch}_HDOUTP": self.tx_p, f"o_{ch}_HDOUTN": self.tx_n,
            f"i_{ch}_RX_REFCLK": refclk,
            f"o_{ch}_FF_TX_PCLK": tx_pclk, f"i_{ch}_FF_TXI_CLK": ClockSignal("tx"),
            f"o_{ch}_FF_RX_PCLK": rx_pclk, f"i_{ch}_FF_RXI_CLK": ClockSignal("rx"),
            f"i_{ch}_FFC_RXPWDNB": 1, f"i_{ch}_FFC_TXPWDNB": 1,
            f"i_{ch}_FFC_LANE_TX_RST": self.tx_reset,
            f"i_{ch}_FFC_LANE_RX_RST": self.rx_reset,
            f"i_{ch}_FFC_RRST": self.rx_cdr_reset,
            f"i_{ch}_FFC_SIGNAL_DETECT": 0,   # the link state machine is off
            f"i_{ch}_FFC_FB_LOOPBACK": self.loopback,
            f"o_{ch}_FFS_RLOL": cdr_lol, f"o_{ch}_FFS_RLOS": los,
            **{f"i_{ch}_FF_TX_D_{n}": tx_bus[n] for n in range(24)},
            **{f"o_{ch}_FF_RX_D_{n}": rx_bus[n] for n in range(24)},
        }
