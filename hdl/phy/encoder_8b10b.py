"""8b/10b encoder: one symbol, combinational, running disparity in and out."""

from amaranth import Cat, Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.phy.subblocks_8b10b import (
    A7_4B_RD_MINUS, A7_AFTER_RD_MINUS, A7_AFTER_RD_PLUS, CONTROL_4B_RD_MINUS,
    DATA_4B_RD_MINUS, DATA_6B_RD_MINUS, K28_6B_RD_MINUS, K7_X_VALUES,
    has_complement_pair, is_unbalanced, rom, wire,
)

__all__ = ["Encoder8b10b"]


class Encoder8b10b(wiring.Component):
    """Combinational 8b/10b encoder (the IBM / Widmer–Franaszek code).

    Running disparity is ``0`` for RD− and ``1`` for RD+. To encode a stream, register
    ``rd_out`` and feed it back into ``rd_in``. Bit 9 of ``code`` is ``a`` (sent first).

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

        x = self.data[0:5]
        y = self.data[5:8]
        k28 = wire(m, "k28", x == 28)
        k7 = wire(m, "k7", (y == 7) & x.matches(*K7_X_VALUES))
        control = wire(m, "control", self.k & (k28 | k7))
        m.d.comb += self.invalid_k.eq(self.k & ~(k28 | k7))

        # 5b/6b: the RD− word, complemented at RD+ where the word has a complement pair.
        # Whether a word flips the running disparity (it is unbalanced) is a column of the
        # table, not a count of its ones: the disparity chain through both sub-blocks is
        # the encoder's longest path (docs/timing.md).
        data_six = rom(m, "six_table", x,
                       word=(6, DATA_6B_RD_MINUS),
                       paired=(1, [has_complement_pair(w, 6) for w in DATA_6B_RD_MINUS]),
                       flips=(1, [is_unbalanced(w, 6) for w in DATA_6B_RD_MINUS]))
        control_k28 = wire(m, "control_k28", control & k28)
        six_minus = wire(m, "six_minus", Mux(control_k28, K28_6B_RD_MINUS, data_six.word))
        six = Mux(self.rd_in & (control_k28 | data_six.paired), ~six_minus, six_minus)
        six_flips = Mux(control_k28, is_unbalanced(K28_6B_RD_MINUS, 6), data_six.flips)
        rd_mid = wire(m, "rd_mid", self.rd_in ^ six_flips)

        # 3b/4b, chosen with the disparity the 6b word left behind. A7 replaces P7 where
        # P7 would make a run of five equal bits across the sub-block boundary.
        use_a7 = wire(m, "use_a7", ~control & (y == 7) & Mux(rd_mid, x.matches(*A7_AFTER_RD_PLUS),
                                           x.matches(*A7_AFTER_RD_MINUS)))
        four_table = rom(m, "four_table", y,
                         data=(4, DATA_4B_RD_MINUS),
                         data_paired=(1, [has_complement_pair(w, 4) for w in DATA_4B_RD_MINUS]),
                         data_flips=(1, [is_unbalanced(w, 4) for w in DATA_4B_RD_MINUS]),
                         control=(4, CONTROL_4B_RD_MINUS),
                         control_flips=(1, [is_unbalanced(w, 4) for w in CONTROL_4B_RD_MINUS]))
        four_minus = wire(m, "four_minus", Mux(control, four_table.control,
                                               Mux(use_a7, A7_4B_RD_MINUS, four_table.data)))
        four_paired = control | use_a7 | four_table.data_paired  # control words always pair
        four = Mux(rd_mid & four_paired, ~four_minus, four_minus)
        four_flips = Mux(control, four_table.control_flips,
                         Mux(use_a7, is_unbalanced(A7_4B_RD_MINUS, 4), four_table.data_flips))

        m.d.comb += [
            self.code.eq(Cat(four, six)),
            self.rd_out.eq(rd_mid ^ four_flips),
        ]
        return m
