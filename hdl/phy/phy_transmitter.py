"""PHY transmit path: framer, 8b/10b encoder and serializer."""

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import ControlSymbol
from hdl.phy.encoder_8b10b import Encoder8b10b
from hdl.phy.frame_interfaces import FrameTxSignature
from hdl.phy.frame_layouts import Symbol
from hdl.phy.framer import Framer
from hdl.phy.lane import SymbolTicker, check_lane_width
from hdl.phy.serializer import Serializer

__all__ = ["PhyTransmitter"]


class PhyTransmitter(wiring.Component):
    """Frames in, line bits out.

    The framer's symbol is registered before the encoder (one symbol period of latency):
    the framer's byte selection and the 8b/10b encoder would otherwise share one clock,
    the longest path of the ``tx`` domain (docs/timing.md).

    Parameters
    ----------
    lane_width : int
        Bits per clock, one of :data:`hdl.phy.lane.LANE_WIDTHS`.
    idle_gap : int
        Commas after every frame (see :class:`hdl.phy.framer.Framer`).

    Members
    -------
    frames : In(FrameTxSignature)
    lane : Out(lane_width)
    lane_in_frame : Out(1)
        Marks lane words of frame symbols (for test equipment; see :class:`Serializer`).
    """

    def __init__(self, lane_width: int, idle_gap: int = 1):
        self._width = check_lane_width(lane_width)
        self._idle_gap = idle_gap
        super().__init__({
            "frames": In(FrameTxSignature),
            "lane": Out(self._width),
            "lane_in_frame": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.ticker = ticker = SymbolTicker(self._width)
        m.submodules.framer = framer = Framer(self._idle_gap)
        m.submodules.encoder = encoder = Encoder8b10b()
        m.submodules.serializer = serializer = Serializer(self._width)

        rd = Signal()  # running disparity of the line
        # the symbol the encoder takes at the next tick; commas until the framer's first
        symbol = Signal(Symbol, init={"data": ControlSymbol.COMMA, "k": 1})
        in_frame = Signal()
        wiring.connect(m, wiring.flipped(self.frames), framer.frames)
        m.d.comb += [
            framer.tick.eq(ticker.tick),
            encoder.data.eq(symbol.data),
            encoder.k.eq(symbol.k),
            encoder.rd_in.eq(rd),

            serializer.tick.eq(ticker.tick),
            serializer.code.eq(encoder.code),
            serializer.in_frame.eq(in_frame),
            self.lane.eq(serializer.lane),
            self.lane_in_frame.eq(serializer.lane_in_frame),
        ]
        with m.If(ticker.tick):
            m.d.sync += [rd.eq(encoder.rd_out),
                         symbol.eq(framer.symbol), in_frame.eq(framer.in_frame)]
        return m
