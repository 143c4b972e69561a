"""Symbol synchronisation: when to trust an alignment and when to give it up."""

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from msl_spec import ACQUIRE_COMMAS, ERROR_LIMIT, GOOD_RUN

__all__ = ["SymbolSync"]


class SymbolSync(wiring.Component):
    """Acquire and lose symbol synchronisation from decoded symbols.

    Modelled on IEEE 802.3 clause 36 synchronisation, simplified for a link with one
    clock at both ends:

    * acquiring: after the aligner locks on a comma, ``acquire_commas`` commas in total
      at that alignment with no invalid symbol between them give sync; any invalid symbol
      sends the aligner back to searching;
    * in sync: each invalid symbol (code or disparity error) costs one credit, each run
      of ``good_run`` valid symbols wins one back; after ``error_limit`` unreturned
      invalid symbols sync is lost and the aligner searches again.

    Parameters
    ----------
    acquire_commas, error_limit, good_run : int

    Members
    -------
    valid, first, comma, invalid : In(1)
        A symbol from the aligner/decoder: it is the aligning comma (``first``), a K28.5
        (``comma``), or an invalid code word (``invalid``).
    in_sync : Out(1)
    relock : Out(1)
        To :class:`hdl.phy.symbol_aligner.SymbolAligner`: search for a comma again.
    acquired, lost : Out(1)
        One-clock events.
    """

    valid: In(1)
    first: In(1)
    comma: In(1)
    invalid: In(1)
    in_sync: Out(1)
    relock: Out(1)
    acquired: Out(1)
    lost: Out(1)

    def __init__(self, acquire_commas: int = ACQUIRE_COMMAS, error_limit: int = ERROR_LIMIT,
                 good_run: int = GOOD_RUN):
        for name, value in (("acquire_commas", acquire_commas), ("error_limit", error_limit),
                            ("good_run", good_run)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        self._acquire_commas = acquire_commas
        self._error_limit = error_limit
        self._good_run = good_run
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        commas = Signal(range(self._acquire_commas + 1))
        errors = Signal(range(self._error_limit + 1))
        run = Signal(range(self._good_run))

        with m.FSM(name="sync"):
            with m.State("SEARCH"):
                with m.If(self.valid & self.first):
                    m.d.sync += commas.eq(1)
                    if self._acquire_commas == 1:
                        m.d.comb += self.acquired.eq(1)
                        m.d.sync += [errors.eq(0), run.eq(0)]
                        m.next = "IN_SYNC"
                    else:
                        m.next = "ACQUIRE"
            with m.State("ACQUIRE"):
                with m.If(self.valid & self.invalid):
                    m.d.comb += self.relock.eq(1)
                    m.next = "SEARCH"
                with m.Elif(self.valid & self.comma):
                    m.d.sync += commas.eq(commas + 1)
                    with m.If(commas + 1 == self._acquire_commas):
                        m.d.comb += self.acquired.eq(1)
                        m.d.sync += [errors.eq(0), run.eq(0)]
                        m.next = "IN_SYNC"
            with m.State("IN_SYNC"):
                m.d.comb += self.in_sync.eq(1)
                with m.If(self.valid & self.invalid):
                    m.d.sync += [errors.eq(errors + 1), run.eq(0)]
                    with m.If(errors + 1 == self._error_limit):
                        m.d.comb += [self.lost.eq(1), self.relock.eq(1)]
                        m.next = "SEARCH"
                with m.Elif(self.valid):
                    m.d.sync += run.eq(run + 1)
                    with m.If(run == self._good_run - 1):
                        m.d.sync += run.eq(0)
                        with m.If(errors != 0):
                            m.d.sync += errors.eq(errors - 1)
        return m
