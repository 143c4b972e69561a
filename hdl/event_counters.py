"""A bank of named 32-bit event counters."""

from amaranth import Module
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["EventCounters"]


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
        names = list(names)
        if len(set(names)) != len(names):
            raise ValueError("counter names must be unique")
        self._names = names
        super().__init__({
            "events": In(data.StructLayout({name: 1 for name in names})),
            "clear": In(1),
            "counts": Out(data.StructLayout({name: 32 for name in names})),
        })

    def elaborate(self, platform):
        m = Module()
        for name in self._names:
            counter, event = getattr(self.counts, name), getattr(self.events, name)
            with m.If(self.clear):
                m.d.sync += counter.eq(0)
            with m.Elif(event):
                m.d.sync += counter.eq(counter + 1)
        return m
