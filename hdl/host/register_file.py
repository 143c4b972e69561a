"""The register file, generated from the declaration in :mod:`msl_spec`."""

import operator
from functools import reduce

from amaranth import Cat, Module, Signal, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from msl_spec import REGISTER_MAP, Access, RegisterMap
from hdl.host.register_bus import READ_LATENCY, RegisterBusSignature

__all__ = ["RegisterFile", "register_layout"]


def register_layout(register) -> data.FlexibleLayout:
    """A 32-bit layout with the register's fields at their declared bits."""
    return data.FlexibleLayout(32, {f.name: data.Field(unsigned(f.width), f.offset)
                                    for f in register.fields})


def _mask(register, accesses) -> int:
    return sum(f.mask for f in register.fields if f.access in accesses)


class RegisterFile(wiring.Component):
    """Every register of a :class:`~msl_spec.RegisterMap`, on the register bus.

    The file stores the RW fields (with their reset values) and nothing else; the rest
    belongs to the blocks that own the state. For each register ``R`` there is a port
    ``r`` (lower-case name) with:

    * ``value`` (in): what reads return for RO, W1C and W1S fields;
    * ``fields`` (out): the stored RW fields (other fields read 0);
    * ``written`` (out): a one-clock strobe the clock after software writes the register;
    * ``data`` (out): the written value, bytes outside the write strobes as 0, valid
      with ``written``. For W1C, W1S and CMD fields the owner acts on it (clear the 1
      bits, set them, run the command).

    ``written`` and ``data`` are registers: with the bus decode and the owner's logic
    (a sequence window check, say) in one clock, that path set the adapter's Fmax. The
    clock's delay is hidden from software by :class:`~hdl.host.axi_lite.AxiLiteSlave`, which
    answers a write only after it. RW fields are stored at once.

    CMD fields read as 0. Writes to RO fields are ignored.

    Parameters
    ----------
    params : dict
        Build parameters, for RW reset values given as :class:`~msl_spec.Param`.
    register_map : RegisterMap

    Members
    -------
    bus : In(RegisterBusSignature)
        ``error`` answers for addresses holding no register.
    """

    def __init__(self, params: dict, register_map: RegisterMap = REGISTER_MAP):
        self._map = register_map
        self._params = params
        ports = {}
        for register in register_map:
            layout = register_layout(register)
            ports[register.name.lower()] = Out(wiring.Signature({
                "value": In(layout),
                "fields": Out(layout, init=self._rw_reset(register)),
                "written": Out(1),
                "data": Out(layout),
            }))
        super().__init__({"bus": In(RegisterBusSignature(register_map.address_width)),
                          **ports})

    def _rw_reset(self, register) -> dict:
        """Reset values of the RW fields (the ones stored here)."""
        return {f.name: f.reset_for(self._params) for f in register.fields
                if f.access is Access.RW}

    def port(self, name: str):
        """The port of register ``name`` (as declared, e.g. ``"TX_POST"``)."""
        return getattr(self, name.lower())

    def elaborate(self, platform):
        m = Module()
        bus = self.bus
        byte_mask = Cat(bit.replicate(8) for bit in bus.wstrb)
        word = bus.addr[2:]
        rdata = Signal(32)
        m.d.comb += [bus.rdata.eq(rdata), bus.error.eq(1)]
        written_data = Signal(32)  # shared by every port: one register, not one per port
        m.d.sync += written_data.eq(bus.wdata & byte_mask)
        for register in self._map:
            port = self.port(register.name)
            m.d.sync += port.written.eq(0)
            m.d.comb += port.data.eq(written_data)

        # Reads in two clocks (READ_LATENCY): the address is decoded into one select per
        # register, registered; the next clock ORs every register's value gated by its
        # select. With the selects one-hot that is an AND-OR tree, about log4 of the
        # register count deep; a multiplexer indexed by the registered word number was
        # nine levels, the sync domain's longest path.
        assert READ_LATENCY == 2
        reading = Signal()
        m.d.sync += reading.eq(bus.read)
        terms = []
        for register in self._map:
            port = self.port(register.name)
            selected = Signal(name=f"read_{register.name.lower()}")
            m.d.sync += selected.eq(word == register.address >> 2)
            rw = _mask(register, {Access.RW})
            hardware = _mask(register, {Access.RO, Access.W1C, Access.W1S})
            terms.append(selected.replicate(32) & ((port.fields.as_value() & rw)
                                                  | (port.value.as_value() & hardware)))
        with m.If(reading):
            m.d.sync += rdata.eq(reduce(operator.or_, terms))
        with m.Switch(word):
            for register in self._map:
                port = self.port(register.name)
                rw = _mask(register, {Access.RW})
                with m.Case(register.address >> 2):
                    m.d.comb += bus.error.eq(0)
                    with m.If(bus.write):
                        m.d.sync += port.written.eq(1)
                        if rw:
                            stored = port.fields.as_value()
                            keep = ~(byte_mask & rw) & 0xFFFFFFFF
                            m.d.sync += stored.eq((stored & keep)
                                                  | (bus.wdata & byte_mask & rw))
        return m
