"""The frame every property set's harness is built in: one clock, no reset, the block's
inputs free (``AnySeq``) but for what the harness assumes."""

from amaranth import ClockDomain, ClockSignal, Elaboratable, Module, ResetSignal, Signal

__all__ = ["FormalHarness"]


class FormalHarness(Elaboratable):
    """Base of a property set's harness.

    The ``sync`` domain is clocked by :attr:`clk`, the harness's only port (without
    ``multiclock`` SymbiYosys steps every flip-flop once per step, whatever the clock
    does). The domain's reset is held low: every register starts from its ``init``
    value in the first step, as after a reset, and the proof covers whatever comes
    after it. Subclasses build the block, its environment and the properties in
    :meth:`check`.

    Parameters
    ----------
    mutation : str or None
        The name of a deliberate design mutation (a key of the subclass's
        :attr:`MUTATIONS`), or ``None`` for the real design.

    Members
    -------
    clk : Signal
        The clock (a port of the converted design).

    Raises
    ------
    ValueError
        If ``mutation`` is not one of the subclass's mutations.
    """

    #: Mutation name -> what it breaks, in one line (overridden by each harness).
    MUTATIONS: dict[str, str] = {}

    def __init__(self, mutation: str | None = None):
        if mutation is not None and mutation not in self.MUTATIONS:
            known = ", ".join(sorted(self.MUTATIONS)) or "none"
            raise ValueError(f"unknown mutation {mutation!r} of {type(self).__name__} "
                             f"(known: {known})")
        self.mutation = mutation
        self.clk = Signal()

    def ports(self):
        """The converted design's ports."""
        return [self.clk]

    def elaborate(self, platform):
        m = Module()
        m.domains.sync = ClockDomain("sync")
        m.d.comb += [ClockSignal("sync").eq(self.clk), ResetSignal("sync").eq(0)]
        self.check(m)
        return m

    def check(self, m: Module) -> None:
        """Add the block under test, its assumptions, assertions and covers to ``m``."""
        raise NotImplementedError
