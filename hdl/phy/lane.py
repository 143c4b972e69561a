"""Lane width: how many line bits cross per clock, and the symbol clock it implies."""

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import Out

__all__ = ["LANE_WIDTHS", "check_lane_width", "clocks_per_symbol", "SymbolTicker",
           "COMMA_WORDS"]

#: Supported lane widths: divisors of the 10-bit symbol, so a symbol never straddles
#: two symbol periods. 1 is a true serial line; 10 moves one symbol per clock.
LANE_WIDTHS = (1, 2, 5, 10)

#: K28.5 as it appears on the line at RD− and at RD+ (``abcdeifghj``, bit 9 first).
COMMA_WORDS = (0b0011111010, 0b1100000101)


def check_lane_width(lane_width) -> int:
    """Return ``lane_width`` if supported, else raise ``ValueError``."""
    if lane_width not in LANE_WIDTHS:
        raise ValueError(f"lane_width must be one of {', '.join(map(str, LANE_WIDTHS))}, "
                         f"not {lane_width!r}")
    return lane_width


def clocks_per_symbol(lane_width: int) -> int:
    """Clocks one 10-bit symbol takes on a lane of this width."""
    return 10 // check_lane_width(lane_width)


class SymbolTicker(wiring.Component):
    """One-clock ``tick`` every symbol period (every ``10 // lane_width`` clocks).

    Parameters
    ----------
    lane_width : int
        One of :data:`LANE_WIDTHS`.

    Members
    -------
    tick : Out(1)
    """

    tick: Out(1)

    def __init__(self, lane_width: int):
        self._period = clocks_per_symbol(lane_width)
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        if self._period == 1:
            m.d.comb += self.tick.eq(1)
        else:
            count = Signal(range(self._period))
            m.d.comb += self.tick.eq(count == 0)
            m.d.sync += count.eq(Mux(count == self._period - 1, 0, count + 1))
        return m
