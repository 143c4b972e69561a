"""PHY receive path: aligner, 8b/10b decoder, synchronisation, (clock compensation) and
deframer."""

from amaranth import DomainRenamer, Module, Mux, Signal
from amaranth.lib import data, wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

from msl_spec import TOLERANCE_PPM, ControlSymbol, elastic_depth
from hdl.phy.decoder_8b10b import Decoder8b10b
from hdl.phy.deframer import Deframer
from hdl.phy.elastic_buffer import ElasticBuffer
from hdl.phy.frame_layouts import Symbol
from hdl.phy.frame_interfaces import FrameRxSignature
from hdl.phy.lane import COMMA_WORDS, SymbolTicker, check_lane_width
from hdl.phy.symbol_aligner import SymbolAligner
from hdl.phy.symbol_sync import SymbolSync

__all__ = ["PhyReceiver", "LineEvents", "CompensationEvents"]

#: One-clock line events of the receiver, for statistics counters.
LineEvents = data.StructLayout({
    "code_violation": 1,    # a code word valid at neither running disparity
    "disparity_error": 1,   # a code word valid only at the other running disparity
    "sync_acquired": 1,
    "sync_lost": 1,
})

#: One-clock events of the clock compensation (receivers on a recovered clock):
#: ``deleted`` and ``overflow`` on the recovered clock, ``inserted`` and ``underflow``
#: on the local one.
CompensationEvents = data.StructLayout({
    "deleted": 1, "overflow": 1, "inserted": 1, "underflow": 1,
})


class PhyReceiver(wiring.Component):
    """Line bits in, judged frames out.

    Parameters
    ----------
    lane_width : int
        Bits per clock, one of :data:`hdl.phy.lane.LANE_WIDTHS`.
    max_payload : int
        Largest frame payload accepted (see :class:`hdl.phy.deframer.Deframer`).
    recovered_clock : bool
        The lane comes on a clock of its own, domain ``rx`` (the transceiver's recovered
        clock): the aligner, decoder and synchronisation run on it, and an
        :class:`~hdl.phy.elastic_buffer.ElasticBuffer` hands the symbols to the
        deframer on the local clock (``sync``), one per local symbol period. Otherwise
        everything runs on ``sync``, as in a single-clock build.
    tolerance_ppm : float
        With a recovered clock: the clock difference the elastic buffer is sized for
        (the sender's gaps must be sized for it too: :func:`msl_spec.idle_gap`).

    Members
    -------
    lane : In(lane_width)
        On the lane's clock.
    frames : Out(FrameRxSignature)
        The deframer's reports, registered (a clock after it).
    in_sync : Out(1)
        Symbol synchronisation is established; frames are only received in sync.
        (With a recovered clock: synchronized into ``sync``.)
    events : Out(LineEvents)
        Code and disparity errors are counted for every symbol cut out while the
        aligner is locked, inside frames or not. On the lane's clock.
    compensation : Out(CompensationEvents)
        With a recovered clock only (zero otherwise).
    """

    def __init__(self, lane_width: int, max_payload: int, recovered_clock: bool = False,
                 tolerance_ppm: float = TOLERANCE_PPM):
        self._width = check_lane_width(lane_width)
        self._max_payload = max_payload
        self._recovered = recovered_clock
        self._tolerance = tolerance_ppm
        super().__init__({
            "lane": In(self._width),
            "frames": Out(FrameRxSignature),
            "in_sync": Out(1),
            "events": Out(LineEvents),
            "compensation": Out(CompensationEvents),
        })

    def elaborate(self, platform):
        m = Module()
        line = "rx" if self._recovered else "sync"   # the lane's clock domain
        on_line = DomainRenamer(line)
        m.submodules.aligner = aligner = on_line(SymbolAligner(self._width))
        m.submodules.decoder = decoder = Decoder8b10b()
        m.submodules.sync = sync = on_line(SymbolSync())
        m.submodules.deframer = deframer = Deframer(self._max_payload)

        # Running disparity of the line. The aligning comma tells it afresh: K28.5 is
        # sent in its RD+ form only when the sender's disparity was positive.
        rd = Signal()
        m.d.comb += [
            aligner.lane.eq(self.lane),
            aligner.relock.eq(sync.relock),
            decoder.code.eq(aligner.code),
            decoder.rd_in.eq(Mux(aligner.first, aligner.code == COMMA_WORDS[1], rd)),
        ]
        with m.If(aligner.valid):
            m.d[line] += rd.eq(decoder.rd_out)

        # One register stage between decoding and the frame logic.
        valid = Signal()
        first = Signal()
        symbol = Signal(Symbol)
        invalid = Signal()
        m.d[line] += [
            valid.eq(aligner.valid & ~sync.relock),
            first.eq(aligner.first),
            symbol.data.eq(decoder.data),
            symbol.k.eq(decoder.k),
            invalid.eq(decoder.code_error | decoder.disparity_error),
            self.events.code_violation.eq(aligner.valid & decoder.code_error),
            self.events.disparity_error.eq(aligner.valid & decoder.disparity_error),
        ]

        m.d.comb += [
            sync.valid.eq(valid),
            sync.first.eq(first),
            sync.invalid.eq(invalid),
            sync.comma.eq(~invalid & symbol.k & (symbol.data == ControlSymbol.COMMA)),
            self.events.sync_acquired.eq(sync.acquired),
            self.events.sync_lost.eq(sync.lost),
        ]
        # The deframer's reports are registered before the link layer (a clock of
        # latency): its state decoding ran on through the receive and transmit
        # controllers into the interrupt register in one clock (docs/timing.md).
        for name in FrameRxSignature.members:
            m.d.sync += getattr(self.frames, name).eq(getattr(deframer.frames, name))
        if not self._recovered:
            m.d.comb += [
                self.in_sync.eq(sync.in_sync),
                deframer.valid.eq(valid & sync.in_sync),
                deframer.symbol.eq(symbol),
                deframer.invalid.eq(invalid),
                deframer.in_sync.eq(sync.in_sync),
            ]
            return m

        # On a recovered clock: symbols cross to the local clock through the elastic
        # buffer, written while in sync and once more (marked out of sync) on losing it.
        m.submodules.elastic = elastic = ElasticBuffer(
            elastic_depth(self._max_payload, self._tolerance),
            write_domain="rx", read_domain="sync")
        m.submodules.ticker = ticker = SymbolTicker(self._width)
        m.submodules.in_sync = FFSynchronizer(sync.in_sync, self.in_sync, o_domain="sync")
        was_in_sync = Signal()
        m.d.rx += was_in_sync.eq(sync.in_sync)
        m.d.comb += [
            elastic.write_valid.eq((valid & sync.in_sync) | (was_in_sync & ~sync.in_sync)),
            elastic.write.symbol.eq(symbol),
            elastic.write.invalid.eq(invalid),
            elastic.write.in_sync.eq(sync.in_sync),
            elastic.tick.eq(ticker.tick),
            self.compensation.deleted.eq(elastic.deleted),
            self.compensation.overflow.eq(elastic.overflow),
            self.compensation.inserted.eq(elastic.inserted),
            self.compensation.underflow.eq(elastic.underflow),
        ]
        local_in_sync = Signal()   # as of the last symbol read
        with m.If(elastic.read_valid):
            m.d.sync += local_in_sync.eq(elastic.read.in_sync)
        m.d.comb += [
            deframer.valid.eq(elastic.read_valid & elastic.read.in_sync),
            deframer.symbol.eq(elastic.read.symbol),
            deframer.invalid.eq(elastic.read.invalid),
            deframer.in_sync.eq(Mux(elastic.read_valid, elastic.read.in_sync, local_in_sync)),
        ]
        return m
