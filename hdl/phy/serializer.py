"""Serializer: one 10-bit code word per symbol period onto a lane of 1..10 bits."""

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.phy.lane import check_lane_width

__all__ = ["Serializer"]


class Serializer(wiring.Component):
    """Shift code words out, bit ``a`` first, ``lane_width`` bits per clock.

    Within a lane word the earliest bit is the most significant. ``lane_in_frame`` travels
    with the bits: it marks lane words that carry frame symbols (test equipment such as
    the channel model uses it to attribute line errors to frames; the link ignores it).

    Parameters
    ----------
    lane_width : int
        Bits per clock, one of :data:`hdl.phy.lane.LANE_WIDTHS`.

    Members
    -------
    tick : In(1)
        Load ``code`` (once per symbol period, from :class:`hdl.phy.lane.SymbolTicker`).
    code : In(10)
    in_frame : In(1)
    lane : Out(lane_width)
    lane_in_frame : Out(1)
    """

    def __init__(self, lane_width: int):
        self._width = check_lane_width(lane_width)
        super().__init__({
            "tick": In(1),
            "code": In(10),
            "in_frame": In(1),
            "lane": Out(self._width),
            "lane_in_frame": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        shifter = Signal(10)
        with m.If(self.tick):
            m.d.sync += [shifter.eq(self.code), self.lane_in_frame.eq(self.in_frame)]
        with m.Else():
            m.d.sync += shifter.eq(shifter << self._width)
        m.d.comb += self.lane.eq(shifter[10 - self._width:])
        return m
