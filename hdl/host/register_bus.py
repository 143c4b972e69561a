"""The adapter's internal register bus, and its decoder onto registers and buffer windows."""

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["READ_LATENCY", "RegisterBusSignature", "BusDecoder"]

#: Clocks from a ``read`` request to its data on ``rdata``. Two, so that a target's read
#: multiplexer starts from registers (the register file's, over every register, was the
#: ``sync`` domain's longest path with the address decode in the same clock).
READ_LATENCY = 2


def RegisterBusSignature(address_width: int = 16) -> wiring.Signature:
    """One access at a time, as the bus master sees it.

    ``read`` or ``write`` is a one-clock request at ``addr`` (a byte address, 4-byte
    aligned). ``error`` answers in the same clock: nothing is mapped there. Read data
    arrives in ``rdata`` :data:`READ_LATENCY` clocks after ``read`` and stays there
    until the next read.
    """
    return wiring.Signature({
        "addr": Out(address_width),
        "read": Out(1),
        "write": Out(1),
        "wdata": Out(32),
        "wstrb": Out(4),
        "rdata": In(32),
        "error": In(1),
    })


class BusDecoder(wiring.Component):
    """Routes the bus to one of several targets by address range.

    Parameters
    ----------
    targets : list of (name, base, size)
        Non-overlapping byte ranges. Target ``name`` gets the bus with addresses made
        relative to ``base``; accesses outside every range answer ``error``.
    address_width : int

    Members
    -------
    bus : In(RegisterBusSignature)
    <name> : Out(RegisterBusSignature), one per target
    """

    def __init__(self, targets, address_width: int = 16):
        self._targets = list(targets)
        self._width = address_width
        for name, base, size in self._targets:
            if size <= 0 or base % 4 or size % 4:
                raise ValueError(f"target {name}: base and size must be positive multiples "
                                 f"of 4, not {base:#x}, {size:#x}")
        super().__init__({
            "bus": In(RegisterBusSignature(address_width)),
            **{name: Out(RegisterBusSignature(address_width))
               for name, _, _ in self._targets},
        })

    def elaborate(self, platform):
        m = Module()
        bus = self.bus
        selected_last = Signal(range(len(self._targets) + 1))  # which target was read
        m.d.comb += bus.error.eq(1)
        with m.If(bus.read):
            # Outside every range rdata reads 0. A target's own error (a hole in the
            # register file) is left out here: it is the decode's longest path, and the
            # register file reads 0 there itself.
            m.d.sync += selected_last.eq(0)
        for index, (name, base, size) in enumerate(self._targets):
            target = getattr(self, name)
            hit = Signal(name=f"{name}_hit")
            m.d.comb += hit.eq((bus.addr < base + size) if base == 0 else
                               (bus.addr >= base) & (bus.addr < base + size))
            m.d.comb += [
                target.addr.eq(bus.addr - base),
                target.wdata.eq(bus.wdata),
                target.wstrb.eq(bus.wstrb),
            ]
            with m.If(hit):
                m.d.comb += [
                    target.read.eq(bus.read),
                    target.write.eq(bus.write),
                    bus.error.eq(target.error),
                ]
                with m.If(bus.read):
                    m.d.sync += selected_last.eq(index + 1)
        with m.Switch(selected_last):
            for index, (name, _, _) in enumerate(self._targets):
                with m.Case(index + 1):
                    m.d.comb += bus.rdata.eq(getattr(self, name).rdata)
        return m
