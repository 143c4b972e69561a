"""8b/10b decoder: one code word, combinational, with code-violation and disparity checks."""

from amaranth import Cat, Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from hdl.phy.subblocks_8b10b import (
    A7_4B_RD_MINUS, A7_AFTER_RD_MINUS, A7_AFTER_RD_PLUS, CONTROL_4B_RD_MINUS,
    DATA_4B_RD_MINUS, DATA_6B_RD_MINUS, K28_6B_RD_MINUS, K7_X_VALUES,
    has_complement_pair, is_unbalanced, rom, wire,
)

__all__ = ["Decoder8b10b"]


def _inverse(words_rd_minus, width):
    """Reverse map of a sub-block table: word -> (value, valid at RD−, valid at RD+)."""
    mask = (1 << width) - 1
    inverse = {}
    for value, word in enumerate(words_rd_minus):
        plus = word ^ mask if has_complement_pair(word, width) else word
        for rd, w in ((0, word), (1, plus)):
            entry = inverse.setdefault(w, [value, False, False])
            assert entry[0] == value, f"sub-block word {w:0{width}b} decodes two ways"
            entry[1 + rd] = True
    return inverse


def _columns(inverse, size):
    """ROM contents (value, valid at RD−, valid at RD+) for every possible word."""
    rows = [inverse.get(w, [0, False, False]) for w in range(size)]
    return ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


class Decoder8b10b(wiring.Component):
    """Combinational 8b/10b decoder.

    A code word is *valid at RD r* when the encoder, starting from running disparity
    ``r``, produces it for some symbol. The decoder reports:

    * ``code_error`` — the word is valid at neither RD;
    * ``disparity_error`` — valid, but only at the RD opposite to ``rd_in``.

    ``rd_out`` is the disparity after the word as the sender must have had it: from
    ``rd_in`` for a good word, from the other RD after a disparity error, and unchanged
    (``rd_in``) after a code error. ``data`` and ``k`` are 0-filled don't-cares on a code
    error.

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

        six = self.code[4:10]
        four = self.code[0:4]

        k28_six_words = (K28_6B_RD_MINUS, K28_6B_RD_MINUS ^ 0b111111)
        six_inverse = _inverse(DATA_6B_RD_MINUS, 6)
        assert not set(k28_six_words) & set(six_inverse), "K.28 6b word is a data word"
        x_values, ok_minus, ok_plus = _columns(six_inverse, 64)
        # whether a word is unbalanced (flips the disparity) is a table column, not a
        # count of its ones: the disparity is on the decoder's longest path
        six_table = rom(m, "six_table", six,
                        x=(5, x_values), ok_minus=(1, ok_minus), ok_plus=(1, ok_plus),
                        unbalanced=(1, [is_unbalanced(w, 6) for w in range(64)]))
        k28 = wire(m, "k28", six.matches(*k28_six_words))
        x = wire(m, "x", Mux(k28, 28, six_table.x))
        six_ok = [six_table.ok_minus | (six == k28_six_words[0]),
                  six_table.ok_plus | (six == k28_six_words[1])]
        six_unbalanced = wire(m, "six_unbalanced", six_table.unbalanced)

        # A K.28 word at RD+ is the complement of the one at RD−: fold both onto the
        # RD− form (6b word 001111, after which the 4b word comes from the RD+ column).
        k28_four = Mux(six == k28_six_words[0], four, ~four)
        k28_words = {w ^ 0b1111: y for y, w in enumerate(CONTROL_4B_RD_MINUS)}
        data_y, data_ok_minus, data_ok_plus = _columns(_inverse(DATA_4B_RD_MINUS, 4), 16)
        data_four = rom(m, "four_table", four,
                        y=(3, data_y), ok_minus=(1, data_ok_minus), ok_plus=(1, data_ok_plus),
                        unbalanced=(1, [is_unbalanced(w, 4) for w in range(16)]))
        four_unbalanced = wire(m, "four_unbalanced", data_four.unbalanced)
        k28_four_table = rom(m, "k28_four_table", k28_four,
                             y=(3, [k28_words.get(w, 0) for w in range(16)]),
                             ok=(1, [w in k28_words for w in range(16)]))
        data_four_ok = [data_four.ok_minus, data_four.ok_plus]
        a7_word = wire(m, "a7_word", four.matches(A7_4B_RD_MINUS, A7_4B_RD_MINUS ^ 0b1111))
        k7 = wire(m, "k7", x.matches(*K7_X_VALUES))
        p7_word = wire(m, "p7_word", data_four.y == 7)  # 7 only for the primary P7 words

        # Whether the whole word is valid when the sender started at RD r, for both r.
        valid_at = []
        rd_after = []
        for r, column in ((0, "minus"), (1, "plus")):
            rd_mid = wire(m, f"rd_mid_{column}", six_unbalanced ^ r)
            a7_here = four == Mux(rd_mid, A7_4B_RD_MINUS ^ 0b1111, A7_4B_RD_MINUS)
            a7_due = Mux(rd_mid, x.matches(*A7_AFTER_RD_PLUS), x.matches(*A7_AFTER_RD_MINUS))
            four_ok = Mux(
                k28,
                k28_four_table.ok,
                (Mux(rd_mid, data_four_ok[1], data_four_ok[0]) & ~(p7_word & a7_due))
                | (a7_here & (a7_due | k7)),
            )
            valid_at.append(wire(m, f"valid_at_rd_{column}", six_ok[r] & four_ok))
            rd_after.append(wire(m, f"rd_after_{column}", rd_mid ^ four_unbalanced))

        valid_here = wire(m, "valid_here", Mux(self.rd_in, valid_at[1], valid_at[0]))
        valid_there = wire(m, "valid_there", Mux(self.rd_in, valid_at[0], valid_at[1]))
        y = Mux(k28, k28_four_table.y, Mux(a7_word, 7, data_four.y))
        m.d.comb += [
            self.code_error.eq(~valid_here & ~valid_there),
            self.disparity_error.eq(~valid_here & valid_there),
            self.k.eq((k28 | (a7_word & k7)) & (valid_here | valid_there)),
            self.data.eq(Mux(valid_here | valid_there, Cat(x, y), 0)),
            self.rd_out.eq(Mux(valid_here, Mux(self.rd_in, rd_after[1], rd_after[0]),
                               Mux(valid_there, Mux(self.rd_in, rd_after[0], rd_after[1]),
                                   self.rd_in))),
        ]
        return m
