"""Banks of named 32-bit event counters: in the events' clock domain, or counted there
and read in another."""

from amaranth import Cat, Module, Signal
from amaranth.lib import data, wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

__all__ = ["EventCounters", "CrossDomainCounters"]


def _unique(names) -> list[str]:
    names = list(names)
    if len(set(names)) != len(names):
        raise ValueError("counter names must be unique")
    return names


def _bank_members(names: list[str]) -> dict:
    """A counter bank's members: an event bit and a 32-bit count per name, a clear."""
    return {"events": In(data.StructLayout({name: 1 for name in names})),
            "clear": In(1),
            "counts": Out(data.StructLayout({name: 32 for name in names}))}


class EventCounters(wiring.Component):
    """One wrapping 32-bit counter per named event.

    Parameters
    ----------
    names : sequence of str

    Members
    -------
    events : In(StructLayout of 1-bit fields)
        A counter counts every clock its event is high.
    clear : In(1)
        Zero every counter (an event in the same clock is not counted).
    counts : Out(StructLayout of 32-bit fields)
    """

    def __init__(self, names):
        self._names = _unique(names)
        super().__init__(_bank_members(self._names))

    def elaborate(self, platform):
        m = Module()
        for name in self._names:
            counter, event = getattr(self.counts, name), getattr(self.events, name)
            with m.If(self.clear):
                m.d.sync += counter.eq(0)
            with m.Elif(event):
                m.d.sync += counter.eq(counter + 1)
        return m


class CrossDomainCounters(wiring.Component):
    """One wrapping 32-bit counter per named event, counted in the events' own clock
    domain and read in another (the receive path's events, on the recovered clock, read
    by the register file).

    Each counter counts in ``source_domain`` in Gray code, so one bit changes per count;
    the reading domain takes it through an :class:`~amaranth.lib.cdc.FFSynchronizer`,
    which then always yields a value the counter held (a few clocks old), and turns it
    back into binary. ``clear`` takes the present value as the new zero, in the reading
    domain: nothing crosses back. An event may be high every source clock. A reset of
    the source domain alone leaves the counts as they are.

    Parameters
    ----------
    names : sequence of str
    source_domain, read_domain : str

    Members
    -------
    events : In(StructLayout of 1-bit fields)
        In the source domain.
    clear : In(1)
        In the reading domain (an event counted at the same time may be cleared too).
    counts : Out(StructLayout of 32-bit fields)
        In the reading domain, a few of its clocks behind the events.
    """

    def __init__(self, names, source_domain: str, read_domain: str = "sync"):
        self._names = _unique(names)
        self._source, self._read = source_domain, read_domain
        super().__init__(_bank_members(self._names))

    def elaborate(self, platform):
        m = Module()
        source, read = m.d[self._source], m.d[self._read]
        for name in self._names:
            # Reset-less: the source domain is reset whenever the transceiver loses lock
            # (its receive side restarts), and the count must survive that.
            count = Signal(32, name=f"{name}_count", reset_less=True)
            gray = Signal(32, name=f"{name}_gray", reset_less=True)
            following = (count + getattr(self.events, name))[:32]
            source += [count.eq(following), gray.eq(following ^ (following >> 1))]
            seen = Signal(32, name=f"{name}_seen")
            m.submodules[f"{name}_sync"] = FFSynchronizer(gray, seen, o_domain=self._read)
            binary = Cat(seen[bit:].xor() for bit in range(32))
            value, zero = Signal(32, name=f"{name}_value"), Signal(32, name=f"{name}_zero")
            read += value.eq(binary)
            with m.If(self.clear):
                read += zero.eq(value)
            m.d.comb += getattr(self.counts, name).eq(value - zero)
        return m
