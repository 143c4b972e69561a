"""The 8b/10b code as whole-symbol tables, composed at elaboration from the sub-block
tables of :mod:`hdl.phy.subblocks_8b10b`.

The encoder and the decoder each read one table a symbol: one ROM lookup in place of the
sub-block logic. A logic simulator (Icarus above all) pays for every net that changes, and
the line changes the codec's nets on every symbol, idle or not; a lookup changes only its
outputs. Synthesis maps each table's columns to LUTs like any other logic.
"""

from __future__ import annotations

from hdl.phy.subblocks_8b10b import (
    A7_4B_RD_MINUS, A7_AFTER_RD_MINUS, A7_AFTER_RD_PLUS, CONTROL_4B_RD_MINUS,
    DATA_4B_RD_MINUS, DATA_6B_RD_MINUS, K28_6B_RD_MINUS, K7_X_VALUES,
    has_complement_pair, is_unbalanced,
)

__all__ = ["is_control", "encode_symbol", "decoding", "encoder_columns", "decoder_columns"]


def is_control(byte: int) -> bool:
    """True when ``byte`` has a control code: K.28.y, or K.x.7 for x in 23, 27, 29, 30."""
    x, y = byte & 0x1F, byte >> 5
    return x == 28 or (y == 7 and x in K7_X_VALUES)


def encode_symbol(byte: int, k: bool, rd: int) -> tuple[int, int]:
    """The code word ``abcdeifghj`` of a symbol sent at running disparity ``rd`` (0 =
    RD−), and the running disparity after it. ``k`` for a byte with no control code
    sends the byte's data code."""
    x, y = byte & 0x1F, byte >> 5
    control = k and is_control(byte)
    k28 = control and x == 28
    # 5b/6b: the RD− word, complemented at RD+ where the word has a complement pair
    six_minus = K28_6B_RD_MINUS if k28 else DATA_6B_RD_MINUS[x]
    six = six_minus ^ 0b111111 if rd and (k28 or has_complement_pair(six_minus, 6)) \
        else six_minus
    rd_mid = rd ^ is_unbalanced(six_minus, 6)
    # 3b/4b, chosen with the disparity the 6b word left behind; A7 replaces P7 where P7
    # would make a run of five equal bits across the sub-block boundary
    use_a7 = (not control and y == 7
              and x in (A7_AFTER_RD_PLUS if rd_mid else A7_AFTER_RD_MINUS))
    four_minus = (CONTROL_4B_RD_MINUS[y] if control
                  else A7_4B_RD_MINUS if use_a7 else DATA_4B_RD_MINUS[y])
    paired = control or use_a7 or has_complement_pair(four_minus, 4)
    four = four_minus ^ 0b1111 if rd_mid and paired else four_minus
    return (six << 4) | four, rd_mid ^ is_unbalanced(four_minus, 4)


def decoding() -> dict:
    """Every code word the encoder makes: word -> {rd before: ((byte, k), rd after)}."""
    table: dict = {}
    for rd in (0, 1):
        for byte in range(256):
            for k in (False, True) if is_control(byte) else (False,):
                word, rd_after = encode_symbol(byte, k, rd)
                starts = table.setdefault(word, {})
                assert rd not in starts, f"{word:010b} is two symbols at RD {rd}"
                starts[rd] = ((byte, k), rd_after)
    for word, starts in table.items():
        assert len({symbol for symbol, _ in starts.values()}) == 1, \
            f"{word:010b} decodes two ways"
    return table


def encoder_columns() -> dict:
    """ROM columns indexed by ``Cat(data, k, rd_in)``: the word, the disparity after it
    and whether ``k`` was set for a byte with no control code."""
    code, rd_out, invalid_k = [], [], []
    for index in range(1 << 10):
        byte, k, rd = index & 0xFF, bool(index >> 8 & 1), index >> 9
        word, after = encode_symbol(byte, k, rd)
        code.append(word)
        rd_out.append(after)
        invalid_k.append(k and not is_control(byte))
    return {"code": (10, code), "rd_out": (1, rd_out), "invalid_k": (1, invalid_k)}


def decoder_columns() -> dict:
    """ROM columns indexed by the code word: its symbol (0 for a word the encoder never
    makes), and for each running disparity before it whether the word is valid there and
    the disparity after it."""
    table = decoding()
    columns = {name: [] for name in ("data", "k", "valid_minus", "valid_plus",
                                     "after_minus", "after_plus")}
    for word in range(1 << 10):
        starts = table.get(word, {})
        (byte, k), _ = next(iter(starts.values()), ((0, False), 0))
        columns["data"].append(byte)
        columns["k"].append(k)
        for rd, name in ((0, "minus"), (1, "plus")):
            columns[f"valid_{name}"].append(rd in starts)
            columns[f"after_{name}"].append(starts[rd][1] if rd in starts else rd)
    widths = {"data": 8}
    return {name: (widths.get(name, 1), values) for name, values in columns.items()}
