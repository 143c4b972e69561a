"""PHY receive path: aligner, 8b/10b decoder, synchronisation and deframer."""

from amaranth import Module, Mux, Signal
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from msl_spec import ControlSymbol
from hdl.phy.decoder_8b10b import Decoder8b10b
from hdl.phy.deframer import Deframer
from hdl.phy.frame_layouts import Symbol
from hdl.phy.frame_interfaces import FrameRxSignature
from hdl.phy.lane import COMMA_WORDS, check_lane_width
from hdl.phy.symbol_aligner import SymbolAligner
from hdl.phy.symbol_sync import SymbolSync

__all__ = ["PhyReceiver", "LineEvents"]

#: One-clock line events of the receiver, for statistics counters.
LineEvents = data.StructLayout({
    "code_violation": 1,    # a code word valid at neither running disparity
    "disparity_error": 1,   # a code word valid only at the other running disparity
    "sync_acquired": 1,
    "sync_lost": 1,
})


class PhyReceiver(wiring.Component):
    """Line bits in, judged frames out.

    Parameters
    ----------
    lane_width : int
        Bits per clock, one of :data:`hdl.phy.lane.LANE_WIDTHS`.
    max_payload : int
        Largest frame payload accepted (see :class:`hdl.phy.deframer.Deframer`).

    Members
    -------
    lane : In(lane_width)
    frames : Out(FrameRxSignature)
    in_sync : Out(1)
        Symbol synchronisation is established; frames are only received in sync.
    events : Out(LineEvents)
        Code and disparity errors are counted for every symbol cut out while the
        aligner is locked, inside frames or not.
    """

    def __init__(self, lane_width: int, max_payload: int):
        self._width = check_lane_width(lane_width)
        self._max_payload = max_payload
        super().__init__({
            "lane": In(self._width),
            "frames": Out(FrameRxSignature),
            "in_sync": Out(1),
            "events": Out(LineEvents),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.aligner = aligner = SymbolAligner(self._width)
        m.submodules.decoder = decoder = Decoder8b10b()
        m.submodules.sync = sync = SymbolSync()
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
            m.d.sync += rd.eq(decoder.rd_out)

        # One register stage between decoding and the frame logic.
        valid = Signal()
        first = Signal()
        symbol = Signal(Symbol)
        invalid = Signal()
        m.d.sync += [
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
            self.in_sync.eq(sync.in_sync),
            self.events.sync_acquired.eq(sync.acquired),
            self.events.sync_lost.eq(sync.lost),

            deframer.valid.eq(valid & sync.in_sync),
            deframer.symbol.eq(symbol),
            deframer.invalid.eq(invalid),
            deframer.in_sync.eq(sync.in_sync),
        ]
        wiring.connect(m, deframer.frames, wiring.flipped(self.frames))
        return m
