"""A small random number generator for test equipment in RTL (fault and stall injection)."""

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["XorShift32"]

_GOLDEN = 0x9E3779B9  # spreads one seed into distinct generator states


class XorShift32(wiring.Component):
    """Marsaglia's xorshift32 (13, 17, 5): full period over the non-zero states.

    Written with slices and named stages: the shift-expression form makes Icarus
    several times slower.

    Parameters
    ----------
    seed : Value
        Loaded (mixed with ``salt``) while ``reseed`` is high.
    salt : int
        Gives generators that share a seed distinct streams.

    Members
    -------
    reseed : In(1)
    step : In(1)
        Advance to the next value.
    value : Out(32)
        Never 0.
    """

    def __init__(self, seed, salt: int):
        self._seed = seed
        self._salt = (_GOLDEN * salt) & 0xFFFFFFFF or 1
        super().__init__({
            "reseed": In(1),
            "step": In(1),
            "value": Out(32, init=self._salt),  # never 0: xorshift would stay there
        })

    def elaborate(self, platform):
        m = Module()
        x = self.value
        a, b, c = Signal(32), Signal(32), Signal(32)
        m.d.comb += [
            a.eq(x ^ Cat(Const(0, 13), x[:19])),
            b.eq(a ^ a[17:]),
            c.eq(b ^ Cat(Const(0, 5), b[:27])),
        ]
        seeded = self._seed ^ self._salt
        with m.If(self.reseed):
            m.d.sync += x.eq(Mux(seeded == 0, 1, seeded))
        with m.Elif(self.step):
            m.d.sync += x.eq(c)
        return m
