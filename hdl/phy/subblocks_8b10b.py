"""The 8b/10b sub-block code tables the encoder and decoder are built from.

Only the RD− column is stored; the RD+ word is the complement for unbalanced words and for
the two balanced words that the standard pairs with their complements (D.07 in 5b/6b,
D.x.3 in 3b/4b). Every control 3b/4b word pairs with its complement.
"""

from amaranth import Shape, Signal
from amaranth.lib import data
from amaranth.lib.memory import Memory

__all__ = [
    "DATA_6B_RD_MINUS", "K28_6B_RD_MINUS", "DATA_4B_RD_MINUS", "CONTROL_4B_RD_MINUS",
    "A7_4B_RD_MINUS", "A7_AFTER_RD_MINUS", "A7_AFTER_RD_PLUS", "K7_X_VALUES",
    "is_unbalanced", "has_complement_pair", "rom", "wire",
]

#: 5b/6b, RD− column, indexed by EDCBA; each entry is ``abcdei``.
DATA_6B_RD_MINUS = (
    0b100111, 0b011101, 0b101101, 0b110001, 0b110101, 0b101001, 0b011001, 0b111000,
    0b111001, 0b100101, 0b010101, 0b110100, 0b001101, 0b101100, 0b011100, 0b010111,
    0b011011, 0b100011, 0b010011, 0b110010, 0b001011, 0b101010, 0b011010, 0b111010,
    0b110011, 0b100110, 0b010110, 0b110110, 0b001110, 0b101110, 0b011110, 0b101011,
)
#: 5b/6b word of K.28, RD− column.
K28_6B_RD_MINUS = 0b001111

#: 3b/4b for data, RD− column, indexed by HGF (entry 7 is the primary P7); ``fghj``.
DATA_4B_RD_MINUS = (0b1011, 0b1001, 0b0101, 0b1100, 0b1101, 0b1010, 0b0110, 0b1110)
#: 3b/4b for control codes, RD− column, indexed by HGF.
CONTROL_4B_RD_MINUS = (0b1011, 0b0110, 0b1010, 0b1100, 0b1101, 0b0101, 0b1001, 0b0111)
#: The alternate D.x.A7 word, RD− column (the same as control y = 7).
A7_4B_RD_MINUS = 0b0111
#: x values that take A7 instead of P7, by the disparity left by the 6b sub-block.
A7_AFTER_RD_MINUS = (17, 18, 20)
A7_AFTER_RD_PLUS = (11, 13, 14)
#: x values of the K.x.7 control codes other than K.28.7.
K7_X_VALUES = (23, 27, 29, 30)


def is_unbalanced(word: int, width: int) -> bool:
    """True when the word has more ones than zeros or the reverse."""
    return 2 * bin(word).count("1") != width


#: Balanced RD− words whose RD+ word is nevertheless their complement: D.07 and D.x.3.
_BALANCED_PAIRS = {6: (0b111000,), 4: (0b1100,)}


def has_complement_pair(word: int, width: int) -> bool:
    """True when the RD+ column holds the complement of this RD− word."""
    return is_unbalanced(word, width) or word in _BALANCED_PAIRS[width]


def rom(m, name: str, index, **columns):
    """A combinational ROM: ``columns`` maps a field name to ``(width, values)``.

    All columns share one table indexed by ``index`` (entries past a column's values are
    0); the result is a view with one field per column.
    """
    layout = data.StructLayout({field: width for field, (width, _) in columns.items()})
    depth = 1 << len(index)
    init = [{field: int(values[i]) if i < len(values) else 0
             for field, (_, values) in columns.items()} for i in range(depth)]
    m.submodules[name] = table = Memory(shape=layout, depth=depth, init=init)
    port = table.read_port(domain="comb")
    m.d.comb += port.addr.eq(index)
    return port.data


def wire(m, name: str, value) -> Signal:
    """Bind ``value`` to a named combinational signal.

    An expression used in several places is otherwise rebuilt at every use in the
    generated netlist; a signal is computed once (and shows up by name in waveforms).
    """
    signal = Signal(Shape.cast(value.shape()), name=name)
    m.d.comb += signal.eq(value)
    return signal
