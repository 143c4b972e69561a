"""Interrupt controller: raw, pending and enable per cause, one level-sensitive irq."""

from amaranth import Module, Signal
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from msl_spec import INTERRUPT_CAUSES

__all__ = ["InterruptCauses", "InterruptController"]

#: One bit per cause of :data:`msl_spec.INTERRUPT_CAUSES`, in the same order.
InterruptCauses = data.StructLayout({name.lower(): 1 for name, _ in INTERRUPT_CAUSES})


class InterruptController(wiring.Component):
    """``raw`` latches every cause's events; ``pending = raw & enable``; ``irq`` is
    high while any cause is pending (a level, for a shareable interrupt line).

    Software sets raw bits by writing 1 to INT_RAW (to test its interrupt path) and
    clears them by writing 1 to INT_PENDING. A cause that fires in the same clock as its
    clear stays set: no event is lost.

    Members
    -------
    events : In(InterruptCauses)
        One-clock event pulses from the adapter's blocks.
    enable : In(InterruptCauses)
        INT_ENABLE.
    set, clear : In(InterruptCauses)
        Bits written as 1 to INT_RAW and to INT_PENDING (one clock).
    raw, pending : Out(InterruptCauses)
    irq : Out(1)
    """

    events: In(InterruptCauses)
    enable: In(InterruptCauses)
    set: In(InterruptCauses)
    clear: In(InterruptCauses)
    raw: Out(InterruptCauses)
    pending: Out(InterruptCauses)
    irq: Out(1)

    def elaborate(self, platform):
        m = Module()
        raw = self.raw.as_value()
        next_raw = (raw & ~self.clear.as_value()) | self.events.as_value() | self.set.as_value()
        m.d.sync += raw.eq(next_raw)
        pending = Signal.like(raw)
        m.d.comb += [
            pending.eq(raw & self.enable.as_value()),
            self.pending.eq(pending),
            self.irq.eq(pending.any()),
        ]
        return m
