"""Elastic buffer: decoded symbols from the recovered clock into the local clock, the rate
difference made up with commas between frames (clock compensation)."""

from amaranth import Module, Signal
from amaranth.lib import data, wiring
from amaranth.lib.fifo import AsyncFIFO
from amaranth.lib.wiring import In, Out

from msl_spec import LEVEL_LAG, ControlSymbol
from hdl.phy.frame_layouts import Symbol

__all__ = ["RxSymbol", "ElasticBuffer"]

#: A decoded symbol as the receive path hands it on: the symbol, whether its code word
#: was invalid, and whether the receiver held symbol synchronisation.
RxSymbol = data.StructLayout({"symbol": Symbol, "invalid": 1, "in_sync": 1})

def _is_comma(entry):
    symbol = entry.symbol
    return ~entry.invalid & symbol.k & (symbol.data == ControlSymbol.COMMA)


class ElasticBuffer(wiring.Component):
    """Clock compensation between the receive clock and the local clock.

    Symbols are written as the line delivers them (``write_domain``, the recovered
    clock) and read one per ``tick`` (``read_domain``, the local clock: the two differ
    by the oscillators' tolerance). Reading starts once the buffer is half full, and the
    level is kept there with the idles between frames: the writer drops a comma that
    follows a comma while the buffer is fuller than half (plus a margin), and the reader
    repeats a comma it just read while the buffer is emptier than half (less a margin),
    once per comma read: so when the line stops delivering symbols (a dead line, before
    the receive path has lost sync), the reader drains the buffer and counts the
    underflow, rather than filling the gap with commas of its own.
    So commas are only ever removed or added between frames, and a frame's symbols
    come out back to back, as they were sent. The sender makes the gap between frames
    long enough to remove the drift of the longest frame (``docs/link-phy.md``).

    The receive path writes only while it holds symbol synchronisation, and one last
    symbol marked out of sync when it loses it; the reader hands that one on (the
    deframer ends the frame in progress) and then waits for the buffer to fill to half
    again, as at the start.

    If the buffer runs full anyway (the clocks are further apart than the sender's gaps
    allow), a symbol is dropped and ``overflow`` pulses; if it runs empty when a symbol
    is due, the reader hands out an invalid symbol (the frame in progress is judged bad
    and replayed by the link layer), ``underflow`` pulses, and reading waits until the
    buffer is half full again. Neither is ever silent.

    Parameters
    ----------
    depth : int
        Symbols the buffer holds (a power of two, at least 16;
        :func:`msl_spec.elastic_depth` gives it for a slot size and a tolerance).
    write_domain, read_domain : str
        The recovered clock's domain and the local one.

    Members
    -------
    write_valid : In(1)
    write : In(RxSymbol)
        A symbol from the line (write domain).
    tick : In(1)
        A symbol is due (read domain; every clock for a 10-bit lane).
    read_valid : Out(1)
    read : Out(RxSymbol)
        The symbol of a tick, in the clock after it (read domain); ``read_valid`` is
        low until the buffer first fills to half, and while it refills after an
        underflow.
    deleted, overflow : Out(1)
        One-clock events in the write domain.
    inserted, underflow : Out(1)
        One-clock events in the read domain, with the symbol they concern.
    """

    def __init__(self, depth: int = 32, write_domain: str = "rx", read_domain: str = "sync"):
        if depth < 16 or depth & (depth - 1):
            raise ValueError(f"depth must be a power of two of at least 16, not {depth!r}")
        self._depth = depth
        self._write_domain, self._read_domain = write_domain, read_domain
        super().__init__({
            "write_valid": In(1), "write": In(RxSymbol),
            "tick": In(1), "read_valid": Out(1), "read": Out(RxSymbol),
            "deleted": Out(1), "overflow": Out(1),
            "inserted": Out(1), "underflow": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        half = self._depth // 2
        on_write, on_read = m.d[self._write_domain], m.d[self._read_domain]
        m.submodules.fifo = fifo = AsyncFIFO(width=RxSymbol.size, depth=self._depth,
                                             w_domain=self._write_domain,
                                             r_domain=self._read_domain)

        # Write side: drop a removable comma while fuller than half.
        last_written_comma = Signal()
        removable = _is_comma(self.write) & last_written_comma
        m.d.comb += fifo.w_data.eq(self.write)
        with m.If(self.write_valid):
            with m.If(removable & (fifo.w_level > half + LEVEL_LAG)):
                m.d.comb += self.deleted.eq(1)
            with m.Elif(~fifo.w_rdy):
                m.d.comb += self.overflow.eq(1)
            with m.Else():
                m.d.comb += fifo.w_en.eq(1)
                on_write += last_written_comma.eq(_is_comma(self.write))

        # Read side: start at half full; repeat a comma while emptier than half. The
        # outputs are registered (a clock of latency): the FIFO's level compare and the
        # choice between repeat, read and underflow would otherwise run on into the
        # deframer and the link layer in the same clock (docs/timing.md).
        started = Signal()
        last_read = Signal(RxSymbol)
        repeated = Signal()   # the last symbol handed out was a repeat
        head = data.View(RxSymbol, fifo.r_data)
        # The level's compares are registers as well: from the FIFO's synchronized
        # pointer through its level subtract, they were in series with the read. The
        # level they give trails the true one by the synchronizer's two clocks and this
        # one, within LEVEL_LAG on the 10-bit lane (a symbol a clock) and less on the
        # serial one.
        half_full, below_band = Signal(), Signal()
        on_read += [half_full.eq(fifo.r_level >= half),
                    below_band.eq(fifo.r_level < half - LEVEL_LAG)]
        on_read += [self.read_valid.eq(0), self.inserted.eq(0), self.underflow.eq(0)]
        with m.If(~started):
            on_read += started.eq(half_full)
        with m.Elif(self.tick):
            with m.If(_is_comma(last_read) & ~repeated & below_band):
                on_read += [self.read_valid.eq(1), self.read.eq(last_read),
                            self.inserted.eq(1), repeated.eq(1)]
            with m.Elif(fifo.r_rdy):
                m.d.comb += fifo.r_en.eq(1)
                on_read += [self.read_valid.eq(1), self.read.eq(head),
                            last_read.eq(head), repeated.eq(0)]
                with m.If(~head.in_sync):
                    on_read += started.eq(0)   # the line went out of sync: refill
            with m.Else():
                on_read += [self.read_valid.eq(1), self.read.eq(0), self.read.invalid.eq(1),
                            self.read.in_sync.eq(last_read.in_sync), self.underflow.eq(1),
                            started.eq(0), last_read.eq(0)]
        return m
