"""Symbol aligner: find the K28.5 comma at any bit offset and cut the lane into symbols."""

from amaranth import Array, Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.phy.lane import COMMA_WORDS, check_lane_width, clocks_per_symbol

__all__ = ["SymbolAligner"]


class SymbolAligner(wiring.Component):
    """Deserializer with comma alignment.

    While unlocked it looks for a K28.5 code word ending at each of the ``lane_width``
    bit positions of every clock. The first one found fixes the symbol boundary; from
    then on one code word per symbol period is cut out at that boundary, whatever the
    line carries, until ``relock`` asks for a new search (the decision to give up an
    alignment belongs to :class:`hdl.phy.symbol_sync.SymbolSync`, which sees decode errors).

    Parameters
    ----------
    lane_width : int
        Bits per clock, one of :data:`hdl.phy.lane.LANE_WIDTHS`.

    Members
    -------
    lane : In(lane_width)
        Line bits, earliest bit most significant.
    relock : In(1)
        Drop the current alignment and search for a comma again.
    code : Out(10)
        The code word, valid with ``valid`` (while locked it holds between symbols).
    valid : Out(1)
        One clock per symbol period while locked.
    first : Out(1)
        With ``valid``: this is the comma that established the alignment.
    locked : Out(1)
    """

    def __init__(self, lane_width: int):
        self._width = check_lane_width(lane_width)
        self._period = clocks_per_symbol(lane_width)
        super().__init__({
            "lane": In(self._width),
            "relock": In(1),
            "code": Out(10),
            "valid": Out(1),
            "first": Out(1),
            "locked": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        width, period = self._width, self._period

        # The last 10 + width - 1 line bits, newest at bit 0: enough for a window ending
        # at each of the newest word's bit positions.
        history = Signal(10 + width - 1)
        m.d.sync += history.eq(Cat(self.lane, history[:len(history) - width]))
        windows = [history[offset:offset + 10] for offset in range(width)]
        # The search reads the history only while unlocked (locked, it is unused): the
        # comparators, the priority encoder and the found-window multiplexer then hold
        # still instead of switching with every line bit, which in an event-driven
        # simulator (Icarus) was a quarter of an idle adapter's value changes, and in
        # silicon is switching power for nothing. One AND per history bit; no change in
        # behaviour (``is_comma`` is read only under ``~locked``).
        searched = Signal.like(history)
        m.d.comb += searched.eq(Mux(self.locked, 0, history))
        search_windows = [searched[offset:offset + 10] for offset in range(width)]
        is_comma = Cat(window.matches(*COMMA_WORDS) for window in search_windows)

        # Where the symbol boundary sits in the lane word, and when the next symbol is
        # complete. (At width 1 there is one position; at width 10 a symbol each clock.)
        if width > 1:
            offset = Signal(range(width))
            found = Signal(range(width))
            for position in reversed(range(width)):  # lowest offset wins
                with m.If(is_comma[position]):
                    m.d.comb += found.eq(position)
            aligned_window = Array(windows)[offset]
            found_window = Array(search_windows)[found]
        else:
            aligned_window, found_window = windows[0], search_windows[0]
        if period > 1:
            phase = Signal(range(period))
            due = phase == period - 1
        else:
            due = 1

        with m.If(self.relock):
            m.d.sync += [self.locked.eq(0), self.valid.eq(0), self.first.eq(0)]
        with m.Elif(~self.locked):
            m.d.sync += [self.valid.eq(is_comma.any()), self.first.eq(is_comma.any()),
                         self.code.eq(found_window)]
            with m.If(is_comma.any()):
                m.d.sync += self.locked.eq(1)
                if width > 1:
                    m.d.sync += offset.eq(found)
                if period > 1:
                    m.d.sync += phase.eq(0)
        with m.Else():
            m.d.sync += [self.valid.eq(due), self.first.eq(0)]
            # The code word changes only when a symbol is complete: between symbols (on
            # lanes narrower than 10 bits) the decoder behind it then holds still
            # rather than decoding part-shifted words nobody reads.
            with m.If(due):
                m.d.sync += self.code.eq(aligned_window)
            if period > 1:
                m.d.sync += phase.eq(Mux(due, 0, phase + 1))
        return m
