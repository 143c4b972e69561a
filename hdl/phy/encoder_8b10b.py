"""8b/10b encoder: one symbol, combinational (one table lookup), running disparity in and
out."""

from amaranth import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.phy.subblocks_8b10b import rom
from hdl.phy.symbol_tables_8b10b import encoder_columns

__all__ = ["Encoder8b10b"]


class Encoder8b10b(wiring.Component):
    """Combinational 8b/10b encoder (the IBM / Widmer–Franaszek code).

    Running disparity is ``0`` for RD− and ``1`` for RD+. To encode a stream, register
    ``rd_out`` and feed it back into ``rd_in``. Bit 9 of ``code`` is ``a`` (sent first).
    The outputs are one ROM read indexed by ``Cat(data, k, rd_in)``
    (:func:`hdl.phy.symbol_tables_8b10b.encoder_columns`).

    Members
    -------
    data : In(8)
        ``HGFEDCBA``.
    k : In(1)
        Send a control code: K.28.0–K.28.7, K.23.7, K.27.7, K.29.7 or K.30.7.
    rd_in : In(1)
        Running disparity before this symbol.
    code : Out(10)
        ``abcdeifghj``.
    rd_out : Out(1)
        Running disparity after this symbol.
    invalid_k : Out(1)
        ``k`` was set for a byte that is no control code; ``code`` is then the byte's
        data code.
    """

    data: In(8)
    k: In(1)
    rd_in: In(1)
    code: Out(10)
    rd_out: Out(1)
    invalid_k: Out(1)

    def elaborate(self, platform):
        m = Module()
        table = rom(m, "code_table", Cat(self.data, self.k, self.rd_in), **encoder_columns())
        m.d.comb += [
            self.code.eq(table.code),
            self.rd_out.eq(table.rd_out),
            self.invalid_k.eq(table.invalid_k),
        ]
        return m
