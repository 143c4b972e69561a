"""Reference 8b/10b code tables, built from the standard's 5b/6b and 3b/4b tables.

This module is the *independent* reference the gateware is tested against: it does not
import ``hdl`` and is written in a different form (both running-disparity columns spelled
out as the standard prints them, whole 10-bit code words enumerated) from the gateware's
sub-block logic.

Conventions
-----------
* A 10-bit code word is an ``int`` whose bit 9 is ``a`` (sent first) and bit 0 is ``j``
  (sent last), so ``f"{code:010b}"`` reads ``abcdeifghj`` as the standard's tables do.
* Running disparity (RD) is ``0`` for RD− and ``1`` for RD+.
* A symbol is ``(byte, k)``: ``byte`` is ``HGFEDCBA`` and ``k`` marks a control (K) code.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CONTROL_CODES",
    "Decoded",
    "decode",
    "encode",
    "code_words",
    "disparity",
    "is_valid_symbol",
]

# 5b/6b: EDCBA -> abcdei, as (RD− column, RD+ column). One entry where both are equal.
_5B6B_DATA = {
    0: ("100111", "011000"), 1: ("011101", "100010"), 2: ("101101", "010010"),
    3: ("110001", "110001"), 4: ("110101", "001010"), 5: ("101001", "101001"),
    6: ("011001", "011001"), 7: ("111000", "000111"), 8: ("111001", "000110"),
    9: ("100101", "100101"), 10: ("010101", "010101"), 11: ("110100", "110100"),
    12: ("001101", "001101"), 13: ("101100", "101100"), 14: ("011100", "011100"),
    15: ("010111", "101000"), 16: ("011011", "100100"), 17: ("100011", "100011"),
    18: ("010011", "010011"), 19: ("110010", "110010"), 20: ("001011", "001011"),
    21: ("101010", "101010"), 22: ("011010", "011010"), 23: ("111010", "000101"),
    24: ("110011", "001100"), 25: ("100110", "100110"), 26: ("010110", "010110"),
    27: ("110110", "001001"), 28: ("001110", "001110"), 29: ("101110", "010001"),
    30: ("011110", "100001"), 31: ("101011", "010100"),
}
_5B6B_K28 = ("001111", "110000")

# 3b/4b: HGF -> fghj, as (RD− column, RD+ column); the RD here is the one after 5b/6b.
_3B4B_DATA = {
    0: ("1011", "0100"), 1: ("1001", "1001"), 2: ("0101", "0101"), 3: ("1100", "0011"),
    4: ("1101", "0010"), 5: ("1010", "1010"), 6: ("0110", "0110"), 7: ("1110", "0001"),
}
_3B4B_DATA_A7 = ("0111", "1000")
_3B4B_CONTROL = {
    0: ("1011", "0100"), 1: ("0110", "1001"), 2: ("1010", "0101"), 3: ("1100", "0011"),
    4: ("1101", "0010"), 5: ("0101", "1010"), 6: ("1001", "0110"), 7: ("0111", "1000"),
}
# D.x.7 uses the alternate A7 code where P7 would make a run of five equal bits.
_A7_AFTER_RD_MINUS = {17, 18, 20}
_A7_AFTER_RD_PLUS = {11, 13, 14}

#: The twelve control codes of the standard, as ``HGFEDCBA`` bytes (K.28.0 .. K.30.7).
CONTROL_CODES = frozenset(
    [(y << 5) | 28 for y in range(8)] + [(7 << 5) | x for x in (23, 27, 29, 30)]
)


def disparity(bits: str) -> int:
    """Ones minus zeros of a bit string."""
    return 2 * bits.count("1") - len(bits)


def _rd_after(rd: int, bits: str) -> int:
    d = disparity(bits)
    assert d in (-2, 0, 2), f"sub-block {bits} has disparity {d}"
    return rd if d == 0 else int(d > 0)


def is_valid_symbol(byte: int, k: bool) -> bool:
    """True for every data byte and for the twelve standard control codes."""
    return 0 <= byte <= 0xFF and (not k or byte in CONTROL_CODES)


def encode(byte: int, k: bool, rd: int) -> tuple[int, int]:
    """Encode one symbol; returns ``(code, rd_after)``.

    Raises
    ------
    ValueError
        If ``(byte, k)`` is not a symbol of the code.
    """
    if not is_valid_symbol(byte, k):
        raise ValueError(f"K.{byte & 31}.{byte >> 5} is not a control code of 8b/10b")
    x, y = byte & 0x1F, byte >> 5
    six = (_5B6B_K28 if k and x == 28 else _5B6B_DATA[x])[rd]
    rd_mid = _rd_after(rd, six)
    if k:
        four = _3B4B_CONTROL[y][rd_mid]
    elif y == 7 and x in (_A7_AFTER_RD_MINUS if rd_mid == 0 else _A7_AFTER_RD_PLUS):
        four = _3B4B_DATA_A7[rd_mid]
    else:
        four = _3B4B_DATA[y][rd_mid]
    return int(six + four, 2), _rd_after(rd_mid, four)


def _all_symbols():
    for byte in range(256):
        yield byte, False
    for byte in sorted(CONTROL_CODES):
        yield byte, True


def code_words(rd: int) -> dict[int, tuple[int, bool, int]]:
    """Every code word of one RD column: ``code -> (byte, k, rd_after)``."""
    return {code: (byte, k, rd_out)
            for byte, k in _all_symbols()
            for code, rd_out in [encode(byte, k, rd)]}


_COLUMNS = (code_words(0), code_words(1))


@dataclass(frozen=True)
class Decoded:
    """What a receiver makes of one 10-bit code word.

    ``code_error``: the word is in neither RD column (``byte``/``k`` are then 0).
    ``disparity_error``: the word is valid, but only in the other RD column; the
    receiver takes the sender's RD from that column.
    """

    byte: int
    k: bool
    code_error: bool
    disparity_error: bool
    rd_after: int


def decode(code: int, rd: int) -> Decoded:
    """Decode one code word received with running disparity ``rd``."""
    if code in _COLUMNS[rd]:
        byte, k, rd_out = _COLUMNS[rd][code]
        return Decoded(byte, k, False, False, rd_out)
    if code in _COLUMNS[1 - rd]:
        byte, k, rd_out = _COLUMNS[1 - rd][code]
        return Decoded(byte, k, False, True, rd_out)
    return Decoded(0, False, True, False, rd)
