"""8b/10b decoder: one code word, combinational (one table lookup), with code-violation
and disparity checks."""

from amaranth import Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.phy.subblocks_8b10b import rom, wire
from hdl.phy.symbol_tables_8b10b import decoder_columns

__all__ = ["Decoder8b10b"]


class Decoder8b10b(wiring.Component):
    """Combinational 8b/10b decoder.

    A code word is *valid at RD r* when the encoder, starting from running disparity
    ``r``, produces it for some symbol. The decoder reports:

    * ``code_error`` — the word is valid at neither RD;
    * ``disparity_error`` — valid, but only at the RD opposite to ``rd_in``.

    ``rd_out`` is the disparity after the word as the sender must have had it: from
    ``rd_in`` for a good word, from the other RD after a disparity error, and unchanged
    (``rd_in``) after a code error. ``data`` and ``k`` are 0-filled don't-cares on a code
    error. The word's symbol, and for each RD whether the word is valid there and the RD
    after it, are one ROM read indexed by the word
    (:func:`hdl.phy.symbol_tables_8b10b.decoder_columns`); only the choice by ``rd_in``
    is logic.

    Members
    -------
    code : In(10)
        ``abcdeifghj`` (bit 9 = ``a``).
    rd_in : In(1)
        Running disparity before the word (``0`` = RD−).
    data : Out(8)
    k : Out(1)
    code_error : Out(1)
    disparity_error : Out(1)
    rd_out : Out(1)
    """

    code: In(10)
    rd_in: In(1)
    data: Out(8)
    k: Out(1)
    code_error: Out(1)
    disparity_error: Out(1)
    rd_out: Out(1)

    def elaborate(self, platform):
        m = Module()
        table = rom(m, "symbol_table", self.code, **decoder_columns())
        valid_here = wire(m, "valid_here", Mux(self.rd_in, table.valid_plus, table.valid_minus))
        valid_there = wire(m, "valid_there",
                           Mux(self.rd_in, table.valid_minus, table.valid_plus))
        m.d.comb += [
            self.code_error.eq(~valid_here & ~valid_there),
            self.disparity_error.eq(~valid_here & valid_there),
            self.k.eq(table.k),
            self.data.eq(table.data),
            self.rd_out.eq(Mux(valid_here, Mux(self.rd_in, table.after_plus, table.after_minus),
                               Mux(valid_there, Mux(self.rd_in, table.after_minus,
                                                    table.after_plus), self.rd_in))),
        ]
        return m
